// Milestones and days in recovery: a small victory celebrated live in another browser (confetti,
// or a calm banner and no animation at all for those who prefer reduced motion), cheers and a
// changed message seen live; a person in recovery setting their own date, with the automatic
// milestones it brings; lapses told to the circle or kept private and told later; bad input,
// strangers and members not in recovery; a phone's width. axe-core on the pages visited.
//
// Every context runs in UTC, so the circle (created in the browser's time zone) counts days in
// UTC and the dates computed here in UTC are the circle's dates.
import { request as apiRequest, type Browser, type BrowserContextOptions, type Locator, type Page } from '@playwright/test';
import {
	LIVE,
	createAccount,
	expect,
	expectFieldError,
	expectNoAxeViolations,
	expectNoHorizontalScroll,
	formHeaders,
	gotoHydrated,
	liveStatus,
	logIn,
	openSecondBrowser,
	reloadHydrated,
	test,
	uniqueUser,
	watchForTrouble,
	type TestUser
} from './helpers';
import { circleWith, expectNotFound, markWindow, windowStillMarked } from './circle-helpers';
import {
	addVictory,
	celebration,
	cheersFor,
	markInRecovery,
	milestoneCard,
	openAs,
	recordLapse,
	recoveryCard,
	recoveryFields,
	setRecoveryDate,
	shownDay,
	utcDay,
	victoryFields
} from './milestone-helpers';

test.use({ timezoneId: 'UTC' });

/** A browser of its own (own cookies, own socket), in UTC, watched like the main page. */
async function openBrowser(browser: Browser, baseURL: string, options: BrowserContextOptions = {}) {
	const context = await browser.newContext({ baseURL, timezoneId: 'UTC', ...options });
	const page = await context.newPage();
	return { context, page, trouble: watchForTrouble(page) };
}

function confetti(page: Page): Locator {
	return page.getByTestId('confetti');
}

/**
 * Counts confetti bursts added to the page from now on: the pieces are gone after about two
 * seconds, so a test on a busy machine asks whether one was ever added, not whether one is there.
 */
async function watchConfetti(page: Page): Promise<void> {
	await page.evaluate(() => {
		const seen = { confetti: 0 };
		Object.assign(window, { hearthConfettiSeen: seen });
		new MutationObserver((records) => {
			for (const record of records) {
				for (const node of record.addedNodes) {
					if (node instanceof Element && (node.matches('[data-testid="confetti"]') || node.querySelector('[data-testid="confetti"]'))) seen.confetti += 1;
				}
			}
		}).observe(document.body, { childList: true, subtree: true });
	});
}

function confettiSeen(page: Page): Promise<number> {
	return page.evaluate(() => (window as unknown as { hearthConfettiSeen: { confetti: number } }).hearthConfettiSeen.confetti);
}

test('a small victory is celebrated live in the other browser, cheered, and the changed cheer arrives live', async ({ page, browser, baseURL }) => {
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea']);
	const [bea] = members as [TestUser];
	const path = `/circles/${circleId}/milestones`;
	const title = 'First family dinner in a year';

	const b = await openSecondBrowser(browser, baseURL!);
	try {
		await openAs(b.page, bea, path);
		await expect(b.page.getByRole('heading', { level: 1, name: 'Milestones' })).toBeVisible();
		await expect(b.page.getByText('No milestones yet.', { exact: false })).toBeVisible();
		await gotoHydrated(page, path);
		await expect(liveStatus(page)).toHaveText(LIVE);
		// From here on nobody reloads: what changes on these pages came over the live connection.
		await markWindow(page);
		await markWindow(b.page);
		await watchConfetti(b.page);

		await addVictory(page, title, { forCircle: true });

		// B: the banner and the confetti, then the pieces go and the banner stays.
		const banner = celebration(b.page, title);
		await expect(banner).toBeVisible();
		await expect(banner).toHaveAttribute('data-motion', 'confetti');
		// It says who added it.
		await expect(banner.locator('p')).toHaveText(`🎉 Maria added a victory: ${title}`);
		await expect.poll(() => confettiSeen(b.page)).toBe(1);
		await expect(b.page.getByRole('status').filter({ hasText: title }).getByRole('link', { name: 'Cheer' })).toBeVisible();
		const card = milestoneCard(b.page, title);
		await expect(card).toBeVisible();
		await expect(card).toContainText('The whole circle’s milestone');
		await expect(card).toContainText('Added by Maria');
		await expect(card.getByText('No cheers yet.')).toBeVisible();
		await expect(confetti(b.page)).toHaveCount(0);
		await expect(banner).toBeVisible();

		// B cheers with a message; A sees it without a reload.
		await card.getByLabel('A few words (optional)').fill('So proud of all of us.');
		await card.getByRole('button', { name: `Cheer ${title}` }).click();
		await expect(cheersFor(b.page, title)).toContainText(/You\s*:\s*So proud of all of us\./);
		const cheersOnA = cheersFor(page, title);
		await expect(cheersOnA.getByRole('listitem')).toHaveCount(1);
		await expect(cheersOnA).toContainText(/Bea\s*:\s*So proud of all of us\./);
		await expect(milestoneCard(page, title).getByText('No cheers yet.')).toHaveCount(0);

		// B changes the message; A sees the new words, marked edited.
		await card.locator('summary').filter({ hasText: 'Change your message' }).click();
		await card.getByLabel('Your message', { exact: true }).fill('Same table, same time next week?');
		await card.getByRole('button', { name: 'Save message' }).click();
		await expect(cheersOnA).toContainText(/Bea\s*:\s*Same table, same time next week\?/);
		await expect(cheersOnA).toContainText('(edited)');
		await expect(cheersOnA).not.toContainText('So proud of all of us.');
		await expect(cheersOnA.getByRole('listitem')).toHaveCount(1);
		await expect(cheersFor(b.page, title)).toContainText(/You\s*:\s*Same table, same time next week\?/);

		expect(await windowStillMarked(page), 'A’s page was not reloaded').toBe(true);
		expect(await windowStillMarked(b.page), 'B’s page was not reloaded').toBe(true);

		// The banner is still up on both (A added it and is celebrated too), with a cheer on the page.
		await expect(celebration(page, title)).toBeVisible();
		await expectNoAxeViolations(b.page);
		await expectNoAxeViolations(page);
		expect(b.trouble).toEqual([]);
	} finally {
		await b.context.close();
	}
});

test('with reduced motion the celebration is a calm banner: no confetti, ever, and nothing animates', async ({ page, browser, baseURL }) => {
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea']);
	const [bea] = members as [TestUser];
	const path = `/circles/${circleId}/milestones`;
	const title = 'Started outpatient treatment';

	const b = await openBrowser(browser, baseURL!, { reducedMotion: 'reduce' });
	try {
		await openAs(b.page, bea, path);
		expect(await b.page.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches)).toBe(true);
		// Counts every confetti element that is ever put on the page, however briefly.
		await watchConfetti(b.page);

		await gotoHydrated(page, path);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await addVictory(page, title);

		const banner = celebration(b.page, title);
		await expect(banner).toBeVisible();
		await expect(banner).toHaveAttribute('data-motion', 'calm');
		await expect(confetti(b.page)).toHaveCount(0);
		const shownAt = await b.page.evaluate(() => performance.now());
		// Longer than the confetti would have lasted (about 2 s): none appeared at any point.
		await expect
			.poll(
				() =>
					b.page.evaluate(
						(since) => ({
							pastTheBurst: performance.now() - since > 2500,
							confettiEverAdded: (window as unknown as { hearthConfettiSeen: { confetti: number } }).hearthConfettiSeen.confetti,
							confettiNow: document.querySelectorAll('[data-testid="confetti"]').length
						}),
						shownAt
					),
				{ intervals: [250], message: 'no confetti while the banner shows, with reduced motion' }
			)
			.toEqual({ pastTheBurst: true, confettiEverAdded: 0, confettiNow: 0 });
		await expect(banner).toBeVisible();
		expect(
			await b.page.evaluate(() => document.getAnimations().map((animation) => (animation as CSSAnimation).animationName ?? animation.constructor.name))
		).toEqual([]);
		await expect(milestoneCard(b.page, title)).toBeVisible();
		await expectNoAxeViolations(b.page);

		// The banner can be closed.
		await b.page.getByRole('status').filter({ hasText: title }).getByRole('button', { name: 'Close' }).click();
		await expect(banner).toHaveCount(0);
		expect(b.trouble).toEqual([]);
	} finally {
		await b.context.close();
	}
});

test('a person in recovery sets their own date: 40 days for everyone, with the milestones reached; a future day is refused', async ({
	page,
	browser,
	baseURL
}) => {
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea']);
	const [bea] = members as [TestUser];
	const start = utcDay(-40);

	const b = await openSecondBrowser(browser, baseURL!);
	try {
		await logIn(b.page, bea);
		await markInRecovery(b.page, circleId);
		await gotoHydrated(page, `/circles/${circleId}`);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await markWindow(page);
		await expect(page.getByRole('region', { name: 'Days in recovery' })).toHaveCount(0);

		await gotoHydrated(b.page, `/circles/${circleId}/recovery`);
		await expect(b.page.getByRole('heading', { level: 1, name: 'Your recovery' })).toBeVisible();
		await expect(b.page.getByText('(UTC)', { exact: false })).toBeVisible();
		await expect(recoveryFields.startedOn(b.page)).toHaveAttribute('max', utcDay(0));
		await expectNoAxeViolations(b.page);
		await setRecoveryDate(b.page, circleId, start, 40);
		await expect(b.page.getByText(/^Next:/)).toHaveText(`Next: 60 days, on ${shownDay(utcDay(20))} (in 20 days).`);
		await expectNoAxeViolations(b.page);

		// A, on the circle's home page all along, sees Bea's days arrive.
		const onHome = recoveryCard(page, 'Bea');
		await expect(onHome).toContainText(/^\s*40 days\s*in recovery · Bea/);
		await expect(onHome).toContainText(`Since ${shownDay(start)}.`);
		expect(await windowStillMarked(page), 'A’s page was not reloaded').toBe(true);
		await expectNoAxeViolations(page);

		// Bea's member page (reached through her check-in's name link) shows the same for A.
		const posted = await b.page.request.post(`/circles/${circleId}?/post`, {
			form: { mood: '4', body: 'Forty days. Thank you all.' },
			headers: formHeaders(baseURL!)
		});
		expect(posted.status()).toBe(200);
		await page.locator('article').filter({ hasText: 'Forty days. Thank you all.' }).getByRole('link', { name: 'Bea' }).click();
		await expect(page.getByRole('heading', { level: 1, name: 'Bea' })).toBeVisible();
		await expect(recoveryCard(page, 'Bea')).toContainText(/^\s*40 days\s*in recovery · Bea/);
		const herMilestones = page.getByRole('region', { name: 'Bea’s milestones' });
		for (const label of ['30 days', '1 week', '1 day']) await expect(milestoneCard(page, `Bea: ${label} in recovery`)).toBeVisible();
		await expect(herMilestones.getByRole('article')).toHaveCount(3);
		await expectNoAxeViolations(page);

		// The timeline: her automatic milestones, newest first, on the days they were reached.
		await gotoHydrated(page, `/circles/${circleId}/milestones`);
		const timeline = page.getByRole('region', { name: 'Timeline' });
		const headlines = await timeline.getByRole('article').getByRole('heading', { level: 3 }).allInnerTexts();
		expect(headlines.map((text) => text.replace('🎉', '').trim())).toEqual(['Bea: 30 days in recovery', 'Bea: 1 week in recovery', 'Bea: 1 day in recovery']);
		await expect(milestoneCard(page, 'Bea: 30 days in recovery')).toContainText(`${shownDay(utcDay(-10))} · Days in recovery`);
		await expect(milestoneCard(page, 'Bea: 1 week in recovery')).toContainText(shownDay(utcDay(-33)));
		await expect(milestoneCard(page, 'Bea: 1 day in recovery')).toContainText(shownDay(utcDay(-39)));
		await expect(recoveryCard(page, 'Bea')).toContainText(/^\s*40 days\s*in recovery · Bea/);
		// Days set in the past are recorded, not celebrated.
		await expect(page.locator('[data-motion]')).toHaveCount(0);
		await expectNoAxeViolations(page);

		// A day that hasn't come yet, posted past the date field's max: refused, nothing changes.
		const future = await b.page.request.post(`/circles/${circleId}/recovery?/setDate`, {
			form: { startedOn: utcDay(1) },
			headers: formHeaders(baseURL!)
		});
		expect(future.status()).toBe(400);
		expect(await future.text()).toContain('That day hasn’t come yet');
		await reloadHydrated(b.page);
		await expect(b.page.getByRole('heading', { level: 2, name: '40 days in recovery' })).toBeVisible();
		await expect(recoveryFields.startedOn(b.page)).toHaveValue(start);
		await reloadHydrated(page);
		await expect(recoveryCard(page, 'Bea')).toContainText(/^\s*40 days\s*in recovery · Bea/);
		await expect(page.getByRole('region', { name: 'Timeline' }).getByRole('article')).toHaveCount(3);
		expect(b.trouble).toEqual([]);
	} finally {
		await b.context.close();
	}
});

test('a lapse told to the circle: warm words for the person, the count restarts for everyone with a safety note', async ({ page, browser, baseURL }) => {
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea']);
	const [bea] = members as [TestUser];
	const yesterday = utcDay(-1);

	const b = await openSecondBrowser(browser, baseURL!);
	try {
		await logIn(b.page, bea);
		await markInRecovery(b.page, circleId);
		await setRecoveryDate(b.page, circleId, utcDay(-40), 40);

		await gotoHydrated(page, `/circles/${circleId}`);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await markWindow(page);
		const card = recoveryCard(page, 'Bea');
		await expect(card).toContainText(/^\s*40 days\s*in recovery · Bea/);
		await expect(page.getByRole('complementary', { name: 'Safety note for the circle' })).toHaveCount(0);

		await recordLapse(b.page, yesterday, true);
		await expect(b.page.getByText('Coming back is part of recovery', { exact: false }).first()).toBeVisible();
		await expect(b.page.getByRole('heading', { level: 2, name: '1 day in recovery' })).toBeVisible();
		await expect(b.page.getByText('40 days in recovery in all. Your longest stretch: 39 days.')).toBeVisible();
		const record = b.page.getByRole('region', { name: 'Your record' });
		await expect(record).toContainText(`Lapse on ${shownDay(yesterday)}, after 39 days`);
		await expect(record).toContainText('Your circle knows.');
		await expect(b.page.getByText(/Your circle sees/)).toHaveCount(0);
		await expectNoAxeViolations(b.page);

		// A, live: the count starts again, the days before still count, and the safety note shows.
		await expect(card).toContainText(/^\s*1 day\s*in recovery · Bea/);
		await expect(card).toContainText('40 days in recovery in all; the longest stretch was 39 days.');
		await expect(card).toContainText('Coming back is part of recovery. Every day before still counts.');
		const note = card.getByRole('complementary', { name: 'Safety note for the circle' });
		await expect(note).toBeVisible();
		await expect(note).toContainText('naloxone');
		await expect(note.getByRole('link', { name: 'Help and crisis lines' })).toHaveAttribute('href', '/help');
		// A lapse yesterday makes today the "Came back" day: it arrives with the news.
		await expect(celebration(page, 'Bea came back')).toBeVisible();
		expect(await windowStillMarked(page), 'A’s page was not reloaded').toBe(true);
		await expectNoAxeViolations(page);
		// The person in recovery is not shown the families' safety note about themselves.
		await gotoHydrated(b.page, `/circles/${circleId}`);
		await expect(recoveryCard(b.page, 'You')).toContainText(/^\s*1 day\s*in recovery · You/);
		await expect(b.page.getByRole('complementary', { name: 'Safety note for the circle' })).toHaveCount(0);
		expect(b.trouble).toEqual([]);
	} finally {
		await b.context.close();
	}
});

test('a lapse kept private changes nothing for the circle until the person tells it', async ({ page, browser, baseURL }) => {
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea']);
	const [bea] = members as [TestUser];
	const start = utcDay(-40);
	const yesterday = utcDay(-1);

	const b = await openSecondBrowser(browser, baseURL!);
	try {
		await logIn(b.page, bea);
		await markInRecovery(b.page, circleId);
		await setRecoveryDate(b.page, circleId, start, 40);

		await gotoHydrated(page, `/circles/${circleId}`);
		await expect(liveStatus(page)).toHaveText(LIVE);
		const card = recoveryCard(page, 'Bea');
		await expect(card).toContainText(/^\s*40 days\s*in recovery · Bea/);

		await recordLapse(b.page, yesterday, false);
		await expect(b.page.getByRole('heading', { level: 2, name: '1 day in recovery' })).toBeVisible();
		await expect(b.page.getByText(`Your circle sees 40 days, since ${shownDay(start)}: you haven’t told them about a lapse.`, { exact: false })).toBeVisible();
		const record = b.page.getByRole('region', { name: 'Your record' });
		await expect(record).toContainText(`Lapse on ${shownDay(yesterday)}, after 39 days`);
		const tell = record.getByRole('button', { name: `Tell the circle about the lapse on ${shownDay(yesterday)}` });
		await expect(tell).toBeVisible();
		await expectNoAxeViolations(b.page);

		// A's view, loaded afresh after the lapse was recorded: as it was, with no safety note.
		await reloadHydrated(page);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await expect(card).toContainText(/^\s*40 days\s*in recovery · Bea/);
		await expect(card).not.toContainText('Coming back');
		await expect(page.getByRole('complementary', { name: 'Safety note for the circle' })).toHaveCount(0);
		await gotoHydrated(page, `/circles/${circleId}/milestones`);
		await expect(milestoneCard(page, 'Bea came back')).toHaveCount(0);
		await expect(page.getByRole('region', { name: 'Timeline' }).getByRole('article')).toHaveCount(3);
		await gotoHydrated(page, `/circles/${circleId}`);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await expect(card).toContainText(/^\s*40 days\s*in recovery · Bea/);
		await markWindow(page);

		// Bea tells the circle: A's page changes live.
		await tell.click();
		await expect(record).toContainText('Your circle knows.');
		await expect(b.page.getByText(/Your circle sees/)).toHaveCount(0);
		await expect(card).toContainText(/^\s*1 day\s*in recovery · Bea/);
		await expect(card).toContainText('Coming back is part of recovery.');
		await expect(card.getByRole('complementary', { name: 'Safety note for the circle' })).toContainText('naloxone');
		await expect(celebration(page, 'Bea came back')).toBeVisible();
		expect(await windowStillMarked(page), 'A’s page was not reloaded').toBe(true);
		expect(b.trouble).toEqual([]);
	} finally {
		await b.context.close();
	}
});

test('bad input says what to fix next to the field and keeps the note; strangers get a 404; members not in recovery get an explanation', async ({
	page,
	browser,
	baseURL
}) => {
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea']);
	const [bea] = members as [TestUser];
	await gotoHydrated(page, `/circles/${circleId}/milestones`);
	const note = 'Dad drove to the meeting on his own.';

	await victoryFields.note(page).fill(note);
	await victoryFields.add(page).click();
	await expectFieldError(victoryFields.title(page), 'Please write what you’re celebrating.');
	await expect(victoryFields.note(page)).toHaveValue(note);

	const tooLong = 'A'.repeat(60) + ' ' + 'B'.repeat(60);
	expect(tooLong).toHaveLength(121);
	await victoryFields.title(page).fill(tooLong);
	await victoryFields.add(page).click();
	await expectFieldError(victoryFields.title(page), 'Please keep what you’re celebrating to 120 characters or fewer (you have 121).');
	await expect(victoryFields.title(page)).toHaveValue(tooLong);
	await expect(victoryFields.note(page)).toHaveValue(note);
	await expectNoAxeViolations(page);
	await reloadHydrated(page);
	await expect(page.getByText('No milestones yet.', { exact: false })).toBeVisible();

	// Someone from outside the circle: the not-found page, as for any circle page.
	const outsider = uniqueUser({ displayName: 'Outsider' });
	await createAccount(baseURL!, outsider);
	const stranger = await openSecondBrowser(browser, baseURL!);
	try {
		await logIn(stranger.page, outsider);
		await expectNotFound(stranger.page, `/circles/${circleId}/milestones`);
		await expectNotFound(stranger.page, `/circles/${circleId}/recovery`);
		const sneaky = await stranger.page.request.post(`/circles/${circleId}/milestones?/addVictory`, {
			form: { title: 'Sneaky', reachedOn: utcDay(0), note: '', forWhom: 'circle' },
			headers: formHeaders(baseURL!)
		});
		expect(sneaky.status()).toBe(404);
		expect(stranger.trouble).toEqual([]);
	} finally {
		await stranger.context.close();
	}

	// A member who is not in recovery: told what the page is for, with no date form.
	const member = await openSecondBrowser(browser, baseURL!);
	try {
		await logIn(member.page, bea);
		await gotoHydrated(member.page, `/circles/${circleId}/recovery`);
		await expect(member.page.getByRole('heading', { level: 1, name: 'Your recovery' })).toBeVisible();
		await expect(member.page.getByText('This page is for a person in recovery, to keep their own recovery date.', { exact: false })).toBeVisible();
		await expect(member.page.getByRole('link', { name: 'members page' })).toHaveAttribute('href', `/circles/${circleId}/members#my-place`);
		await expect(recoveryFields.startedOn(member.page)).toHaveCount(0);
		await expect(member.page.getByRole('button', { name: 'Start counting' })).toHaveCount(0);
		await expect(member.page.locator('form[action="?/setDate"]')).toHaveCount(0);
		await expectNoAxeViolations(member.page);
		// Nor can the form be posted around the page.
		const refused = await member.page.request.post(`/circles/${circleId}/recovery?/setDate`, {
			form: { startedOn: utcDay(-3) },
			headers: formHeaders(baseURL!)
		});
		expect(refused.status()).toBe(403);
		await gotoHydrated(member.page, `/circles/${circleId}/milestones`);
		await expect(member.page.getByRole('link', { name: 'Set the day your recovery began' })).toHaveCount(0);
		await expect(member.page.getByText('No milestones yet.', { exact: false })).toBeVisible();
		expect(member.trouble).toEqual([]);
	} finally {
		await member.context.close();
	}
});

test.describe('on a phone', () => {
	test.use({ viewport: { width: 375, height: 667 } });

	test('the milestones page with a long victory and long cheers fits the width of a phone', async ({ page, baseURL }) => {
		const { circleId, members } = await circleWith(page, baseURL!, ['Bea']);
		const [bea] = members as [TestUser];
		// 120 characters (the most allowed) with no space to break at.
		const longTitle = 'Wolfeschlegelsteinhausenbergerdorff'.repeat(4).slice(0, 120);
		const longWords = 'Supercalifragilisticexpialidocious'.repeat(8);
		await gotoHydrated(page, `/circles/${circleId}/milestones`);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await addVictory(page, longTitle, { forCircle: true, note: `A note that goes on: ${longWords}` });
		await expectNoHorizontalScroll(page);

		// Maria cheers here; Bea cheers from a browser without JavaScript.
		const card = milestoneCard(page, longTitle);
		await card.getByLabel('A few words (optional)').fill(longWords);
		await card.getByRole('button', { name: `Cheer ${longTitle}` }).click();
		await expect(cheersFor(page, longTitle)).toContainText(longWords);
		const milestoneId = (await card.getAttribute('aria-labelledby'))!.replace(/^milestone-/, '');
		const api = await apiRequest.newContext({ baseURL });
		try {
			const login = await api.post('/login', { form: { email: bea.email, password: bea.password }, headers: formHeaders(baseURL!), maxRedirects: 0 });
			expect(login.status()).toBe(303);
			const cheered = await api.post(`/circles/${circleId}/milestones?/cheer`, {
				form: { milestoneId, message: `Bea here: ${longWords}` },
				headers: formHeaders(baseURL!)
			});
			expect(cheered.status()).toBe(200);
		} finally {
			await api.dispose();
		}
		await expect(cheersFor(page, longTitle).getByRole('listitem')).toHaveCount(2);
		await expect(celebration(page, longTitle)).toBeVisible();
		await expectNoHorizontalScroll(page);
		await card.locator('summary').filter({ hasText: 'Change your message' }).click();
		await expect(card.getByLabel('Your message', { exact: true })).toBeVisible();
		await expectNoHorizontalScroll(page);
		await expectNoAxeViolations(page);
	});
});
