// What counts as "new" for a member in a circle (issue 18, item 4): the ONE rule, shared by the
// server's count (src/lib/server/unread/counts.ts turns it into SQL) and the browser, which adds
// live events to the counts it was given (src/lib/unread/unread.svelte.ts).
//
// New is what someone else did that a member would want to come and see: a check-in, a reply, a
// milestone reached, added or cheered, an agreement proposed (or a change to one proposed: each
// waits for their answer), someone joining, a lapse the person chose to share. Never the member's
// own doing, and never housekeeping: invites made or revoked, profiles, roles, the time zone,
// edits and removals, reactions, and events emptied because their author deleted their account.
//
// Issue 20 (check-in audiences) adds here: a check-in the member may not see must not count.
import type { CircleEvent, CircleEventType } from '$lib/realtime/events';

/** The event types that count as new (for someone other than their actor). */
export const NEW_EVENT_TYPES = [
	'checkin.posted',
	'checkin.replied',
	'milestone.reached',
	'milestone.added',
	'milestone.cheered',
	'agreement.proposed',
	'agreement.revision-proposed',
	'agreement.withdrawal-proposed',
	'agreement.retirement-proposed',
	'member.joined',
	'recovery.lapse-shared'
] as const satisfies readonly CircleEventType[];

const NEW_TYPES: ReadonlySet<string> = new Set(NEW_EVENT_TYPES);

/**
 * True when this event is new for `userId`. An event with no actor (a milestone the clock reached)
 * is nobody's own doing, so it counts for everyone.
 */
export function countsAsNew(event: Pick<CircleEvent, 'type' | 'actorId'>, userId: string): boolean {
	return NEW_TYPES.has(event.type) && event.actorId !== userId;
}

/** Counts stop here: a circle with more shows "99+" (counting further would cost a read each). */
export const UNREAD_CAP = 99;

/** A count as shown: "3", or "99+" beyond the cap. */
export function unreadLabel(count: number): string {
	return count > UNREAD_CAP ? `${UNREAD_CAP}+` : String(count);
}

/** One circle's count as the server read it, with where in the log that count stands. */
export interface UnreadCount {
	circleId: string;
	/** New events after `readSeq`, up to UNREAD_CAP + 1 (more than the cap shows as "99+"). */
	count: number;
	/** The member's read position: the last event they have seen. */
	readSeq: number;
	/** The newest event the count reflects: live events after it are added, none before it. */
	latestSeq: number;
}
