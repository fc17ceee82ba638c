// Each circle's append-only event log, and the sync protocol's server side.
//
// Why it cannot skip (README, "Live sync"): every event gets the next number of its circle (1, 2,
// 3, …) inside the transaction that makes the change, so numbers are gap-free in commit order. A
// browser applies them strictly in order: it holds anything that arrives early and asks for the
// missing ones, whatever mix of live events and catch-up replies brings them. Only committed
// events leave the server: live ones after their COMMIT, catch-up replies from the committed
// reader. So a crash can drop only numbers nobody has seen, and they are handed out again.
import { sql, type Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { prepared } from '$lib/server/db/prepared';
import type { CircleEvent, CircleEventType } from '$lib/realtime/events';

type Writer = Database | Transaction<DB>;

// The number is one more than the circle's newest, in the same statement as the insert. SQLite has
// one writer at a time, so no two transactions can read the same newest. On PostgreSQL the writing
// transaction holds the circle's lock, taken in an earlier statement (lockCircle, db/dialect.ts): a
// second writer waits until the first has committed and takes the next number, so a smaller number
// is never visible after a larger one. UNIQUE (circle_id, seq) refuses a duplicate either way.
// Every change in a circle writes one, so it is built once (see db/prepared.ts).
const insertEvent = prepared((db, circleId: string, actorId: string | null, type: string, payload: string, createdAt: number, checkinId: string | null) =>
	db
		.insertInto('circle_events')
		.values({
			circle_id: circleId,
			seq: sql<number>`(SELECT COALESCE(MAX(seq), 0) + 1 FROM circle_events WHERE circle_id = ${circleId})`,
			actor_id: actorId,
			type,
			payload,
			created_at: createdAt,
			checkin_id: checkinId
		})
		.returning('seq')
);

/**
 * Appends one event to the circle's log, in the caller's transaction (the newest event is also
 * what "latest activity" shows). Returns the event to broadcast once the transaction has committed.
 */
export async function appendCircleEvent<T extends CircleEventType>(
	trx: Writer,
	event: { circleId: string; actorId: string | null; type: T; payload: Extract<CircleEvent, { type: T }>['payload']; now: number }
): Promise<CircleEvent> {
	// Kept beside the payload so per-member reads can leave out check-ins they may not see (checkins/audience.ts).
	const checkinId = 'checkin' in event.payload ? event.payload.checkin.id : null;
	const [row] = await insertEvent(trx, event.circleId, event.actorId, event.type, JSON.stringify(event.payload), event.now, checkinId);
	return {
		seq: row!.seq,
		circleId: event.circleId,
		actorId: event.actorId,
		type: event.type,
		payload: event.payload,
		createdAt: event.now
	} as CircleEvent;
}

/** At most this many events in one catch-up reply; a client further behind asks again from where it ended (CircleSync). */
export const CATCH_UP_LIMIT = 500;

/**
 * The circle's events after `afterSeq`, oldest first, with no gaps. `complete` is false when more
 * were left out. Pass the committed reader (getCommittedDb), never the writing connection.
 */
export async function listCircleEventsAfter(
	committed: Database,
	circleId: string,
	afterSeq: number,
	limit = CATCH_UP_LIMIT
): Promise<{ events: CircleEvent[]; complete: boolean }> {
	const rows = await committed
		.selectFrom('circle_events')
		.select(['seq', 'circle_id', 'actor_id', 'type', 'payload', 'created_at'])
		.where('circle_id', '=', circleId)
		.where('seq', '>', afterSeq)
		.orderBy('seq', 'asc')
		.limit(limit + 1)
		.execute();
	const events = rows.slice(0, limit).map(
		(row) =>
			({
				seq: row.seq,
				circleId: row.circle_id,
				actorId: row.actor_id,
				type: row.type,
				payload: JSON.parse(row.payload),
				createdAt: row.created_at
			}) as CircleEvent
	);
	return { events, complete: rows.length <= limit };
}

/**
 * The number of the circle's newest committed event (0 when it has none). A page reads it before
 * its data, so the data reflects at least that event, and the browser replays what came after.
 */
export async function latestCircleEventSeq(committed: Database, circleId: string): Promise<number> {
	const [row] = await newestSeq(committed, circleId);
	return Number(row?.latest ?? 0);
}

// Read several times by every circle page (db/prepared.ts).
const newestSeq = prepared((db, circleId: string) =>
	db
		.selectFrom('circle_events')
		.select((eb) => eb.fn.max('seq').as('latest'))
		.where('circle_id', '=', circleId)
);
