// The account page: where you are logged in, ending a session from another device, logging out
// everywhere, and changing the password, each with two browsers (own cookies, own sockets); and no
// cache keeping what a signed-in page sends.
import type { Page } from '@playwright/test';
import {
	INCORRECT_LOGIN,
	LIVE,
	expect,
	expectFieldError,
	expectNoAxeViolations,
	expectNoFieldError,
	expectNotLive,
	expectPathname,
	expectSignedInAs,
	expectSignedOut,
	fields,
	gotoHydrated,
	liveStatus,
	logIn,
	openSecondBrowser,
	reloadHydrated,
	sessionCookie,
	signUp,
	test,
	uniqueUser
} from './helpers';

const devices = (page: Page) => page.getByRole('region', { name: 'Where you’re logged in' });
const sessionItems = (page: Page) => devices(page).getByRole('listitem');

/** Marks the window; the mark survives client-side navigation but not a reload. */
async function markWindow(page: Page): Promise<void> {
	await page.evaluate(() => Object.assign(window, { hearthE2eMark: true }));
}
async function windowStillMarked(page: Page): Promise<boolean> {
	return page.evaluate(() => 'hearthE2eMark' in window);
}

test('the sessions list shows this device, a second device, and can end the second one', async ({ page, browser, baseURL }) => {
	const user = uniqueUser();
	await signUp(page, user);
	await gotoHydrated(page, '/account');
	await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
	await expect(sessionItems(page)).toHaveCount(1);
	await expect(sessionItems(page).first()).toContainText('This device');
	await expect(sessionItems(page).first().getByRole('button', { name: 'Log out this device' })).toBeVisible();
	await expectNoAxeViolations(page);

	const second = await openSecondBrowser(browser, baseURL!);
	try {
		await logIn(second.page, user);
		await expect(liveStatus(second.page)).toHaveText(LIVE);

		await reloadHydrated(page);
		await expect(sessionItems(page)).toHaveCount(2);
		await expect(sessionItems(page).filter({ hasText: 'This device' })).toHaveCount(1);
		const other = sessionItems(page).filter({ hasNotText: 'This device' });
		await expect(other).toHaveCount(1);
		await expect(other).toContainText('Chrome on Linux');

		await markWindow(second.page);
		await other.getByRole('button', { name: 'Log out Chrome on Linux' }).click();
		await expect(page.getByText('That device has been logged out.')).toBeVisible();
		await expect(sessionItems(page)).toHaveCount(1);
		await expect(sessionItems(page).first()).toContainText('This device');
		await expectSignedInAs(page, user.displayName);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await expectNoAxeViolations(page);

		// The second browser hears about it on its socket: it is no longer live, and the app takes
		// it to the login page by itself (no reload).
		await expectNotLive(second.page);
		await expectPathname(second.page, '/login?redirectTo=%2Fcircles');
		await expectSignedOut(second.page);
		expect(await windowStillMarked(second.page), 'the second page was not reloaded').toBe(true);

		// Its next navigation is to the login page too.
		await second.page.goto('/account');
		await expectPathname(second.page, '/login?redirectTo=%2Faccount');
		expect(second.trouble).toEqual([]);
	} finally {
		await second.context.close();
	}
});

test('a signed-in page and its data are kept by no cache; the build’s files keep their long cache', async ({ page }) => {
	await signUp(page, uniqueUser());
	const html = await page.request.get('/account');
	expect(html.status()).toBe(200);
	expect(html.headers()['cache-control']).toBe('no-store');
	const data = await page.request.get('/account/__data.json');
	expect(data.status()).toBe(200);
	expect(data.headers()['cache-control']).toBe('no-store');
	const asset = (await html.text()).match(/\/_app\/immutable\/[^"]+\.js/)?.[0];
	expect(asset, 'the page loads a build file').toBeDefined();
	const file = await page.request.get(asset!);
	expect(file.status()).toBe(200);
	expect(file.headers()['cache-control']).toContain('immutable');
});

test('"Log out of all devices" asks first; confirming logs out here and on the other device', async ({ page, context, browser, baseURL }) => {
	const user = uniqueUser();
	await signUp(page, user);
	const second = await openSecondBrowser(browser, baseURL!);
	try {
		await logIn(second.page, user);
		await expect(liveStatus(second.page)).toHaveText(LIVE);

		await gotoHydrated(page, '/account');
		await expect(sessionItems(page)).toHaveCount(2);
		await page.getByRole('button', { name: 'Log out of all devices' }).click();
		const confirm = page.getByRole('group', { name: 'Log out of all devices?' });
		await expect(confirm).toBeVisible();
		await expect(confirm).toContainText('This logs you out here and on 1 other device.');
		await expectNoAxeViolations(page);

		await confirm.getByRole('button', { name: 'Cancel' }).click();
		await expect(confirm).toBeHidden();
		await expect(page.getByRole('button', { name: 'Log out of all devices' })).toBeVisible();
		await reloadHydrated(page);
		await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
		await expect(sessionItems(page)).toHaveCount(2);
		await expect(liveStatus(second.page)).toHaveText(LIVE);

		await markWindow(second.page);
		await page.getByRole('button', { name: 'Log out of all devices' }).click();
		await page.getByRole('group', { name: 'Log out of all devices?' }).getByRole('button', { name: 'Yes, log out everywhere' }).click();

		await expectPathname(page, '/login');
		await expectSignedOut(page);
		expect(await sessionCookie(context)).toBeUndefined();

		// The other browser's socket is told and disconnected; the app moves it to the login page
		// without a reload.
		await expectPathname(second.page, '/login?redirectTo=%2Fcircles');
		await expectSignedOut(second.page);
		expect(await windowStillMarked(second.page), 'the second page was not reloaded').toBe(true);
		await second.page.goto('/circles');
		await expectPathname(second.page, '/login?redirectTo=%2Fcircles');

		await page.goto('/account');
		await expectPathname(page, '/login?redirectTo=%2Faccount');
		expect(second.trouble).toEqual([]);
	} finally {
		await second.context.close();
	}
});

test('changing the password checks the current one, keeps this device live and logs out the others', async ({ page, browser, baseURL }) => {
	const user = uniqueUser();
	const newPassword = `a brand new password ${Date.now()}`;
	await signUp(page, user);
	const second = await openSecondBrowser(browser, baseURL!);
	try {
		await logIn(second.page, user);
		await expect(liveStatus(second.page)).toHaveText(LIVE);

		await gotoHydrated(page, '/account');
		const change = page.getByRole('button', { name: 'Change password' });

		await fields.newPassword(page).fill('short');
		await change.click();
		await expectFieldError(fields.currentPassword(page), 'Please enter your current password.');
		await expectFieldError(fields.newPassword(page), 'Please use at least 8 characters (you have 5).');

		await fields.currentPassword(page).fill('not my password at all');
		await fields.newPassword(page).fill(newPassword);
		await change.click();
		await expectFieldError(fields.currentPassword(page), 'That isn’t your current password. Please try again.');
		await expectNoFieldError(fields.newPassword(page));
		await expectNoAxeViolations(page);
		await expect(liveStatus(second.page)).toHaveText(LIVE);

		await markWindow(second.page);
		await fields.currentPassword(page).fill(user.password);
		await fields.newPassword(page).fill(newPassword);
		await change.click();
		await expect(page.getByText('Your password is changed. Every other device has been logged out.')).toBeVisible();
		await expectNoFieldError(fields.currentPassword(page));

		// This device keeps going with its new session, live again after the old session's socket ended.
		await expectSignedInAs(page, user.displayName);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await expect(sessionItems(page)).toHaveCount(1);
		await expectNoAxeViolations(page);
		await reloadHydrated(page);
		await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
		await expectSignedInAs(page, user.displayName);
		await expect(liveStatus(page)).toHaveText(LIVE);

		// The other device is logged out, without a reload.
		await expectPathname(second.page, '/login?redirectTo=%2Fcircles');
		await expectSignedOut(second.page);
		expect(await windowStillMarked(second.page), 'the second page was not reloaded').toBe(true);

		// The old password no longer works; the new one does.
		await logIn(second.page, user, { expectPath: '/login' });
		await expect(second.page.getByRole('alert')).toHaveText(INCORRECT_LOGIN);
		await logIn(second.page, { email: user.email, password: newPassword });
		await expectSignedInAs(second.page, user.displayName);
		await expect(liveStatus(second.page)).toHaveText(LIVE);
		expect(second.trouble).toEqual([]);
	} finally {
		await second.context.close();
	}
});

test('"Download my data" gives a JSON file of your own data, and the printable page shows it', async ({ page }) => {
	const user = uniqueUser();
	await signUp(page, user);
	await gotoHydrated(page, '/account');
	const downloading = page.waitForEvent('download');
	await page.getByRole('link', { name: 'Download my data' }).click();
	const download = await downloading;
	expect(download.suggestedFilename()).toMatch(/^hearth-\d{4}-\d{2}-\d{2}\.json$/);
	const file = await download.path();
	const { readFile } = await import('node:fs/promises');
	const data = JSON.parse(await readFile(file, 'utf8'));
	expect(data.account).toMatchObject({ name: user.displayName, email: user.email });
	expect(data.sessions).toHaveLength(1);

	await gotoHydrated(page, '/account/data');
	await expect(page.getByRole('heading', { level: 1, name: 'Your data' })).toBeVisible();
	await expect(page.getByRole('heading', { level: 2, name: 'Devices logged in (1)' })).toBeVisible();
	await expect(page.getByRole('heading', { level: 2, name: 'Check-ins (0)' })).toBeVisible();
	await expect(page.getByText(user.email)).toBeVisible();
	await expectNoAxeViolations(page);
});
