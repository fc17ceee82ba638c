// Two Hearth servers on one PostgreSQL and one Redis (issue 17, "Tests that must exist"): two
// `node server.js` processes of the production build, DATABASE_URL and REDIS_URL the same on both,
// started together (the migrations' advisory lock lets one of them apply each file). One member's
// browser talks only to server A, the other's only to server B, as a load balancer may send them.
// Whatever one does must reach the other at once, live, with no reload: the invite made on A and
// joined on B, a check-in posted on B and a reaction on A, an agreement proposed on A and answered
// on B, and a removal on A that takes the member on B out of the circle there and then.
//
// The same across servers without browsers, with exact log comparisons, logout and presence:
// sync-redis.spec.ts. PostgreSQL or Redis going away: faults-postgres.spec.ts.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { LIVE, expectPathname, gotoHydrated, liveStatus, signUp, uniqueUser, watchForTrouble } from './helpers';
import {
	confirmOpener,
	createCircle,
	expectNotFound,
	joinWithSignUp,
	makeInvite,
	markWindow,
	memberItem,
	openCheckInForm,
	uniqueCircleName,
	windowStillMarked
} from './circle-helpers';
import type { ServerProcess } from './server-process';
import { serversUnavailable, startServers, type SharedDatabase, type SharedServers } from './servers-kit';

test.describe.configure({ mode: 'serial' });

const skipped = serversUnavailable('postgres');
test.skip(skipped !== null, skipped ?? '');

let kit: SharedServers | null = null;
let database: SharedDatabase;
let serverA: ServerProcess;
let serverB: ServerProcess;

test.beforeAll(async () => {
	test.setTimeout(90_000);
	// E2E_REDIS_OFF=1: the same servers without REDIS_URL, to see the test fail without the adapter.
	kit = await startServers({ adapter: process.env.E2E_REDIS_OFF !== '1' });
	[serverA, serverB] = kit.servers as [ServerProcess, ServerProcess];
	database = kit.database;
});

test.afterEach(async () => kit?.attachOutput(test.info()));

test.afterAll(async () => kit?.remove());

/** A browser of its own whose every page and request goes to `baseURL` (one server). */
async function browserOn(browser: Browser, baseURL: string) {
	const context = await browser.newContext({ baseURL });
	const page = await context.newPage();
	return { context, page, trouble: watchForTrouble(page) };
}

function checkInBy(page: Page, text: string) {
	return page.locator('article').filter({ hasText: text });
}

test('one member on server A, the other on server B: invite and join, a live check-in and reaction, an agreement answered, and a removal at once', async ({
	browser
}) => {
	test.setTimeout(120_000);
	const migrations = await database.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
	expect(new Set(migrations.map((row) => row.name)).size, 'each migration applied once by the two servers').toBe(migrations.length);

	const a = await browserOn(browser, serverA.baseURL);
	const b = await browserOn(browser, serverB.baseURL);
	try {
		const owner = uniqueUser({ displayName: 'Maria' });
		const member = uniqueUser({ displayName: 'Sam' });
		const circleName = uniqueCircleName();

		// Invite on A, join on B; the owner's members page on A shows the newcomer by itself.
		await signUp(a.page, owner);
		const circleId = await createCircle(a.page, circleName);
		const link = await makeInvite(a.page, circleId, { note: 'for Sam' });
		expect(new URL(link).origin).toBe(new URL(serverA.baseURL).origin);
		await gotoHydrated(a.page, `/circles/${circleId}/members`);
		await expect(liveStatus(a.page)).toHaveText(LIVE);
		await markWindow(a.page);
		await joinWithSignUp(b.page, new URL(new URL(link).pathname, serverB.baseURL).href, member, circleId);
		await expect(b.page.getByRole('heading', { level: 1, name: circleName })).toBeVisible();
		await expect(liveStatus(b.page)).toHaveText(LIVE);
		const newcomer = memberItem(a.page, circleName, member.displayName);
		await expect(newcomer).toBeVisible();
		await expect(newcomer.getByText('Online now')).toBeVisible();
		expect(await windowStillMarked(a.page), 'the owner’s members page on A was not reloaded').toBe(true);

		// A check-in posted on B appears on A; a reaction on A comes back to B; neither page reloads.
		await gotoHydrated(a.page, `/circles/${circleId}`);
		await expect(liveStatus(a.page)).toHaveText(LIVE);
		await markWindow(a.page);
		await markWindow(b.page);
		const form = await openCheckInForm(b.page);
		await form.getByText('Okay', { exact: true }).click();
		await form.getByLabel(/A few words/).fill('Posted through server B.');
		await form.getByRole('button', { name: 'Post check-in' }).click();
		await expect(checkInBy(b.page, 'Posted through server B.')).toBeVisible();
		const arrived = checkInBy(a.page, 'Posted through server B.');
		await expect(arrived).toBeVisible();
		await arrived.getByRole('button', { name: /Sending love/ }).click();
		await expect(arrived.getByRole('button', { name: /Sending love/ })).toHaveAttribute('aria-pressed', 'true');
		await expect(checkInBy(b.page, 'Posted through server B.').getByRole('button', { name: /Sending love/ })).toContainText('1');
		expect(await windowStillMarked(a.page), 'A was not reloaded').toBe(true);
		expect(await windowStillMarked(b.page), 'B was not reloaded').toBe(true);

		// An agreement proposed on A, answered on B: the owner's page on A shows the answer live.
		await gotoHydrated(a.page, `/circles/${circleId}/agreements/new`);
		await a.page.getByLabel('Title', { exact: true }).fill('Phones away at dinner');
		await a.page.getByLabel('Category', { exact: true }).selectOption({ label: 'Home & visits' });
		await a.page.getByLabel('The agreement', { exact: true }).fill('We keep phones away while we eat.');
		await a.page.getByRole('button', { name: 'Propose to the circle' }).click();
		await expect(a.page.getByRole('heading', { level: 1, name: 'Phones away at dinner' })).toBeVisible();
		const agreementPath = new URL(a.page.url()).pathname;
		expect(agreementPath).toMatch(/^\/circles\/[a-z2-7]+\/agreements\/[a-z2-7]+$/);
		await expect(liveStatus(a.page)).toHaveText(LIVE);
		await markWindow(a.page);
		const tallyOnA = a.page.getByRole('group', { name: 'Answers so far' });
		await expect(tallyOnA).toContainText('Agreed: nobody yet');
		await gotoHydrated(b.page, agreementPath);
		await b.page.getByRole('button', { name: 'I agree', exact: true }).click();
		await expect(b.page.getByRole('group', { name: 'Answers so far' })).toContainText('Agreed: you');
		await expect(tallyOnA).toContainText(`Agreed: ${member.displayName}`);
		expect(await windowStillMarked(a.page), 'the agreement page on A was not reloaded').toBe(true);

		// Removed on A: the member's open page on B leaves the circle by itself, at once.
		await gotoHydrated(b.page, `/circles/${circleId}`);
		await expect(liveStatus(b.page)).toHaveText(LIVE);
		await markWindow(b.page);
		await gotoHydrated(a.page, `/circles/${circleId}/members`);
		const card = memberItem(a.page, circleName, member.displayName);
		await confirmOpener(card, 'Remove').click();
		await card.getByRole('button', { name: `Yes, remove ${member.displayName}` }).click();
		await expect(a.page.getByRole('status').filter({ hasText: `${member.displayName} is no longer in the circle.` })).toBeVisible();
		await expectPathname(b.page, '/circles?gone=removed');
		await expect(b.page.getByRole('main').getByRole('status')).toHaveText('You are no longer a member of that circle.');
		expect(await windowStillMarked(b.page), 'the removed member’s page on B left by itself, without a reload').toBe(true);
		await expectNotFound(b.page, `/circles/${circleId}`);

		expect(a.trouble, 'server errors, page errors or dialogs on A').toEqual([]);
		expect(b.trouble, 'server errors, page errors or dialogs on B').toEqual([]);
		expect(serverA.hasExited || serverB.hasExited).toBe(false);
	} finally {
		await a.context.close();
		await b.context.close();
	}
});
