// Helpers for the milestone specs: a circle with members, a person in recovery setting their date
// and recording lapses through the real forms, and the parts of the milestone pages by role.
// Every context the specs open runs in UTC, so the circle counts days in UTC and the dates
// computed here in UTC are the circle's dates.
import type { Browser, Locator, Page } from '@playwright/test';
import { LIVE, expect, gotoHydrated, liveStatus, logIn, openSecondBrowser, type TestUser } from './helpers';
import { circleFields, circleWith } from './circle-helpers';

const DAY_MS = 86_400_000;

/** The UTC calendar day `offset` days from now, as YYYY-MM-DD (the circle's day: it is in UTC). */
export function utcDay(offset: number): string {
	return new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
}

/** A day as the pages write it ("13 October 2026"). */
export function shownDay(isoDay: string): string {
	const [year, month, day] = isoDay.split('-').map(Number);
	return new Date(Date.UTC(year!, month! - 1, day!)).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** Signs in on a page of its own browser and opens a path of the circle, waiting for the live link. */
export async function openAs(page: Page, user: TestUser, path: string): Promise<void> {
	await logIn(page, user);
	await gotoHydrated(page, path);
	await expect(liveStatus(page)).toHaveText(LIVE);
}

/** One milestone on the timeline (an article named by its headline). */
export function milestoneCard(page: Page, headline: string): Locator {
	return page.getByRole('article', { name: headline, exact: true });
}

export function cheersFor(page: Page, headline: string): Locator {
	return page.getByRole('list', { name: `Cheers for ${headline}`, exact: true });
}

/** The celebration banner (role=status) showing this text. */
export function celebration(page: Page, text: string): Locator {
	return page.getByRole('status').filter({ hasText: text }).locator('[data-motion]');
}

/** Ticks "I’m a person in recovery in this circle" on the members page and saves. */
export async function markInRecovery(page: Page, circleId: string): Promise<void> {
	await gotoHydrated(page, `/circles/${circleId}/members`);
	await circleFields.inRecovery(page).check();
	await page.getByRole('region', { name: 'Your place in this circle' }).getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved. Everyone in the circle sees it now.' })).toBeVisible();
}

export const recoveryFields = {
	startedOn: (page: Page) => page.getByLabel('Day your recovery began', { exact: true }),
	lapseOn: (page: Page) => page.getByLabel('When did it happen?', { exact: true })
};

/** Sets the day recovery began on /recovery (opened first) and waits for the count. */
export async function setRecoveryDate(page: Page, circleId: string, day: string, expectedDays: number): Promise<void> {
	await gotoHydrated(page, `/circles/${circleId}/recovery`);
	await expect(page.getByRole('heading', { level: 2, name: 'The day your recovery began' })).toBeVisible();
	await recoveryFields.startedOn(page).fill(day);
	await page.getByRole('button', { name: 'Start counting' }).click();
	await expect(page.getByRole('heading', { level: 2, name: `${expectedDays} days in recovery` })).toBeVisible();
	await expect(page.getByText(`Since ${shownDay(day)}.`)).toBeVisible();
}

/** Records a lapse from the recovery page the page is on. */
export async function recordLapse(page: Page, day: string, share: boolean): Promise<void> {
	await page
		.locator('summary')
		.filter({ hasText: /^\s*Record a lapse\s*$/ })
		.click();
	await recoveryFields.lapseOn(page).fill(day);
	await page.getByRole('radio', { name: share ? 'Yes, tell the circle' : 'Not now: keep it to myself' }).check();
	await page.getByRole('button', { name: 'Record it' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Thank you for being honest. Coming back is part of recovery' })).toBeVisible();
}

/** The "Days in recovery" card of one person on the home, milestones or member page. */
export function recoveryCard(page: Page, who: string): Locator {
	return page
		.getByRole('region', { name: 'Days in recovery' })
		.locator('.recovery')
		.filter({ hasText: new RegExp(`in recovery · ${who}`) });
}

export const victoryFields = {
	title: (page: Page) => page.getByLabel('What are you celebrating?', { exact: true }),
	when: (page: Page) => page.getByLabel('When', { exact: true }),
	note: (page: Page) => page.getByLabel(/^A note/),
	forCircle: (page: Page) => page.getByRole('radio', { name: 'The whole circle’s' }),
	add: (page: Page) => page.getByRole('button', { name: 'Add and celebrate' })
};

/** Adds a small victory from the milestones page the page is on. */
export async function addVictory(page: Page, title: string, options: { forCircle?: boolean; note?: string } = {}): Promise<void> {
	await victoryFields.title(page).fill(title);
	if (options.note) await victoryFields.note(page).fill(options.note);
	if (options.forCircle) await victoryFields.forCircle(page).check();
	await victoryFields.add(page).click();
	await expect(milestoneCard(page, title)).toBeVisible();
	await expect(victoryFields.title(page)).toHaveValue('');
}

/**
 * Maria's circle (Maria signed in on `page`) with Bea, in recovery for `days` days, signed in on a
 * second browser (left on her recovery page). Close `b.context` when done.
 */
export async function circleWithBeaInRecovery(page: Page, browser: Browser, baseURL: string, days = 40) {
	const { circleId, members } = await circleWith(page, baseURL, ['Bea']);
	const [bea] = members as [TestUser];
	const b = await openSecondBrowser(browser, baseURL);
	await logIn(b.page, bea);
	await markInRecovery(b.page, circleId);
	await setRecoveryDate(b.page, circleId, utcDay(-days), days);
	return { circleId, bea, b };
}
