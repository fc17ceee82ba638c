// The circle page's post and reply actions with a key (issue 18, item 2), called as SvelteKit calls
// them: a bad key (too long, not a UUID, sent twice) is a 400 with its message next to the field
// and stores nothing; the same form sent twice posts once; the page hands out fresh keys, so a
// page without JavaScript posts once too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isActionFailure } from '@sveltejs/kit';
import type { SessionUser } from '$lib/server/auth/sessions';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';
import { routeEvent } from './support/route-event';

type Action = (event: unknown) => Promise<unknown>;

let app: AppTestDatabase;
let actions: Record<string, Action>;
let load: (event: unknown) => Promise<Record<string, unknown>>;
let dbModule: typeof import('$lib/server/db');
let BAD_CLIENT_KEY: string;
let SENT_WITH_OTHER_WORDS: string;
let circleId: string;
let sam: SessionUser;
let checkinId: string;

const KEY = '3b241101-e2bb-4255-8caf-4136c566a962';

beforeAll(async () => {
	app = await useAppDatabase();
	const page = await import('../../src/routes/circles/[circleId]/+page.server');
	actions = page.actions as unknown as Record<string, Action>;
	load = page.load as unknown as typeof load;
	dbModule = await import('$lib/server/db');
	({ BAD_CLIENT_KEY } = await import('$lib/server/checkins/checkin-forms'));
	({ SENT_WITH_OTHER_WORDS } = await import('$lib/server/checkins/post-keys'));
	const { circleOf } = await import('./support/circles');
	const { postCheckIn } = await import('$lib/server/checkins/checkins');
	const circle = await circleOf(dbModule.getDb(), ['Sam']);
	circleId = circle.circleId;
	sam = circle.people[1];
	checkinId = (await postCheckIn(dbModule.getDb(), await circle.accessOf(circle.owner), { mood: 4, craving: null, need: null, body: 'Good day.' })).id;
});

afterAll(() => app?.dispose());

function event(user: SessionUser, body: URLSearchParams) {
	const url = new URL(`http://hearth.test/circles/${circleId}`);
	const request = new Request(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
	return routeEvent({ user, routeId: '/circles/[circleId]', params: { circleId }, url, request });
}

async function stored() {
	const db = dbModule.getDb();
	const count = async (table: 'checkins' | 'checkin_replies' | 'circle_events' | 'post_keys') =>
		Number(
			(
				await db
					.selectFrom(table)
					.select((eb) => eb.fn.countAll().as('n'))
					.executeTakeFirstOrThrow()
			).n
		);
	return { checkins: await count('checkins'), replies: await count('checkin_replies'), events: await count('circle_events'), keys: await count('post_keys') };
}

const BAD_KEYS: Array<[string, string[]]> = [
	['too long', [`${KEY}${'0'.repeat(5_000)}`]],
	['not a UUID', ['not-a-uuid-at-all']],
	['a UUID with something after it', [`${KEY} `]],
	['sent twice (an array)', [KEY, '9b2f4a1e-6c3d-4e5f-8a7b-1c2d3e4f5a6b']]
];

describe('the circle page’s post and reply with a key', () => {
	for (const [what, values] of BAD_KEYS) {
		it(`answers a key ${what} with a 400 next to the field, keeping the words, and stores nothing`, async () => {
			const before = await stored();
			for (const [action, fields] of [
				['post', { mood: '3', body: 'Tired but here.' }],
				['reply', { checkinId, body: 'Proud of you.' }]
			] as const) {
				const body = new URLSearchParams(fields);
				for (const value of values) body.append('clientKey', value);
				const answer = await actions[action]!(event(sam, body));
				expect(isActionFailure(answer), `${action}: ${JSON.stringify(answer)}`).toBe(true);
				const failure = answer as { status: number; data: { action: string; errors: Record<string, string>; values: Record<string, string> } };
				expect(failure.status).toBe(400);
				expect(failure.data.action).toBe(action);
				expect(failure.data.errors).toEqual({ clientKey: BAD_CLIENT_KEY });
				expect(failure.data.values.body).toBe(fields.body);
				expect(failure.data.values).not.toHaveProperty('clientKey');
			}
			expect(await stored()).toEqual(before);
		});
	}

	it('posts a form sent twice with its key once, answering both the same; other words with it are a 409 and store nothing', async () => {
		const before = await stored();
		const form = () => new URLSearchParams({ mood: '2', body: 'Sent twice.', clientKey: KEY.toUpperCase() });
		const first = (await actions.post!(event(sam, form()))) as { checkin: { id: string } };
		const second = (await actions.post!(event(sam, form()))) as { checkin: { id: string } };
		expect(second).toEqual(first);
		expect(await stored()).toEqual({ ...before, checkins: before.checkins + 1, events: before.events + 1, keys: before.keys + 1 });
		const other = await actions.post!(event(sam, new URLSearchParams({ mood: '2', body: 'Other words.', clientKey: KEY })));
		expect(other).toMatchObject({ status: 409, data: { action: 'post', message: SENT_WITH_OTHER_WORDS, values: { body: 'Other words.' } } });
		const replyForm = () => new URLSearchParams({ checkinId, body: 'Twice, once.', clientKey: '6fa459ea-ee8a-3ca4-894e-db77e160355e' });
		const reply = await actions.reply!(event(sam, replyForm()));
		expect(await actions.reply!(event(sam, replyForm()))).toEqual(reply);
		expect(await stored()).toEqual({ ...before, checkins: before.checkins + 1, replies: before.replies + 1, events: before.events + 2, keys: before.keys + 2 });
	});

	it('still posts without a key, as before', async () => {
		const before = await stored();
		const answer = await actions.post!(event(sam, new URLSearchParams({ mood: '5', body: 'No key.' })));
		expect(answer).toMatchObject({ action: 'post', checkin: { body: 'No key.' } });
		expect(await stored()).toMatchObject({ checkins: before.checkins + 1, keys: before.keys });
	});

	it('gives every page a fresh key for its check-in and its replies (for a page without JavaScript)', async () => {
		const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
		const keysOf = async () => {
			const data = await load({ ...event(sam, new URLSearchParams()), request: new Request(`http://hearth.test/circles/${circleId}`) });
			return data.postKeys as { checkIn: string; reply: string };
		};
		const [one, two] = [await keysOf(), await keysOf()];
		for (const key of [one.checkIn, one.reply, two.checkIn, two.reply]) expect(key).toMatch(uuid);
		expect(new Set([one.checkIn, one.reply, two.checkIn, two.reply]).size).toBe(4);
	});
});
