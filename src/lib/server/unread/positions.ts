// Read positions (issue 18, item 4): how far each member has read in each of their circles, as the
// number of the last event of the circle's log they have seen (0018_read_positions.sql).
//
// - It only moves forward. Two devices marking at once (or a late mark from a tab left open) keep
//   the larger: one upsert, whose update takes MAX/GREATEST of the two and is skipped when nothing
//   would move. On PostgreSQL the conflicting insert waits for the other's row lock and then reads
//   the committed row, so no interleaving can move it back.
// - It is never past the circle's newest event (a tampered number is clamped, not refused).
// - It belongs to the membership (the foreign key cascades): leaving, removal, account deletion
//   and circle deletion take it with them. It is not in the account export: it says nothing the
//   person wrote or shared, only how far they have read, and goes with the membership the export
//   does list (README, "Unread").
// - A member who joins has read up to their own joining: what came before is history, not news.
import { sql } from 'kysely';
import type { Database } from '$lib/server/db';
import { dialectOf } from '$lib/server/db/dialect';
import { isForeignKeyViolation } from '$lib/server/db/errors';
import { latestCircleEventSeq } from '$lib/server/circles/events';
import type { CircleAccess } from '$lib/server/circles/access';
import { notFound } from '$lib/server/refusal';
import { prepared } from '$lib/server/db/prepared';
import { publishCircleRead } from '$lib/server/realtime/publish';
import { clearPushNotice } from '$lib/server/push';

export interface ReadPosition {
	/** The last event they have seen (0: none). */
	readSeq: number;
	/** When that event happened (null when there is none): what is newer arrived since. */
	seenAt: number | null;
}

/** Where the member has read to in this circle, and when what they last saw happened. */
export async function readPositionOf(db: Database, access: CircleAccess): Promise<ReadPosition> {
	const [row] = await positionOf(db, access.circle.id, access.userId);
	return { readSeq: Number(row?.read_seq ?? 0), seenAt: row?.created_at ?? null };
}

// Read by every opening of a circle's home (db/prepared.ts).
const positionOf = prepared((db, circleId: string, userId: string) =>
	db
		.selectFrom('read_positions as r')
		.leftJoin('circle_events as e', (join) => join.onRef('e.circle_id', '=', 'r.circle_id').onRef('e.seq', '=', 'r.read_seq'))
		.select(['r.read_seq', 'e.created_at'])
		.where('r.circle_id', '=', circleId)
		.where('r.user_id', '=', userId)
);

/** In the transaction that makes someone a member: they have read up to `seq` (their joining). */
export async function startReadPosition(trx: Database, circleId: string, userId: string, seq: number, now: number): Promise<void> {
	await trx
		.insertInto('read_positions')
		.values({ circle_id: circleId, user_id: userId, read_seq: seq, read_at: now })
		.onConflict((oc) => oc.columns(['circle_id', 'user_id']).doNothing())
		.execute();
}

export interface MarkReadOptions {
	/** Where the newest event is read to clamp with: the committed reader (see circles/events.ts). */
	committed?: Database;
	now?: number;
}

// Asked by every opening of a circle's home (db/prepared.ts): where the member has read to, and
// whether a push notice waits to be cleared.
const positionAndNotice = prepared((db, circleId: string, userId: string) =>
	db
		.selectFrom('read_positions as r')
		.select((eb) => [
			'r.read_seq',
			eb
				.exists(eb.selectFrom('push_notices as n').select('n.user_id').whereRef('n.circle_id', '=', 'r.circle_id').whereRef('n.user_id', '=', 'r.user_id'))
				.as('notice')
		])
		.where('r.circle_id', '=', circleId)
		.where('r.user_id', '=', userId)
);

async function nothingToMark(committed: Database, circleId: string, userId: string, target: number): Promise<boolean> {
	const [row] = await positionAndNotice(committed, circleId, userId);
	return row !== undefined && Number(row.read_seq) >= target && !row.notice;
}

/**
 * The member has seen the circle up to event `seq` (clamped to its newest). Moves their position
 * forward only; when it moved, every device of theirs is told (`circle:read` to their own room, on
 * every server), so "3 new" clears everywhere. Not found when they are no longer a member.
 */
export async function markCircleRead(
	db: Database,
	access: CircleAccess,
	seq: number,
	{ committed = db, now = Date.now() }: MarkReadOptions = {}
): Promise<{ readSeq: number; moved: boolean }> {
	// readSeq: where the position now stands when it moved; otherwise it was already at or past it.
	const circleId = access.circle.id;
	const userId = access.userId;
	// The newest only grows, so a number clamped to it now stays within the log.
	const target = Math.min(Math.max(0, Math.trunc(seq)), await latestCircleEventSeq(committed, circleId));
	// Most reads change nothing (the page opened again, nothing new, no notice waiting): then no
	// write at all, so opening a quiet circle never waits for the writer. Both only grow or only
	// go away by a read, so a committed answer that says "nothing to do" stays true.
	if (await nothingToMark(committed, circleId, userId, target)) return { readSeq: target, moved: false };
	const larger = dialectOf(db) === 'postgres' ? sql`GREATEST` : sql`MAX`;
	let moved: { read_seq: number } | undefined;
	try {
		moved = await db
			.insertInto('read_positions')
			.values({ circle_id: circleId, user_id: userId, read_seq: target, read_at: now })
			.onConflict((oc) =>
				oc
					.columns(['circle_id', 'user_id'])
					.doUpdateSet({ read_seq: sql<number>`${larger}(read_positions.read_seq, excluded.read_seq)`, read_at: sql<number>`excluded.read_at` })
					.where('read_positions.read_seq', '<', sql<number>`excluded.read_seq`)
			)
			.returning('read_seq')
			.executeTakeFirst();
	} catch (caught) {
		// The membership went meanwhile (left, removed, the circle deleted): as for any outsider.
		if (isForeignKeyViolation(caught)) throw notFound();
		throw caught;
	}
	if (moved) publishCircleRead(userId, circleId, Number(moved.read_seq));
	// Read: the next news of this circle may reach this member's devices again, one push until the
	// next read (push/index.ts). Also when the position did not move: a notice sent meanwhile goes too.
	try {
		await clearPushNotice(db, userId, circleId);
	} catch (caught) {
		console.error('After marking a circle read', caught);
	}
	return moved ? { readSeq: Number(moved.read_seq), moved: true } : { readSeq: target, moved: false };
}
