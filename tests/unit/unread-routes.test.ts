// The pages' side of unread, called as SvelteKit calls their loads: the circles list counts every
// circle; the circle home, opened as a whole page, marks it read up to what it shows, but not when
// its data is only fetched (a navigation inside the app, or a preload on hover, which must not
// count as reading), and tells the page where the last visit had read to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '$lib/server/auth/sessions';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';
import { routeEvent } from './support/route-event';

type Load = (event: unknown) => Promise<Record<string, unknown>>;

let app: AppTestDatabase;
let homeLoad: Load;
let listLoad: Load;
let dbModule: typeof import('$lib/server/db');

beforeAll(async () => {
	app = await useAppDatabase();
	homeLoad = (await import('../../src/routes/circles/[circleId]/+page.server')).load as unknown as Load;
	listLoad = (await import('../../src/routes/circles/+page.server')).load as unknown as Load;
	dbModule = await import('$lib/server/db');
});

afterAll(() => app?.dispose());

function loadEvent(user: SessionUser, path: string, params: Record<string, string>, isDataRequest: boolean) {
	const routeId = path === '/circles' ? '/circles' : '/circles/[circleId]';
	return routeEvent({ user, routeId, params, url: new URL(`http://hearth.test${path}`), isDataRequest });
}

async function readSeq(circleId: string, userId: string): Promise<number> {
	const row = await dbModule
		.getDb()
		.selectFrom('read_positions')
		.select('read_seq')
		.where('circle_id', '=', circleId)
		.where('user_id', '=', userId)
		.executeTakeFirstOrThrow();
	return Number(row.read_seq);
}

describe('the pages of unread', () => {
	it('count on the circles list, and read on the circle home only when it is opened as a page', async () => {
		const { circleOf } = await import('./support/circles');
		const { postCheckIn } = await import('$lib/server/checkins/checkins');
		const { latestCircleEventSeq } = await import('$lib/server/circles/events');
		const db = dbModule.getDb();
		const circle = await circleOf(db, ['Sam']);
		const [maria, sam] = circle.people;
		const joinedSeq = await readSeq(circle.circleId, sam.id);
		const joinedAt = Number(
			(
				await db
					.selectFrom('circle_events')
					.select('created_at')
					.where('circle_id', '=', circle.circleId)
					.where('seq', '=', joinedSeq)
					.executeTakeFirstOrThrow()
			).created_at
		);
		await postCheckIn(db, await circle.accessOf(maria), { mood: 4, craving: null, need: null, body: 'Good day.' });
		await postCheckIn(db, await circle.accessOf(maria), { mood: 3, craving: null, need: null, body: 'Tired.' });

		const list = await listLoad(loadEvent(sam, '/circles', {}, false));
		expect(list.unread).toEqual({ [circle.circleId]: 2 });

		// A preload on hover, or a navigation inside the app: the page marks what it shows itself.
		const params = { circleId: circle.circleId };
		const fetched = await homeLoad(loadEvent(sam, `/circles/${circle.circleId}`, params, true));
		expect(fetched.lastVisitSeenAt).toBe(joinedAt);
		expect(await readSeq(circle.circleId, sam.id)).toBe(joinedSeq);

		// Opened as a whole page: read up to what it shows; the page still knows where the last visit ended.
		const opened = await homeLoad(loadEvent(sam, `/circles/${circle.circleId}`, params, false));
		expect(opened.lastVisitSeenAt).toBe(joinedAt);
		expect(await readSeq(circle.circleId, sam.id)).toBe(await latestCircleEventSeq(db, circle.circleId));
		expect((await listLoad(loadEvent(sam, '/circles', {}, false))).unread).toEqual({ [circle.circleId]: 0 });
	});
});
