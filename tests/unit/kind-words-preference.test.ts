// Kind-words help can be turned off per member (issue 20, item 2): the choice is the account's,
// read with the session on every page (so every device follows), saved by the account page's
// form, refused with a message for anything but yes or no, and part of the account's export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, validateSessionToken, type SessionUser } from '$lib/server/auth/sessions';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';
import { routeEvent } from './support/route-event';

type Action = (event: unknown) => Promise<unknown>;

let app: AppTestDatabase;
let actions: Record<string, Action>;
let dbModule: typeof import('$lib/server/db');
let maria: SessionUser;
let token: string;

beforeAll(async () => {
	app = await useAppDatabase();
	dbModule = await import('$lib/server/db');
	actions = (await import('../../src/routes/account/+page.server')).actions as unknown as Record<string, Action>;
	const { circleOf } = await import('./support/circles');
	maria = (await circleOf(dbModule.getDb(), [])).owner;
	({ token } = await createSession(dbModule.getDb(), maria.id));
});

afterAll(async () => {
	await app?.dispose();
});

function save(fields: Record<string, string>) {
	const url = new URL('http://hearth.test/account?/kindWordsHelp');
	const body = new URLSearchParams(fields);
	return actions.kindWordsHelp!(routeEvent({ user: maria, routeId: '/account', params: {}, url, request: new Request(url, { method: 'POST', body }) }));
}

const preferences = async () => (await validateSessionToken(dbModule.getDb(), token, { touch: false }))!.preferences;

describe('kind-words help, the member’s choice', () => {
	it('is on for a new account, turns off and on again, and every session of the account reads it', async () => {
		expect(await preferences()).toEqual({ kindWordsHelp: true });
		expect(await save({ kindWordsHelp: 'no' })).toMatchObject({ action: 'kindWordsHelp', success: expect.stringMatching(/No more suggestions/) });
		expect(await preferences()).toEqual({ kindWordsHelp: false });
		const { token: otherDevice } = await createSession(dbModule.getDb(), maria.id);
		expect((await validateSessionToken(dbModule.getDb(), otherDevice, { touch: false }))!.preferences).toEqual({ kindWordsHelp: false });
		expect(await save({ kindWordsHelp: 'yes' })).toMatchObject({ action: 'kindWordsHelp' });
		expect(await preferences()).toEqual({ kindWordsHelp: true });
	});

	it('anything but yes or no gets a message next to the choice and changes nothing', async () => {
		await save({ kindWordsHelp: 'no' });
		for (const fields of [{ kindWordsHelp: 'maybe' }, {}, { kindWordsHelp: '<script>alert(1)</script>' }] as Record<string, string>[]) {
			expect(await save(fields), JSON.stringify(fields)).toMatchObject({
				status: 400,
				data: { action: 'kindWordsHelp', errors: { kindWordsHelp: expect.stringMatching(/choose/) } }
			});
		}
		expect(await preferences()).toEqual({ kindWordsHelp: false });
	});

	it('is in the account’s export', async () => {
		const { exportAccountJson } = await import('$lib/server/account/export');
		await save({ kindWordsHelp: 'no' });
		const exported = JSON.parse(await textOf(exportAccountJson(dbModule.getDb(), maria.id)));
		expect(exported.account.gentlerWordsWhileWriting).toBe(false);
	});
});

async function textOf(stream: unknown): Promise<string> {
	if (typeof stream === 'string') return stream;
	if (stream instanceof ReadableStream) return new Response(stream).text();
	let text = '';
	for await (const chunk of stream as AsyncIterable<string | Uint8Array>) text += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
	return text;
}
