// What MoodChart.svelte says in words (its caption, and the chart's accessible name), as a plain
// function (tested in tests/unit/mood-chart.test.ts).
import { moodLabel } from '$lib/checkins';

export interface MoodPoint {
	at: number;
	mood: number;
	craving: number | null;
}

/** The chart in one sentence: how many check-ins, the mood on average and the latest one. `points` are oldest first. */
export function moodSummary(points: readonly MoodPoint[], name: string, days: number): string {
	// `name` is 'You' on your own page.
	if (points.length === 0) return `${name} ${name === 'You' ? 'haven’t' : 'hasn’t'} checked in during the last ${days} days.`;
	const average = points.reduce((sum, p) => sum + p.mood, 0) / points.length;
	const latest = points[points.length - 1]!;
	return `${points.length} ${points.length === 1 ? 'check-in' : 'check-ins'} in the last ${days} days. Mood on average: ${moodLabel(Math.round(average))}. Most recently: ${moodLabel(latest.mood)}.`;
}
