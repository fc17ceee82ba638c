// The mood chart's words (MoodChart.svelte, through mood-chart.ts): its caption is also the
// chart's accessible name, so this sentence is what a screen reader says about the chart.
import { describe, expect, it } from 'vitest';
import { render } from 'svelte/server';
import MoodChart from '$lib/components/MoodChart.svelte';
import { moodSummary, type MoodPoint } from '$lib/components/mood-chart';

const DAY = 24 * 3600 * 1000;
const now = Date.UTC(2026, 0, 31, 12);
const point = (daysAgo: number, mood: number, craving: number | null = null): MoodPoint => ({ at: now - daysAgo * DAY, mood, craving });

describe('the mood chart’s summary', () => {
	it('says when there is nothing to show', () => {
		expect(moodSummary([], 'Sam', 30)).toBe('Sam hasn’t checked in during the last 30 days.');
		expect(moodSummary([], 'Sam', 7)).toBe('Sam hasn’t checked in during the last 7 days.');
		// On your own page the chart speaks to you.
		expect(moodSummary([], 'You', 30)).toBe('You haven’t checked in during the last 30 days.');
		expect(moodSummary([{ at: 0, mood: 4, craving: null }], 'Sam', 30)).toBe('1 check-in in the last 30 days. Mood on average: Good. Most recently: Good.');
	});

	it('counts the check-ins, rounds the average mood, and names the latest (the last point)', () => {
		expect(moodSummary([point(3, 2), point(2, 3), point(1, 4), point(0, 1)], 'Sam', 30)).toBe(
			'4 check-ins in the last 30 days. Mood on average: Okay. Most recently: Struggling.'
		);
		// 2.5 rounds up, to Okay.
		expect(moodSummary([point(2, 2), point(1, 3)], 'Sam', 30)).toBe('2 check-ins in the last 30 days. Mood on average: Okay. Most recently: Okay.');
	});

	it('is the chart’s caption and its accessible name', () => {
		const points = [point(2, 4, 3), point(1, 5, null)];
		const summary = moodSummary(points, 'Sam', 30);
		expect(summary).toBe('2 check-ins in the last 30 days. Mood on average: Great. Most recently: Great.');
		const { body } = render(MoodChart, { props: { points, name: 'Sam', now } });
		expect(body).toContain(`<span class="muted">${summary}</span></figcaption>`);
		expect(body).toContain(`role="img" aria-label="${summary}"`);
		const empty = render(MoodChart, { props: { points: [], name: 'Sam', now } }).body;
		expect(empty).toContain('<span class="muted">Sam hasn’t checked in during the last 30 days.</span>');
		expect(empty).not.toContain('<svg');
	});
});
