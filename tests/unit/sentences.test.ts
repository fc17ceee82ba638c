// Sentences that read naturally in all their variants (issue 19, the rough edges): the cheers on a
// milestone, a milestone of an earlier stretch, the next milestone, a member's place, whom an
// invite link is for, and who added a victory being celebrated. Rendered on the server where a
// component builds the sentence, and read as a browser shows it (runs of white space are one space).
import { describe, expect, it } from 'vitest';
import { render } from 'svelte/server';
import MilestoneCard from '$lib/components/milestones/MilestoneCard.svelte';
import RecoveryCard from '$lib/components/milestones/RecoveryCard.svelte';
import { celebrationHeadline } from '$lib/components/milestones/celebration';
import { dayRange, earlierStretchNote, nextMilestoneWhen, type MilestoneView, type RecoverySummary } from '$lib/milestones';
import { inviteRecipient, memberDescription } from '$lib/circles';

const maria = { id: 'maria', displayName: 'Maria' };
const bea = { id: 'bea', displayName: 'Bea' };

/** The text of some server-rendered HTML as a browser lays it out: tags gone, white space collapsed, no-break spaces kept. */
function shownText(html: string): string {
	const text = html
		.replace(/<!--[\s\S]*?-->/g, '')
		.replace(/<[^>]+>/g, '')
		.replace(/&nbsp;/g, '\u00a0')
		.replace(/&#39;/g, "'")
		.replace(/&quot;/g, '"')
		.replace(/&amp;/g, '&');
	return text.replace(/[ \t\n\r]+/g, ' ').trim();
}

/** The text of each element of `tag` in the HTML (no nesting of the same tag). */
function textsOf(html: string, tag: string): string[] {
	return [...html.matchAll(new RegExp(`<${tag}[\\s>][\\s\\S]*?</${tag}>`, 'g'))].map((match) => shownText(match[0]));
}

function milestone(extra: Partial<MilestoneView> = {}): MilestoneView {
	return {
		id: 'm1',
		circleId: 'c1',
		kind: 'automatic',
		subject: bea,
		title: '30 days',
		note: '',
		reachedOn: '2026-11-11',
		createdBy: null,
		createdAt: 0,
		earlierStretch: null,
		cheers: [],
		...extra
	};
}

describe('cheers on a milestone', () => {
	it('read “Maria: So proud…”, “Maria cheered”, with single spaces and no space before the colon', () => {
		const cheers = [
			{ person: maria, message: 'So proud of you.', createdAt: 1, editedAt: null },
			{ person: bea, message: '', createdAt: 2, editedAt: null },
			{ person: { id: 'jo', displayName: 'Jo' }, message: 'Same table next week?', createdAt: 3, editedAt: 4 },
			{ person: { id: 'lee', displayName: 'Lee' }, message: '', createdAt: 5, editedAt: 6 }
		];
		const { body } = render(MilestoneCard, { props: { milestone: milestone({ cheers }), myUserId: 'bea' } });
		const lines = textsOf(body.slice(body.indexOf('class="cheers')), 'li').map((line) => line.replace('👏', '').trim());
		expect(lines).toEqual(['Maria: So proud of you.', 'You cheered', 'Jo: Same table next week? (edited)', 'Lee cheered (edited)']);
	});
});

describe('a milestone of an earlier stretch', () => {
	it('says so kindly, with the days it was counted over', () => {
		expect(earlierStretchNote(milestone({ earlierStretch: { startedOn: '2026-10-12' } }))).toBe(
			'Reached in an earlier stretch: 30 days, 12 October – 11 November 2026.'
		);
		expect(earlierStretchNote(milestone())).toBeNull();
		const { body } = render(MilestoneCard, { props: { milestone: milestone({ earlierStretch: { startedOn: '2026-10-12' } }), myUserId: 'maria' } });
		expect(shownText(body)).toContain('Reached in an earlier stretch: 30 days, 12 October – 11 November 2026. Every day of it still counts.');
		expect(shownText(render(MilestoneCard, { props: { milestone: milestone(), myUserId: 'maria' } }).body)).not.toContain('earlier stretch');
	});

	it('writes a range of days without repeating the year or month', () => {
		expect(dayRange('2026-10-12', '2026-11-11')).toBe('12 October – 11 November 2026');
		expect(dayRange('2026-05-03', '2026-05-09')).toBe('3 – 9 May 2026');
		expect(dayRange('2025-12-12', '2026-01-11')).toBe('12 December 2025 – 11 January 2026');
	});
});

describe('the next milestone', () => {
	it('names it, then the day, then how far off: “Next: 60 days, on 31 December 2026 (in 30 days).”', () => {
		expect(nextMilestoneWhen({ on: '2026-12-31', inDays: 30 })).toBe(', on 31 December 2026 (in 30 days).');
		expect(nextMilestoneWhen({ on: '2026-12-02', inDays: 1 })).toBe(', tomorrow (2 December 2026).');
		expect(nextMilestoneWhen({ on: '2027-01-01', inDays: 1200 })).toBe(', on 1 January 2027 (in 1,200 days).');
	});

	it('reads so on the days card', () => {
		const summary = (next: RecoverySummary['next']): RecoverySummary => ({
			person: bea,
			startedOn: '2026-11-01',
			totals: { current: 30, longest: 30, total: 30 },
			next,
			cameBack: false,
			showSafetyNote: false
		});
		const nextLine = (next: RecoverySummary['next']) =>
			textsOf(render(RecoveryCard, { props: { summary: summary(next), circleId: 'c1' } }).body, 'p').find((line) => line.startsWith('Next:'));
		expect(nextLine({ label: '60 days', on: '2026-12-31', inDays: 30 })).toBe('Next: 60 days, on 31 December 2026 (in 30 days).');
		expect(nextLine({ label: '1 week', on: '2026-11-08', inDays: 1 })).toBe('Next: 1 week, tomorrow (8 November 2026).');
	});
});

describe('a member’s place', () => {
	it('joins relationship, role and recovery with “ · ”, leaving out what is not there', () => {
		expect(memberDescription({ relationship: 'Mom', role: 'member', inRecovery: false })).toBe('Mom · Member');
		expect(memberDescription({ relationship: '', role: 'owner', inRecovery: true })).toBe('Owner · In recovery');
		expect(memberDescription({ relationship: ' Brother ', role: 'admin', inRecovery: true })).toBe('Brother · Admin · In recovery');
		expect(memberDescription({ relationship: '', role: 'member', inRecovery: false })).toBe('Member');
	});
});

describe('whom an invite link is for', () => {
	it('is the note’s name, with or without a “for” in front', () => {
		expect(inviteRecipient('for Grandma')).toBe('Grandma');
		expect(inviteRecipient('For Uncle Joe ')).toBe('Uncle Joe');
		expect(inviteRecipient('Grandma')).toBe('Grandma');
		expect(inviteRecipient('Fortunata')).toBe('Fortunata');
		expect(inviteRecipient('  ')).toBeNull();
		expect(inviteRecipient('')).toBeNull();
	});
});

describe('a celebration', () => {
	it('says who added a victory', () => {
		const victory = milestone({ kind: 'victory', subject: null, title: 'First family dinner', createdBy: maria });
		expect(celebrationHeadline(victory, 'bea')).toBe('Maria added a victory: First family dinner');
		expect(celebrationHeadline(victory, 'maria')).toBe('You added a victory: First family dinner');
		expect(celebrationHeadline(milestone(), 'maria')).toBe('Bea: 30 days in recovery');
		expect(celebrationHeadline(milestone({ title: 'Came back' }), 'maria')).toBe('Bea came back');
	});
});
