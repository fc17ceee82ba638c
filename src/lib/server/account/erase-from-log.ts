// A circle's event log holds copies of what people shared (a check-in event carries the check-in,
// replies and who reacted; a milestone event carries its cheers). When someone deletes their
// account, every copy of them is taken out of the log too, without renumbering it: clients apply
// events strictly 1, 2, 3, … (circles/events.ts), so an event that was only about them stays in
// its place as an empty `event.erased`, and one that also holds others' words keeps those.
import type { CheckInView } from '$lib/checkins';
import type { MilestoneView } from '$lib/milestones';

export const ERASED_EVENT = 'event.erased';

export interface LoggedEvent {
	type: string;
	payload: unknown;
}

const erased = (): LoggedEvent => ({ type: ERASED_EVENT, payload: {} });

type Payload = Record<string, unknown>;

function withoutPersonInCheckIn(checkin: CheckInView, userId: string): CheckInView | null {
	if (checkin.author.id === userId) return null;
	const reactions = Object.fromEntries(
		Object.entries(checkin.reactions).map(([kind, userIds]) => [kind, userIds.filter((id) => id !== userId)])
	) as CheckInView['reactions'];
	// Nor among those it was shared with (events from before audiences carry none).
	const audience = checkin.audience && { ...checkin.audience, members: checkin.audience.members.filter((id) => id !== userId) };
	return { ...checkin, reactions, replies: checkin.replies.filter((reply) => reply.author.id !== userId), ...(audience ? { audience } : {}) };
}

function withoutPersonInMilestone(milestone: MilestoneView, userId: string): MilestoneView | null {
	if (milestone.subject?.id === userId || milestone.createdBy?.id === userId) return null;
	return { ...milestone, cheers: milestone.cheers.filter((cheer) => cheer.person.id !== userId) };
}

/** Events whose payload is about one person, named by these fields. */
const PERSON_FIELDS = ['userId', 'fromUserId', 'toUserId'];

/**
 * The event as it may stay in the log once `userId` is gone: unchanged, with their part taken
 * out, or erased. Anything that still names them after that is erased whole, so a payload shape
 * added later cannot keep a copy of someone by being forgotten here.
 */
export function withoutPerson(event: LoggedEvent, userId: string): LoggedEvent {
	const payload = (event.payload ?? {}) as Payload;
	let result: LoggedEvent = event;
	if (PERSON_FIELDS.some((field) => payload[field] === userId)) return erased();
	if (event.type.startsWith('checkin.') && payload.checkin) {
		const checkin = withoutPersonInCheckIn(payload.checkin as CheckInView, userId);
		if (!checkin) return erased();
		result = { type: event.type, payload: { ...payload, checkin } };
	} else if (event.type.startsWith('milestone.') && payload.milestone) {
		const milestone = withoutPersonInMilestone(payload.milestone as MilestoneView, userId);
		if (!milestone) return erased();
		result = { type: event.type, payload: { ...payload, milestone } };
	}
	return JSON.stringify(result.payload).includes(userId) ? erased() : result;
}
