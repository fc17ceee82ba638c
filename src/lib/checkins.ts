// Check-in words shared by the server and the browser. Mood is always shown in words; the
// emoji are extras for those who like them, hidden from screen readers.

export const MOODS = [
	{ value: 1, label: 'Struggling', emoji: '😣' },
	{ value: 2, label: 'Low', emoji: '😔' },
	{ value: 3, label: 'Okay', emoji: '😐' },
	{ value: 4, label: 'Good', emoji: '🙂' },
	{ value: 5, label: 'Great', emoji: '😄' }
] as const;

export const NEEDS = {
	listen: 'Just listen',
	company: 'Company',
	space: 'Some space',
	practical: 'Practical help',
	nothing: 'Nothing right now'
} as const;
export type Need = keyof typeof NEEDS;

export const REACTIONS = {
	love: { label: 'Sending love', emoji: '💛' },
	proud: { label: 'Proud of you', emoji: '🌟' },
	here: { label: 'I’m here', emoji: '🤝' }
} as const;
export type ReactionKind = keyof typeof REACTIONS;

export const CHECKIN_BODY_MAX = 2000;
export const REPLY_BODY_MAX = 1000;
export const CRAVING_MAX = 10;
/** Words can be changed for this long after posting; deleting is always possible. */
export const EDIT_WINDOW_MS = 15 * 60 * 1000;
export const FEED_PAGE_SIZE = 20;

export function moodLabel(mood: number): string {
	return MOODS.find((m) => m.value === mood)?.label ?? 'Unknown';
}

export interface ReplyView {
	id: string;
	checkinId: string;
	author: { id: string; displayName: string };
	body: string;
	createdAt: number;
	editedAt: number | null;
}

/** Everything a reader sees of one check-in; also the payload of its live events. */
/**
 * Who sees a check-in besides its author (issue 20): the whole circle, the members chosen, or
 * nobody (a private journal entry).
 */
export type AudienceKind = 'circle' | 'chosen' | 'self';

export const AUDIENCE_KINDS: Record<AudienceKind, string> = {
	circle: 'Everyone in the circle',
	chosen: 'Only some people',
	self: 'Only me'
};

export interface CheckInAudience {
	kind: AudienceKind;
	/** The members chosen (user ids), for 'chosen'; empty otherwise. */
	members: string[];
}

/**
 * THE rule of who may see a check-in (the server's SQL in checkins/audience.ts says the same):
 * its author always; everyone for 'circle'; the members chosen for 'chosen'.
 */
export function maySeeCheckIn(checkin: { author: { id: string }; audience: CheckInAudience }, userId: string): boolean {
	const audience = audienceOf(checkin);
	if (checkin.author.id === userId || audience.kind === 'circle') return true;
	return audience.kind === 'chosen' && audience.members.includes(userId);
}

/** A check-in's audience; events logged before there was a choice carry none: they were for everyone. */
export function audienceOf(checkin: { audience?: CheckInAudience }): CheckInAudience {
	return checkin.audience ?? { kind: 'circle', members: [] };
}

/** "Only you", "You and Ana", "Ana and Ben": who sees it, as its card says, for `viewerId`. */
export function audienceLabel(
	checkin: Pick<CheckInView, 'author' | 'audience'>,
	viewerId: string,
	nameOf: (userId: string) => string | undefined
): string | null {
	const audience = audienceOf(checkin);
	if (audience.kind === 'circle') return null;
	const mine = checkin.author.id === viewerId;
	if (audience.kind === 'self') return mine ? 'Only you' : `Only ${checkin.author.displayName}`;
	const others = audience.members.filter((id) => id !== checkin.author.id && id !== viewerId).map((id) => nameOf(id) ?? 'someone who left');
	const names = [mine ? 'You' : checkin.author.displayName, ...(mine ? [] : ['you']), ...others];
	if (names.length === 1) return `Only ${mine ? 'you' : names[0]}`;
	return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

export interface CheckInView {
	id: string;
	circleId: string;
	author: { id: string; displayName: string; relationship: string };
	mood: number | null;
	craving: number | null;
	need: Need | null;
	body: string;
	createdAt: number;
	editedAt: number | null;
	removed: boolean;
	audience: CheckInAudience;
	/** user ids per reaction kind */
	reactions: Record<ReactionKind, string[]>;
	replies: ReplyView[];
}

/** Text split into plain parts and web links, so links can be shown as safe anchors. */
export function splitLinks(text: string): Array<{ text: string; href?: string }> {
	const parts: Array<{ text: string; href?: string }> = [];
	const pattern = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;
	let last = 0;
	for (const match of text.matchAll(pattern)) {
		if (match.index > last) parts.push({ text: text.slice(last, match.index) });
		parts.push({ text: match[0], href: match[0] });
		last = match.index + match[0].length;
	}
	if (last < text.length) parts.push({ text: text.slice(last) });
	return parts;
}
