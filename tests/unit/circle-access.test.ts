// http/guards.ts: a page request looks up the member's access once, however many loads ask; a
// form action looks it up itself (it may change that very membership); outsiders get one 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHttpError, isRedirect } from '@sveltejs/kit';
import type { SessionUser } from '$lib/server/auth/sessions';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';

let guards: typeof import('$lib/server/http/guards');
let dbModule: typeof import('$lib/server/db');
let owner: SessionUser;
let circleId: string;
let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
	dbModule = await import('$lib/server/db');
	guards = await import('$lib/server/http/guards');
	const { addUser } = await import('./support/people');
	const { createCircle } = await import('$lib/server/circles/circles');
	owner = await addUser(dbModule.getDb(), 'Maria');
	({ circleId } = await createCircle(dbModule.getDb(), owner, { name: 'The Garcias', description: '' }));
});

afterAll(async () => {
	await app?.dispose();
});

function request(user: SessionUser | null, id = circleId, locals: App.Locals = { user, session: null }) {
	return { locals, url: new URL(`http://localhost/circles/${id}`), params: { circleId: id } };
}
const asLoad = <E extends object>(event: E) => ({ ...event, depends: () => {} });

async function thrown(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => null,
		(caught: unknown) => caught
	);
}

describe('circleAccess', () => {
	it('gives a page request’s loads one shared lookup', async () => {
		const event = request(owner);
		const [layout, page] = await Promise.all([guards.circleAccess(asLoad(event)), guards.circleAccess(asLoad(event), 'manageInvites')]);
		expect(layout).toBe(page);
		expect(event.locals.circleAccess?.size).toBe(1);
		expect(layout).toMatchObject({ userId: owner.id, role: 'owner', displayName: 'Maria', circle: { id: circleId, name: 'The Garcias' } });
	});

	it('looks up again for a form action, and does not keep it for the loads after it', async () => {
		const event = request(owner);
		const first = await guards.circleAccess(event);
		const second = await guards.circleAccess(event);
		expect(first).not.toBe(second);
		expect(first).toEqual(second);
		expect(event.locals.circleAccess).toBeUndefined();
	});

	it('answers every outsider with the same 404, and a signed-out visitor with a way to log in', async () => {
		const { addUser } = await import('./support/people');
		const stranger = await addUser(dbModule.getDb(), 'Stranger');
		for (const event of [request(stranger), request(stranger, 'made-up'), request(owner, '../../etc'), request(owner, 'x'.repeat(5000))]) {
			for (const asked of [event, asLoad(event)]) {
				const caught = await thrown(guards.circleAccess(asked));
				expect(isHttpError(caught) && [caught.status, caught.body.message]).toEqual([404, 'Not found']);
			}
		}
		const signedOut = await thrown(guards.circleAccess(asLoad(request(null))));
		expect(isRedirect(signedOut) && signedOut.location).toMatch(/^\/login\?/);
	});

	it('refuses a member what their role does not allow (403, with the reason)', async () => {
		const { circleOf } = await import('./support/circles');
		const { circleId: garcias, people } = await circleOf(dbModule.getDb(), ['Sam']);
		const caught = await thrown(guards.circleAccess(request(people[1], garcias), 'deleteCircle'));
		expect(isHttpError(caught) && [caught.status, caught.body.message]).toEqual([403, 'Only the circle’s owner can delete it.']);
		// The same request's load for plain viewing still works from the shared lookup.
		const load = asLoad(request(people[1], garcias));
		await thrown(guards.circleAccess(load, 'deleteCircle'));
		expect(await guards.circleAccess(load)).toMatchObject({ role: 'member' });
	});
});
