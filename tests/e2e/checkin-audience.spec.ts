// Who sees a check-in (issue 20, item 3), with several members in their own browsers: Maria posts
// one check-in for "only me" and one for Sam alone. Exactly the right people see each, live and
// after a reload; the cards say who sees them; the form is axe clean, light and dark, at 375 px.
// Then narrowing one later (with and without JavaScript): it leaves the open pages, the member's
// page, the chart and the unread count of those no longer included, live; widening brings it back.
// And after its words can no longer be changed, who sees it still can.
import type { Browser, Page } from '@playwright/test';
import Database from 'better-sqlite3';
import path from 'node:path';
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
	reloadHydrated,
	test,
	watchForTrouble
} from './helpers';
import {
	checkInBy,
	checkInIdOf,
	circleWith,
	markWindow,
	openCheckInForm,
	openMore,
	reaction,
	repliesToggle,
	replyTo,
	windowStillMarked
} from './circle-helpers';

/** Posts from the circle home's form with the audience chosen, and waits for it in the author's feed. */
type Audience = 'Everyone in the circle' | 'Only me' | 'Only some people';

async function postFor(page: Page, words: string, audience: Audience, people: string[] = []) {
	const form = await openCheckInForm(page);
	await form.getByText('Okay', { exact: true }).click();
	await form.getByLabel(/A few words/).fill(words);
	const who = form.getByRole('group', { name: 'Who can see this?' });
	await who.getByRole('radio', { name: audience }).check();
	for (const name of people) await who.getByRole('checkbox', { name }).check();
	await form.getByRole('button', { name: 'Post check-in' }).click();
	await expect(checkInBy(page, words)).toBeVisible();
}

test('a check-in for "only me" and one for one chosen member reach exactly the right people, live and after a reload', async ({ page, browser, baseURL }) => {
	test.slow();
	const { members, circleId } = await circleWith(page, baseURL!, ['Sam', 'Ana']);
	const [sam, ana] = members as [(typeof members)[number], (typeof members)[number]];
	const samBrowser = await openSecondBrowser(browser, baseURL!);
	const anaBrowser = await openSecondBrowser(browser, baseURL!);
	await logIn(samBrowser.page, sam);
	await logIn(anaBrowser.page, ana);
	for (const other of [samBrowser.page, anaBrowser.page]) {
		await gotoHydrated(other, `/circles/${circleId}`);
		await expect(liveStatus(other)).toHaveText(LIVE);
	}
	await page.setViewportSize({ width: 375, height: 800 });
	await gotoHydrated(page, `/circles/${circleId}`);
	await expect(liveStatus(page)).toHaveText(LIVE);

	// The form: "Only some people" shows the members to tick; axe clean, no sideways scroll.
	const form = await openCheckInForm(page);
	const who = form.getByRole('group', { name: 'Who can see this?' });
	await expect(who.getByRole('radio', { name: 'Everyone in the circle' })).toBeChecked();
	await who.getByRole('radio', { name: 'Only some people' }).check();
	await expect(who.getByRole('checkbox', { name: 'Sam' })).toBeVisible();
	await expectNoAxeViolations(page);
	await expectNoHorizontalScroll(page);

	// "Only some people" with nobody ticked: a message next to the people, the words kept.
	await form.getByText('Okay', { exact: true }).click();
	await form.getByLabel(/A few words/).fill('For nobody yet');
	await form.getByRole('button', { name: 'Post check-in' }).click();
	await expect(form.getByText('Please choose at least one person to share this with, or choose “Only me”.')).toBeVisible();
	await expect(form.getByLabel(/A few words/)).toHaveValue('For nobody yet');
	await form.getByLabel(/A few words/).fill('');

	await postFor(page, 'Journal: a hard evening', 'Only me');
	await postFor(page, 'Sam, can we talk tonight?', 'Only some people', ['Sam']);
	await expect(checkInBy(page, 'Journal: a hard evening').getByTestId('seen-by')).toHaveText(/Seen by: Only you/);
	await expect(checkInBy(page, 'Sam, can we talk tonight?').getByTestId('seen-by')).toHaveText(/Seen by: You and Sam/);
	// A check-in for everyone, after them: once it shows, the others' pages have had the two before it.
	await postFor(page, 'Dinner at six, everyone', 'Everyone in the circle');
	await expect(checkInBy(page, 'Dinner at six, everyone').getByTestId('seen-by')).toHaveCount(0);

	const expectFeeds = async () => {
		await expect(checkInBy(samBrowser.page, 'Dinner at six, everyone')).toBeVisible();
		await expect(checkInBy(anaBrowser.page, 'Dinner at six, everyone')).toBeVisible();
		await expect(checkInBy(samBrowser.page, 'Sam, can we talk tonight?')).toBeVisible();
		await expect(checkInBy(samBrowser.page, 'Sam, can we talk tonight?').getByTestId('seen-by')).toHaveText(/Seen by: Maria and you/);
		await expect(checkInBy(samBrowser.page, 'Journal: a hard evening')).toHaveCount(0);
		await expect(checkInBy(anaBrowser.page, 'Sam, can we talk tonight?')).toHaveCount(0);
		await expect(checkInBy(anaBrowser.page, 'Journal: a hard evening')).toHaveCount(0);
		await expect(checkInBy(page, 'Journal: a hard evening')).toBeVisible();
	};
	await expectFeeds(); // live
	for (const each of [page, samBrowser.page, anaBrowser.page]) await reloadHydrated(each);
	await expectFeeds(); // after a reload

	// Maria's own page as Ana sees it: nothing of the two either.
	await checkInBy(anaBrowser.page, 'Dinner at six, everyone').getByRole('link', { name: 'Maria' }).click();
	await expect(anaBrowser.page.getByRole('heading', { level: 1, name: 'Maria' })).toBeVisible();
	await expect(anaBrowser.page.getByText('Dinner at six, everyone')).toBeVisible();
	await expect(anaBrowser.page.getByText('Sam, can we talk tonight?')).toHaveCount(0);
	await expect(anaBrowser.page.getByText('Journal: a hard evening')).toHaveCount(0);

	await expectNoAxeViolations(samBrowser.page);
	await samBrowser.context.close();
	await anaBrowser.context.close();
});

/** A check-in's card by its id (its words may change). */
function cardOf(page: Page, checkinId: string) {
	return page.locator(`article[aria-labelledby="by-${checkinId}"]`);
}

/**
 * The author changes who sees a check-in in its edit form: with JavaScript from More → Edit, in
 * place; without it (`circleId` given) from the ?edit= page the Edit link opens, posted as a plain form.
 */
async function changeAudience(page: Page, checkinId: string, audience: Audience, people: string[] = [], plain?: { circleId: string }) {
	const card = cardOf(page, checkinId);
	if (plain) await page.goto(`/circles/${plain.circleId}?edit=${checkinId}#edit-${checkinId}`);
	else await (await openMore(card)).getByRole('button', { name: 'Edit your check-in' }).click();
	const who = card.getByRole('group', { name: 'Who can see this?' });
	await who.getByRole('radio', { name: audience }).check();
	for (const name of people) await who.getByRole('checkbox', { name }).check();
	await card.getByRole('button', { name: 'Save changes' }).click();
	await expect(card.getByRole('button', { name: 'Save changes' })).toHaveCount(0);
}

/** The same person in a browser without JavaScript (their cookies copied), watched for trouble. */
async function withoutJavaScript(browser: Browser, baseURL: string, from: Page) {
	const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
	await context.addCookies(await from.context().cookies());
	const page = await context.newPage();
	return { context, page, trouble: watchForTrouble(page) };
}

test('narrowing a check-in later takes it away live from those left out, everywhere; widening brings it back', async ({ page, browser, baseURL }) => {
	test.slow();
	const { members, circleId, circleName } = await circleWith(page, baseURL!, ['Ben', 'Cara']);
	const [ben, cara] = members as [(typeof members)[number], (typeof members)[number]];
	const benBrowser = await openSecondBrowser(browser, baseURL!);
	const caraBrowser = await openSecondBrowser(browser, baseURL!);
	await logIn(benBrowser.page, ben);
	await logIn(caraBrowser.page, cara);
	const [benPage, caraPage] = [benBrowser.page, caraBrowser.page];
	await page.setViewportSize({ width: 375, height: 800 });
	for (const each of [page, benPage, caraPage]) {
		await gotoHydrated(each, `/circles/${circleId}`);
		await expect(liveStatus(each)).toHaveText(LIVE);
	}

	// Maria posts for the whole circle: Ben and Cara see it live; Cara answers it and sends love.
	await postFor(page, 'Rough day, honestly', 'Everyone in the circle');
	const rough = await checkInIdOf(checkInBy(page, 'Rough day, honestly'));
	const mariaPath = (await checkInBy(page, 'Rough day, honestly').getByRole('link', { name: 'Maria' }).getAttribute('href'))!;
	await expect(cardOf(benPage, rough)).toBeVisible();
	await expect(cardOf(caraPage, rough)).toBeVisible();
	await replyTo(cardOf(caraPage, rough), 'Maria', 'I’m here for you tonight');
	await expect(cardOf(caraPage, rough).getByText('I’m here for you tonight')).toBeVisible();
	await reaction(cardOf(caraPage, rough), 'Sending love').click();
	await expect(reaction(cardOf(caraPage, rough), 'Sending love')).toHaveAttribute('aria-pressed', 'true');
	await expect(repliesToggle(cardOf(benPage, rough))).toContainText('1 reply');
	await expect(reaction(cardOf(benPage, rough), 'Sending love')).toContainText('1');

	// Cara also has the page open without JavaScript, writing a second reply in the form from before.
	const caraPlain = await withoutJavaScript(browser, baseURL!, caraPage);
	await caraPlain.page.goto(`/circles/${circleId}?reply=${rough}#replies-${rough}`);
	await cardOf(caraPlain.page, rough).getByLabel('Reply to Maria', { exact: true }).fill('One more thing: call me');

	// Maria narrows it to Ben, with JavaScript; the form is axe clean at a phone's width.
	await markWindow(caraPage);
	await (await openMore(cardOf(page, rough))).getByRole('button', { name: 'Edit your check-in' }).click();
	const editing = cardOf(page, rough).getByRole('group', { name: 'Who can see this?' });
	await expect(editing.getByRole('radio', { name: 'Everyone in the circle' })).toBeChecked();
	await editing.getByRole('radio', { name: 'Only some people' }).check();
	await expectNoAxeViolations(page);
	await expectNoHorizontalScroll(page);
	await editing.getByRole('checkbox', { name: 'Ben' }).check();
	await cardOf(page, rough).getByRole('button', { name: 'Save changes' }).click();
	await expect(cardOf(page, rough).getByTestId('seen-by')).toHaveText(/Seen by: You and Ben/);

	// Cara's open page loses it live (no reload); Ben's keeps it, and says who sees it.
	await expect(cardOf(caraPage, rough)).toHaveCount(0);
	expect(await windowStillMarked(caraPage)).toBe(true);
	await expect(cardOf(benPage, rough).getByTestId('seen-by')).toHaveText(/Seen by: Maria and you/);
	// What Cara wrote before stays with the check-in, for those who still see it.
	await expect(repliesToggle(cardOf(benPage, rough))).toContainText('1 reply');
	await expect(reaction(cardOf(benPage, rough), 'Sending love')).toContainText('1');

	// Her reply from the page without JavaScript: not found, said kindly, her words given back.
	const [answer] = await Promise.all([
		caraPlain.page.waitForResponse((response) => response.request().method() === 'POST'),
		cardOf(caraPlain.page, rough).getByRole('button', { name: 'Send reply' }).click()
	]);
	expect(answer.status()).toBe(404);
	await expect(caraPlain.page.getByRole('alert')).toContainText('That check-in isn’t here any more');
	await expect(caraPlain.page.getByText('One more thing: call me')).toBeVisible();
	await expect(cardOf(caraPlain.page, rough)).toHaveCount(0);
	// The reply and reaction forms, sent by hand: the outsiders' 404, nothing stored.
	for (const [action, form] of [
		['reply', { checkinId: rough, body: 'Hello?', clientKey: crypto.randomUUID() }],
		['react', { checkinId: rough, kind: 'here' }]
	] as const) {
		const response = await caraBrowser.context.request.post(`/circles/${circleId}?/${action}`, { form, headers: formHeaders(baseURL!), maxRedirects: 0 });
		expect(response.status(), action).toBe(404);
	}
	await expect(repliesToggle(cardOf(benPage, rough))).toContainText('1 reply');

	// After a reload: not in Cara's feed, nor on Maria's page, nor in Maria's mood chart; Ben's still has it.
	await reloadHydrated(caraPage);
	await expect(liveStatus(caraPage)).toHaveText(LIVE);
	await expect(caraPage.getByText('Rough day, honestly')).toHaveCount(0);
	await gotoHydrated(caraPage, mariaPath);
	await expect(caraPage.getByRole('heading', { level: 1, name: 'Maria' })).toBeVisible();
	await expect(caraPage.getByText('Rough day, honestly')).toHaveCount(0);
	await expect(caraPage.getByRole('figure')).toContainText('Maria hasn’t checked in during the last 30 days.');
	await gotoHydrated(benPage, mariaPath);
	await expect(benPage.getByText('Rough day, honestly')).toBeVisible();
	await expect(benPage.getByRole('figure')).toContainText('1 check-in in the last 30 days.');

	// Unread: on her circles list, Cara has "1 new" for another check-in for everyone, live...
	await gotoHydrated(caraPage, '/circles');
	await expect(liveStatus(caraPage)).toHaveText(LIVE);
	const newInCircle = caraPage.getByText(`1 new in ${circleName}`, { exact: true });
	await expect(caraPage.getByText(new RegExp(`new in ${circleName}$`))).toHaveCount(0);
	await postFor(page, 'Thinking about Sunday', 'Everyone in the circle');
	const sunday = await checkInIdOf(checkInBy(page, 'Thinking about Sunday'));
	await expect(newInCircle).toBeVisible();
	// ...until Maria narrows that one to Ben, here without JavaScript: it no longer counts, live and after a reload.
	const mariaPlain = await withoutJavaScript(browser, baseURL!, page);
	await changeAudience(mariaPlain.page, sunday, 'Only some people', ['Ben'], { circleId });
	await expect(cardOf(mariaPlain.page, sunday).getByTestId('seen-by')).toHaveText(/Seen by: You and Ben/);
	// Its words were in the form, and so are kept.
	await expect(cardOf(mariaPlain.page, sunday)).toContainText('Thinking about Sunday');
	await expect(caraPage.getByText(new RegExp(`new in ${circleName}$`))).toHaveCount(0);
	await reloadHydrated(caraPage);
	await expect(liveStatus(caraPage)).toHaveText(LIVE);
	await expect(caraPage.getByText(new RegExp(`new in ${circleName}$`))).toHaveCount(0);

	// Widened back to everyone (without JavaScript): new to Cara again, live, as after a reload.
	await changeAudience(mariaPlain.page, sunday, 'Everyone in the circle', [], { circleId });
	await expect(cardOf(mariaPlain.page, sunday).getByTestId('seen-by')).toHaveCount(0);
	await expect(newInCircle).toBeVisible();
	await reloadHydrated(caraPage);
	await expect(newInCircle).toBeVisible();

	// In the circle, Cara has "Thinking about Sunday" and not the other; when Maria widens that one
	// too (with JavaScript), it comes back live, with Cara's reply and her love as they were.
	await caraPage.getByRole('link', { name: circleName, exact: true }).click();
	await expect(checkInBy(caraPage, 'Thinking about Sunday')).toBeVisible();
	await expect(liveStatus(caraPage)).toHaveText(LIVE);
	await expect(cardOf(caraPage, rough)).toHaveCount(0);
	await markWindow(caraPage);
	await changeAudience(page, rough, 'Everyone in the circle');
	await expect(cardOf(page, rough).getByTestId('seen-by')).toHaveCount(0);
	await expect(cardOf(caraPage, rough)).toBeVisible();
	expect(await windowStillMarked(caraPage)).toBe(true);
	await expect(repliesToggle(cardOf(caraPage, rough))).toContainText('1 reply');
	await expect(reaction(cardOf(caraPage, rough), 'Sending love')).toHaveAttribute('aria-pressed', 'true');
	await expect(cardOf(benPage, rough).getByTestId('seen-by')).toHaveCount(0);
	await expectNoAxeViolations(caraPage);

	for (const other of [benBrowser, caraBrowser, caraPlain, mariaPlain]) {
		await other.context.close();
		expect(other.trouble, 'server errors, page errors or dialogs in the other browsers').toEqual([]);
	}
});

/**
 * Moves a check-in's posting time back, as if it was posted `minutes` ago: the server's own database
 * file, written beside it (SQLite takes turns), since a test cannot wait out the 15-minute window.
 */
function postedAgo(checkinId: string, minutes: number): void {
	const db = new Database(path.join(process.env.E2E_DB_DIR!, 'hearth.db'), { fileMustExist: true, timeout: 10_000 });
	try {
		db.prepare('UPDATE checkins SET created_at = ? WHERE id = ?').run(Date.now() - minutes * 60_000, checkinId);
	} finally {
		db.close();
	}
}

test('after its words can no longer be changed, its author still chooses who sees a check-in, with and without JavaScript', async ({
	page,
	browser,
	baseURL
}) => {
	const { members, circleId } = await circleWith(page, baseURL!, ['Ben']);
	const benBrowser = await openSecondBrowser(browser, baseURL!);
	await logIn(benBrowser.page, members[0]!);
	const benPage = benBrowser.page;
	await page.setViewportSize({ width: 375, height: 800 });
	for (const each of [page, benPage]) {
		await gotoHydrated(each, `/circles/${circleId}`);
		await expect(liveStatus(each)).toHaveText(LIVE);
	}
	await postFor(page, 'Journal: shared by mistake', 'Everyone in the circle');
	const id = await checkInIdOf(checkInBy(page, 'Journal: shared by mistake'));
	await expect(cardOf(benPage, id)).toBeVisible();
	postedAgo(id, 20);
	await reloadHydrated(page);
	await expect(liveStatus(page)).toHaveText(LIVE);

	// No "Edit" any more, but "Change who sees it", with its current choice.
	const menu = await openMore(cardOf(page, id));
	await expect(menu.getByRole('button', { name: 'Edit your check-in' })).toHaveCount(0);
	await menu.getByRole('button', { name: 'Change who sees it' }).click();
	const who = cardOf(page, id).getByRole('group', { name: 'Who can see this?' });
	await expect(who.getByRole('radio', { name: 'Everyone in the circle' })).toBeChecked();
	await expect(who.getByRole('radio', { name: 'Everyone in the circle' })).toBeFocused();
	await expect(cardOf(page, id).getByLabel(/A few words/)).toHaveCount(0);
	await who.getByRole('radio', { name: 'Only me' }).check();
	await expectNoAxeViolations(page);
	await expectNoHorizontalScroll(page);
	await cardOf(page, id).getByRole('button', { name: 'Save who sees it' }).click();
	await expect(cardOf(page, id).getByTestId('seen-by')).toHaveText(/Seen by: Only you/);
	await expect(cardOf(page, id).getByRole('button', { name: 'Save who sees it' })).toHaveCount(0);
	await expect(cardOf(page, id)).toContainText('Journal: shared by mistake');
	await expect(cardOf(page, id)).not.toContainText('edited');
	// Ben's open page loses it live.
	await expect(cardOf(benPage, id)).toHaveCount(0);

	// Without JavaScript: More is a page, and so is choosing; widened back, Ben has it again, live.
	const plain = await withoutJavaScript(browser, baseURL!, page);
	await plain.page.goto(`/circles/${circleId}?more=${id}#more-${id}`);
	await cardOf(plain.page, id).getByRole('link', { name: 'Change who sees it' }).click();
	const plainWho = cardOf(plain.page, id).getByRole('group', { name: 'Who can see this?' });
	await expect(plainWho.getByRole('radio', { name: 'Only me' })).toBeChecked();
	await plainWho.getByRole('radio', { name: 'Everyone in the circle' }).check();
	await cardOf(plain.page, id).getByRole('button', { name: 'Save who sees it' }).click();
	await expect(cardOf(plain.page, id).getByRole('button', { name: 'Save who sees it' })).toHaveCount(0);
	await expect(cardOf(plain.page, id).getByTestId('seen-by')).toHaveCount(0);
	await expect(cardOf(benPage, id)).toBeVisible();
	await expect(cardOf(benPage, id)).toContainText('Journal: shared by mistake');

	for (const other of [benBrowser, plain]) {
		await other.context.close();
		expect(other.trouble, 'server errors, page errors or dialogs in the other browsers').toEqual([]);
	}
});
