// The invite page's limit on links that do not work (/join/[token]), under real parallel requests
// through the page's own load and actions: each try takes its place in the address's count before
// the link is looked up, so of a burst of wrong links from one address exactly the limit (30 per
// 15 minutes) are looked up and answered "no longer works", the rest 429. A link that works gives
// its place back (only links that do not work count), and another address is not held up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isActionFailure, isHttpError, isRedirect } from '@sveltejs/kit';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';
import { circleWithLink as makeCircleWithLink, joinEvent as fakeEvent, joinPage, type JoinPage } from './support/join-page';

type Handler = (event: unknown) => unknown;
let route: JoinPage;
let dbModule: typeof import('$lib/server/db');
let circles: typeof import('$lib/server/circles/circles');
let people: typeof import('./support/people');
let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
	route = await joinPage();
	dbModule = await import('$lib/server/db');
	circles = await import('$lib/server/circles/circles');
	people = await import('./support/people');
});

afterAll(async () => {
	await app?.dispose();
});

const LIMIT = 30;

/** What the handler answered, in a word: the link did not work, too many tries, or it went in / showed the invite. */
async function outcome(handler: Handler, event: unknown): Promise<'stopped' | 'throttled' | 'entered' | 'invited'> {
	try {
		const result = await handler(event);
		if (isActionFailure(result) && result.status === 410) return 'stopped';
		const data = result as { invite?: unknown };
		if (data && 'invite' in data) return data.invite ? 'invited' : 'stopped';
		throw new Error(`unexpected answer ${JSON.stringify(result)}`);
	} catch (error) {
		if (isRedirect(error)) return 'entered';
		if (isHttpError(error) && error.status === 429) return 'throttled';
		throw error;
	}
}

function tally(outcomes: string[]) {
	const counts: Record<string, number> = {};
	for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
	return counts;
}

/** A wrong link of the right shape: looked up, and not found. */
const wrongToken = (i: number) =>
	'z'.repeat(28) +
	String(i)
		.padStart(4, '0')
		.replace(/\d/g, (digit) => 'abcdefghij'[Number(digit)]!);

async function circleWithLink() {
	const db = dbModule.getDb();
	const { circleId, token } = await makeCircleWithLink(db, { maxUses: 20 });
	return { db, circleId, token };
}

const parallel = <T>(count: number, attempt: (index: number) => Promise<T>) => Promise.all(Array.from({ length: count }, (_, index) => attempt(index)));

describe('a burst of wrong invite links from one address', () => {
	it('is counted exactly: of 60 at once (accept, sign-up and log-in forms), 30 are looked up and 30 refused', async () => {
		const { db, circleId, token } = await circleWithLink();
		const guesser = await people.addUser(db, 'Guesser');
		const address = '198.51.100.7';
		const forms = ['accept', 'signup', 'login'] as const;
		const outcomes = await parallel(60, (i) => {
			const form = forms[i % 3]!;
			return outcome(route.actions[form]!, fakeEvent(form === 'accept' ? guesser : null, wrongToken(i), address, form));
		});
		expect(tally(outcomes)).toEqual({ stopped: LIMIT, throttled: 60 - LIMIT });
		// From there even the right link waits now...
		const ana = await people.addUser(db, 'Ana');
		expect(await outcome(route.actions.accept!, fakeEvent(ana, token, address))).toBe('throttled');
		// ...but it works for someone else, at another address.
		expect(await outcome(route.actions.accept!, fakeEvent(ana, token, '192.0.2.77'))).toBe('entered');
		expect(await circles.isCircleMember(db, ana.id, circleId)).toBe(true);
	});

	it('opening wrong links (the page’s load) is counted the same way', async () => {
		const outcomes = await parallel(50, (i) => outcome(route.load, fakeEvent(null, wrongToken(i), '198.51.100.8')));
		expect(tally(outcomes)).toEqual({ stopped: LIMIT, throttled: 50 - LIMIT });
	});
});

describe('a link that works', () => {
	it('does not count: after 40 views and a join with it, an address still has all of its 30 wrong tries', async () => {
		const { db, token } = await circleWithLink();
		const address = '198.51.100.9';
		for (let i = 0; i < 40; i++) expect(await outcome(route.load, fakeEvent(null, token, address))).toBe('invited');
		const sam = await people.addUser(db, 'Sam');
		expect(await outcome(route.actions.accept!, fakeEvent(sam, token, address))).toBe('entered');
		// Sam opening the link again just goes in: that does not count either.
		expect(await outcome(route.load, fakeEvent(sam, token, address))).toBe('entered');
		const outcomes = await parallel(40, (i) => outcome(route.actions.accept!, fakeEvent(sam, wrongToken(i), address)));
		expect(tally(outcomes)).toEqual({ stopped: LIMIT, throttled: 40 - LIMIT });
	});
});
