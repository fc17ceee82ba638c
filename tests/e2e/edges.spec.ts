// The rough edges found in use (issue 19): a cheered milestone that stays, with its cheer, after a
// lapse dated before it; disclosures that look like something that opens, in light and dark, on
// a phone; sentences with the right spaces; a celebration banner that covers nothing and says who
// added a victory. Every context runs in UTC (see milestone-helpers.ts).
import type { Locator, Page } from '@playwright/test';
import { LIVE, expect, expectNoAxeViolations, expectNoHorizontalScroll, formHeaders, gotoHydrated, liveStatus, test, type ColorScheme } from './helpers';
import { circleFields, markWindow, windowStillMarked } from './circle-helpers';
import { celebration, cheersFor, circleWithBeaInRecovery, milestoneCard, recordLapse, recoveryCard, shownDay, utcDay } from './milestone-helpers';

test.use({ timezoneId: 'UTC' });

/** What a person reads in an element: its rendered text, with no-break spaces read as the spaces they look like. */
async function readText(locator: Locator): Promise<string> {
	return (await locator.innerText()).replace(/\u00a0/g, ' ').trim();
}

/** Cheers `headline` on the milestones page the page is on, and waits for the cheer. */
async function cheer(page: Page, headline: string, words: string): Promise<void> {
	const card = milestoneCard(page, headline);
	await card.getByLabel('A few words (optional)').fill(words);
	await card.getByRole('button', { name: `Cheer ${headline}` }).click();
	await expect(card.locator('summary').filter({ hasText: 'Change your message' })).toBeVisible();
}

test('a cheered milestone stays visible with its cheer after a lapse dated before it, as part of an earlier stretch', async ({ page, browser, baseURL }) => {
	const { circleId, b } = await circleWithBeaInRecovery(page, browser, baseURL!, 40);
	const start = utcDay(-40);
	const thirtyDays = 'Bea: 30 days in recovery';
	try {
		// Maria cheers "30 days" (reached 10 days ago), then waits on the milestones page.
		await gotoHydrated(page, `/circles/${circleId}/milestones`);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await cheer(page, thirtyDays, 'So proud of you, Bea.');
		await markWindow(page);

		// Bea tells the circle of a lapse 15 days ago: before the 30 days were reached.
		await recordLapse(b.page, utcDay(-15), true);

		// Live, on Maria's page: the new stretch's "came back", and the 30 days still there with the cheer.
		await expect(milestoneCard(page, 'Bea came back')).toBeVisible();
		const card = milestoneCard(page, thirtyDays);
		await expect(card).toBeVisible();
		await expect(cheersFor(page, thirtyDays).getByRole('listitem')).toHaveCount(1);
		expect(await readText(cheersFor(page, thirtyDays).getByRole('listitem'))).toBe('👏 You: So proud of you, Bea.');
		const [startDay, startMonth] = shownDay(start).split(' ');
		const earlier = card.getByText(/^Reached in an earlier stretch/);
		expect(await readText(earlier)).toMatch(
			new RegExp(
				`^Reached in an earlier stretch: 30 days, ${startDay}( ${startMonth})?( \\d{4})? – ${shownDay(utcDay(-10))}\\. Every day of it still counts\\.$`
			)
		);
		// Only the current stretch's figures changed: the days before still count.
		await expect(recoveryCard(page, 'Bea')).toContainText(/^\s*15 days\s*in recovery · Bea/);
		await expect(recoveryCard(page, 'Bea')).toContainText('40 days in recovery in all; the longest stretch was 25 days.');
		// The new stretch's milestones are not "earlier".
		await expect(milestoneCard(page, 'Bea came back').getByText(/earlier stretch/)).toHaveCount(0);
		expect(await windowStillMarked(page), 'Maria’s page was not reloaded').toBe(true);
		await expectNoAxeViolations(page);

		// Bea sees the same, and Maria's cheer can still be changed.
		await gotoHydrated(b.page, `/circles/${circleId}/milestones`);
		await expect(cheersFor(b.page, thirtyDays)).toContainText('Maria: So proud of you, Bea.');
		await card.locator('summary').filter({ hasText: 'Change your message' }).click();
		await card.getByLabel('Your message', { exact: true }).fill('Still proud of you, Bea.');
		await card.getByRole('button', { name: 'Save message' }).click();
		await expect(cheersFor(b.page, thirtyDays)).toContainText('Maria: Still proud of you, Bea. (edited)');
		expect(b.trouble).toEqual([]);
	} finally {
		await b.context.close();
	}
});

/**
 * Every summary shown on the page has a visible marker (its ::before: a chevron drawn with a
 * border), a target at least 44 px high, and a marker that turns when it opens.
 */
async function expectDisclosureMarkers(page: Page, scheme: ColorScheme): Promise<number> {
	await page.emulateMedia({ colorScheme: scheme });
	const summaries = await page.evaluate(() =>
		[...document.querySelectorAll('summary')]
			.filter((summary) => summary.getClientRects().length > 0)
			.map((summary) => {
				const marker = getComputedStyle(summary, '::before');
				return {
					text: summary.textContent?.trim() ?? '',
					height: summary.getBoundingClientRect().height,
					content: marker.content,
					size: [parseFloat(marker.width), parseFloat(marker.height)],
					stroke: parseFloat(marker.borderRightWidth) > 0 && marker.borderRightColor !== 'rgba(0, 0, 0, 0)' && marker.borderRightStyle !== 'none'
				};
			})
	);
	for (const summary of summaries) {
		expect(summary.content, `marker of “${summary.text}” (${scheme})`).not.toBe('none');
		expect(Math.min(...summary.size), `marker size of “${summary.text}” (${scheme})`).toBeGreaterThan(4);
		expect(summary.stroke, `marker of “${summary.text}” is drawn (${scheme})`).toBe(true);
		expect(summary.height, `target height of “${summary.text}”`).toBeGreaterThanOrEqual(44);
	}
	return summaries.length;
}

/** The marker's transform before and after opening the summary with this text (it turns). */
async function expectMarkerTurns(page: Page, text: string): Promise<void> {
	const summary = page.locator('summary').filter({ hasText: text }).first();
	const turn = () => summary.evaluate((element) => getComputedStyle(element, '::before').transform);
	const closed = await turn();
	await summary.click();
	await expect(summary.locator('xpath=..')).toHaveAttribute('open', '');
	await expect.poll(turn).not.toBe(closed);
}

test.describe('on a phone', () => {
	test.use({ viewport: { width: 375, height: 812 } });

	test('every disclosure looks like something that opens, in light and dark; relationship and role read with the right spaces', async ({
		page,
		browser,
		baseURL
	}) => {
		const { circleId, b } = await circleWithBeaInRecovery(page, browser, baseURL!, 40);
		try {
			await b.page.setViewportSize({ width: 375, height: 812 });
			const posted = await b.page.request.post(`/circles/${circleId}?/post`, { form: { mood: '4', body: 'Forty days.' }, headers: formHeaders(baseURL!) });
			expect(posted.status()).toBe(200);

			// The relationship hint suggests relationships, not "Me"; Maria's own page joins the words with " · ".
			await gotoHydrated(page, `/circles/${circleId}/members`);
			const hint = page.getByText(/^For example “Mom”/);
			await expect(hint).toContainText('For example “Mom”, “Brother”, “Partner” or “Friend”');
			await expect(hint).not.toContainText('“Me”');
			await circleFields.relationship(page).fill('Mom');
			await page.getByRole('region', { name: 'Your place in this circle' }).getByRole('button', { name: 'Save' }).click();
			await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
			const mariaOnTheList = page
				.getByRole('list', { name: /^Members of/ })
				.getByRole('listitem')
				.filter({ hasText: '(you)' })
				.locator('.name');
			expect(await readText(mariaOnTheList)).toBe('Maria (you) · Mom');

			// An agreement with its wording in the history.
			await gotoHydrated(page, `/circles/${circleId}/agreements/new`);
			await page.getByLabel('Title', { exact: true }).fill('Calls after ten');
			await page.getByLabel('Category', { exact: true }).selectOption({ label: 'Communication' });
			await page.getByLabel('The agreement', { exact: true }).fill('No calls after 10 pm, except emergencies.');
			await page.getByRole('button', { name: 'Propose to the circle' }).click();
			await expect(page.getByRole('heading', { level: 1, name: 'Calls after ten' })).toBeVisible();
			const agreementPath = new URL(page.url()).pathname;

			// Maria's pages: the agreement, the milestones with her cheer, Bea's page with the mood chart.
			await gotoHydrated(page, `/circles/${circleId}/milestones`);
			await cheer(page, 'Bea: 30 days in recovery', '');
			for (const path of [agreementPath, `/circles/${circleId}/milestones`, `/circles/${circleId}/members`]) {
				await gotoHydrated(page, path);
				for (const scheme of ['light', 'dark'] as const) expect(await expectDisclosureMarkers(page, scheme), path).toBeGreaterThan(0);
				await page.emulateMedia({ colorScheme: 'light' });
				await expectNoHorizontalScroll(page);
			}
			await gotoHydrated(page, agreementPath);
			await expectMarkerTurns(page, 'The words');
			await gotoHydrated(page, `/circles/${circleId}/milestones`);
			// The cheer without words reads "You cheered", with one space.
			expect(await readText(cheersFor(page, 'Bea: 30 days in recovery').getByRole('listitem'))).toBe('👏 You cheered');
			await expectMarkerTurns(page, 'Change your message');
			await expectNoAxeViolations(page);

			await page.getByRole('region', { name: 'Days in recovery' }).getByRole('link', { name: 'Bea' }).click();
			await expect(page.getByRole('heading', { level: 1, name: 'Bea' })).toBeVisible();
			await expect(page.getByRole('heading', { level: 1, name: 'Bea' }).locator('xpath=following-sibling::p[1]')).toHaveText('Member · In recovery');
			for (const scheme of ['light', 'dark'] as const) expect(await expectDisclosureMarkers(page, scheme)).toBeGreaterThan(0);
			await page.emulateMedia({ colorScheme: 'light' });
			await expectMarkerTurns(page, 'Show as a table');
			await expectNoHorizontalScroll(page);
			await expectNoAxeViolations(page);

			// Maria's own page, reached through her check-in: "Mom · Owner".
			const mine = await page.request.post(`/circles/${circleId}?/post`, { form: { mood: '3', body: 'Mom here.' }, headers: formHeaders(baseURL!) });
			expect(mine.status()).toBe(200);
			await gotoHydrated(page, `/circles/${circleId}`);
			await page.locator('article').filter({ hasText: 'Mom here.' }).locator('a[href*="/members/"]').first().click();
			await expect(page.getByRole('heading', { level: 1, name: 'You' })).toBeVisible();
			await expect(page.getByRole('heading', { level: 1, name: 'You' }).locator('xpath=following-sibling::p[1]')).toHaveText('Mom · Owner');

			// Bea's recovery page: "Record a lapse", with a hover style.
			await gotoHydrated(b.page, `/circles/${circleId}/recovery`);
			for (const scheme of ['light', 'dark'] as const) expect(await expectDisclosureMarkers(b.page, scheme)).toBeGreaterThan(0);
			await b.page.emulateMedia({ colorScheme: 'light' });
			const lapse = b.page.locator('summary').filter({ hasText: /^\s*Record a lapse\s*$/ });
			const background = () => lapse.evaluate((element) => getComputedStyle(element).backgroundColor);
			const resting = await background();
			await lapse.hover();
			await expect.poll(background).not.toBe(resting);
			await expectMarkerTurns(b.page, 'Record a lapse');
			await expectNoHorizontalScroll(b.page);
			expect(b.trouble).toEqual([]);
		} finally {
			await b.context.close();
		}
	});
	test('the celebration banner covers no part of the days card, says who added the victory, and Escape closes it', async ({ page, browser, baseURL }) => {
		const { circleId, b } = await circleWithBeaInRecovery(page, browser, baseURL!, 40);
		const title = 'First family dinner in a year';
		try {
			await gotoHydrated(page, `/circles/${circleId}`);
			await expect(liveStatus(page)).toHaveText(LIVE);
			const days = recoveryCard(page, 'Bea');
			await expect(days).toBeVisible();
			const added = await b.page.request.post(`/circles/${circleId}/milestones?/addVictory`, {
				form: { title, reachedOn: utcDay(0), note: '', forWhom: 'circle' },
				headers: formHeaders(baseURL!)
			});
			expect(added.status()).toBe(200);

			const banner = celebration(page, title);
			await expect(banner).toBeVisible();
			expect(await readText(banner.locator('p'))).toBe(`🎉 Bea added a victory: ${title}`);
			// Wherever the days card is on the screen, the banner is not over it.
			for (const block of ['start', 'center', 'end'] as const) {
				await days.evaluate((element, where) => element.scrollIntoView({ block: where }), block);
				const [card, over] = [await days.boundingBox(), await banner.boundingBox()];
				const overlaps =
					card && over && over.x < card.x + card.width && card.x < over.x + over.width && over.y < card.y + card.height && card.y < over.y + over.height;
				expect(overlaps, `the banner covers the days card (card scrolled to the ${block})`).toBeFalsy();
			}
			await expectNoHorizontalScroll(page);
			await expectNoAxeViolations(page);

			// By keyboard: Escape from within the banner closes it.
			await banner.getByRole('link', { name: 'Cheer' }).focus();
			await page.keyboard.press('Escape');
			await expect(banner).toHaveCount(0);
			await expect(days).toBeVisible();
			expect(b.trouble).toEqual([]);
		} finally {
			await b.context.close();
		}
	});
});
