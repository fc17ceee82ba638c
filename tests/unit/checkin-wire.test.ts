// The feed's check-ins as a page's data carries them (src/lib/checkin-wire.ts): packed on the
// server, written by devalue as SvelteKit does, read back and unpacked in the browser, every
// check-in is exactly the view it was, whatever it holds.
import { describe, expect, it } from 'vitest';
import * as devalue from 'devalue';
import { packFeedPage, unpackFeedPage } from '../../src/lib/checkin-wire';
import type { CheckInView } from '../../src/lib/checkins';

const CIRCLE = 'c'.repeat(24);
const ana = { id: 'a'.repeat(24), displayName: 'Ana', relationship: 'Sister' };
const ben = { id: 'b'.repeat(24), displayName: 'Ben', relationship: '' };

function view(id: string, changes: Partial<CheckInView> = {}): CheckInView {
	return {
		id: id.repeat(24),
		circleId: CIRCLE,
		author: { ...ana },
		mood: 3,
		craving: null,
		need: null,
		body: 'A quiet day.',
		createdAt: 1_796_000_000_000,
		editedAt: null,
		removed: false,
		audience: { kind: 'circle', members: [] },
		reactions: { love: [], proud: [], here: [] },
		replies: [],
		...changes
	};
}

const views: CheckInView[] = [
	view('d'),
	view('e', { author: { ...ben }, mood: null, body: '', need: 'company' }),
	// Zero is a craving given, not none.
	view('f', { craving: 0, editedAt: 1_796_000_100_000, audience: { kind: 'chosen', members: [ben.id] } }),
	view('g', { reactions: { love: [ben.id], proud: [], here: [ana.id, ben.id] }, mood: 5 }),
	view('h', {
		author: { ...ben },
		replies: [
			{ id: 'r'.repeat(24), checkinId: 'h'.repeat(24), author: { id: ana.id, displayName: 'Ana' }, body: 'Here for you.', createdAt: 1, editedAt: null }
		]
	}),
	view('i', { removed: true, mood: null, body: '', audience: { kind: 'self', members: [] } })
];

/** What the browser gets: the data as SvelteKit writes it, parsed again. */
function throughTheWire<T>(value: T): T {
	return devalue.parse(devalue.stringify(value)) as T;
}

describe('a feed page packed for the page data', () => {
	it('comes back as exactly the same views, with the same cursor', () => {
		const page = { checkins: views, nextCursor: 'mwik2r8r.abc' };
		expect(unpackFeedPage(throughTheWire(packFeedPage(CIRCLE, page)))).toEqual(page);
		expect(unpackFeedPage(throughTheWire(packFeedPage(CIRCLE, { checkins: [], nextCursor: null })))).toEqual({ checkins: [], nextCursor: null });
	});

	it('is much smaller than the views themselves for the usual check-in', () => {
		const usual = Array.from({ length: 20 }, (_, index) =>
			view(String.fromCharCode(106 + index), { author: index % 2 ? { ...ana } : { ...ben }, createdAt: 1_796_000_000_000 - index })
		);
		const packed = devalue.stringify(packFeedPage(CIRCLE, { checkins: usual, nextCursor: null })).length;
		const plain = devalue.stringify({ checkins: usual, nextCursor: null }).length;
		expect(packed).toBeLessThan(plain * 0.6);
	});

	it('gives every unpacked view objects of its own, though their author was written once', () => {
		const [first, , third, fourth, fifth] = unpackFeedPage(throughTheWire(packFeedPage(CIRCLE, { checkins: views, nextCursor: null }))).checkins;
		first!.author.displayName = 'Changed';
		first!.reactions.proud.push('x');
		first!.audience.members.push('x');
		expect(third!.author.displayName).toBe('Ana');
		expect(fourth!.author.displayName).toBe('Ana');
		expect(fourth!.reactions.proud).toEqual([]);
		expect(fifth!.audience.members).toEqual([]);
	});
});
