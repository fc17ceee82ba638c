// "3 new" on the circles list: for every circle of a member at once, the events after their read
// position that count as new ($lib/unread.ts has the rule; this is its SQL).
import { sql, type RawBuilder } from 'kysely';
import type { Database } from '$lib/server/db';
import { NEW_EVENT_TYPES, UNREAD_CAP, type UnreadCount } from '$lib/unread';
import { eventVisibleTo } from '$lib/server/checkins/audience';

/**
 * The rule of $lib/unread.ts (countsAsNew) over circle_events aliased `e`, for `userId`; and, as
 * the browser only ever receives a stand-in for them, a check-in the member may not see does not count.
 */
export function newEventFor(userId: string): RawBuilder<boolean> {
	const types = sql.join(NEW_EVENT_TYPES.map((type) => sql.lit(type)));
	return sql<boolean>`e.type IN (${types}) AND (e.actor_id IS NULL OR e.actor_id <> ${userId}) AND ${eventVisibleTo(userId)}`;
}

/**
 * One query for all of the member's circles. Each circle's count reads its log from the read
 * position on, through the index behind UNIQUE (circle_id, seq), and stops after UNREAD_CAP + 1
 * new events: a member who has not looked for months costs a hundred index steps per circle, not
 * the whole log. (Plans, both dialects: a SEARCH / Index Scan on that index, one per circle, with
 * `seq > read_seq` as its range: see tests/unit/unread.test.ts.) Every part is read in one
 * statement, so one snapshot: `latestSeq` is exactly the newest event the count reflects.
 */
export async function countUnread(db: Database, userId: string): Promise<UnreadCount[]> {
	const { rows } = await unreadCountsQuery(userId).execute(db);
	return rows.map((row) => ({
		circleId: row.circle_id,
		count: Number(row.count),
		readSeq: Number(row.read_seq),
		latestSeq: Number(row.latest_seq)
	}));
}

/** countUnread's statement (its plans are checked in tests/unit/unread.test.ts). */
export function unreadCountsQuery(userId: string) {
	return sql<{ circle_id: string; read_seq: number; latest_seq: number; count: number }>`
		SELECT m.circle_id,
			COALESCE(r.read_seq, 0) AS read_seq,
			COALESCE((SELECT MAX(latest.seq) FROM circle_events latest WHERE latest.circle_id = m.circle_id), 0) AS latest_seq,
			(SELECT COUNT(*) FROM (
				SELECT 1 AS one FROM circle_events e
				WHERE e.circle_id = m.circle_id AND e.seq > COALESCE(r.read_seq, 0) AND ${newEventFor(userId)}
				LIMIT ${sql.lit(UNREAD_CAP + 1)}
			) capped) AS count
		FROM memberships m
		LEFT JOIN read_positions r ON r.circle_id = m.circle_id AND r.user_id = m.user_id
		WHERE m.user_id = ${userId}`;
}
