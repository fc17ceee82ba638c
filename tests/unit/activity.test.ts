import { describe, expect, it } from 'vitest';
import { describeEvent, type EventContent } from '$lib/activity';
import type { CircleEventType } from '$lib/realtime/events';
import type { MilestoneView } from '$lib/milestones';
import type { CheckInView } from '$lib/checkins';

const sams = { author: { id: 's', displayName: 'Sam', relationship: 'Son' } } as CheckInView;
const thirtyDays = { kind: 'automatic', title: '30 days', subject: { id: 's', displayName: 'Sam' } } as MilestoneView;
const dinner = { kind: 'victory', title: 'First family dinner', subject: null } as MilestoneView;
const calls = { agreementId: 'a', title: 'Calls' };

// One sentence for every kind of event in the log: a new event type fails to compile here until
// it has its sentence (and its test).
const SENTENCES: { [T in CircleEventType]: Array<[EventContent & { type: T }, string]> } = {
	'circle.created': [[{ type: 'circle.created', payload: { name: 'The Garcias' } }, 'Maria started the circle.']],
	'member.joined': [[{ type: 'member.joined', payload: { userId: 's', displayName: 'Sam', role: 'member' } }, 'Sam joined the circle.']],
	'member.left': [[{ type: 'member.left', payload: { userId: 's', displayName: 'Sam' } }, 'Sam left the circle.']],
	'member.removed': [[{ type: 'member.removed', payload: { userId: 's', displayName: 'Sam' } }, 'Sam is no longer in the circle.']],
	'member.role-changed': [
		[{ type: 'member.role-changed', payload: { userId: 's', displayName: 'Sam', role: 'admin' } }, 'Sam is now an admin.'],
		[{ type: 'member.role-changed', payload: { userId: 's', displayName: 'Sam', role: 'member' } }, 'Sam is now a member.'],
		[{ type: 'member.role-changed', payload: { userId: 's', displayName: 'Sam', role: 'owner' } }, 'Sam is now the owner.']
	],
	'member.profile-changed': [
		[
			{ type: 'member.profile-changed', payload: { userId: 's', displayName: 'Sam', relationship: 'Son', inRecovery: true } },
			'Sam updated how they appear in the circle.'
		]
	],
	'circle.ownership-transferred': [
		[{ type: 'circle.ownership-transferred', payload: { fromUserId: 'm', toUserId: 's', toDisplayName: 'Sam' } }, 'Maria handed ownership to Sam.']
	],
	'invite.created': [[{ type: 'invite.created', payload: { inviteId: 'i' } }, 'Maria made an invite link.']],
	'invite.revoked': [[{ type: 'invite.revoked', payload: { inviteId: 'i' } }, 'Maria turned off an invite link.']],
	'checkin.posted': [[{ type: 'checkin.posted', payload: { checkin: sams } }, 'Maria checked in.']],
	'checkin.edited': [[{ type: 'checkin.edited', payload: { checkin: sams } }, 'Maria edited a check-in.']],
	'checkin.removed': [[{ type: 'checkin.removed', payload: { checkin: sams } }, 'Maria removed a check-in.']],
	'checkin.reacted': [[{ type: 'checkin.reacted', payload: { checkin: sams } }, 'Maria responded to Sam’s check-in.']],
	'checkin.replied': [[{ type: 'checkin.replied', payload: { checkin: sams } }, 'Maria replied to Sam’s check-in.']],
	'checkin.reply-edited': [[{ type: 'checkin.reply-edited', payload: { checkin: sams } }, 'Maria replied to Sam’s check-in.']],
	'checkin.reply-removed': [[{ type: 'checkin.reply-removed', payload: { checkin: sams } }, 'Maria replied to Sam’s check-in.']],
	'checkin.hidden': [[{ type: 'checkin.hidden', payload: { checkinId: 'c' } }, 'Something changed in the circle.']],
	'agreement.proposed': [[{ type: 'agreement.proposed', payload: calls }, 'Maria proposed an agreement: “Calls”.']],
	'agreement.revision-proposed': [[{ type: 'agreement.revision-proposed', payload: { ...calls, version: 2 } }, 'Maria proposed version 2 of “Calls”.']],
	'agreement.withdrawal-proposed': [[{ type: 'agreement.withdrawal-proposed', payload: calls }, 'Maria proposed withdrawing the open proposal on “Calls”.']],
	'agreement.retirement-proposed': [[{ type: 'agreement.retirement-proposed', payload: calls }, 'Maria proposed retiring “Calls”.']],
	'agreement.answered': [
		[{ type: 'agreement.answered', payload: { ...calls, answer: 'agree' } }, 'Maria agreed to “Calls”.'],
		[{ type: 'agreement.answered', payload: { ...calls, answer: 'agree', acknowledgement: true } }, 'Maria read and agreed to “Calls”.'],
		[{ type: 'agreement.answered', payload: { ...calls, answer: 'changes' } }, 'Maria would like changes to “Calls”.']
	],
	'agreement.commented': [[{ type: 'agreement.commented', payload: calls }, 'Maria commented on “Calls”.']],
	'agreement.agreed': [
		[{ type: 'agreement.agreed', payload: calls }, 'Everyone agreed to “Calls”.'],
		[{ type: 'agreement.agreed', payload: { ...calls, version: 1 } }, 'Everyone agreed to “Calls”.'],
		[{ type: 'agreement.agreed', payload: { ...calls, version: 3 } }, 'Everyone agreed to version 3 of “Calls”.']
	],
	'agreement.withdrawn': [[{ type: 'agreement.withdrawn', payload: calls }, '“Calls” was withdrawn, with everyone’s agreement.']],
	'agreement.proposal-withdrawn': [
		[
			{ type: 'agreement.proposal-withdrawn', payload: calls },
			'The proposed change to “Calls” was withdrawn, with everyone’s agreement; the agreed version stays.'
		]
	],
	'agreement.retired': [[{ type: 'agreement.retired', payload: calls }, '“Calls” was retired, with everyone’s agreement.']],
	'milestone.reached': [[{ type: 'milestone.reached', payload: { milestone: thirtyDays, celebrate: true } }, '🎉 Sam: 30 days in recovery.']],
	'milestone.added': [[{ type: 'milestone.added', payload: { milestone: dinner, celebrate: true } }, 'Maria added a milestone: “First family dinner”.']],
	'milestone.cheered': [
		[{ type: 'milestone.cheered', payload: { milestone: thirtyDays, celebrate: false } }, 'Maria cheered “Sam: 30 days in recovery”.'],
		[{ type: 'milestone.cheered', payload: { milestone: dinner, celebrate: false } }, 'Maria cheered “First family dinner”.']
	],
	'milestone.cheer-edited': [[{ type: 'milestone.cheer-edited', payload: { milestone: dinner, celebrate: false } }, 'Maria cheered “First family dinner”.']],
	'milestone.removed': [
		[{ type: 'milestone.removed', payload: { milestoneId: 'v', title: 'First family dinner' } }, 'Maria removed the milestone “First family dinner”.']
	],
	'recovery.date-set': [
		[{ type: 'recovery.date-set', payload: { userId: 's', displayName: 'Sam', startedOn: '2026-01-01' } }, 'Sam set the day their recovery began.']
	],
	'recovery.lapse-shared': [
		[{ type: 'recovery.lapse-shared', payload: { userId: 's', displayName: 'Sam' } }, 'Sam shared that they had a lapse. Coming back is part of recovery.']
	],
	'circle.time-zone-changed': [
		[{ type: 'circle.time-zone-changed', payload: { timeZone: 'Europe/Madrid' } }, 'Maria set the circle’s time zone to Europe/Madrid.']
	],
	'plan.changed': [
		[{ type: 'plan.changed', payload: { ownerId: null, version: 2 } }, 'Maria updated the family’s overdose plan.'],
		[{ type: 'plan.changed', payload: { ownerId: 'u1', version: 1 } }, 'Maria updated their safety plan.']
	],
	'plan.suggested': [[{ type: 'plan.suggested', payload: { ownerId: 'u1', suggestionId: 's1' } }, 'Maria suggested an addition to a safety plan.']],
	'plan.suggestion-answered': [
		[{ type: 'plan.suggestion-answered', payload: { ownerId: 'u1', suggestionId: 's1', accepted: true } }, 'Maria added a suggestion to their safety plan.'],
		[
			{ type: 'plan.suggestion-answered', payload: { ownerId: 'u1', suggestionId: 's1', accepted: false } },
			'Maria answered a suggestion for their safety plan.'
		]
	],
	'member.account-deleted': [
		[
			{ type: 'member.account-deleted', payload: {} },
			'Someone deleted their Hearth account. What they shared is gone; agreements keep their part as “a former member”.'
		]
	],
	'event.erased': [[{ type: 'event.erased', payload: {} }, 'Something here went with an account that was deleted.']]
};

describe('the circle’s history in words', () => {
	for (const [type, cases] of Object.entries(SENTENCES)) {
		it(`tells of ${type}`, () => {
			for (const [event, sentence] of cases) expect(describeEvent(event, 'Maria')).toBe(sentence);
		});
	}

	it('names a milestone of someone no longer known as “Someone”', () => {
		const milestone = { kind: 'automatic', title: 'Came back', subject: null } as MilestoneView;
		expect(describeEvent({ type: 'milestone.reached', payload: { milestone, celebrate: true } }, 'Maria')).toBe('🎉 Someone came back.');
	});
});
