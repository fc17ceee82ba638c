// Who sees a check-in (issue 20, item 3), with several members in their own browsers: Maria posts
// one check-in for "only me" and one for Sam alone. Exactly the right people see each, live and
// after a reload; the cards say who sees them; the form is axe clean, light and dark, at 375 px.
import type { Page } from '@playwright/test';
import {
	LIVE,
	expect,
	expectNoAxeViolations,
	expectNoHorizontalScroll,
	gotoHydrated,
	liveStatus,
	logIn,
	openSecondBrowser,
	reloadHydrated,
	test
} from './helpers';
import { checkInBy, circleWith, openCheckInForm } from './circle-helpers';

/** Posts from the circle home's form with the audience chosen, and waits for it in the author's feed. */
async function postFor(page: Page, words: string, audience: 'Everyone in the circle' | 'Only me' | 'Only some people', people: string[] = []) {
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
