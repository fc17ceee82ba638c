// The offline outbox (issue 18, item 2): a check-in or reply written offline is kept on the device
// and shown as waiting, then sent once when the connection returns, and reaches the others live;
// a double tap posts once; a post the server refuses comes back with its words; logging out
// empties the outbox and says so; without JavaScript a post still goes, and once.
import type { Page } from '@playwright/test';
import {
	LIVE,
	expect,
	expectNoAxeViolations,
	expectNoHorizontalScroll,
	formHeaders,
	gotoHydrated,
	liveStatus,
	logIn,
	openSecondBrowser,
	signUp,
	test,
	uniqueUser
} from './helpers';
import { confirmOpener, createAccountAndJoin, createCircle, makeInvite, memberItem, openCheckInForm, openReplies, uniqueCircleName } from './circle-helpers';

function checkInBy(page: Page, text: string) {
	return page
		.getByRole('region', { name: /Check-ins/ })
		.locator('article[aria-labelledby^="by-"]')
		.filter({ hasText: text });
}

function waitingCheckIns(page: Page) {
	return page.getByRole('list', { name: 'Waiting to send' }).getByRole('article');
}

async function writeCheckIn(page: Page, mood: string, words: string) {
	const form = await openCheckInForm(page);
	await form.getByText(mood, { exact: true }).click();
	await form.getByLabel(/A few words/).fill(words);
	await form.getByRole('button', { name: 'Post check-in' }).click();
}

/** How many of the circle's check-ins (newest page) say exactly `words`, as the server has them. */
async function storedWith(page: Page, circleId: string, words: string): Promise<number> {
	const response = await page.request.get(`/circles/${circleId}/checkins`);
	expect(response.ok()).toBe(true);
	const { checkins } = (await response.json()) as { checkins: Array<{ body: string; replies: Array<{ body: string }> }> };
	return (
		checkins.filter((checkin) => checkin.body === words).length + checkins.flatMap((checkin) => checkin.replies).filter((reply) => reply.body === words).length
	);
}

/** A circle with its owner signed in on `page`, and a second member signed in, on the circle, in another browser. */
async function circleWithTwo(page: Page, browser: import('@playwright/test').Browser, baseURL: string) {
	const owner = uniqueUser({ displayName: 'Maria' });
	const other = uniqueUser({ displayName: 'Sam' });
	await signUp(page, owner);
	const name = uniqueCircleName();
	const circleId = await createCircle(page, name);
	const link = await makeInvite(page, circleId);
	await createAccountAndJoin(baseURL, link, other, circleId);
	const second = await openSecondBrowser(browser, baseURL);
	await logIn(second.page, other);
	await gotoHydrated(second.page, `/circles/${circleId}`);
	await expect(liveStatus(second.page)).toHaveText(LIVE);
	return { owner, other, circleId, name, second };
}

test('a check-in written offline waits on the device, is sent once when back online, and reaches the other member live', async ({ page, browser, baseURL }) => {
	const { circleId, second } = await circleWithTwo(page, browser, baseURL!);
	await page.setViewportSize({ width: 375, height: 800 });
	await gotoHydrated(page, `/circles/${circleId}`);
	await expect(liveStatus(page)).toHaveText(LIVE);

	await page.context().setOffline(true);
	await expect(liveStatus(page)).not.toHaveText(LIVE);
	const words = 'Wrote this on the train, no signal.';
	await writeCheckIn(page, 'Low', words);
	await expect(waitingCheckIns(page)).toHaveCount(1);
	await expect(waitingCheckIns(page)).toContainText('Waiting to send');
	await expect(waitingCheckIns(page)).toContainText(words);
	await expect(waitingCheckIns(page)).toContainText(/Feeling:\s*\S*\s*Low/);
	await expect(page.getByRole('status').filter({ hasText: 'saved on this device' })).toBeVisible();
	// The form is ready for the next one: the words are in the waiting card, not lost.
	await expect((await openCheckInForm(page)).getByLabel(/A few words/)).toHaveValue('');
	await expectNoAxeViolations(page);
	await expectNoHorizontalScroll(page);
	expect(await storedWith(second.page, circleId, words)).toBe(0);

	await page.context().setOffline(false);
	await expect(waitingCheckIns(page)).toHaveCount(0, { timeout: 30_000 });
	await expect(checkInBy(page, words)).toHaveCount(1);
	await expect(checkInBy(second.page, words)).toHaveCount(1);
	await expect(liveStatus(page)).toHaveText(LIVE, { timeout: 30_000 });
	expect(await storedWith(page, circleId, words)).toBe(1);
	// Every trigger has fired (online, the socket's reconnect, the page): still once.
	await gotoHydrated(page, `/circles/${circleId}`);
	await expect(checkInBy(page, words)).toHaveCount(1);
	expect(await storedWith(page, circleId, words)).toBe(1);
	await expect(checkInBy(second.page, words)).toHaveCount(1);
	await second.context.close();
});

test('a reply written offline waits under its check-in and is sent once when back online', async ({ page, browser, baseURL }) => {
	const { circleId, second } = await circleWithTwo(page, browser, baseURL!);
	await writeCheckIn(second.page, 'Okay', 'Long day at work.');
	await expect(checkInBy(second.page, 'Long day at work.')).toHaveCount(1);
	await gotoHydrated(page, `/circles/${circleId}`);
	const card = checkInBy(page, 'Long day at work.');
	await expect(card).toHaveCount(1);

	await page.context().setOffline(true);
	const words = 'Proud of you for getting through it.';
	await openReplies(card);
	await card.getByLabel('Reply to Sam').fill(words);
	await card.getByRole('button', { name: 'Send reply' }).click();
	const waiting = card.getByRole('list', { name: 'Your replies waiting to send' });
	await expect(waiting).toContainText('Waiting to send');
	await expect(waiting).toContainText(words);
	await expect(card.getByLabel('Reply to Sam')).toHaveValue('');

	await page.context().setOffline(false);
	await expect(waiting).toHaveCount(0, { timeout: 30_000 });
	await expect(card.locator('.replies li').filter({ hasText: words })).toHaveCount(1);
	await openReplies(checkInBy(second.page, 'Long day at work.'));
	await expect(checkInBy(second.page, 'Long day at work.').locator('.replies li').filter({ hasText: words })).toHaveCount(1);
	await expect(liveStatus(page)).toHaveText(LIVE, { timeout: 30_000 });
	expect(await storedWith(page, circleId, words)).toBe(1);
	await second.context.close();
});

test('a double tap on "Post check-in" or "Reply" posts once', async ({ page, browser, baseURL }) => {
	const { circleId, second } = await circleWithTwo(page, browser, baseURL!);
	await second.context.close();
	await gotoHydrated(page, `/circles/${circleId}`);
	let answered = 0;
	page.on('response', (response) => {
		if (response.request().method() === 'POST' && /\?\/(post|reply)$/.test(response.url())) answered += 1;
	});

	const form = await openCheckInForm(page);
	await form.getByText('Good', { exact: true }).click();
	await form.getByLabel(/A few words/).fill('Tapped twice.');
	// Two sends before the page can change anything: both go, with the same key.
	await page.evaluate(() => {
		const post = document.querySelector<HTMLFormElement>('form[action="?/post"]')!;
		post.requestSubmit();
		post.requestSubmit();
	});
	await expect.poll(() => answered).toBe(2);
	await expect(checkInBy(page, 'Tapped twice.')).toHaveCount(1);
	expect(await storedWith(page, circleId, 'Tapped twice.')).toBe(1);

	const card = checkInBy(page, 'Tapped twice.');
	await openReplies(card);
	await card.getByLabel(/^Reply to/).fill('And a reply, tapped twice.');
	await card.evaluate((article) => {
		const reply = article.querySelector<HTMLFormElement>('form[action$="?/reply"]')!;
		reply.requestSubmit();
		reply.requestSubmit();
	});
	await expect.poll(() => answered).toBe(4);
	await expect(card.locator('.replies li').filter({ hasText: 'And a reply, tapped twice.' })).toHaveCount(1);
	expect(await storedWith(page, circleId, 'And a reply, tapped twice.')).toBe(1);

	// The next check-in is another post, with its own key.
	await openCheckInForm(page);
	await form.getByText('Okay', { exact: true }).click();
	await form.getByLabel(/A few words/).fill('Another one.');
	await form.getByRole('button', { name: 'Post check-in' }).click();
	await expect(checkInBy(page, 'Another one.')).toHaveCount(1);
});

test('a waiting check-in the server refuses (its author was removed meanwhile) comes back with its words', async ({ page, browser, baseURL }) => {
	const { circleId, name, second } = await circleWithTwo(page, browser, baseURL!);
	await second.context.setOffline(true);
	await expect(liveStatus(second.page)).not.toHaveText(LIVE);
	const words = 'Sent after I was taken out.';
	await writeCheckIn(second.page, 'Okay', words);
	await expect(waitingCheckIns(second.page)).toHaveCount(1);

	// The owner removes Sam while Sam is offline.
	await gotoHydrated(page, `/circles/${circleId}/members`);
	const item = memberItem(page, name, 'Sam');
	await confirmOpener(item, 'Remove').click();
	await page.getByRole('group', { name: 'Confirm: Remove Sam from the circle' }).getByRole('button', { name: 'Yes, remove Sam' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Sam is no longer in the circle.' })).toBeVisible();

	await second.context.setOffline(false);
	const notice = second.page.getByRole('alert').filter({ hasText: 'wasn’t sent' });
	await expect(notice).toBeVisible({ timeout: 30_000 });
	await expect(notice).toContainText(words);
	await expect(notice).toContainText(/no longer in/);
	await notice.getByRole('button', { name: 'I have them, thanks' }).click();
	await expect(notice).toHaveCount(0);
	expect(await storedWith(page, circleId, words)).toBe(0);
	await second.context.close();
});

test('logging out empties the outbox, and the next page says so', async ({ page, baseURL }) => {
	const owner = uniqueUser({ displayName: 'Maria' });
	await signUp(page, owner);
	const circleId = await createCircle(page, uniqueCircleName());
	await gotoHydrated(page, `/circles/${circleId}`);
	// The network fails for posts (a connection that drops every post): they wait. On the context,
	// so that the service worker's Background Sync cannot send them either.
	await page
		.context()
		.route('**/*', (route) =>
			route.request().method() === 'POST' && route.request().url().includes('?/post') ? route.abort('internetdisconnected') : route.fallback()
		);
	await writeCheckIn(page, 'Okay', 'Never sent.');
	await expect(waitingCheckIns(page)).toHaveCount(1);

	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'You’re logged out' })).toContainText('waiting to send on this device was removed');
	await logIn(page, owner);
	await gotoHydrated(page, `/circles/${circleId}`);
	await expect(waitingCheckIns(page)).toHaveCount(0);
	expect(await storedWith(page, circleId, 'Never sent.')).toBe(0);
	void baseURL;
});

test('without JavaScript a check-in and a reply still post, and a form sent twice posts once', async ({ page, browser, baseURL }) => {
	const { circleId, second } = await circleWithTwo(page, browser, baseURL!);
	await second.context.close();
	const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
	try {
		await context.addCookies(await page.context().cookies());
		const plain = await context.newPage();
		await plain.goto(`/circles/${circleId}`);
		const form = await openCheckInForm(plain);
		await form.getByText('Great', { exact: true }).click();
		await form.getByLabel(/A few words/).fill('Plain form, no scripts.');
		await form.getByRole('button', { name: 'Post check-in' }).click();
		await expect(checkInBy(plain, 'Plain form, no scripts.')).toHaveCount(1);
		const card = checkInBy(plain, 'Plain form, no scripts.');
		await openReplies(card);
		await card.getByLabel(/^Reply to/).fill('A plain reply.');
		await card.getByRole('button', { name: 'Send reply' }).click();
		await expect(checkInBy(plain, 'Plain form, no scripts.').locator('.replies li').filter({ hasText: 'A plain reply.' })).toHaveCount(1);

		// The same page's form sent twice (a double click, a reload that sends it again): once.
		await plain.goto(`/circles/${circleId}?compose`);
		const key = await plain.locator('form[action="?/post"] input[name="clientKey"]').getAttribute('value');
		expect(key).toMatch(/^[0-9a-f-]{36}$/);
		for (let i = 0; i < 2; i++) {
			const response = await context.request.post(`/circles/${circleId}?/post`, {
				form: { mood: '3', body: 'Sent twice without scripts.', clientKey: key! },
				headers: formHeaders(baseURL!)
			});
			expect(response.status()).toBe(200);
		}
		expect(await storedWith(plain, circleId, 'Sent twice without scripts.')).toBe(1);
	} finally {
		await context.close();
	}
});

test('the offline page lists what waits on this device to be sent', async ({ page, browser, baseURL }) => {
	const { circleId, second } = await circleWithTwo(page, browser, baseURL!);
	await gotoHydrated(page, `/circles/${circleId}`);
	await expect(liveStatus(page)).toHaveText(LIVE);
	// The worker stores the offline page when it installs: wait for it before the connection goes.
	await page.evaluate(async () => void (await navigator.serviceWorker.ready));

	await page.context().setOffline(true);
	const words = 'Kept for later, nothing lost.';
	await writeCheckIn(page, 'Okay', words);
	await expect(waitingCheckIns(page)).toHaveCount(1);

	const elsewhere = await page.context().newPage();
	await elsewhere.goto('/help');
	await expect(elsewhere.getByRole('heading', { name: 'You’re offline' })).toBeVisible();
	const waiting = elsewhere.getByRole('region', { name: 'Waiting to send' });
	await expect(waiting).toContainText(words);
	await expect(waiting).toContainText('Check-in');
	await expectNoAxeViolations(elsewhere);

	await page.context().setOffline(false);
	await expect(checkInBy(second.page, words)).toHaveCount(1);
	await expect.poll(() => storedWith(page, circleId, words)).toBe(1);
	await second.context.close();
});

test('with no Hearth tab open, Background Sync sends what waits once the connection is back', async ({ page, browser, baseURL }) => {
	const { circleId, second } = await circleWithTwo(page, browser, baseURL!);
	await gotoHydrated(page, `/circles/${circleId}`);
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), { message: 'the service worker controls the page' })
		.toMatch(/\/service-worker\.js$/);

	await page.context().setOffline(true);
	const words = 'Written in the tunnel, sent from the pocket.';
	await writeCheckIn(page, 'Good', words);
	await expect(waitingCheckIns(page)).toHaveCount(1);
	const tags = await page.evaluate(async () => {
		const registration = (await navigator.serviceWorker.getRegistration()) as ServiceWorkerRegistration & { sync: { getTags(): Promise<string[]> } };
		return registration.sync.getTags();
	});
	expect(tags).toEqual(['hearth-outbox']);

	// Every Hearth tab closed; the browser stays open (an empty tab).
	const blank = await page.context().newPage();
	await page.close();
	await blank.context().setOffline(false);
	await expect(checkInBy(second.page, words)).toHaveCount(1, { timeout: 30_000 });
	expect(await storedWith(second.page, circleId, words)).toBe(1);

	// Opening Hearth again finds nothing waiting, and nothing is sent twice.
	await gotoHydrated(blank, `/circles/${circleId}`);
	await expect(checkInBy(blank, words)).toHaveCount(1);
	await expect(blank.getByRole('list', { name: 'Waiting to send' })).toHaveCount(0);
	expect(await storedWith(blank, circleId, words)).toBe(1);
	await second.context.close();
});
