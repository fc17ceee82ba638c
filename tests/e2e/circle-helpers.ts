// Helpers for the circle specs (also used by checkins.spec.ts): starting a circle, making an invite
// link, joining with it (new or existing account, in a browser or without one), and finding the
// parts of the circle pages by role and label.
import { request as apiRequest, type Locator, type Page } from '@playwright/test';
import { escapeRegExp, expect, expectPathname, formHeaders, gotoHydrated, signUp, uniqueUser, waitForHydration, type TestUser } from './helpers';

/** A circle's id, as it appears in its address. */
const CIRCLE_PATH = /^\/circles\/([a-z2-7]+)$/;

/** A circle name nobody else's test uses. */
export function uniqueCircleName(prefix = 'The Garcias'): string {
	return `${prefix} ${Date.now().toString(36).slice(-4)}${Math.random().toString(36).slice(2, 6)}`;
}

/** The id of the circle whose home page the page is on (waits until it is on one). */
export async function currentCircleId(page: Page): Promise<string> {
	await expectPathname(page, CIRCLE_PATH);
	return CIRCLE_PATH.exec(new URL(page.url()).pathname)![1]!;
}

export const circleFields = {
	name: (page: Page) => page.getByLabel('Circle name', { exact: true }),
	description: (page: Page) => page.getByLabel(/^Description/),
	inviteNote: (page: Page) => page.getByLabel('Who is it for?', { exact: true }),
	inviteDays: (page: Page) => page.getByLabel('Works for (days)', { exact: true }),
	inviteUses: (page: Page) => page.getByLabel('How many people can use it', { exact: true }),
	inviteRole: (page: Page) => page.getByLabel('They join as', { exact: true }),
	inviteLink: (page: Page) => page.getByRole('textbox', { name: 'Invite link', exact: true }),
	relationship: (page: Page) => page.getByLabel('Who you are to the circle', { exact: true }),
	inRecovery: (page: Page) => page.getByRole('checkbox', { name: 'I’m a person in recovery in this circle' }),
	confirmName: (page: Page) => page.getByLabel('Type the circle’s name to confirm', { exact: true })
};

/** Starts a circle from the form on /circles and waits for its home page; returns its id. */
export async function createCircle(page: Page, name: string, description = ''): Promise<string> {
	await gotoHydrated(page, '/circles');
	await circleFields.name(page).fill(name);
	if (description) await circleFields.description(page).fill(description);
	await page.getByRole('button', { name: 'Start the circle' }).click();
	const circleId = await currentCircleId(page);
	await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
	return circleId;
}

/** The tabs of a circle's pages (Home, Members, and for some roles Invites and Settings). */
export function circleTabs(page: Page, circleName: string): Locator {
	return page.getByRole('navigation', { name: `${circleName}: sections` });
}

export function circleTab(page: Page, circleName: string, label: 'Home' | 'Agreements' | 'Milestones' | 'Plan' | 'Members' | 'Invites' | 'Settings'): Locator {
	return circleTabs(page, circleName).getByRole('link', { name: label, exact: true });
}

/**
 * Makes an invite link on the circle's Invites page and returns it. Opens the page unless it is
 * already there.
 */
export async function makeInvite(
	page: Page,
	circleId: string,
	options: { note?: string; days?: string; uses?: string; role?: 'member' | 'admin' } = {}
): Promise<string> {
	if (new URL(page.url()).pathname !== `/circles/${circleId}/invites`) await gotoHydrated(page, `/circles/${circleId}/invites`);
	await waitForHydration(page);
	if (options.note !== undefined) await circleFields.inviteNote(page).fill(options.note);
	if (options.days !== undefined) await circleFields.inviteDays(page).fill(options.days);
	if (options.uses !== undefined) await circleFields.inviteUses(page).fill(options.uses);
	if (options.role !== undefined) await circleFields.inviteRole(page).selectOption(options.role);
	await page.getByRole('button', { name: 'Make invite link' }).click();
	await expect(page.getByRole('heading', { level: 2, name: 'Your invite link is ready' })).toBeVisible();
	const link = await circleFields.inviteLink(page).inputValue();
	expect(link).toMatch(/\/join\/[a-z2-7]{32}$/);
	return link;
}

/** A circle started by Maria (signed in on `page`), with members joined by one invite link (kept, for more). */
export async function circleWith(page: Page, baseURL: string, names: string[]) {
	const owner = uniqueUser({ displayName: 'Maria' });
	await signUp(page, owner);
	const circleName = uniqueCircleName();
	const circleId = await createCircle(page, circleName);
	const link = await makeInvite(page, circleId, { uses: '5' });
	const members: TestUser[] = [];
	for (const name of names) {
		const member = uniqueUser({ displayName: name });
		await createAccountAndJoin(baseURL, link, member, circleId);
		members.push(member);
	}
	return { owner, members, circleId, circleName, link };
}

/** The sign-up form on an invite page. */
export function joinSignUpForm(page: Page): Locator {
	return page.getByRole('region', { name: 'New to Hearth? Create your account' });
}

/**
 * The log-in part of an invite page: the <details> opened by "I already have a Hearth account"
 * (a <details> has no accessible name to find it by role).
 */
export function joinLogInForm(page: Page): Locator {
	return page.locator('details').filter({ has: page.getByText('I already have a Hearth account', { exact: true }) });
}

/** Opens an invite link signed out, creates an account on that page, and lands in the circle. */
export async function joinWithSignUp(page: Page, link: string, user: TestUser, circleId: string): Promise<void> {
	await gotoHydrated(page, link);
	const form = joinSignUpForm(page);
	await form.getByLabel('What should your family call you?', { exact: true }).fill(user.displayName);
	await form.getByLabel('Email', { exact: true }).fill(user.email);
	await form.getByLabel('Password', { exact: true }).fill(user.password);
	await form.getByRole('button', { name: 'Create account and join' }).click();
	await expectPathname(page, `/circles/${circleId}`);
}

/** Opens an invite link signed out and logs in with an existing account on that page. */
export async function joinWithLogIn(page: Page, link: string, user: Pick<TestUser, 'email' | 'password'>, circleId: string): Promise<void> {
	await gotoHydrated(page, link);
	await page.getByText('I already have a Hearth account', { exact: true }).click();
	const form = joinLogInForm(page);
	await form.getByLabel('Email', { exact: true }).fill(user.email);
	await form.getByLabel('Password', { exact: true }).fill(user.password);
	await form.getByRole('button', { name: 'Log in and join' }).click();
	await expectPathname(page, `/circles/${circleId}`);
}

/**
 * Creates an account and joins with an invite link without a browser (the join page's sign-up
 * form posted as a browser without JavaScript would), from a request context of its own.
 */
export async function createAccountAndJoin(baseURL: string, link: string, user: TestUser, circleId: string): Promise<void> {
	const request = await apiRequest.newContext({ baseURL });
	try {
		const response = await request.post(`${new URL(link).pathname}?/signup`, {
			form: { displayName: user.displayName, email: user.email, password: user.password },
			headers: formHeaders(baseURL),
			maxRedirects: 0
		});
		expect(response.status(), `joining as ${user.email} should redirect`).toBe(303);
		expect(response.headers()['location']).toBe(`/circles/${circleId}`);
	} finally {
		await request.dispose();
	}
}

/** Opens an invite link while signed in (not yet a member) and presses "Join <circle>". */
export async function joinSignedIn(page: Page, link: string, circleName: string, circleId: string): Promise<void> {
	await gotoHydrated(page, link);
	await page.getByRole('button', { name: `Join ${circleName}`, exact: true }).click();
	await expectPathname(page, `/circles/${circleId}`);
}

/** The members list of the members page. */
export function memberList(page: Page, circleName: string): Locator {
	return page.getByRole('list', { name: `Members of ${circleName}` });
}

/** One member's card on the members page (matched by their display name). */
export function memberItem(page: Page, circleName: string, displayName: string): Locator {
	return memberList(page, circleName)
		.getByRole('listitem')
		.filter({ has: page.getByText(displayName, { exact: true }) });
}

/**
 * The owner's "Make admin" / "Make member" button on a member's card. Its visible label is
 * followed by a visually hidden ": <name>" (so the accessible name may have a space before the colon).
 */
export function roleButton(scope: Locator | Page, label: 'Make admin' | 'Make member', displayName: string): Locator {
	return scope.getByRole('button', { name: new RegExp(`^${label}\\s*:\\s*${escapeRegExp(displayName)}$`) });
}

/**
 * The first button of a Confirm (a <summary>; it has no ARIA role of its own, so it is found by
 * its visible label plus the visually hidden detail).
 */
export function confirmOpener(scope: Locator | Page, label: string): Locator {
	return scope.locator('summary').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(label)}(\\s|$)`) });
}

/** Marks the window; the mark survives client-side navigation but not a reload. */
export async function markWindow(page: Page): Promise<void> {
	await page.evaluate(() => Object.assign(window, { hearthE2eMark: true }));
}

export async function windowStillMarked(page: Page): Promise<boolean> {
	return page.evaluate(() => 'hearthE2eMark' in window);
}

/** From now on, counts how many times an element with `text` in it is taken off the page. */
export async function countRemovals(page: Page, text: string): Promise<void> {
	await page.evaluate((watched) => {
		const counter = { removed: 0 };
		Object.assign(window, { hearthE2eRemovals: counter });
		new MutationObserver((records) => {
			for (const record of records) {
				for (const node of record.removedNodes) if (node.textContent?.includes(watched)) counter.removed += 1;
			}
		}).observe(document.body, { childList: true, subtree: true });
	}, text);
}

export async function removalsSoFar(page: Page): Promise<number> {
	return page.evaluate(() => (window as unknown as { hearthE2eRemovals: { removed: number } }).hearthE2eRemovals.removed);
}

/** The friendly 404 page, with status 404, for a direct visit. */
export async function expectNotFound(page: Page, path: string): Promise<void> {
	const response = await page.goto(path);
	expect(response?.status(), `status of ${path}`).toBe(404);
	await expect(page.getByRole('heading', { level: 1, name: 'We couldn’t find that page' })).toBeVisible();
}

/** A check-in card in the feed, found by its words. */
export function checkInBy(page: Page, text: string): Locator {
	return page.locator('article').filter({ hasText: text });
}

/** A check-in card's id (its article is labelled by its author's line, `by-<id>`). */
export async function checkInIdOf(card: Locator): Promise<string> {
	const labelledBy = await card.getAttribute('aria-labelledby');
	expect(labelledBy, 'a check-in card').toMatch(/^by-[a-z0-9]+$/);
	return labelledBy!.slice('by-'.length);
}

/** The card of the check-in with this id, whatever it says now. */
export function checkInCard(page: Page | Locator, id: string): Locator {
	return page.locator(`article[aria-labelledby="by-${id}"]`);
}

/**
 * The circle home's check-in form (the region "Check in"), opened by its "Check in" control first
 * when it is closed. Works with and without JavaScript (a button that opens it in place, or a link
 * to the page with ?compose, which the server sends open).
 */
export async function openCheckInForm(page: Page): Promise<Locator> {
	const region = page.getByRole('region', { name: 'Check in' });
	const form = region.locator('form[action$="?/post"]');
	if (!(await form.isVisible())) await composeControl(page).click();
	await expect(form).toBeVisible();
	return region;
}

/** "Check in", which opens the check-in form: a button with JavaScript, a link without. */
export function composeControl(page: Page): Locator {
	return page.getByRole('region', { name: 'Check in' }).locator('.compose-open');
}

/** Posts a check-in from the circle home's form and waits for it in the feed. */
export async function postCheckIn(page: Page, mood: string, words: string, need?: string): Promise<void> {
	const form = await openCheckInForm(page);
	await form.getByText(mood, { exact: true }).click();
	if (need) await form.getByLabel(/What I need from the circle/).selectOption({ label: need });
	await form.getByLabel(/A few words/).fill(words);
	await form.getByRole('button', { name: 'Post check-in' }).click();
	await expect(checkInBy(page, words.split('\n')[0]!)).toBeVisible();
}

/** A card's "Reply" / "3 replies" control (a button with JavaScript, a link without). */
export function repliesToggle(card: Locator): Locator {
	return card.locator('.replies-open');
}

/** Opens a card's replies (and reply form) unless they are open; without JavaScript, a link to the page showing them. */
export async function openReplies(card: Locator): Promise<void> {
	const toggle = repliesToggle(card);
	if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
	await expect(card.locator('section.replies')).toBeVisible();
}

/** Opens a card's replies and sends a reply to its author. */
export async function replyTo(card: Locator, authorName: string, words: string): Promise<void> {
	await openReplies(card);
	await card.getByLabel(`Reply to ${authorName}`, { exact: true }).fill(words);
	await card.getByRole('button', { name: 'Send reply', exact: true }).click();
}

/** A card's response button ("Sending love", "Proud of you", "I’m here"), found by its name. */
export function reaction(card: Locator, label: 'Sending love' | 'Proud of you' | 'I’m here'): Locator {
	return card.getByRole('button', { name: new RegExp(`^${escapeRegExp(label)}(:|$)`) });
}

/** Opens the "More" menu of one's own check-in (or reply, in `scope`): a button with JavaScript, a link without. */
export async function openMore(scope: Locator): Promise<Locator> {
	const menu = scope.locator('.more-menu').first();
	if ((await menu.locator('.more-items').count()) === 0) await menu.locator('.more-open').click();
	await expect(menu.locator('.more-items')).toBeVisible();
	return menu;
}
