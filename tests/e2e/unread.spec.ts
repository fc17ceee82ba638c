// Unread (issue 18, item 4): "1 new" on the circles list, live, in the tab's title and on the app's
// badge; opening the circle clears it, on every tab of that person; the circle home marks what
// arrived since the last visit. Two members in two browsers; axe on the list at a phone's width.
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
	signUp,
	test,
	uniqueUser
} from './helpers';
import { checkInBy, createAccountAndJoin, createCircle, makeInvite, postCheckIn, uniqueCircleName } from './circle-helpers';

/** What the page has set the app's badge to, in order (the Badging API, recorded). */
async function badges(page: Page): Promise<number[]> {
	return page.evaluate(() => (window as unknown as { badges: number[] }).badges);
}

function newCount(page: Page, circleName: string) {
	return page.getByText(new RegExp(`^\\d+\\+? new in ${circleName}$`));
}

test('a post shows as "1 new" on the other member’s circles list, live, in the title and badge; opening the circle clears it on every tab', async ({
	page,
	context,
	browser,
	baseURL
}) => {
	// The Badging API, recorded (headless Chromium would refuse a page that is not installed).
	await context.addInitScript(() => {
		const recorded: number[] = [];
		Object.assign(window, { badges: recorded });
		Object.assign(navigator, {
			setAppBadge: async (count?: number) => void recorded.push(count ?? 0),
			clearAppBadge: async () => void recorded.push(0)
		});
	});
	const maria = uniqueUser({ displayName: 'Maria' });
	const sam = uniqueUser({ displayName: 'Sam' });
	await signUp(page, maria);
	const name = uniqueCircleName();
	const circleId = await createCircle(page, name);
	const link = await makeInvite(page, circleId);
	await createAccountAndJoin(baseURL!, link, sam, circleId);

	// Maria's list in two tabs. Sam joining is new to her: she reads it first.
	await gotoHydrated(page, `/circles/${circleId}`);
	await gotoHydrated(page, '/circles');
	await expect(liveStatus(page)).toHaveText(LIVE);
	await expect(newCount(page, name)).toHaveCount(0);
	await expect(page).toHaveTitle('Your circles · Hearth');
	const other = await context.newPage();
	await gotoHydrated(other, '/circles');
	await expect(liveStatus(other)).toHaveText(LIVE);

	const samBrowser = await openSecondBrowser(browser, baseURL!);
	await logIn(samBrowser.page, sam);
	await gotoHydrated(samBrowser.page, `/circles/${circleId}`);
	await expect(liveStatus(samBrowser.page)).toHaveText(LIVE);
	await postCheckIn(samBrowser.page, 'Okay', 'Made it to my meeting.');

	// Live, in words, with the circle named for a screen reader.
	await expect(page.getByText(`1 new in ${name}`, { exact: true })).toBeVisible();
	await expect(page.getByRole('listitem').filter({ hasText: name }).getByText('1 new')).toBeVisible();
	await expect(page).toHaveTitle('(1) Your circles · Hearth');
	await expect.poll(() => badges(page).then((set) => set.at(-1))).toBe(1);
	await expect(other.getByText(`1 new in ${name}`, { exact: true })).toBeVisible();
	await page.setViewportSize({ width: 375, height: 667 });
	await expectNoHorizontalScroll(page);
	await expectNoAxeViolations(page);

	// Opened in the other tab (a navigation inside the app): cleared there and here, live.
	await other.getByRole('link', { name, exact: true }).click();
	await expect(checkInBy(other, 'Made it to my meeting.')).toBeVisible();
	await expect(checkInBy(other, 'Made it to my meeting.').locator('xpath=..').getByText('New since your last visit')).toBeVisible();
	await expect(newCount(page, name)).toHaveCount(0);
	await expect(page).toHaveTitle('Your circles · Hearth');
	await expect.poll(() => badges(page).then((set) => set.at(-1))).toBe(0);
	// The mark stays put while she reads, though the circle is now read.
	await expect(other.getByText('New since your last visit')).toHaveCount(1);
	await expectNoAxeViolations(other);

	// A second post while she is away from the circle; opened as a whole page this time.
	await gotoHydrated(other, '/circles');
	await postCheckIn(samBrowser.page, 'Okay', 'Called my sponsor.');
	await expect(page.getByText(`1 new in ${name}`, { exact: true })).toBeVisible();
	await gotoHydrated(other, `/circles/${circleId}`);
	await expect(newCount(page, name)).toHaveCount(0);
	// Only what arrived since the last visit is marked.
	await expect(checkInBy(other, 'Called my sponsor.').locator('xpath=..').getByText('New since your last visit')).toBeVisible();
	await expect(other.getByText('New since your last visit')).toHaveCount(1);

	// Offline while two more come: back online, the list asks again and shows both (missed live).
	await gotoHydrated(other, '/circles');
	await expect(newCount(page, name)).toHaveCount(0);
	await context.setOffline(true);
	await expect(liveStatus(page)).not.toHaveText(LIVE);
	await postCheckIn(samBrowser.page, 'Good', 'Slept well.');
	await postCheckIn(samBrowser.page, 'Good', 'Went for a walk.');
	await context.setOffline(false);
	await expect(liveStatus(page)).toHaveText(LIVE);
	await expect(page.getByText(`2 new in ${name}`, { exact: true })).toBeVisible();
	await expect(page).toHaveTitle('(2) Your circles · Hearth');

	// Logged out: no count, no badge. (The header's "Log out" is for wide screens; a phone logs out on the account page.)
	await page.setViewportSize({ width: 1280, height: 720 });
	await page.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Log out', exact: true }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Log in' })).toBeVisible();
	await expect.poll(() => badges(page).then((set) => set.at(-1))).toBe(0);
	await expect(page).not.toHaveTitle(/^\(\d/);
	await samBrowser.context.close();
	expect(samBrowser.trouble).toEqual([]);
});
