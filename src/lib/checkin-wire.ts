// A page of check-ins as a page's data carries it to the browser (the feed and a member's page).
// SvelteKit writes that data into the HTML once more for hydration, and devalue spells out every
// key of every object: a CheckInView's keys, its empty reaction lists, its empty replies and its
// "seen by the whole circle" were most of the feed's data (BENCHMARKS.md, issue 19). Packed, a
// check-in keeps only what differs from the usual, and each author is one object shared by their
// check-ins (devalue writes a shared object once). Unpacked, it is the same CheckInView again.
import { audienceOf, REACTIONS, type CheckInView, type ReactionKind } from './checkins';
import type { FeedPageData } from './realtime/live-feed';

/** A CheckInView without its circle (the page's) and without what is as usual. */
export interface PackedCheckIn {
	id: string;
	author: CheckInView['author'];
	createdAt: number;
	/** Absent: none given. */
	mood?: number;
	craving?: number;
	need?: NonNullable<CheckInView['need']>;
	/** Absent: no words. */
	body?: string;
	editedAt?: number;
	removed?: true;
	/** Absent: the whole circle. */
	audience?: CheckInView['audience'];
	/** Only the kinds someone chose. */
	reactions?: Partial<CheckInView['reactions']>;
	/** Absent: no replies. */
	replies?: CheckInView['replies'];
}

export interface PackedFeedPage {
	circleId: string;
	checkins: PackedCheckIn[];
	nextCursor: string | null;
}

const REACTION_KINDS = Object.keys(REACTIONS) as ReactionKind[];

export function packFeedPage(circleId: string, page: FeedPageData): PackedFeedPage {
	const authors = new Map<string, CheckInView['author']>();
	const checkins = page.checkins.map((view): PackedCheckIn => {
		let author = authors.get(view.author.id);
		if (!author) authors.set(view.author.id, (author = view.author));
		const packed: PackedCheckIn = { id: view.id, author, createdAt: view.createdAt };
		if (view.mood !== null) packed.mood = view.mood;
		if (view.craving !== null) packed.craving = view.craving;
		if (view.need !== null) packed.need = view.need;
		if (view.body !== '') packed.body = view.body;
		if (view.editedAt !== null) packed.editedAt = view.editedAt;
		if (view.removed) packed.removed = true;
		if (view.audience.kind !== 'circle' || view.audience.members.length > 0) packed.audience = view.audience;
		for (const kind of REACTION_KINDS) {
			if (view.reactions[kind].length > 0) (packed.reactions ??= {})[kind] = view.reactions[kind];
		}
		if (view.replies.length > 0) packed.replies = view.replies;
		return packed;
	});
	return { circleId, checkins, nextCursor: page.nextCursor };
}

/** The page's check-ins as views again, each with objects of its own (nothing shared between two). */
export function unpackFeedPage(page: PackedFeedPage): FeedPageData {
	const checkins = page.checkins.map((packed): CheckInView => ({
		id: packed.id,
		circleId: page.circleId,
		author: { ...packed.author },
		mood: packed.mood ?? null,
		craving: packed.craving ?? null,
		need: packed.need ?? null,
		body: packed.body ?? '',
		createdAt: packed.createdAt,
		editedAt: packed.editedAt ?? null,
		removed: packed.removed ?? false,
		audience: audienceOf(packed),
		reactions: Object.fromEntries(REACTION_KINDS.map((kind) => [kind, packed.reactions?.[kind] ?? []])) as CheckInView['reactions'],
		replies: packed.replies ?? []
	}));
	return { checkins, nextCursor: page.nextCursor };
}
