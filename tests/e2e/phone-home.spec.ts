// The circle home on a phone (issue 19): the family first, light cards. At 375 × 812 in light and
// dark the first check-in starts within a screen and a half, the circle's sections are a bottom
// bar within thumb reach, nothing scrolls sideways, and the page passes axe with a reply and the
// "More" menu open. Without JavaScript the page still posts, replies and reacts. Replies stay
// collapsed, and come live: into a card that is open, as a new count on one that is closed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { request as apiRequest, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';
import {
	LIVE,
	expect,
	expectNoAxeViolations,
	expectNoHorizontalScroll,
	formHeaders,
	gotoHydrated,
	liveStatus,
	signUp,
	test,
	uniqueUser,
	type TestUser
} from './helpers';
import {
	checkInBy,
	checkInCard,
	checkInIdOf,
	circleTab,
	circleTabs,
	createAccountAndJoin,
	createCircle,
	makeInvite,
	openCheckInForm,
	openMore,
	openReplies,
	composeControl,
	reaction,
	repliesToggle,
	uniqueCircleName
} from './circle-helpers';
import { CLIENT_DIR, firstVisitAssets } from '../../bench/assets.js';

const PHONE = { width: 375, height: 812 };
test.use({ viewport: PHONE });

function utcDay(offset: number): string {
	return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

/** A request context signed in as `user` (the forms posted as a browser without JavaScript would). */
async function signedInApi(baseURL: string, user: TestUser): Promise<APIRequestContext> {
	const api = await apiRequest.newContext({ baseURL });
	const response = await api.post('/login', { form: { email: user.email, password: user.password }, headers: formHeaders(baseURL), maxRedirects: 0 });
	expect(response.status()).toBe(303);
	return api;
}

async function send(api: APIRequestContext, baseURL: string, path: string, form: Record<string, string>): Promise<void> {
	const response = await api.post(path, { form, headers: formHeaders(baseURL) });
	expect(response.status(), `${path} answered`).toBe(200);
}

/** The circle's newest check-ins as the server has them (id and words). */
async function storedCheckIns(api: APIRequestContext, circleId: string): Promise<Array<{ id: string; body: string }>> {
	const response = await api.get(`/circles/${circleId}/checkins`);
	expect(response.ok()).toBe(true);
	return ((await response.json()) as { checkins: Array<{ id: string; body: string }> }).checkins;
}

/**
 * Maria's circle as a family has it: Bea, a person in recovery who told the circle of a lapse
 * yesterday (so the safety note shows), and `count` check-ins from both, some with replies and
 * responses. Maria is signed in on `page`.
 */
async function familyCircle(page: Page, baseURL: string, count: number) {
	const maria = uniqueUser({ displayName: 'Maria' });
	const bea = uniqueUser({ displayName: 'Bea' });
	await signUp(page, maria);
	const name = uniqueCircleName();
	const circleId = await createCircle(page, name, 'Our family, one day at a time.');
	const link = await makeInvite(page, circleId);
	await createAccountAndJoin(baseURL, link, bea, circleId);
	const beaApi = await signedInApi(baseURL, bea);
	const mariaApi = page.request;
	await send(beaApi, baseURL, `/circles/${circleId}/members?/updateProfile`, { relationship: 'Daughter', inRecovery: 'yes' });
	await send(beaApi, baseURL, `/circles/${circleId}/recovery?/setDate`, { startedOn: utcDay(-40) });
	await send(beaApi, baseURL, `/circles/${circleId}/recovery?/lapse`, { on: utcDay(-1), note: '', share: 'yes' });
	await send(mariaApi, baseURL, `/circles/${circleId}/members?/updateProfile`, { relationship: 'Mom', inRecovery: '' });
	for (let n = 1; n <= count; n += 1) {
		const api = n % 2 === 0 ? mariaApi : beaApi;
		const words = `Check-in number ${n}: ${'a few honest words about the day, the meeting and dinner. '.repeat(2)}`;
		await send(api, baseURL, `/circles/${circleId}?/post`, { mood: String((n % 5) + 1), need: '', body: words, clientKey: crypto.randomUUID() });
	}
	const stored = await storedCheckIns(mariaApi, circleId);
	for (const [index, checkin] of stored.slice(0, Math.min(stored.length, 8)).entries()) {
		await send(index % 2 ? beaApi : mariaApi, baseURL, `/circles/${circleId}?/reply`, {
			checkinId: checkin.id,
			body: 'I’m proud of you.',
			clientKey: crypto.randomUUID()
		});
		await send(beaApi, baseURL, `/circles/${circleId}?/react`, { checkinId: checkin.id, kind: 'love' });
		await send(mariaApi, baseURL, `/circles/${circleId}?/react`, { checkinId: checkin.id, kind: 'proud' });
	}
	return { maria, bea, beaApi, circleId, name };
}

/** The same person (the cookies of `page`) on a phone with JavaScript off, at `path`. */
async function openWithoutScripts(browser: Browser, page: Page, path: string): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ baseURL: test.info().project.use.baseURL, javaScriptEnabled: false, viewport: PHONE });
	await context.addCookies(await page.context().cookies());
	const plain = await context.newPage();
	await plain.goto(path);
	return { context, page: plain };
}

/** The top of the feed's first check-in, from the top of the page. */
function firstCheckInTop(page: Page): Promise<number> {
	return page.evaluate(() => {
		const first = document.querySelector('ol.checkins article[aria-labelledby^="by-"]');
		if (!first) throw new Error('no check-in on the page');
		return first.getBoundingClientRect().top + window.scrollY;
	});
}

test('at 375 × 812 in light and dark: the first check-in within 1.5 screens, a bottom tab bar to every section, no sideways scroll, axe clean with a reply and More open', async ({
	page,
	baseURL
}) => {
	test.setTimeout(120_000);
	const { circleId, name } = await familyCircle(page, baseURL!, 20);

	// What a phone is sent: all 20 check-ins in the HTML, and how much that weighs.
	const html = await (await page.request.get(`/circles/${circleId}`)).text();
	expect((html.match(/<article[^>]*aria-labelledby="by-/g) ?? []).length).toBe(20);
	test.info().annotations.push({ type: 'home HTML bytes (20 check-ins)', description: String(Buffer.byteLength(html)) });
	const scripts = (html.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? []).reduce((sum, script) => sum + Buffer.byteLength(script), 0);
	console.log(`circle home HTML with 20 check-ins: ${Buffer.byteLength(html)} bytes, of which inline scripts (the data) ${scripts}`);

	await gotoHydrated(page, `/circles/${circleId}`);
	await expect(liveStatus(page)).toHaveText(LIVE);
	await expect(page.getByRole('complementary', { name: 'Safety note for the circle' })).toBeVisible();
	const tabs = circleTabs(page, name);
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await page.evaluate(() => window.scrollTo(0, 0));
		const top = await firstCheckInTop(page);
		console.log(`first check-in's top (${scheme}): ${Math.round(top)} px`);
		expect(top, `first check-in's top (${scheme})`).toBeLessThanOrEqual(1.5 * PHONE.height);
		await expectNoHorizontalScroll(page);
		// The sections: at the bottom of the screen, every one a thumb-sized target.
		const bar = await tabs.boundingBox();
		expect(bar, 'the sections bar').not.toBeNull();
		expect(Math.round(bar!.y + bar!.height)).toBe(PHONE.height);
		for (const link of await tabs.getByRole('link').all()) {
			const box = (await link.boundingBox())!;
			expect(box.height, `${await link.textContent()}'s height`).toBeGreaterThanOrEqual(44);
			expect(box.width, `${await link.textContent()}'s width`).toBeGreaterThanOrEqual(44);
			expect(box.x).toBeGreaterThanOrEqual(0);
			expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
		}
	}
	await page.emulateMedia({ colorScheme: 'light' });

	// One row of header, its crisis link short ("Crisis 988") with all its words in its name; in a
	// circle it opens the circle's overdose plan first.
	expect((await page.getByRole('banner').boundingBox())!.height).toBeLessThanOrEqual(60);
	const crisis = page.getByRole('banner').getByRole('link', { name: 'Crisis help: call or text 988 · Overdose: call 911' });
	await expect(crisis).toHaveAttribute('href', `/circles/${circleId}/plan#overdose`);
	expect((await crisis.boundingBox())!.height).toBeGreaterThanOrEqual(44);

	// Every section from the bar, the current one marked (aria-current and more than a colour).
	const sections = [
		['Agreements', `/circles/${circleId}/agreements`],
		['Milestones', `/circles/${circleId}/milestones`],
		['Members', `/circles/${circleId}/members`],
		['Plan', `/circles/${circleId}/plan`],
		['Invites', `/circles/${circleId}/invites`],
		['Settings', `/circles/${circleId}/settings`],
		['Home', `/circles/${circleId}`]
	] as const;
	for (const [label, path] of sections) {
		await circleTab(page, name, label).click();
		await expect(page).toHaveURL((url) => url.pathname === path);
		const current = circleTab(page, name, label);
		await expect(current).toHaveAttribute('aria-current', 'page');
		await expect(current).toHaveCSS('font-weight', '700');
		await expect(current).toHaveCSS('border-top-width', '3px');
		await expectNoHorizontalScroll(page);
		// Scrolled to the end, the bar covers nothing: the last of the page ends above it.
		await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
		const footerBottom = await page.locator('footer.site-footer').evaluate((footer) => footer.getBoundingClientRect().bottom);
		expect(footerBottom).toBeLessThanOrEqual((await tabs.boundingBox())!.y + 1);
	}

	// A reply open and the More menu of one's own check-in open: axe in both schemes.
	await expect(liveStatus(page)).toHaveText(LIVE);
	const beas = checkInBy(page, 'Check-in number 19:');
	await openReplies(beas);
	await expect(beas.locator('section.replies')).toContainText('I’m proud of you.');
	const mine = checkInBy(page, 'Check-in number 20:');
	const menu = await openMore(mine);
	await expect(menu.getByRole('button', { name: 'Edit your check-in' })).toBeVisible();
	await expectNoHorizontalScroll(page);
	await expectNoAxeViolations(page);
	// Escape closes the menu and gives the focus back to "More".
	await menu.getByRole('button', { name: 'Edit your check-in' }).focus();
	await page.keyboard.press('Escape');
	await expect(menu.locator('.more-items')).toHaveCount(0);
	await expect(menu.locator('.more-open')).toBeFocused();
	await expect(menu.locator('.more-open')).toHaveAttribute('aria-expanded', 'false');
	// Enter opens it again; Edit opens the form in place, with the focus in it; Cancel goes back to More.
	await page.keyboard.press('Enter');
	await expect(menu.locator('.more-items')).toBeVisible();
	await menu.getByRole('button', { name: 'Edit your check-in' }).click();
	await expect(mine.getByRole('group', { name: 'How are you feeling?' }).getByRole('radio').first()).toBeVisible();
	await expect(mine.locator('form.edit :focus')).toHaveCount(1);
	await mine.getByRole('link', { name: 'Cancel' }).click();
	await expect(mine.locator('form.edit')).toHaveCount(0);
	await expect(mine.locator('.actions .more-open')).toBeFocused();

	// "Check in" opens the form in place with the focus in it; posting closes it and the check-in is first.
	await page.evaluate(() => window.scrollTo(0, 0));
	const form = await openCheckInForm(page);
	await expect(form.locator('form :focus')).toHaveCount(1);
	await expectNoHorizontalScroll(page);
	await form.getByText('Good', { exact: true }).click();
	await form.getByLabel(/A few words/).fill('Posted from a phone.');
	await form.getByRole('button', { name: 'Post check-in' }).click();
	await expect(page.locator('ol.checkins article').first()).toContainText('Posted from a phone.');
	await expect(form.locator('form')).toBeHidden();
	await expect(composeControl(page)).toHaveAttribute('aria-expanded', 'false');
	await expect(composeControl(page)).toBeFocused();
	// Words typed and then closed away by pressing "Check in" again are still there when it opens again.
	await (await openCheckInForm(page)).getByLabel(/A few words/).fill('Half a thought');
	await composeControl(page).click();
	await expect(form.locator('form')).toBeHidden();
	await expect((await openCheckInForm(page)).getByLabel(/A few words/)).toHaveValue('Half a thought');
});

test('without JavaScript the circle home still posts, replies, reacts and edits', async ({ page, browser, baseURL }) => {
	const { circleId } = await familyCircle(page, baseURL!, 2);
	const { context, page: plain } = await openWithoutScripts(browser, page, `/circles/${circleId}`);
	try {
		// Post: "Check in" opens the form without any script.
		const form = await openCheckInForm(plain);
		await form.getByText('Okay', { exact: true }).click();
		await form.getByLabel(/A few words/).fill('Written with scripts off.');
		await form.getByRole('button', { name: 'Post check-in' }).click();
		await expect(checkInBy(plain, 'Written with scripts off.')).toBeVisible();

		// Reply: "Reply" is a link to the page with that card's replies open.
		const beas = checkInBy(plain, 'Check-in number 1:');
		await expect(repliesToggle(beas)).toHaveText(/1 reply/);
		await openReplies(beas);
		await beas.getByLabel('Reply to Bea', { exact: true }).fill('A plain reply, no scripts.');
		await beas.getByRole('button', { name: 'Send reply', exact: true }).click();
		await expect(beas.locator('section.replies')).toContainText('A plain reply, no scripts.');
		await expect(repliesToggle(beas)).toHaveText(/2 replies/);

		// React: a plain form button.
		const hers = checkInBy(plain, 'Check-in number 1:');
		await reaction(hers, 'I’m here').click();
		await expect(reaction(hers, 'I’m here')).toHaveAttribute('aria-pressed', 'true');
		await expect(reaction(hers, 'I’m here')).toHaveAccessibleName('I’m here: you');

		// Edit: More (a <details>) → Edit, a link to the page with the form open.
		const mine = checkInCard(plain, await checkInIdOf(checkInBy(plain, 'Written with scripts off.')));
		const menu = await openMore(mine);
		await menu.getByRole('link', { name: 'Edit your check-in' }).click();
		await mine.getByLabel(/A few words/).fill('Written with scripts off, then fixed.');
		await mine.getByRole('button', { name: 'Save changes' }).click();
		await expect(checkInBy(plain, 'Written with scripts off, then fixed.')).toContainText('edited');
	} finally {
		await context.close();
	}
});

test('replies stay collapsed: one arriving for an open card shows in it live, a closed card shows the new count', async ({ page, baseURL }) => {
	const { beaApi, circleId } = await familyCircle(page, baseURL!, 0);
	await send(beaApi, baseURL!, `/circles/${circleId}?/post`, { mood: '3', need: '', body: 'First of two.', clientKey: crypto.randomUUID() });
	await send(beaApi, baseURL!, `/circles/${circleId}?/post`, { mood: '4', need: '', body: 'Second of two.', clientKey: crypto.randomUUID() });
	const stored = await storedCheckIns(beaApi, circleId);
	const idOf = (words: string) => stored.find((checkin) => checkin.body === words)!.id;

	await gotoHydrated(page, `/circles/${circleId}`);
	await expect(liveStatus(page)).toHaveText(LIVE);
	const open = checkInBy(page, 'First of two.');
	const closed = checkInBy(page, 'Second of two.');
	await expect(repliesToggle(open)).toHaveText(/Reply/);
	await expect(closed.locator('section.replies')).toHaveCount(0);
	await openReplies(open);
	// Nothing to read yet: straight into the reply field.
	await expect(open.getByLabel('Reply to Bea', { exact: true })).toBeFocused();

	await send(beaApi, baseURL!, `/circles/${circleId}?/reply`, { checkinId: idOf('First of two.'), body: 'Bea adds a line.', clientKey: crypto.randomUUID() });
	await send(beaApi, baseURL!, `/circles/${circleId}?/reply`, { checkinId: idOf('Second of two.'), body: 'And one here.', clientKey: crypto.randomUUID() });
	await expect(open.locator('section.replies')).toContainText('Bea adds a line.');
	await expect(repliesToggle(open)).toHaveText(/1 reply/);
	await expect(repliesToggle(open)).toHaveAttribute('aria-expanded', 'true');
	await expect(repliesToggle(closed)).toHaveText(/1 reply/);
	await expect(repliesToggle(closed)).toHaveAttribute('aria-expanded', 'false');
	await expect(closed.locator('section.replies')).toHaveCount(0);
	await expect(closed).not.toContainText('And one here.');
	await openReplies(closed);
	await expect(closed.locator('section.replies')).toContainText('And one here.');
});

test('a first visit to the circle home downloads at most 80 KB of gzipped JavaScript, and the live connection, loaded after it, still comes', async ({
	page,
	baseURL
}) => {
	const { beaApi, circleId } = await familyCircle(page, baseURL!, 2);
	// What `npm run bench` counts: the scripts the page names (HTML and `link` header) and what
	// they import statically, as the gzip files the server sends.
	const response = await page.request.get(`/circles/${circleId}`);
	expect(response.status()).toBe(200);
	const firstVisit = firstVisitAssets(response.url(), await response.text(), response.headers()['link'] ?? null);
	expect(firstVisit.missing).toEqual([]);
	expect(firstVisit.jsGzipBytes, `${firstVisit.jsFiles} files: ${JSON.stringify(firstVisit.files)}`).toBeLessThanOrEqual(80 * 1024);
	// socket.io's client is not among them (it is loaded once the page is up) ...
	for (const file of Object.keys(firstVisit.files)) {
		const source = readFileSync(path.join(CLIENT_DIR, file), 'utf8');
		expect(source, file).not.toContain('engine.io');
	}
	// ... and the page still goes live, and takes a check-in posted elsewhere.
	await gotoHydrated(page, `/circles/${circleId}`);
	await expect(liveStatus(page)).toHaveText(LIVE);
	await send(beaApi, baseURL!, `/circles/${circleId}?/post`, { mood: '4', need: '', body: 'Posted while Maria looks.', clientKey: crypto.randomUUID() });
	await expect(checkInBy(page, 'Posted while Maria looks.')).toBeVisible();
});
