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
	reloadHydrated,
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

test('a save made on an older version is refused with the words kept, and never overwrites the newer one', async ({ page, browser, baseURL }) => {
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea']);
	const [bea] = members as [TestUser];
	const b = await openSecondBrowser(browser, baseURL!);
	try {
		await gotoHydrated(page, `/circles/${circleId}/plan`);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await openPlan(b.page, bea, circleId);
		await markWindow(page);

		// Maria starts writing where the naloxone is kept…
		const mine = planOf(page, 'If someone may be overdosing');
		await mine.getByText('Change the overdose plan').click();
		await mine.getByLabel(/^Where the naloxone is kept/).fill('MARIA: top shelf of the hall cupboard.');

		// …while Bea saves her own words for the same part.
		const beas = planOf(b.page, 'If someone may be overdosing');
		await beas.getByText('Change the overdose plan').click();
		await beas.getByLabel(/^Where the naloxone is kept/).fill('BEA: kitchen drawer by the sink.');
		await beas.getByRole('button', { name: 'Save the overdose plan' }).click();
		await expect(b.page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();

		// Maria is told at once, next to her form, and her words stay.
		await expect(mine.locator('dd').first()).toHaveText('BEA: kitchen drawer by the sink.');
		const form = mine.locator('form');
		await expect(form.getByRole('status')).toContainText('Bea saved a new version while you were writing');
		await expect(form.getByRole('status')).toContainText('“Where the naloxone is kept”');
		await expect(mine.getByLabel(/^Where the naloxone is kept/)).toHaveValue('MARIA: top shelf of the hall cupboard.');

		// Saving now is refused: Bea's words are not overwritten, Maria's are still in the form.
		await mine.getByRole('button', { name: 'Save the overdose plan' }).click();
		await expect(form.getByRole('alert')).toContainText('Bea saved a new version while you were writing, so yours isn’t saved yet.');
		await expect(mine.getByLabel(/^Where the naloxone is kept/)).toHaveValue('MARIA: top shelf of the hall cupboard.');
		await expect(mine.locator('dd').first()).toHaveText('BEA: kitchen drawer by the sink.');
		await reloadHydrated(b.page);
		await expect(planOf(b.page, 'If someone may be overdosing').locator('dd').first()).toHaveText('BEA: kitchen drawer by the sink.');
		await expectNoAxeViolations(page);

		// Having been told, Maria may put hers in its place on purpose: saving again does.
		await mine.getByRole('button', { name: 'Save the overdose plan' }).click();
		await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
		await expect(mine.locator('dd').first()).toHaveText('MARIA: top shelf of the hall cupboard.');
		await expect(planOf(b.page, 'If someone may be overdosing').locator('dd').first()).toHaveText('MARIA: top shelf of the hall cupboard.');
		await mine.getByText(/^History/).click();
		await expect(mine.getByText(/Version 2: Maria/)).toBeVisible();
		await expect(mine.getByText(/Version 1: Bea/)).toBeVisible();
		expect(await windowStillMarked(page), 'nobody reloaded').toBe(true);
		expect(b.trouble).toEqual([]);
	} finally {
		await b.context.close();
	}
});

test.describe('on a phone', () => {
	test.use({ viewport: { width: 375, height: 667 } });

	test('people are chosen from the circle by keyboard, shown by name with a link, and a made-up choice is refused at the field; without JavaScript too', async ({
		page,
		browser,
		baseURL
	}) => {
		const { circleId, members } = await circleWith(page, baseURL!, ['Bea', 'Carl']);
		const [bea] = members as [TestUser, TestUser];
		const b = await openSecondBrowser(browser, baseURL!);
		try {
			await b.page.setViewportSize({ width: 375, height: 667 });
			await logIn(b.page, bea);
			await markInRecovery(b.page, circleId);
			await gotoHydrated(b.page, `/circles/${circleId}/plan`);

			// Bea's own plan: the others, by name, never herself; ticked with the keyboard.
			const mine = planOf(b.page, 'Your safety plan');
			const helpers = mine.getByRole('group', { name: 'Who in this circle I can ask' });
			await expect(helpers.getByRole('checkbox')).toHaveCount(2);
			await expect(helpers.getByRole('checkbox', { name: 'Bea' })).toHaveCount(0);
			// In the order of their names: Carl, then Maria.
			await helpers.getByRole('checkbox', { name: 'Carl' }).focus();
			await b.page.keyboard.press('Tab');
			await expect(helpers.getByRole('checkbox', { name: 'Maria' })).toBeFocused();
			await b.page.keyboard.press('Space');
			await expect(helpers.getByRole('checkbox', { name: 'Maria' })).toBeChecked();
			await mine.getByLabel(/^People I can ask for help/).fill('My sponsor Joe: 555-0199');
			await expectNoHorizontalScroll(b.page);
			await expectNoAxeViolations(b.page);
			await mine.getByRole('button', { name: 'Save my plan' }).click();
			await expect(b.page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
			const asking = mine.getByRole('listitem').filter({ has: b.page.getByRole('heading', { name: '4. People I can ask for help' }) });
			await expect(asking.getByRole('link', { name: 'Maria' })).toHaveAttribute('href', new RegExp(`/circles/${circleId}/members/[a-z2-7]+$`));
			await expect(asking).toContainText('My sponsor Joe: 555-0199');
			await expect(asking.getByRole('link')).toHaveCount(1);

			// Maria sees it, and picks who carries naloxone, herself and Bea, live for Bea.
			await gotoHydrated(page, `/circles/${circleId}/plan`);
			await expect(planOf(page, 'Bea’s safety plan').getByRole('link', { name: 'Maria' })).toBeVisible();
			const overdose = planOf(page, 'If someone may be overdosing');
			await overdose.getByText('Change the overdose plan').click();
			const carriers = overdose.getByRole('group', { name: 'Who in this circle carries it' });
			await carriers.getByRole('checkbox', { name: /^Maria/ }).check();
			await carriers.getByRole('checkbox', { name: 'Bea' }).check();

			// A choice that is nobody in the circle is refused next to the list; nothing is lost or stored.
			await carriers.getByRole('checkbox', { name: 'Bea' }).evaluate((box: HTMLInputElement) => (box.value = 'aaaaaaaaaaaaaaaaaaaaaaaa'));
			await overdose.getByLabel(/^Where the naloxone is kept/).fill('Kitchen drawer by the sink.');
			await overdose.getByRole('button', { name: 'Save the overdose plan' }).click();
			await expect(carriers).toHaveAccessibleDescription(/Someone you chose isn’t in this circle\. Please choose again\./);
			await expect(carriers.getByText('Someone you chose isn’t in this circle. Please choose again.')).toBeVisible();
			await expect(overdose.getByLabel(/^Where the naloxone is kept/)).toHaveValue('Kitchen drawer by the sink.');
			await expect(carriers.getByRole('checkbox', { name: /^Maria/ })).toBeChecked();
			await expect(overdose.locator('dd').first()).toHaveText('Not written yet.');
			await expectNoAxeViolations(page);
			await reloadHydrated(page);

			const again = planOf(page, 'If someone may be overdosing');
			await again.getByText('Change the overdose plan').click();
			await again
				.getByRole('group', { name: 'Who in this circle carries it' })
				.getByRole('checkbox', { name: /^Maria/ })
				.check();
			await again.getByRole('group', { name: 'Who in this circle carries it' }).getByRole('checkbox', { name: 'Bea' }).check();
			await again.getByLabel(/^Who in the circle carries naloxone/).fill('Grandpa Lou, in his coat.');
			await again.getByRole('button', { name: 'Save the overdose plan' }).click();
			await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
			const shown = planOf(b.page, 'If someone may be overdosing');
			await expect(shown.getByRole('link', { name: 'Bea' })).toBeVisible();
			await expect(shown.getByRole('link', { name: 'Maria' })).toBeVisible();
			await expect(shown).toContainText('Grandpa Lou, in his coat.');
			await expectNoHorizontalScroll(b.page);
			await expectNoAxeViolations(b.page);

			// Without JavaScript: the boxes show what is chosen, and unticking one is saved.
			const plain = await browser.newContext({ baseURL, javaScriptEnabled: false, viewport: { width: 375, height: 667 } });
			try {
				await plain.addCookies(await page.context().cookies());
				const noJs = await plain.newPage();
				await noJs.goto(`/circles/${circleId}/plan`);
				const form = planOf(noJs, 'If someone may be overdosing');
				await form.getByText('Change the overdose plan').click();
				const boxes = form.getByRole('group', { name: 'Who in this circle carries it' });
				await expect(boxes.getByRole('checkbox', { name: 'Bea' })).toBeChecked();
				await expect(boxes.getByRole('checkbox', { name: 'Carl' })).not.toBeChecked();
				await boxes.getByRole('checkbox', { name: 'Bea' }).uncheck();
				await form.getByRole('button', { name: 'Save the overdose plan' }).click();
				await expect(noJs.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
				await expect(planOf(noJs, 'If someone may be overdosing').getByRole('link', { name: 'Bea' })).toHaveCount(0);
				await expect(planOf(noJs, 'If someone may be overdosing').getByRole('link', { name: 'Maria' })).toBeVisible();
			} finally {
				await plain.close();
			}
			await expect(shown.getByRole('link', { name: 'Bea' })).toHaveCount(0);
			expect(b.trouble).toEqual([]);
		} finally {
			await b.context.close();
		}
	});

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
