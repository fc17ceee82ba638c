// What Celebration.svelte shows for live milestone events, as plain functions (tested in
// tests/unit/celebration.test.ts): which event is celebrated, and how.
import { milestoneHeadline, type MilestoneView } from '$lib/milestones';
import type { CircleEvent } from '$lib/realtime/events';

export interface CelebratedMilestone {
	id: string;
	headline: string;
}

export interface Celebration extends CelebratedMilestone {
	/** For those who prefer reduced motion: a calm highlight, and no animation runs. */
	calm: boolean;
}

export interface ConfettiPiece {
	/** Across the page, in %. */
	left: number;
	/** Before it starts to fall, in seconds. */
	delay: number;
	hue: number;
	/** Sideways while falling, in vw. */
	drift: number;
}

export const CONFETTI_PIECES = 36;

/**
 * The milestone these live events ask everyone to celebrate: one reached or added that the server
 * marks `celebrate` (reached today, or just added); the last of them when there are several.
 */
export function milestoneToCelebrate(events: CircleEvent[], myUserId: string | null = null): CelebratedMilestone | null {
	let found: CelebratedMilestone | null = null;
	for (const event of events) {
		if ((event.type === 'milestone.reached' || event.type === 'milestone.added') && event.payload.celebrate) {
			found = { id: event.payload.milestone.id, headline: celebrationHeadline(event.payload.milestone, myUserId) };
		}
	}
	return found;
}

/** "Maria added a victory: First family dinner", "You added a victory: …", "Sam: 30 days in recovery". */
export function celebrationHeadline(milestone: Pick<MilestoneView, 'kind' | 'title' | 'subject' | 'createdBy'>, myUserId: string | null): string {
	const headline = milestoneHeadline(milestone);
	if (milestone.kind !== 'victory' || !milestone.createdBy) return headline;
	return `${milestone.createdBy.id === myUserId ? 'You' : milestone.createdBy.displayName} added a victory: ${headline}`;
}

/** How a milestone is celebrated: a confetti burst, or none at all for those who prefer reduced motion. */
export function celebrationOf(milestone: CelebratedMilestone, prefersReducedMotion: boolean): { shown: Celebration; confetti: ConfettiPiece[] } {
	const calm = prefersReducedMotion;
	const confetti = calm
		? []
		: Array.from({ length: CONFETTI_PIECES }, (_, index) => ({
				left: (index * 37) % 100,
				delay: (index % 9) * 0.08,
				hue: (index * 47) % 360,
				drift: ((index % 7) - 3) * 12
			}));
	return { shown: { ...milestone, calm }, confetti };
}
