// Check-ins: posting, the feed kept live in a second browser, catching up after being offline,
// responding, editing and removing, bad input; and the live channel from plain socket.io clients
// while a member posts through the real HTTP form action. axe-core on every page visited.
import { request as apiRequest, type Page } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import {
	LIVE,
	createAccount,
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
	uniqueUser,
	waitForHydration
} from './helpers';
import {
	checkInBy,
	checkInCard,
	checkInIdOf,
	confirmOpener,
	createAccountAndJoin,
	createCircle,
	makeInvite,
	openCheckInForm,
	openMore,
	openReplies,
	postCheckIn,
	reaction,
	replyTo,
	repliesToggle,
	uniqueCircleName
} from './circle-helpers';

function feed(page: Page) {
	return page.getByRole('region', { name: /Check-ins/ });
}

/** A circle with its owner signed in on `page`, and a second member who can sign in elsewhere. */
async function circleWithTwo(page: Page, baseURL: string) {
	const owner = uniqueUser({ displayName: 'Maria' });
	const other = uniqueUser({ displayName: 'Sam' });
	await signUp(page, owner);
	const name = uniqueCircleName();
	const circleId = await createCircle(page, name);
	const link = await makeInvite(page, circleId);
	await createAccountAndJoin(baseURL, link, other, circleId);
	return { owner, other, circleId, name };
}

test('a check-in posted in one browser appears in the other without a reload, and responses come back live', async ({ page, browser, baseURL }) => {
	const { other, circleId } = await circleWithTwo(page, baseURL!);
	const second = await openSecondBrowser(browser, baseURL!);
	await logIn(second.page, other);
	await gotoHydrated(second.page, `/circles/${circleId}`);
	await expect(liveStatus(second.page)).toHaveText(LIVE);
	await expect(feed(second.page).getByText('No check-ins yet.')).toBeVisible();
	await expectNoAxeViolations(second.page);

	await gotoHydrated(page, `/circles/${circleId}`);
	await expect(liveStatus(page)).toHaveText(LIVE);
	await postCheckIn(page, 'Low', 'Rough night.\n<b>Couldn’t</b> sleep.', 'Just listen');

	const arrived = checkInBy(second.page, 'Rough night.');
	await expect(arrived).toBeVisible();
	// Mood in words (an emoji may stand beside it as an extra).
	await expect(arrived).toContainText(/Feeling:\s*\S*\s*Low/);
	await expect(arrived).toContainText(/Needs:\s*Just listen/);
	// Typed HTML is shown as the text it is.
	await expect(arrived).toContainText('<b>Couldn’t</b> sleep.');
	await expect(arrived.locator('b')).toHaveCount(0);

	await reaction(arrived, 'Sending love').click();
	await expect(reaction(arrived, 'Sending love')).toHaveAttribute('aria-pressed', 'true');
	await expect(reaction(arrived, 'Sending love')).toHaveAccessibleName('Sending love: you');
	await replyTo(arrived, 'Maria', 'I’m here, Mom.');

	// On the author's card, live: the count, a closed "1 reply" that opens on the reply.
	const mine = checkInBy(page, 'Rough night.');
	await expect(reaction(mine, 'Sending love')).toContainText('1');
	await expect(reaction(mine, 'Sending love')).toHaveAccessibleName('Sending love: 1 person');
	await expect(repliesToggle(mine)).toHaveText(/1 reply/);
	await openReplies(mine);
	await expect(mine.getByText('I’m here, Mom.')).toBeVisible();
	await expectNoAxeViolations(page);
	await second.context.close();
	expect(second.trouble).toEqual([]);
});

test('the page the server sends already shows the feed, before (and without) any script, and its responses work as plain forms', async ({
	page,
	browser,
	baseURL
}) => {
	const { circleId } = await circleWithTwo(page, baseURL!);
	await gotoHydrated(page, `/circles/${circleId}`);
	await postCheckIn(page, 'Okay', 'First coffee together in weeks.');
	await postCheckIn(page, 'Good', 'Went to the meeting.');

	// A phone still loading the scripts sees exactly this HTML: never "No check-ins yet".
	const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
	try {
		await context.addCookies(await page.context().cookies());
		const plain = await context.newPage();
		await plain.goto(`/circles/${circleId}`);
		await expect(checkInBy(plain, 'First coffee together in weeks.')).toBeVisible();
		await expect(checkInBy(plain, 'Went to the meeting.')).toContainText(/Feeling:\s*\S*\s*Good/);
		await expect(feed(plain).getByText('No check-ins yet.')).toHaveCount(0);

		// The responses are plain form buttons too: the pressed one sends its own kind.
		const card = checkInBy(plain, 'Went to the meeting.');
		await reaction(card, 'Proud of you').click();
		await expect(reaction(card, 'Proud of you')).toHaveAttribute('aria-pressed', 'true');
		await expect(reaction(card, 'Proud of you')).toContainText('1');
		await expect(reaction(card, 'Sending love')).toHaveAttribute('aria-pressed', 'false');
	} finally {
		await context.close();
	}
});

test('a browser that was offline while three check-ins were posted catches up with all three, once each', async ({ page, browser, baseURL }) => {
	const { other, circleId } = await circleWithTwo(page, baseURL!);
	const second = await openSecondBrowser(browser, baseURL!);
	await logIn(second.page, other);
	await gotoHydrated(second.page, `/circles/${circleId}`);
	await expect(liveStatus(second.page)).toHaveText(LIVE);

	await second.context.setOffline(true);
	await expect(liveStatus(second.page)).not.toHaveText(LIVE);
	await gotoHydrated(page, `/circles/${circleId}`);
	for (const words of ['First while away', 'Second while away', 'Third while away']) await postCheckIn(page, 'Okay', words);

	await second.context.setOffline(false);
	await expect(liveStatus(second.page)).toHaveText(LIVE, { timeout: 30_000 });
	for (const words of ['First while away', 'Second while away', 'Third while away']) {
		await expect(checkInBy(second.page, words)).toHaveCount(1);
	}
	const order = await feed(second.page).locator('article').allInnerTexts();
	expect(order.map((text) => /(First|Second|Third) while away/.exec(text)?.[1])).toEqual(['Third', 'Second', 'First']);
	await second.context.close();
});

test('a reader scrolled down gets a "new check-ins" button instead of a jump; pressing it shows them on top', async ({ page, browser, baseURL }) => {
	const { other, circleId } = await circleWithTwo(page, baseURL!);
	await gotoHydrated(page, `/circles/${circleId}`);
	for (const words of ['Older one', 'Older two', 'Older three', 'Older four']) await postCheckIn(page, 'Okay', words);

	const second = await openSecondBrowser(browser, baseURL!);
	await second.page.setViewportSize({ width: 375, height: 600 });
	await logIn(second.page, other);
	await gotoHydrated(second.page, `/circles/${circleId}`);
	await expect(liveStatus(second.page)).toHaveText(LIVE);
	await checkInBy(second.page, 'Older one').scrollIntoViewIfNeeded();
	const scrolledTo = await second.page.evaluate(() => window.scrollY);
	expect(scrolledTo).toBeGreaterThan(0);

	await postCheckIn(page, 'Great', 'Arrived while you were reading');
	const notice = second.page.getByRole('button', { name: /1 new check-in/ });
	await expect(notice).toBeVisible();
	// Nothing was pushed in above the reader: the newest shown is still the one from before.
	await expect(feed(second.page).locator('article').first()).toContainText('Older four');
	await expect(checkInBy(second.page, 'Arrived while you were reading')).toHaveCount(0);

	await notice.click();
	await expect(feed(second.page).locator('article').first()).toContainText('Arrived while you were reading');
	await expect(notice).toHaveCount(0);
	await expectNoAxeViolations(second.page);
	await second.context.close();
	expect(second.trouble).toEqual([]);
});

test('a check-in with bad input says what to fix next to the field, keeps the words, and stores nothing', async ({ page, baseURL }) => {
	const owner = uniqueUser({ displayName: 'Maria' });
	await signUp(page, owner);
	const circleId = await createCircle(page, uniqueCircleName());
	void baseURL;
	const form = await openCheckInForm(page);

	await form.getByLabel(/A few words/).fill('I forgot to pick a mood');
	await form.getByRole('button', { name: 'Post check-in' }).click();
	await expect(form.getByText('Please choose how you’re feeling.')).toBeVisible();
	await expect(form.getByLabel(/A few words/)).toHaveValue('I forgot to pick a mood');

	await form.getByText('Good', { exact: true }).click();
	await form.getByLabel(/A few words/).fill('x'.repeat(2001));
	await form.getByRole('button', { name: 'Post check-in' }).click();
	await expect(form.getByText(/Please keep your words to 2,000 characters/)).toBeVisible();
	await expect(form.getByLabel(/A few words/)).toHaveAttribute('aria-invalid', 'true');
	await expectNoAxeViolations(page);

	await gotoHydrated(page, `/circles/${circleId}`);
	await expect(feed(page).getByText('No check-ins yet.')).toBeVisible();
});

test('the author edits within the window (marked edited) and removes a check-in; the other browser sees both live', async ({ page, browser, baseURL }) => {
	const { other, circleId } = await circleWithTwo(page, baseURL!);
	const second = await openSecondBrowser(browser, baseURL!);
	await logIn(second.page, other);
	await gotoHydrated(second.page, `/circles/${circleId}`);
	await gotoHydrated(page, `/circles/${circleId}`);
	await postCheckIn(page, 'Okay', 'Typo in thsi one');

	const mine = checkInCard(page, await checkInIdOf(checkInBy(page, 'Typo in thsi one')));
	await (await openMore(mine)).getByRole('button', { name: 'Edit your check-in' }).click();
	await mine.getByLabel(/A few words/).fill('Typo fixed in this one');
	await mine.getByRole('button', { name: 'Save changes' }).click();
	const fixed = checkInBy(second.page, 'Typo fixed in this one');
	await expect(fixed).toBeVisible();
	await expect(fixed).toContainText('edited');

	const edited = checkInBy(page, 'Typo fixed in this one');
	await confirmOpener(await openMore(edited), 'Remove').click();
	await edited.getByRole('button', { name: 'Yes, remove it' }).click();
	await expect(second.page.getByText('This check-in was removed.')).toBeVisible();
	await expect(second.page.getByText('Typo fixed in this one')).toHaveCount(0);
	await expectNoAxeViolations(second.page);
	await second.context.close();
});

test('an edit form holds the words in the page itself: there to change without JavaScript, and kept when typed before the scripts run', async ({
	page,
	browser,
	baseURL
}) => {
	const owner = uniqueUser({ displayName: 'Maria' });
	await signUp(page, owner);
	const circleId = await createCircle(page, uniqueCircleName());
	await postCheckIn(page, 'Okay', 'Slept badly, better now');
	const id = await checkInIdOf(checkInBy(page, 'Slept badly, better now'));
	const editPath = `/circles/${circleId}?edit=${id}#edit-${id}`;

	// Without JavaScript: the words are in the form, and saving another mood keeps them.
	const plain = await browser.newContext({ baseURL, javaScriptEnabled: false });
	try {
		await plain.addCookies(await page.context().cookies());
		const noScript = await plain.newPage();
		await noScript.goto(editPath);
		const card = checkInCard(noScript, id);
		await expect(card.getByLabel(/A few words/)).toHaveValue('Slept badly, better now');
		await card.getByText('Good', { exact: true }).click();
		await card.getByRole('button', { name: 'Save changes' }).click();
		await expect(card.getByRole('button', { name: 'Save changes' })).toHaveCount(0);
		await expect(card).toContainText(/Feeling:\s*\S*\s*Good/);
		await expect(card).toContainText('Slept badly, better now');
	} finally {
		await plain.close();
	}

	// A slow phone: words typed before the scripts have run stay once they have. A fresh browser
	// (no scripts cached, no service worker serving them) whose scripts wait until released.
	const slow = await browser.newContext({ baseURL, serviceWorkers: 'block' });
	try {
		await slow.addCookies(await page.context().cookies());
		let release = () => {};
		const held = new Promise<void>((resolve) => (release = resolve));
		await slow.route('**/_app/immutable/**/*.js', async (route) => {
			await held;
			await route.continue();
		});
		const phone = await slow.newPage();
		await phone.goto(editPath, { waitUntil: 'commit' });
		const field = checkInCard(phone, id).getByLabel(/A few words/);
		await expect(field).toHaveValue('Slept badly, better now');
		await expect(phone.locator('#svelte-announcer')).toHaveCount(0); // not hydrated yet
		await field.fill('Typed before the page was ready');
		release();
		await waitForHydration(phone);
		await expect(liveStatus(phone)).toHaveText(LIVE);
		await expect(field).toHaveValue('Typed before the page was ready');
	} finally {
		await slow.close();
	}
});

test('a member’s page shows their mood trend and check-ins, and fits a phone', async ({ page, baseURL }) => {
	void baseURL;
	await page.setViewportSize({ width: 375, height: 667 });
	const owner = uniqueUser({ displayName: 'Maria' });
	await signUp(page, owner);
	const circleId = await createCircle(page, uniqueCircleName());
	await postCheckIn(page, 'Low', 'Morning was hard');
	await postCheckIn(page, 'Good', 'Evening was better');
	await expectNoHorizontalScroll(page);
	await checkInBy(page, 'Evening was better').getByRole('link', { name: 'Maria' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'You' })).toBeVisible();
	await expect(page.getByRole('img', { name: /2 check-ins in the last 30 days/ })).toBeVisible();
	await expect(page.locator('p', { hasText: 'Evening was better' })).toBeVisible();
	await expectNoHorizontalScroll(page);
	await expectNoAxeViolations(page);
	expect(page.url()).toContain(`/circles/${circleId}/members/`);
});

// Live sync with plain socket.io clients (each with a real session cookie) while a member posts
// through the real HTTP form action, as a browser without JavaScript would.
test('socket clients: a post over HTTP reaches the other member; after a disconnect, three changes arrive in order, once', async ({ page, baseURL }) => {
	const { owner, other, circleId } = await circleWithTwo(page, baseURL!);
	const ownerApi = await apiRequest.newContext({ baseURL });
	const otherApi = await apiRequest.newContext({ baseURL });
	const sockets: Socket[] = [];
	try {
		for (const [api, who] of [
			[ownerApi, owner],
			[otherApi, other]
		] as const) {
			const response = await api.post('/login', { form: { email: who.email, password: who.password }, headers: formHeaders(baseURL!), maxRedirects: 0 });
			expect(response.status()).toBe(303);
		}
		const cookieOf = async (api: typeof ownerApi) => (await api.storageState()).cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
		const connect = async (cookie: string) => {
			const socket = io(baseURL!, {
				transports: ['websocket'],
				extraHeaders: { cookie, origin: new URL(baseURL!).origin },
				reconnection: false,
				forceNew: true
			});
			sockets.push(socket);
			await new Promise<void>((resolve, reject) => {
				socket.once('connect', resolve);
				socket.once('connect_error', reject);
			});
			return socket;
		};
		const post = (api: typeof ownerApi, action: string, form: Record<string, string>) =>
			api.post(`/circles/${circleId}?/${action}`, { form, headers: formHeaders(baseURL!) });

		const listener = await connect(await cookieOf(otherApi));
		type Event = { seq: number; type: string; payload: { checkin: { id: string; body: string } } };
		const received: Event[] = [];
		listener.on('circle:event', (event: Event) => received.push(event));

		expect((await post(ownerApi, 'post', { mood: '4', body: 'Posted over HTTP' })).status()).toBe(200);
		await expect.poll(() => received.map((e) => e.type)).toEqual(['checkin.posted']);
		expect(received[0]!.payload.checkin.body).toBe('Posted over HTTP');
		const lastSeen = received[0]!.seq;
		const checkinId = received[0]!.payload.checkin.id;

		listener.disconnect();
		expect((await post(ownerApi, 'post', { mood: '3', body: 'While you were away' })).status()).toBe(200);
		expect((await post(ownerApi, 'react', { checkinId, kind: 'proud' })).status()).toBe(200);
		expect((await post(ownerApi, 'reply', { checkinId, body: 'And a reply' })).status()).toBe(200);

		const back = await connect(await cookieOf(otherApi));
		const answer = await new Promise<{ ok: boolean; events: Event[] }>((resolve) => back.emit('circle:sync', { circleId, afterSeq: lastSeen }, resolve));
		expect(answer.ok).toBe(true);
		expect(answer.events.map((e) => e.type)).toEqual(['checkin.posted', 'checkin.reacted', 'checkin.replied']);
		// The next three numbers of the circle's log, with no gap after the last one seen.
		expect(answer.events.map((e) => e.seq)).toEqual([lastSeen + 1, lastSeen + 2, lastSeen + 3]);
	} finally {
		for (const socket of sockets) socket.disconnect();
		await ownerApi.dispose();
		await otherApi.dispose();
	}
});

test('an outsider cannot read a circle’s check-ins, page or endpoint', async ({ page, baseURL }) => {
	const { circleId } = await circleWithTwo(page, baseURL!);
	const outsider = uniqueUser({ displayName: 'Outsider' });
	await createAccount(baseURL!, outsider);
	const api = await apiRequest.newContext({ baseURL });
	try {
		await api.post('/login', { form: { email: outsider.email, password: outsider.password }, headers: formHeaders(baseURL!), maxRedirects: 0 });
		expect((await api.get(`/circles/${circleId}/checkins`)).status()).toBe(404);
		expect((await api.get(`/circles/${circleId}`)).status()).toBe(404);
		const post = await api.post(`/circles/${circleId}?/post`, { form: { mood: '3', body: 'sneaky' }, headers: formHeaders(baseURL!) });
		expect(post.status()).toBe(404);
	} finally {
		await api.dispose();
	}
});
