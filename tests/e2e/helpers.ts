// Shared helpers for the end-to-end specs: unique users, sign-up and log-in through the real forms,
// axe-core checks, and a `test` that fails on any server error, page crash or unexpected dialog.
import axe from 'axe-core';
import { test as base, expect, request as apiRequest, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';

export { expect };

export interface TestUser {
	displayName: string;
	email: string;
	password: string;
}

let counter = 0;

/** A user nobody has signed up as yet: the email is unique per call, across workers and runs. */
export function uniqueUser(overrides: Partial<TestUser> = {}): TestUser {
	counter += 1;
	const id = `${Date.now().toString(36)}${process.pid.toString(36)}${counter}${Math.random().toString(36).slice(2, 7)}`;
	return {
		displayName: `Sam ${id.slice(-6)}`,
		email: `e2e-${id}@example.com`,
		password: `quiet kitchen table ${id}`,
		...overrides
	};
}

export const SESSION_COOKIE = 'hearth_session';
export const INCORRECT_LOGIN = 'Email or password is incorrect.';

/** Escapes text for use inside a RegExp, so messages with dots and brackets match literally. */
export function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The password inputs have a "Show password" checkbox next to them: exact label matching keeps
// getByLabel('Password') to the one text field.
export const fields = {
	displayName: (page: Page) => page.getByLabel('What should your family call you?'),
	email: (page: Page) => page.getByLabel('Email', { exact: true }),
	password: (page: Page) => page.getByLabel('Password', { exact: true }),
	currentPassword: (page: Page) => page.getByLabel('Current password', { exact: true }),
	newPassword: (page: Page) => page.getByLabel('New password', { exact: true })
};

/** The header's connection status (role=status). */
export function liveStatus(page: Page): Locator {
	return page.getByTestId('live-status');
}

/** The live status text when connected (the visually hidden "Connection:" comes first). */
export const LIVE = /^\s*Connection:\s*Live\s*$/;

/** The live status is gone or says something other than Live (waits for that). */
export async function expectNotLive(page: Page): Promise<void> {
	const status = liveStatus(page);
	await expect.poll(async () => ((await status.count()) === 0 ? '(no live status)' : ((await status.first().textContent()) ?? ''))).not.toMatch(LIVE);
}

/** The header shows this user as signed in: their name, literally, links to the account page. */
export async function expectSignedInAs(page: Page, displayName: string): Promise<void> {
	await expect(accountLink(page)).toHaveText(new RegExp(`^\\s*Your account:\\s*${escapeRegExp(displayName)}\\s*$`));
}

/** The header shows nobody signed in: a "Log in" link, no account link, no live status. */
export async function expectSignedOut(page: Page): Promise<void> {
	await expect(page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Log in' })).toBeVisible();
	await expect(accountLink(page)).toHaveCount(0);
	await expect(liveStatus(page)).toHaveCount(0);
}

/** The header's link to the account page, whose text is the user's display name. */
export function accountLink(page: Page): Locator {
	return page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: /^Your account:/ });
}

/** Fills and sends the sign-up form. Waits for the landing page unless `expectPath` is null. */
export async function signUp(page: Page, user: TestUser, options: { expectPath?: string | RegExp | null } = {}): Promise<void> {
	await gotoHydrated(page, '/signup');
	await fields.displayName(page).fill(user.displayName);
	await fields.email(page).fill(user.email);
	await fields.password(page).fill(user.password);
	await page.getByRole('button', { name: 'Create account' }).click();
	const expectPath = options.expectPath === undefined ? '/circles' : options.expectPath;
	if (expectPath !== null) await expectPathname(page, expectPath);
}

/** Fills and sends the log-in form of the page it is on (opening /login first unless told not to). */
export async function logIn(
	page: Page,
	user: Pick<TestUser, 'email' | 'password'>,
	options: { open?: boolean; expectPath?: string | RegExp | null } = {}
): Promise<void> {
	if (options.open ?? true) await page.goto('/login');
	await waitForHydration(page);
	await fields.email(page).fill(user.email);
	await fields.password(page).fill(user.password);
	await page.getByRole('button', { name: 'Log in', exact: true }).click();
	const expectPath = options.expectPath === undefined ? '/circles' : options.expectPath;
	if (expectPath !== null) await expectPathname(page, expectPath);
}

/**
 * Headers of a form post from a browser without JavaScript: same Origin (SvelteKit refuses
 * cross-site form posts) and asking for HTML (else a form action answers in JSON).
 */
export function formHeaders(baseURL: string): Record<string, string> {
	return { origin: new URL(baseURL).origin, accept: 'text/html' };
}

/**
 * Creates an account without a browser (the form posted as a browser without JavaScript would),
 * from a request context of its own, so no test's context ends up signed in by it.
 */
export async function createAccount(baseURL: string, user: TestUser): Promise<void> {
	const request = await apiRequest.newContext({ baseURL });
	try {
		const response = await request.post('/signup', {
			form: { displayName: user.displayName, email: user.email, password: user.password },
			headers: formHeaders(baseURL),
			maxRedirects: 0
		});
		expect(response.status(), `sign-up of ${user.email} should redirect`).toBe(303);
		expect(response.headers()['location']).toBe('/circles');
	} finally {
		await request.dispose();
	}
}

/**
 * Waits until SvelteKit has hydrated the page (its root component adds the route announcer once
 * mounted). Typing into a field before that is lost: hydration sets the inputs' values again.
 */
export async function waitForHydration(page: Page): Promise<void> {
	await page.locator('#svelte-announcer').waitFor({ state: 'attached' });
}

/** Reloads the page and waits until it is hydrated again. */
export async function reloadHydrated(page: Page) {
	const response = await page.reload();
	await waitForHydration(page);
	return response;
}

/** Opens a page and waits until it is hydrated, ready for typing and enhanced forms. */
export async function gotoHydrated(page: Page, path: string) {
	const response = await page.goto(path);
	await waitForHydration(page);
	return response;
}

/** Waits until the page's path (and query, when the expectation has one) is the one given. */
export async function expectPathname(page: Page, expected: string | RegExp): Promise<void> {
	await expect
		.poll(
			() => {
				const url = new URL(page.url());
				return typeof expected === 'string' && !expected.includes('?') ? url.pathname : url.pathname + url.search;
			},
			{ message: `path of ${page.url()}` }
		)
		.toMatch(typeof expected === 'string' ? new RegExp(`^${escapeRegExp(expected)}$`) : expected);
}

/** The session cookie of a context, if it has one. */
export async function sessionCookie(context: BrowserContext) {
	return (await context.cookies()).find((cookie) => cookie.name === SESSION_COOKIE);
}

/**
 * The field shows `message` next to itself, and tells assistive technology: aria-invalid=true and
 * an aria-describedby that resolves to the message.
 */
export async function expectFieldError(input: Locator, message: string): Promise<void> {
	await expect(input).toHaveAttribute('aria-invalid', 'true');
	await expect(input).toHaveAccessibleDescription(new RegExp(escapeRegExp(message)));
	const describedBy = (await input.getAttribute('aria-describedby')) ?? '';
	const errorId = describedBy.split(/\s+/).find((id) => id.endsWith('-error'));
	expect(errorId, `aria-describedby="${describedBy}" should name the error`).toBeTruthy();
	const error = input.page().locator(`[id="${errorId}"]`);
	await expect(error).toBeVisible();
	await expect(error).toHaveText(new RegExp(escapeRegExp(message)));
	// "Next to the field": the message lives in the same field group as the input.
	await expect(input.locator('xpath=..').locator(`[id="${errorId}"]`)).toHaveCount(1);
}

/** The field is not marked as having an error. */
export async function expectNoFieldError(input: Locator): Promise<void> {
	await expect(input).not.toHaveAttribute('aria-invalid', 'true');
}

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
/**
 * What can differ between the colour schemes: the page's structure is the same in both, so the
 * dark pass runs only the rules that read colours.
 */
const AXE_COLOUR_RULES = ['color-contrast', 'link-in-text-block'];
export type ColorScheme = 'light' | 'dark';

type AxeRunOptions = Parameters<typeof axe.run>[1];

/**
 * axe-core run in the page itself. @axe-core/playwright's AxeBuilder injects the script again and
 * opens a blank page for every scan, about 1 s each here; axe.run in the page gives the same
 * results in a fifth of the time (the specs make about 200 scans). Hearth has no iframes to scan.
 */
async function runAxe(page: Page, options: AxeRunOptions): Promise<axe.AxeResults> {
	if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
	return page.evaluate((runOptions) => (window as unknown as { axe: typeof axe }).axe.run(document, runOptions), options);
}

/**
 * Runs axe-core on the page as it is now, in each colour scheme asked for (both by default), and
 * fails with a readable list of what is wrong. Leaves the page in the light scheme.
 */
export async function expectNoAxeViolations(page: Page, options: { schemes?: ColorScheme[] } = {}): Promise<void> {
	const schemes = options.schemes ?? ['light', 'dark'];
	try {
		for (const [index, scheme] of schemes.entries()) {
			await page.emulateMedia({ colorScheme: scheme });
			await expect.poll(() => page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(scheme === 'dark');
			const rules = index === 0 ? { type: 'tag' as const, values: AXE_TAGS } : { type: 'rule' as const, values: AXE_COLOUR_RULES };
			const results = await runAxe(page, { runOnly: rules, resultTypes: ['violations'] });
			const violations = results.violations.map((violation) => ({
				rule: violation.id,
				impact: violation.impact ?? 'unknown',
				help: violation.help,
				nodes: violation.nodes.map((node) => `${node.target.join(' ')}: ${node.failureSummary ?? ''}`)
			}));
			const summary = violations
				.map((v) => `  - [${v.impact}] ${v.rule}: ${v.help}\n${v.nodes.map((n) => `      ${n.replace(/\n/g, '\n      ')}`).join('\n')}`)
				.join('\n');
			if (violations.length > 0) {
				await test.info().attach(`axe-${scheme}-${new URL(page.url()).pathname}`, {
					body: JSON.stringify(results.violations, null, 2),
					contentType: 'application/json'
				});
			}
			expect(violations, `axe-core found problems on ${page.url()} (${scheme} scheme):\n${summary}`).toEqual([]);
		}
	} finally {
		if (!page.isClosed()) await page.emulateMedia({ colorScheme: 'light' });
	}
}

/** Nothing on the page is wider than the window: no sideways scrolling. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
	const size = await page.evaluate(() => ({
		scrollWidth: document.documentElement.scrollWidth,
		clientWidth: document.documentElement.clientWidth
	}));
	expect(size.scrollWidth, `${page.url()} scrolls sideways (${size.scrollWidth} > ${size.clientWidth})`).toBeLessThanOrEqual(size.clientWidth);
}

/**
 * Watches a page for what should never happen: a 5xx response, an uncaught exception in the page,
 * or a dialog (an injected alert() would show up here). Returns the list, to assert empty.
 */
export function watchForTrouble(page: Page): string[] {
	const trouble: string[] = [];
	page.on('response', (response) => {
		if (response.status() >= 500) trouble.push(`${response.status()} from ${response.request().method()} ${response.url()}`);
	});
	page.on('pageerror', (error) => trouble.push(`page error on ${page.url()}: ${error.message}`));
	page.on('dialog', (dialog) => {
		trouble.push(`unexpected ${dialog.type()} dialog: ${dialog.message()}`);
		void dialog.dismiss().catch(() => {});
	});
	return trouble;
}

/** Every spec's `test`: the page fixture is watched, and the test fails if anything went wrong. */
export const test = base.extend<{ trouble: string[] }>({
	trouble: [
		async ({ page }, use) => {
			const trouble = watchForTrouble(page);
			await use(trouble);
			expect(trouble, 'server errors, page errors or dialogs during the test').toEqual([]);
		},
		{ auto: true }
	]
});

/** A second browser (own cookies, own socket), watched like the main page. */
export async function openSecondBrowser(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page; trouble: string[] }> {
	const context = await browser.newContext({ baseURL });
	const page = await context.newPage();
	return { context, page, trouble: watchForTrouble(page) };
}
