// "Leave quickly" (issue 20, item 4), in a real browser: the control and Escape pressed three times
// replace the page with an everyday site in the same tab, and Back never brings a Hearth page up
// again; opening Hearth on purpose afterwards works as usual. The everyday site is answered by
// the test (this machine has no internet), at the address the app sends people to.
import type { BrowserContext, Page } from '@playwright/test';
import { expect, expectNoAxeViolations, expectNoHorizontalScroll, gotoHydrated, signUp, test, uniqueUser } from './helpers';
import { circleTab, createCircle, openCheckInForm, uniqueCircleName } from './circle-helpers';
import { QUICK_EXIT_URL } from '../../src/lib/quick-exit/quick-exit';

const EVERYDAY = /^https:\/\/weather\.com\//;

async function answerForTheEverydaySite(context: BrowserContext): Promise<void> {
	await context.route(`${QUICK_EXIT_URL}**`, (route) =>
		route.fulfill({ contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>Weather</title><h1>Today: sunny, 18°</h1>' })
	);
}

/** Back (or Forward) lands on the everyday site, whatever Hearth page was there. */
async function expectNoWayBack(page: Page, direction: 'back' | 'forward' = 'back'): Promise<void> {
	await (direction === 'back' ? page.goBack() : page.goForward());
	await expect(page).toHaveURL(EVERYDAY);
	await expect(page.getByRole('heading', { name: 'Today: sunny, 18°' })).toBeVisible();
}

test('“Leave quickly” swaps Hearth for an everyday site, and Back goes on to it instead of any Hearth page', async ({ page, context }) => {
	await answerForTheEverydaySite(context);
	await signUp(page, uniqueUser({ displayName: 'Rosa' }));
	const circleName = uniqueCircleName('Quick exit');
	await createCircle(page, circleName);
	// Several Hearth pages in this tab's history: a full load, then the app's own navigation.
	await circleTab(page, circleName, 'Members').click();
	await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
	await circleTab(page, circleName, 'Milestones').click();
	await expect(page).toHaveURL(/\/milestones$/);

	const leave = page.getByRole('link', { name: 'Leave quickly' });
	await expect(leave).toBeVisible();
	await leave.click();
	await expect(page).toHaveURL(EVERYDAY);
	await expect(page).toHaveTitle('Weather');

	// Every way back, one after another, and forward again: never a Hearth page.
	for (let step = 0; step < 3; step++) await expectNoWayBack(page);
	await expectNoWayBack(page, 'forward');

	// Opening Hearth on purpose is not going back: it shows as usual (still signed in).
	await gotoHydrated(page, '/circles');
	await expect(page.getByRole('link', { name: circleName })).toBeVisible();
});

test('Escape pressed three times leaves from anywhere, even while writing; twice does nothing', async ({ page, context }) => {
	await answerForTheEverydaySite(context);
	await signUp(page, uniqueUser({ displayName: 'Sam' }));
	await createCircle(page, uniqueCircleName('Escape'));
	const form = await openCheckInForm(page);
	const words = form.getByLabel(/A few words/);
	await words.fill('Hard day.');

	await words.press('Escape');
	await words.press('Escape');
	await expect(page.getByRole('heading', { name: 'Check-ins' })).toBeVisible();
	await expect(words).toHaveValue('Hard day.');
	await page.waitForTimeout(1600); // longer than three presses count together: those two are forgotten

	await words.press('Escape');
	await words.press('Escape');
	await words.press('Escape');
	await expect(page).toHaveURL(EVERYDAY);
	await expectNoWayBack(page);
});

test('on a phone it sits in the header’s one row, axe-clean in light and dark; without JavaScript it is a plain link there', async ({ browser, baseURL }) => {
	const phone = await browser.newContext({ viewport: { width: 375, height: 812 } });
	const page = await phone.newPage();
	await gotoHydrated(page, `${baseURL}/help`);
	const leave = page.getByRole('link', { name: 'Leave quickly' });
	await expect(leave).toBeVisible();
	const [brand, control] = await Promise.all([page.locator('.site-header .brand').boundingBox(), leave.boundingBox()]);
	expect(Math.abs((brand?.y ?? 0) + (brand?.height ?? 0) / 2 - ((control?.y ?? 0) + (control?.height ?? 0) / 2))).toBeLessThan(4);
	expect(control?.height ?? 0).toBeGreaterThanOrEqual(44);
	await expect(page.getByRole('heading', { name: 'If you need to hide Hearth quickly' })).toBeVisible();
	await expectNoHorizontalScroll(page);
	await expectNoAxeViolations(page);
	await phone.close();

	const plain = await browser.newContext({ javaScriptEnabled: false });
	const noScript = await plain.newPage();
	await noScript.goto(`${baseURL}/help`);
	await expect(noScript.getByRole('link', { name: 'Leave quickly' })).toHaveAttribute('href', QUICK_EXIT_URL);
	await expect(noScript.getByRole('link', { name: 'Leave quickly' })).toHaveAttribute('rel', 'noreferrer');
	await plain.close();
});
