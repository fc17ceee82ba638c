// A circle's history in words: one plain English sentence per event of its log, for the circle's
// home page. Pure (no database, no server code), so the browser could tell the story too.
import type { CircleRole } from '$lib/circles';
import { milestoneHeadline } from '$lib/milestones';
import type { CircleEvent } from '$lib/realtime/events';

const ROLE_WORDS: Record<CircleRole, string> = { owner: 'the owner', admin: 'an admin', member: 'a member' };

/** An event's type and payload, still telling the types apart. */
export type EventContent<E = CircleEvent> = E extends CircleEvent ? Pick<E, 'type' | 'payload'> : never;

/** What happened, in a sentence; `actor` is the display name of whoever did it. */
export function describeEvent(event: EventContent, actor: string): string {
	switch (event.type) {
		case 'circle.created':
			return `${actor} started the circle.`;
		case 'member.joined':
			return `${event.payload.displayName} joined the circle.`;
		case 'member.left':
			return `${event.payload.displayName} left the circle.`;
		case 'member.removed':
			return `${event.payload.displayName} is no longer in the circle.`;
		case 'member.role-changed':
			return `${event.payload.displayName} is now ${ROLE_WORDS[event.payload.role]}.`;
		case 'member.profile-changed':
			return `${event.payload.displayName} updated how they appear in the circle.`;
		case 'circle.ownership-transferred':
			return `${actor} handed ownership to ${event.payload.toDisplayName}.`;
		case 'invite.created':
			return `${actor} made an invite link.`;
		case 'invite.revoked':
			return `${actor} turned off an invite link.`;
		case 'checkin.posted':
			return `${actor} checked in.`;
		case 'checkin.edited':
			return `${actor} edited a check-in.`;
		case 'checkin.removed':
			return `${actor} removed a check-in.`;
		case 'checkin.reacted':
			return `${actor} responded to ${event.payload.checkin.author.displayName}’s check-in.`;
		case 'checkin.replied':
		case 'checkin.reply-edited':
		case 'checkin.reply-removed':
			return `${actor} replied to ${event.payload.checkin.author.displayName}’s check-in.`;
		case 'checkin.hidden':
			// Never stored, so never in the history; it names nobody all the same.
			return 'Something changed in the circle.';
		case 'agreement.proposed':
			return `${actor} proposed an agreement: “${event.payload.title}”.`;
		case 'agreement.revision-proposed':
			return `${actor} proposed version ${event.payload.version} of “${event.payload.title}”.`;
		case 'agreement.withdrawal-proposed':
			return `${actor} proposed withdrawing the open proposal on “${event.payload.title}”.`;
		case 'agreement.retirement-proposed':
			return `${actor} proposed retiring “${event.payload.title}”.`;
		case 'agreement.answered':
			if (event.payload.answer === 'changes') return `${actor} would like changes to “${event.payload.title}”.`;
			return event.payload.acknowledgement ? `${actor} read and agreed to “${event.payload.title}”.` : `${actor} agreed to “${event.payload.title}”.`;
		case 'agreement.commented':
			return `${actor} commented on “${event.payload.title}”.`;
		case 'agreement.agreed':
			return (event.payload.version ?? 1) > 1
				? `Everyone agreed to version ${event.payload.version} of “${event.payload.title}”.`
				: `Everyone agreed to “${event.payload.title}”.`;
		case 'agreement.withdrawn':
			return `“${event.payload.title}” was withdrawn, with everyone’s agreement.`;
		case 'agreement.proposal-withdrawn':
			return `The proposed change to “${event.payload.title}” was withdrawn, with everyone’s agreement; the agreed version stays.`;
		case 'agreement.retired':
			return `“${event.payload.title}” was retired, with everyone’s agreement.`;
		case 'milestone.reached':
			return `🎉 ${milestoneHeadline(event.payload.milestone)}.`;
		case 'milestone.added':
			return `${actor} added a milestone: “${event.payload.milestone.title}”.`;
		case 'milestone.cheered':
		case 'milestone.cheer-edited':
			return `${actor} cheered “${milestoneHeadline(event.payload.milestone)}”.`;
		case 'milestone.removed':
			return `${actor} removed the milestone “${event.payload.title}”.`;
		case 'recovery.date-set':
			return `${event.payload.displayName} set the day their recovery began.`;
		case 'recovery.lapse-shared':
			return `${event.payload.displayName} shared that they had a lapse. Coming back is part of recovery.`;
		case 'circle.time-zone-changed':
			return `${actor} set the circle’s time zone to ${event.payload.timeZone}.`;
		case 'plan.changed':
			return event.payload.ownerId === null ? `${actor} updated the family’s overdose plan.` : `${actor} updated their safety plan.`;
		case 'plan.suggested':
			return `${actor} suggested an addition to a safety plan.`;
		case 'plan.suggestion-answered':
			return event.payload.accepted ? `${actor} added a suggestion to their safety plan.` : `${actor} answered a suggestion for their safety plan.`;
		case 'member.account-deleted':
			return 'Someone deleted their Hearth account. What they shared is gone; agreements keep their part as “a former member”.';
		case 'event.erased':
			return 'Something here went with an account that was deleted.';
	}
}
