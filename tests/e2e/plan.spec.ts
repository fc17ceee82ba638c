// The shared safety and overdose plan: a person in recovery writes their plan, another member
// suggests an addition, it is accepted and seen live by the suggester (nobody reloads); the
// family's overdose plan changed by anyone, live; bad input kept with its message; the crisis
// link inside a circle opens the overdose part; it prints on at most two pages with no
// navigation; strangers get a 404; axe-core clean; a phone's width without sideways scrolling.
import { type Page } from '@playwright/test';
import {
	LIVE,
	expect,
	expectFieldError,
	expectNoAxeViolations,
	expectNoHorizontalScroll,
	gotoHydrated,
	liveStatus,
	logIn,
	openSecondBrowser,
	signUp,
	test,
	uniqueUser,
	type TestUser
} from './helpers';
import { circleWith, createCircle, expectNotFound, markWindow, uniqueCircleName, windowStillMarked } from './circle-helpers';
import { markInRecovery } from './milestone-helpers';

function planOf(page: Page, heading: string) {
	return page.getByRole('region', { name: heading });
}

async function openPlan(page: Page, user: TestUser, circleId: string): Promise<void> {
	await logIn(page, user);
	await gotoHydrated(page, `/circles/${circleId}/plan`);
	await expect(liveStatus(page)).toHaveText(LIVE);
}

test('a person in recovery writes their plan, a member suggests an addition, it is accepted and seen live', async ({ page, browser, baseURL }) => {
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea', 'Carl']);
	const [bea, carl] = members as [TestUser, TestUser];
	const b = await openSecondBrowser(browser, baseURL!);
	const c = await openSecondBrowser(browser, baseURL!);
	try {
		await logIn(b.page, bea);
		await markInRecovery(b.page, circleId);
		await gotoHydrated(b.page, `/circles/${circleId}/plan`);
		await expect(liveStatus(b.page)).toHaveText(LIVE);
		await openPlan(c.page, carl, circleId);
		await gotoHydrated(page, `/circles/${circleId}/plan`);
		for (const p of [b.page, c.page, page]) await markWindow(p);

		// Bea writes her plan: the form is open while there is nothing yet.
		const mine = planOf(b.page, 'Your safety plan');
		await mine.getByLabel(/^My warning signs/).fill('Not sleeping. Skipping meetings.');
		await mine.getByLabel(/^Things I can do on my own/).fill('A long walk with the dog.');
		await mine.getByRole('button', { name: 'Save my plan' }).click();
		await expect(b.page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
		await expectNoAxeViolations(b.page);

		// Carl sees it arrive, then suggests an addition; a too-long one first, kept with its message.
		const beas = planOf(c.page, 'Bea’s safety plan');
		await expect(beas).toContainText('Not sleeping. Skipping meetings.');
		await beas.getByText('Suggest an addition for Bea').click();
		await beas.getByLabel('Part of the plan').selectOption({ label: 'People I can ask for help' });
		const long = 'x'.repeat(1001);
		await beas.getByLabel('Your suggestion').fill(long);
		await beas.getByRole('button', { name: 'Suggest it' }).click();
		await expectFieldError(beas.getByLabel('Your suggestion'), 'Please keep your suggestion to 1,000 characters or fewer (you have 1,001).');
		await expect(beas.getByLabel('Your suggestion')).toHaveValue(long);
		await beas.getByLabel('Your suggestion').fill('Carl: 555-0100, any time.');
		await beas.getByRole('button', { name: 'Suggest it' }).click();
		await expect(c.page.getByRole('status').filter({ hasText: 'Your suggestion was sent.' })).toBeVisible();
		await expectNoAxeViolations(c.page);

		// Bea sees it live and adds it; Carl sees it in her plan, live.
		await expect(mine.getByText('Carl: 555-0100, any time.')).toBeVisible();
		await mine.getByRole('button', { name: 'Add it to my plan' }).click();
		await expect(beas.getByRole('heading', { name: 'Suggested additions' })).toHaveCount(0);
		await expect(beas.getByRole('listitem').filter({ hasText: 'People I can ask for help' })).toContainText('Carl: 555-0100, any time.');
		await beas.getByText('History (2 versions)').click();
		await expect(beas.getByText(/Version 2: Bea, adding Carl’s suggestion/)).toBeVisible();

		// Maria changes the family's overdose plan; Bea sees it live.
		await page.getByText('Change the overdose plan').click();
		await page.getByLabel(/^Where the naloxone is kept/).fill('Kitchen drawer by the sink.');
		await page.getByRole('button', { name: 'Save the overdose plan' }).click();
		await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
		await expect(planOf(b.page, 'If someone may be overdosing')).toContainText('Kitchen drawer by the sink.');

		for (const p of [b.page, c.page, page]) expect(await windowStillMarked(p), 'nobody reloaded').toBe(true);
		expect(b.trouble).toEqual([]);
		expect(c.trouble).toEqual([]);
	} finally {
		await b.context.close();
		await c.context.close();
	}
});

test.describe('on a phone', () => {
	test.use({ viewport: { width: 375, height: 667 } });

	test('the crisis link opens the overdose plan; it prints on at most two pages without navigation; strangers get a 404', async ({
		page,
		browser,
		baseURL
	}) => {
		const owner = uniqueUser({ displayName: 'Maria' });
		await signUp(page, owner);
		const circleId = await createCircle(page, uniqueCircleName());
		await markInRecovery(page, circleId);
		await gotoHydrated(page, `/circles/${circleId}`);
		await page.getByRole('banner').getByRole('link', { name: /988/ }).click();
		await expect(page).toHaveURL(new RegExp(`/circles/${circleId}/plan#overdose$`));
		await expect(page.getByRole('heading', { level: 2, name: 'If someone may be overdosing' })).toBeVisible();

		const mine = planOf(page, 'Your safety plan');
		for (const label of [
			/^My warning signs/,
			/^Things I can do on my own/,
			/^People and places/,
			/^People I can ask/,
			/^Professionals/,
			/^Making things safer/
		]) {
			await mine.getByLabel(label).fill('A few lines of what helps, written on a calm day.\nAnd one more line.');
		}
		await mine.getByRole('button', { name: 'Save my plan' }).click();
		await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
		await expectNoHorizontalScroll(page);
		await expectNoAxeViolations(page);

		await page.emulateMedia({ media: 'print' });
		await expect(page.getByRole('navigation', { name: /sections/ })).toBeHidden();
		await expect(page.getByRole('banner')).toBeHidden();
		expect(await page.locator('form').count()).toBeGreaterThan(0);
		for (const form of await page.locator('form').all()) await expect(form).toBeHidden();
		await expect(page.getByRole('heading', { level: 2, name: 'Your safety plan' })).toBeVisible();
		const pdf = await page.pdf({ format: 'Letter' });
		const pages = pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g)?.length ?? 0;
		expect(pages).toBeGreaterThanOrEqual(1);
		expect(pages).toBeLessThanOrEqual(2);
		await page.emulateMedia({ media: 'screen' });

		const stranger = await openSecondBrowser(browser, baseURL!);
		try {
			await signUp(stranger.page, uniqueUser({ displayName: 'Stranger' }));
			await expectNotFound(stranger.page, `/circles/${circleId}/plan`);
		} finally {
			await stranger.context.close();
		}
	});
});

/** The addresses held in the plan copy's cache, as the page sees them. */
function planCopies(page: Page): Promise<string[]> {
	return page.evaluate(async () => {
		if (!(await caches.has('hearth-plan-copy'))) return [];
		const keys = await (await caches.open('hearth-plan-copy')).keys();
		return keys.map((request) => new URL(request.url).pathname);
	});
}

test('“Keep a copy on this phone” opens the plan without a connection; turning it off or logging out removes it', async ({ page, context }) => {
	const owner = uniqueUser({ displayName: 'Maria' });
	await signUp(page, owner);
	const circleId = await createCircle(page, uniqueCircleName());
	await markInRecovery(page, circleId);
	const path = `/circles/${circleId}/plan`;
	await gotoHydrated(page, path);
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), { message: 'the service worker controls the page' })
		.toMatch(/\/service-worker\.js$/);
	const mine = planOf(page, 'Your safety plan');
	await mine.getByLabel(/^My warning signs/).fill('OFFLINE-WORDS: not sleeping.');
	await mine.getByRole('button', { name: 'Save my plan' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();

	const keep = page.getByLabel('Keep a copy on this phone');
	await expect(keep).not.toBeChecked();
	expect(await planCopies(page)).toEqual([]);
	await keep.check();
	await expect.poll(() => planCopies(page)).toEqual([path]);
	await expectNoAxeViolations(page);

	await context.setOffline(true);
	await page.goto(path);
	await expect(page.getByRole('heading', { level: 1, name: 'Safety plan' })).toBeVisible();
	await expect(planOf(page, 'Your safety plan')).toContainText('OFFLINE-WORDS: not sleeping.');
	await expect(page.getByRole('heading', { level: 2, name: 'If someone may be overdosing' })).toBeVisible();
	// Every other page of the circle is still never kept: the offline page answers.
	await page.goto(`/circles/${circleId}/members`);
	await expect(page.getByRole('heading', { level: 1, name: 'You’re offline' })).toBeVisible();
	await context.setOffline(false);
	// Back online, the offline page goes on to the page that was asked for by itself.
	await expect(page.getByRole('heading', { level: 1, name: 'You’re offline' })).toHaveCount(0);
	await expect(page).toHaveURL(new RegExp(`/circles/${circleId}/members$`));
	await page.waitForLoadState('load');

	await gotoHydrated(page, path);
	await expect(page.getByLabel('Keep a copy on this phone')).toBeChecked();
	await page.getByLabel('Keep a copy on this phone').uncheck();
	await expect.poll(() => planCopies(page)).toEqual([]);

	await page.getByLabel('Keep a copy on this phone').check();
	await expect.poll(() => planCopies(page)).toEqual([path]);
	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page.getByRole('banner').getByRole('link', { name: 'Log in' })).toBeVisible();
	await expect.poll(() => planCopies(page)).toEqual([]);
});
