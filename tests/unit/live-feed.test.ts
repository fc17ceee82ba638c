// The feed's rules for live check-ins (live-feed.ts): every check-in of the loaded range is shown
// in its place whatever its timestamp ties, one older than the range is left for "Load older",
// a late or replayed event never brings back an older view, removals and edits always apply.
import { describe, expect, it } from 'vitest';
import type { CheckInView } from '$lib/checkins';
import {
	appendOlderPage,
	applyCheckIn,
	applyCheckInEvents,
	feedFromPage,
	newestFirst,
	replaceFirstPage,
	showPending,
	type FeedState
} from '$lib/realtime/live-feed';
import type { CircleEvent } from '$lib/realtime/events';

function checkin(id: string, createdAt: number, body = `words of ${id}`, extra: Partial<CheckInView> = {}): CheckInView {
	return {
		id,
		circleId: 'circle',
		author: { id: 'sam', displayName: 'Sam', relationship: 'Son' },
		mood: 3,
		craving: null,
		need: null,
		body,
		createdAt,
		editedAt: null,
		removed: false,
		audience: { kind: 'circle', members: [] },
		reactions: { love: [], proud: [], here: [] },
		replies: [],
		...extra
	};
}

const ids = (state: FeedState) => state.items.map((item) => item.id);

describe('the loaded range', () => {
	// A first page of three with older pages behind it: d (t=300), c (t=200), b (t=100).
	const page = { checkins: [checkin('d', 300), checkin('c', 200), checkin('b', 100)], nextCursor: '2s.b' };

	it('takes a live check-in that ties the newest one’s millisecond, in its place (it was dropped when older pages existed)', () => {
		const feed = feedFromPage(page, 10);
		const tie = checkin('a', 300); // same millisecond as d, sorts after it by id
		const { state, outcome } = applyCheckIn(feed, tie, 11);
		expect(outcome).toBe('added');
		expect(ids(state)).toEqual(['d', 'a', 'c', 'b']);
		expect([...state.items].sort(newestFirst).map((item) => item.id)).toEqual(ids(state));
	});

	it('takes one that falls between shown check-ins, and one that ties the oldest shown', () => {
		let feed = feedFromPage(page, 10);
		feed = applyCheckIn(feed, checkin('x', 150), 11).state;
		feed = applyCheckIn(feed, checkin('e', 100), 12).state; // ties b; the larger id sorts first, as in SQL
		expect(ids(feed)).toEqual(['d', 'c', 'x', 'e', 'b']);
	});

	it('leaves one older than the range for "Load older", whose page then has it', () => {
		let feed = feedFromPage(page, 10);
		const old = checkin('a', 50);
		const applied = applyCheckIn(feed, old, 11);
		expect(applied.outcome).toBe('outside');
		feed = applied.state;
		expect(ids(feed)).toEqual(['d', 'c', 'b']);
		feed = appendOlderPage(feed, { checkins: [old], nextCursor: null }, 11);
		expect(ids(feed)).toEqual(['d', 'c', 'b', 'a']);
		// Now nothing older is left: any check-in belongs.
		expect(applyCheckIn(feed, checkin('z', 1), 12).outcome).toBe('added');
	});

	it('takes everything when the feed has no older page', () => {
		const feed = feedFromPage({ checkins: [checkin('d', 300)], nextCursor: null }, 5);
		expect(applyCheckIn(feed, checkin('a', 1), 6).outcome).toBe('added');
	});

	it('only updates what it shows on an older page (?before=) and on a member’s page', () => {
		const feed = feedFromPage(page, 10, true);
		expect(applyCheckIn(feed, checkin('new', 999), 11).outcome).toBe('outside');
		expect(applyCheckIn(feed, checkin('c', 200, 'edited'), 11).outcome).toBe('updated');
	});
});

describe('versions', () => {
	it('skips an event its view already reflects, so a replay never turns a check-in back', () => {
		let feed = feedFromPage({ checkins: [checkin('a', 1, 'edited', { editedAt: 5 })], nextCursor: null }, 20);
		const older = applyCheckIn(feed, checkin('a', 1, 'first words'), 18);
		expect(older.outcome).toBe('stale');
		feed = applyCheckIn(feed, checkin('a', 1, 'removed', { removed: true, body: '' }), 21).state;
		expect(feed.items[0]!.removed).toBe(true);
		// The posting event turning up late after the removal does not bring the words back.
		expect(applyCheckIn(feed, checkin('a', 1, 'first words'), 19).outcome).toBe('stale');
		expect(feed.items[0]!.body).toBe('');
	});

	it('applies the author’s own form result at once, and its live event after it without a second copy', () => {
		let feed = feedFromPage({ checkins: [], nextCursor: null }, 3);
		feed = applyCheckIn(feed, checkin('mine', 10), null).state;
		const live = applyCheckIn(feed, checkin('mine', 10), 4);
		expect(live.outcome).toBe('updated');
		expect(ids(live.state)).toEqual(['mine']);
	});

	it('holds new check-ins while the reader is scrolled down, updates them there, and shows them in order', () => {
		let feed = feedFromPage({ checkins: [checkin('b', 100)], nextCursor: null }, 1);
		feed = applyCheckIn(feed, checkin('c', 200), 2, { hold: true }).state;
		feed = applyCheckIn(feed, checkin('d', 300), 3, { hold: true }).state;
		feed = applyCheckIn(feed, checkin('c', 200, 'reacted'), 4, { hold: true }).state;
		expect(ids(feed)).toEqual(['b']);
		expect(feed.pending.map((p) => [p.id, p.body])).toEqual([
			['d', 'words of d'],
			['c', 'reacted']
		]);
		feed = showPending(feed);
		expect(ids(feed)).toEqual(['d', 'c', 'b']);
		expect(feed.pending).toEqual([]);
	});
});

describe('reloading the first page', () => {
	it('replaces what the page covers, keeps older pages and what is still pending', () => {
		// A check-in the new reading no longer has in its range is gone (the page is the truth there).
		const gone = replaceFirstPage(
			feedFromPage({ checkins: [checkin('d', 300), checkin('c', 200)], nextCursor: null }, 1),
			{ checkins: [checkin('d', 300)], nextCursor: null },
			2
		);
		expect(ids(gone)).toEqual(['d']);
		let feed = feedFromPage({ checkins: [checkin('d', 300), checkin('c', 200)], nextCursor: 'x' }, 10);
		feed = appendOlderPage(feed, { checkins: [checkin('b', 100), checkin('a', 50)], nextCursor: null }, 12);
		feed = applyCheckIn(feed, checkin('e', 400), 13, { hold: true }).state;
		feed = replaceFirstPage(feed, { checkins: [checkin('f', 500), checkin('d', 300, 'edited')], nextCursor: 'y' }, 20);
		// c is older than the new page's last check-in: the page does not cover it, so it stays.
		expect(ids(feed)).toEqual(['f', 'd', 'c', 'b', 'a']);
		expect(feed.items[1]!.body).toBe('edited');
		expect(feed.nextCursor).toBeNull(); // the older pages were loaded to the end
		expect(feed.pending.map((p) => p.id)).toEqual(['e']);
		expect(feed.versions).toMatchObject({ f: 20, d: 20, c: 10, b: 12, a: 12 });
	});

	it('drops from pending what the new page shows', () => {
		let feed = feedFromPage({ checkins: [checkin('b', 100)], nextCursor: null }, 1);
		feed = applyCheckIn(feed, checkin('c', 200), 2, { hold: true }).state;
		feed = replaceFirstPage(feed, { checkins: [checkin('c', 200), checkin('b', 100)], nextCursor: null }, 2);
		expect(ids(feed)).toEqual(['c', 'b']);
		expect(feed.pending).toEqual([]);
	});
});

describe('a batch of events (a catch-up replayed over the page)', () => {
	const event = (seq: number, type: 'checkin.posted' | 'checkin.edited' | 'checkin.reacted', view: CheckInView): CircleEvent => ({
		seq,
		circleId: 'circle',
		actorId: 'sam',
		type,
		payload: { checkin: view },
		createdAt: seq
	});

	it('upserts each check-in in order at its own number, skips what the page already reflects, and ignores other events', () => {
		const feed = feedFromPage({ checkins: [checkin('b', 100, 'as read')], nextCursor: null }, 5);
		const state = applyCheckInEvents(feed, [
			event(4, 'checkin.edited', checkin('b', 100, 'older than the page')),
			event(6, 'checkin.posted', checkin('c', 200)),
			{ seq: 7, circleId: 'circle', actorId: null, type: 'circle.time-zone-changed', payload: { timeZone: 'UTC' }, createdAt: 7 },
			event(8, 'checkin.edited', checkin('b', 100, 'edited')),
			event(9, 'checkin.reacted', checkin('c', 200, 'words of c', { reactions: { love: ['lee'], proud: [], here: [] } }))
		]);
		expect(ids(state)).toEqual(['c', 'b']);
		expect(state.items.map((item) => item.body)).toEqual(['words of c', 'edited']);
		expect(state.items[0]!.reactions.love).toEqual(['lee']);
		expect(state.versions).toEqual({ b: 8, c: 9 });
	});
});
