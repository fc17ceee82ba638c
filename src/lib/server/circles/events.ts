import type { Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { prepared } from '$lib/server/db/prepared';
import type { CircleEvent, CircleEventType } from '$lib/realtime/events';

type Writer = Database | Transaction<DB>;

// Every change in a circle writes one, so it is built once (see db/prepared.ts).
const insertEvent = prepared((db, circleId: string, actorId: string | null, type: string, payload: string, createdAt: number) =>
	db.insertInto('circle_events').values({ circle_id: circleId, actor_id: actorId, type, payload, created_at: createdAt }).returning('id')
);

/**
 * Appends one event to the circle's log, in the caller's transaction (the newest event is also
 * what "latest activity" shows). Returns the event to broadcast once the transaction has committed.
 */
export async function appendCircleEvent<T extends CircleEventType>(
	trx: Writer,
	event: { circleId: string; actorId: string | null; type: T; payload: Extract<CircleEvent, { type: T }>['payload']; now: number }
): Promise<CircleEvent> {
	const [row] = await insertEvent(trx, event.circleId, event.actorId, event.type, JSON.stringify(event.payload), event.now);
	return {
		id: row!.id,
		circleId: event.circleId,
		actorId: event.actorId,
		type: event.type,
		payload: event.payload,
		createdAt: event.now
	} as CircleEvent;
}

/** At most this many events are replayed to a client that was away; past that it reloads. */
export const CATCH_UP_LIMIT = 500;

/** The circle's events after `afterId`, oldest first. `complete` is false when more were left out. */
export async function listCircleEventsAfter(
	db: Database,
	circleId: string,
	afterId: number,
	limit = CATCH_UP_LIMIT
): Promise<{ events: CircleEvent[]; complete: boolean }> {
	const rows = await db
		.selectFrom('circle_events')
		.selectAll()
		.where('circle_id', '=', circleId)
		.where('id', '>', afterId)
		.orderBy('id', 'asc')
		.limit(limit + 1)
		.execute();
	const events = rows.slice(0, limit).map(
		(row) =>
			({
				id: row.id,
				circleId: row.circle_id,
				actorId: row.actor_id,
				type: row.type,
				payload: JSON.parse(row.payload),
				createdAt: row.created_at
			}) as CircleEvent
	);
	return { events, complete: rows.length <= limit };
}

/** The newest event id of a circle (0 when it has none): where a freshly loaded page starts. */
export async function latestCircleEventId(db: Database, circleId: string): Promise<number> {
	const row = await db
		.selectFrom('circle_events')
		.select((eb) => eb.fn.max('id').as('latest'))
		.where('circle_id', '=', circleId)
		.executeTakeFirst();
	return Number(row?.latest ?? 0);
}
