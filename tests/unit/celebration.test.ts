// The celebration of a milestone that arrives live (Celebration.svelte, through celebration.ts):
// which events are celebrated, and that those who prefer reduced motion get no animation at all.
import { describe, expect, it } from 'vitest';
import { CONFETTI_PIECES, celebrationOf, milestoneToCelebrate } from '$lib/components/milestones/celebration';
import type { MilestoneView } from '$lib/milestones';
import type { CircleEvent, MilestoneEventType } from '$lib/realtime/events';

const sam = { id: 'sam', displayName: 'Sam' };

function milestone(id: string, extra: Partial<MilestoneView> = {}): MilestoneView {
	return {
		id,
		circleId: 'circle',
		kind: 'automatic',
		subject: sam,
		title: '30 days',
		note: '',
		reachedOn: '2026-01-31',
		createdBy: null,
		createdAt: 0,
		earlierStretch: null,
		cheers: [],
		...extra
	};
}

let seq = 0;
function milestoneEvent(type: MilestoneEventType, view: MilestoneView, celebrate = true): CircleEvent {
	seq += 1;
	return { seq, circleId: 'circle', actorId: null, type, payload: { milestone: view, celebrate }, createdAt: seq };
}

describe('which milestone is celebrated', () => {
	it('one reached or added that the server says to celebrate, with its headline', () => {
		expect(milestoneToCelebrate([milestoneEvent('milestone.reached', milestone('m1'))])).toEqual({ id: 'm1', headline: 'Sam: 30 days in recovery' });
		const victory = milestone('m2', { kind: 'victory', subject: null, title: 'First family dinner', createdBy: sam });
		// A small victory says who added it: "you" to that person.
		expect(milestoneToCelebrate([milestoneEvent('milestone.added', victory)])).toEqual({ id: 'm2', headline: 'Sam added a victory: First family dinner' });
		expect(milestoneToCelebrate([milestoneEvent('milestone.added', victory)], 'sam')).toEqual({
			id: 'm2',
			headline: 'You added a victory: First family dinner'
		});
	});

	it('not one caught up on later, a cheer, or any other event', () => {
		const events: CircleEvent[] = [
			milestoneEvent('milestone.reached', milestone('old'), false),
			milestoneEvent('milestone.cheered', milestone('m1')),
			milestoneEvent('milestone.cheer-edited', milestone('m1')),
			{ seq: 99, circleId: 'circle', actorId: null, type: 'circle.time-zone-changed', payload: { timeZone: 'UTC' }, createdAt: 99 }
		];
		expect(milestoneToCelebrate(events)).toBeNull();
		expect(milestoneToCelebrate([])).toBeNull();
	});

	it('the last of several that arrive together', () => {
		const events = [milestoneEvent('milestone.reached', milestone('first')), milestoneEvent('milestone.added', milestone('second', { title: 'Came back' }))];
		expect(milestoneToCelebrate(events)).toEqual({ id: 'second', headline: 'Sam came back' });
	});
});

describe('how it is celebrated', () => {
	const reached = { id: 'm1', headline: 'Sam: 30 days in recovery' };

	it('with reduced motion: a calm highlight and no confetti at all', () => {
		expect(celebrationOf(reached, true)).toEqual({ shown: { ...reached, calm: true }, confetti: [] });
	});

	it('otherwise with a burst of confetti across the page', () => {
		const { shown, confetti } = celebrationOf(reached, false);
		expect(shown).toEqual({ ...reached, calm: false });
		expect(confetti).toHaveLength(CONFETTI_PIECES);
		for (const piece of confetti) {
			expect(piece.left).toBeGreaterThanOrEqual(0);
			expect(piece.left).toBeLessThan(100);
			expect(piece.delay).toBeGreaterThanOrEqual(0);
			expect(piece.hue).toBeLessThan(360);
		}
		expect(new Set(confetti.map((piece) => piece.left)).size).toBeGreaterThan(CONFETTI_PIECES / 2);
	});
});
