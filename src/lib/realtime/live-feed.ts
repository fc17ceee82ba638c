// The feed of check-ins as the browser keeps it live: pages loaded from the server, and check-in
// events applied over them. Plain functions over plain data, so every order of arrivals can be
// tested; the page keeps the state in $state.
//
// - Each check-in shown remembers the newest event its view reflects (`versions`): the server's
//   pages reflect at least the log position read before them, an event at least its own number.
//   An event no newer than that is already in the view and is skipped, so a late or replayed event
//   never turns a check-in back into what it was.
// - The loaded range is everything newer than the oldest check-in loaded (all of it once the feed
//   has no older page). A check-in in that range is shown in its place, whatever its timestamp
//   ties; one older than the range is left for "Load older", whose cursor reaches it.
import type { CheckInView } from '$lib/checkins';
import { isCheckInEvent, type CircleEvent } from './events';

export interface FeedPageData {
	checkins: CheckInView[];
	nextCursor: string | null;
}

export interface FeedState {
	/** Shown, newest first (as the server orders them: created_at, then id, descending). */
	items: CheckInView[];
	/** New check-ins that arrived while the reader was scrolled down: offered, not pushed in. */
	pending: CheckInView[];
	/** Where "Load older" continues; null when everything older is loaded. */
	nextCursor: string | null;
	/** True once an older page was added (a reload of the first page keeps those). */
	loadedMore: boolean;
	/**
	 * Only check-ins already shown are updated (an older page read through ?before=, whose newest
	 * are elsewhere, or a member's page, which reloads for a new check-in).
	 */
	updatesOnly: boolean;
	/** For each check-in held here: the newest event its view is known to reflect. */
	versions: Record<string, number>;
}

export type ApplyOutcome = 'updated' | 'added' | 'pending' | 'outside' | 'stale';

/** The server's order: newest first, ties by id (byte order, as SQLite compares the text ids). */
export function newestFirst(a: CheckInView, b: CheckInView): number {
	return b.createdAt - a.createdAt || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
}

function versionsOf(checkins: CheckInView[], seq: number, into: Record<string, number> = {}): Record<string, number> {
	for (const checkin of checkins) into[checkin.id] = Math.max(into[checkin.id] ?? 0, seq);
	return into;
}

/** A feed from the server's page, which reflects the log up to `seq`. */
export function feedFromPage(page: FeedPageData, seq: number, updatesOnly = false): FeedState {
	return {
		items: [...page.checkins],
		pending: [],
		nextCursor: page.nextCursor,
		loadedMore: false,
		updatesOnly,
		versions: versionsOf(page.checkins, seq)
	};
}

/**
 * The server's first page again (a reload or a navigation): it replaces the range it covers;
 * older pages the reader loaded stay. Replay the events after `seq` over the result.
 */
export function replaceFirstPage(state: FeedState, page: FeedPageData, seq: number): FeedState {
	const last = page.checkins.at(-1);
	const older = state.loadedMore && last ? state.items.filter((item) => newestFirst(last, item) < 0) : [];
	const items = [...page.checkins, ...older];
	const versions: Record<string, number> = {};
	for (const item of older) versions[item.id] = state.versions[item.id] ?? 0;
	versionsOf(page.checkins, seq, versions);
	const shown = new Set(items.map((item) => item.id));
	const pending = state.pending.filter((item) => !shown.has(item.id));
	for (const item of pending) versions[item.id] = state.versions[item.id] ?? 0;
	return {
		items,
		pending,
		nextCursor: state.loadedMore ? state.nextCursor : page.nextCursor,
		loadedMore: state.loadedMore,
		updatesOnly: state.updatesOnly,
		versions
	};
}

/** An older page ("Load older"), read at log position `seq`; replay the events after it. */
export function appendOlderPage(state: FeedState, page: FeedPageData, seq: number): FeedState {
	const known = new Set([...state.items, ...state.pending].map((item) => item.id));
	const added = page.checkins.filter((item) => !known.has(item.id));
	return {
		...state,
		items: [...state.items, ...added],
		nextCursor: page.nextCursor,
		loadedMore: true,
		versions: versionsOf(added, seq, { ...state.versions })
	};
}

/** True when the check-in falls inside what the reader has loaded (see the top of this file). */
function inLoadedRange(state: FeedState, view: CheckInView): boolean {
	if (state.nextCursor === null) return true;
	const oldest = state.items.at(-1);
	return oldest !== undefined && newestFirst(view, oldest) < 0;
}

/**
 * Applies a check-in as of event `seq` (null for the author's own form result, whose event comes
 * later). `hold`: the reader is scrolled down, so a new one waits in `pending`.
 */
export function applyCheckIn(state: FeedState, view: CheckInView, seq: number | null, { hold = false } = {}): { state: FeedState; outcome: ApplyOutcome } {
	const known = state.versions[view.id];
	if (known !== undefined && seq !== null && seq <= known) return { state, outcome: 'stale' };
	const version = seq ?? known ?? 0;
	const versions = { ...state.versions, [view.id]: version };
	const index = state.items.findIndex((item) => item.id === view.id);
	if (index !== -1) {
		const items = [...state.items];
		items[index] = view;
		return { state: { ...state, items, versions }, outcome: 'updated' };
	}
	const waiting = state.pending.findIndex((item) => item.id === view.id);
	if (waiting !== -1) {
		const pending = [...state.pending];
		pending[waiting] = view;
		return { state: { ...state, pending, versions }, outcome: 'updated' };
	}
	if (state.updatesOnly || !inLoadedRange(state, view)) return { state, outcome: 'outside' };
	if (hold) return { state: { ...state, pending: [view, ...state.pending].sort(newestFirst), versions }, outcome: 'pending' };
	return { state: { ...state, items: [...state.items, view].sort(newestFirst), versions }, outcome: 'added' };
}

/**
 * A check-in this reader may no longer see (its author narrowed who sees it) leaves the feed, as of
 * event `seq`; a later event that shows it again (widened) brings it back.
 */
export function hideCheckIn(state: FeedState, checkinId: string, seq: number): FeedState {
	const known = state.versions[checkinId];
	if (known !== undefined && seq <= known) return state;
	if (known === undefined) return state; // never shown here: nothing to take away
	return {
		...state,
		items: state.items.filter((item) => item.id !== checkinId),
		pending: state.pending.filter((item) => item.id !== checkinId),
		versions: { ...state.versions, [checkinId]: seq }
	};
}

/** Applies the check-in events among these, in order: a replay over data read before them. */
export function applyCheckInEvents(state: FeedState, events: CircleEvent[]): FeedState {
	for (const event of events) {
		if (isCheckInEvent(event)) state = applyCheckIn(state, event.payload.checkin, event.seq).state;
		else if (event.type === 'checkin.hidden') state = hideCheckIn(state, event.payload.checkinId, event.seq);
	}
	return state;
}

/** The reader asked to see what arrived while they were scrolled down. */
export function showPending(state: FeedState): FeedState {
	return { ...state, items: [...state.pending, ...state.items].sort(newestFirst), pending: [] };
}
