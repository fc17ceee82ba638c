// Who sees a check-in (issue 20): the author's choice, checked when written, and the server's
// side of the one rule ($lib/checkins maySeeCheckIn) for every path that reads or counts one.
// Reads always go by the check-in's audience as it now is: narrowed later, a check-in is gone from
// the feed, the member's page, the chart, catch-up and the counts of those no longer included.
import { sql, type ExpressionBuilder, type Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { isRowId } from '$lib/server/ids';
import { invalid } from '$lib/server/refusal';
import type { CircleAccess } from '$lib/server/circles/access';
import { maySeeCheckIn, type AudienceKind, type CheckInAudience } from '$lib/checkins';
import { checkInHidden, isCheckInEvent, type CircleEvent } from '$lib/realtime/events';

type Reader = Database | Transaction<DB>;

export const EMPTY_AUDIENCE = 'Please choose at least one person to share this with, or choose “Only me”.';
export const AUDIENCE_NOT_IN_CIRCLE = 'Someone you chose isn’t in this circle. Please choose again.';

export interface AudienceInput {
	audience?: AudienceKind | null;
	audienceMembers?: string[];
}

/**
 * The audience as it will be stored: the members chosen must all be in the circle now (a made-up
 * id or someone outside it is refused, with nothing written), and "chosen" with nobody but the
 * author is refused rather than quietly made private.
 */
export async function resolveAudience(
	trx: Reader,
	access: CircleAccess,
	input: Required<AudienceInput> & { audience: AudienceKind }
): Promise<CheckInAudience> {
	if (input.audience !== 'chosen') return { kind: input.audience, members: [] };
	const others = [...new Set(input.audienceMembers)].filter((id) => id !== access.userId);
	if (others.length === 0) throw invalid(EMPTY_AUDIENCE, 'audienceMembers');
	if (!others.every(isRowId)) throw invalid(AUDIENCE_NOT_IN_CIRCLE, 'audienceMembers');
	const rows = await trx.selectFrom('memberships').select('user_id').where('circle_id', '=', access.circle.id).where('user_id', 'in', others).execute();
	if (rows.length !== others.length) throw invalid(AUDIENCE_NOT_IN_CIRCLE, 'audienceMembers');
	return { kind: 'chosen', members: others.sort() };
}

/** Stores the audience of a check-in (in the caller's transaction), replacing what it was. */
export async function writeAudience(trx: Transaction<DB>, circleId: string, checkinId: string, audience: CheckInAudience, replace: boolean): Promise<void> {
	if (replace) {
		await trx.updateTable('checkins').set({ audience: audience.kind }).where('id', '=', checkinId).execute();
		await trx.deleteFrom('checkin_audience').where('checkin_id', '=', checkinId).execute();
	}
	if (audience.members.length > 0) {
		await trx
			.insertInto('checkin_audience')
			.values(audience.members.map((userId) => ({ checkin_id: checkinId, circle_id: circleId, user_id: userId })))
			.execute();
	}
}

/** The audiences of these check-ins (id and stored kind), by id. */
export async function loadAudiences(db: Reader, rows: Array<{ id: string; audience: string }>): Promise<Map<string, CheckInAudience>> {
	const audiences = new Map<string, CheckInAudience>(rows.map((row) => [row.id, { kind: row.audience as AudienceKind, members: [] }]));
	const chosen = rows.filter((row) => row.audience === 'chosen').map((row) => row.id);
	if (chosen.length > 0) {
		const members = await db
			.selectFrom('checkin_audience')
			.select(['checkin_id', 'user_id'])
			.where('checkin_id', 'in', chosen)
			.orderBy('checkin_id')
			.orderBy('user_id')
			.execute();
		for (const member of members) audiences.get(member.checkin_id)?.members.push(member.user_id);
	}
	return audiences;
}

/** The rule in SQL, over the `checkins` table of the query: may `userId` see this row? */
export function visibleTo(userId: string) {
	return (eb: ExpressionBuilder<DB, 'checkins'>) =>
		eb.or([
			eb('checkins.audience', '=', 'circle'),
			eb('checkins.author_id', '=', userId),
			eb.exists(
				eb
					.selectFrom('checkin_audience')
					.select('checkin_audience.user_id')
					.whereRef('checkin_audience.checkin_id', '=', 'checkins.id')
					.where('checkin_audience.user_id', '=', userId)
			)
		]);
}

/**
 * The rule in raw SQL over an event row aliased `e` (unread counts, "last activity"): an event
 * that is not about a check-in, or about one `userId` may see as it now is.
 */
export function eventVisibleTo(userId: string) {
	return sql<boolean>`(e.checkin_id IS NULL OR EXISTS (
		SELECT 1 FROM checkins c WHERE c.id = e.checkin_id AND (c.audience = 'circle' OR c.author_id = ${userId}
			OR EXISTS (SELECT 1 FROM checkin_audience a WHERE a.checkin_id = c.id AND a.user_id = ${userId}))))`;
}

/**
 * Catch-up for one member: each event about a check-in they may not see (as it now is) becomes a
 * content-free "checkin.hidden" in its place, so the numbers stay gap-free (the client never thinks
 * it lost one) and a check-in no longer shared with them leaves their page.
 */
export async function eventsForMember(db: Reader, userId: string, events: CircleEvent[]): Promise<CircleEvent[]> {
	const ids = [...new Set(events.flatMap((event) => (isCheckInEvent(event) ? [event.payload.checkin.id] : [])))];
	if (ids.length === 0) return events;
	const rows = await db.selectFrom('checkins').select(['id', 'author_id', 'audience']).where('id', 'in', ids).execute();
	const audiences = await loadAudiences(db, rows);
	const visible = new Set(
		rows.filter((row) => maySeeCheckIn({ author: { id: row.author_id }, audience: audiences.get(row.id)! }, userId)).map((row) => row.id)
	);
	return events.map((event) => (isCheckInEvent(event) && !visible.has(event.payload.checkin.id) ? checkInHidden(event) : event));
}
