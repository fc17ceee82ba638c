// The invite page's own load and actions (/join/[token]), called as SvelteKit calls them, for
// someone removed from a circle: an old link with uses left looks to them exactly like one that
// stopped working; a link made after the removal lets them in; leaving by yourself bans nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isActionFailure, isRedirect } from '@sveltejs/kit';
import type { SessionUser } from '$lib/server/auth/sessions';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';
import { circleWithLink as makeCircleWithLink, joinEvent, joinPage, type JoinPage } from './support/join-page';

type Handler = (event: unknown) => unknown;
let route: JoinPage;
let dbModule: typeof import('$lib/server/db');
let circles: typeof import('$lib/server/circles/circles');
let invites: typeof import('$lib/server/circles/invites');
let people: typeof import('./support/people');
let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
	route = await joinPage();
	dbModule = await import('$lib/server/db');
	circles = await import('$lib/server/circles/circles');
	invites = await import('$lib/server/circles/invites');
	people = await import('./support/people');
});

afterAll(async () => {
	await app?.dispose();
});

let address = 0;

/** Each request from its own address: the per-address invite throttle is not what is tested. */
const fakeEvent = (user: SessionUser | null, token: string) => joinEvent(user, token, `192.0.2.${++address}`);

/** What the handler answered: a redirect's location, an action failure, or the page's data. */
async function answer(handler: Handler, event: unknown) {
	try {
		const result = await handler(event);
		if (isActionFailure(result)) return { failure: result.status, data: result.data };
		return { data: result };
	} catch (error) {
		if (isRedirect(error)) return { redirect: error.location };
		throw error;
	}
}

const STOPPED = { failure: 410, data: { action: 'accept', message: 'This invite link no longer works. Ask the person who sent it for a new one.' } };

async function circleWithLink() {
	const db = dbModule.getDb();
	const t0 = Date.now() - 60_000;
	return { db, t0, ...(await makeCircleWithLink(db, { maxUses: 10, now: t0 })) };
}

describe('joining by link after a removal', () => {
	it('refuses a removed member’s old link with uses left, in the words for any link that stopped working', async () => {
		const { db, ownerAccess, circleId, token, t0 } = await circleWithLink();
		const sam = await people.addUser(db, 'Sam');
		expect(await answer(route.actions.accept!, fakeEvent(sam, token))).toEqual({ redirect: `/circles/${circleId}` });
		await circles.removeMember(db, ownerAccess, sam.id, t0 + 1000);

		expect(await answer(route.load, fakeEvent(sam, token))).toEqual({ data: { invite: null } });
		expect(await answer(route.actions.accept!, fakeEvent(sam, token))).toEqual(STOPPED);
		// A link that really is used up answers the same.
		expect(await answer(route.actions.accept!, fakeEvent(sam, 'a'.repeat(32)))).toEqual(STOPPED);
		expect(await circles.isCircleMember(db, sam.id, circleId)).toBe(false);
		// Anyone else it was meant for still sees the invitation.
		const ana = await people.addUser(db, 'Ana');
		expect(await answer(route.load, fakeEvent(ana, token))).toEqual({ data: { invite: { circleName: 'The Garcias', invitedBy: 'Maria' } } });
	});

	it('lets them in with a link made after the removal', async () => {
		const { db, ownerAccess, circleId, token, t0 } = await circleWithLink();
		const sam = await people.addUser(db, 'Sam');
		await answer(route.actions.accept!, fakeEvent(sam, token));
		await circles.removeMember(db, ownerAccess, sam.id, t0 + 1000);
		expect(await answer(route.actions.accept!, fakeEvent(sam, token))).toEqual(STOPPED);

		const again = await invites.createInvite(db, ownerAccess, { expiresInDays: 7, maxUses: 1, role: 'member', note: '' });
		expect(await answer(route.load, fakeEvent(sam, again.token))).toEqual({ data: { invite: { circleName: 'The Garcias', invitedBy: 'Maria' } } });
		expect(await answer(route.actions.accept!, fakeEvent(sam, again.token))).toEqual({ redirect: `/circles/${circleId}` });
		expect(await circles.isCircleMember(db, sam.id, circleId)).toBe(true);
	});

	it('stops only someone who was removed: whoever left by themselves comes back with the same link', async () => {
		const { db, ownerAccess, circleId, token, t0 } = await circleWithLink();
		const ben = await people.addUser(db, 'Ben');
		const sam = await people.addUser(db, 'Sam');
		await answer(route.actions.accept!, fakeEvent(ben, token));
		await answer(route.actions.accept!, fakeEvent(sam, token));
		const { requireMember } = await import('$lib/server/circles/access');
		await circles.leaveCircle(db, await requireMember(db, ben, circleId), t0 + 1000);
		await circles.removeMember(db, ownerAccess, sam.id, t0 + 1000);

		expect(await answer(route.load, fakeEvent(ben, token))).toEqual({ data: { invite: { circleName: 'The Garcias', invitedBy: 'Maria' } } });
		expect(await answer(route.actions.accept!, fakeEvent(ben, token))).toEqual({ redirect: `/circles/${circleId}` });
		expect(await answer(route.actions.accept!, fakeEvent(sam, token))).toEqual(STOPPED);
	});
});
