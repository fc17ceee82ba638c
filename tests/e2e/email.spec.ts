// Email end to end (issue 16): a server of the spec's own with SMTP_URL pointed at an SMTP server
// this spec starts (the main webServer has no email), a real browser, and the links read from the
// messages as they arrived. Sign up → "check your email" → the link → the password chosen when
// signing up (a wrong one is refused on its field, the link still working) → signed in (the
// address confirmed by it); the same answer for an address that has an account, whose owner is
// told. Forgot my password: log out → "Forgot your password?" → the link → a new password, which
// logs out every device and says so → log in with it; the link works once. My profile.
import {
	expect,
	expectNoAxeViolations,
	expectSignedInAs,
	expectSignedOut,
	fields,
	gotoHydrated,
	logIn,
	expectPathname,
	test,
	uniqueUser,
	type TestUser,
	waitForHydration,
	watchForTrouble
} from './helpers';
import { freePort, startServer, tempDatabase, type ServerProcess } from './server-process';
import type { Page } from '@playwright/test';
import { createCircle, joinSignUpForm, makeInvite, uniqueCircleName } from './circle-helpers';
import { startSmtpCapture, type SmtpCapture } from '../unit/support/smtp-capture';

// One server and one mail catcher for the whole file (beforeAll), so its tests stay on one worker.
test.describe.configure({ mode: 'default' });

let smtp: SmtpCapture;
let server: ServerProcess;
let database: ReturnType<typeof tempDatabase>;

test.beforeAll(async () => {
	smtp = await startSmtpCapture();
	database = tempDatabase('hearth-mail-');
	const port = await freePort();
	server = await startServer({
		port,
		dbPath: database.dbPath,
		env: { SMTP_URL: smtp.url, MAIL_FROM: 'Hearth <hearth@hearth.test>', ORIGIN: `http://127.0.0.1:${port}` }
	});
});

test.afterAll(async () => {
	await server?.terminate();
	await smtp?.close();
	database?.remove();
});

function linkIn(text: string, path: 'reset' | 'confirm-email' | 'create-account'): string {
	const match = new RegExp(`${server.baseURL.replace(/[.]/g, '\\.')}/${path}/[a-z0-9]+`).exec(text);
	if (!match) throw new Error(`no ${path} link in: ${text}`);
	return match[0];
}

/** The field on the sign-up link's page: the password chosen when signing up. */
const signUpPassword = (page: Page) => page.getByLabel('The password you chose when you signed up', { exact: true });

const CHECK_YOUR_EMAIL = (email: string) => `We sent a link to ${email} to finish creating your account.`;

/** Sends the sign-up form (from `/signup`, or the address given) and waits for "check your email". */
async function askToSignUp(page: Page, user: TestUser, from = '/signup'): Promise<void> {
	await gotoHydrated(page, from);
	await fields.displayName(page).fill(user.displayName);
	await fields.email(page).fill(user.email);
	await fields.password(page).fill(user.password);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
	await expect(page.getByRole('main').getByRole('status')).toHaveText(CHECK_YOUR_EMAIL(user.email));
}

/** Signs up as with email: the form, the link that arrives, its button; lands signed in at `expectPath`. */
async function signUpByEmail(page: Page, user: TestUser, { from = '/signup', expectPath = '/circles' } = {}): Promise<void> {
	const before = smtp.to(user.email).length;
	await askToSignUp(page, user, from);
	const message = (await smtp.waitFor(user.email, before + 1)).at(-1)!;
	expect(message.subject).toBe('Finish creating your Hearth account');
	await gotoHydrated(page, linkIn(message.text, 'create-account'));
	await expect(page.getByRole('heading', { name: 'Finish creating your account' })).toBeVisible();
	await signUpPassword(page).fill(user.password);
	await page.getByRole('button', { name: 'Create my account' }).click();
	await expectPathname(page, expectPath);
	await expectSignedInAs(page, user.displayName);
}

test('sign-up with email: "check your email" for every address, the link makes the account once and goes on where it was going', async ({ browser }) => {
	const user = uniqueUser();
	const context = await browser.newContext({ baseURL: server.baseURL });
	const stranger = await browser.newContext({ baseURL: server.baseURL });
	try {
		const page = await context.newPage();
		const trouble = watchForTrouble(page);
		await askToSignUp(page, user, '/signup?redirectTo=%2Faccount');
		await expectNoAxeViolations(page, { schemes: ['light'] });
		await expectSignedOut(page);
		const message = (await smtp.waitFor(user.email))[0]!;
		expect(message.subject).toBe('Finish creating your Hearth account');
		const link = linkIn(message.text, 'create-account');
		expect(message.html).toContain(`href="${link}"`);

		// Opening the link makes nothing; it asks for the password chosen when signing up, and says why.
		await gotoHydrated(page, link);
		await expect(page.getByRole('heading', { name: 'Finish creating your account' })).toBeVisible();
		await expect(page.getByText('So that only the person who signed up can finish.')).toBeVisible();
		await expect(signUpPassword(page)).toHaveAttribute('autocomplete', 'current-password');
		await expectNoAxeViolations(page, { schemes: ['light'] });
		// Without it, or with another, nothing is made and the link keeps working.
		await page.getByRole('button', { name: 'Create my account' }).click();
		await expect(signUpPassword(page)).toHaveAccessibleDescription(/Please enter the password you chose when you signed up\./);
		await signUpPassword(page).fill('not the one I chose');
		await page.getByRole('button', { name: 'Create my account' }).click();
		await expect(signUpPassword(page)).toHaveAccessibleDescription(/That isn’t the password you chose when you signed up\./);
		await expect(page.getByRole('heading', { name: 'Finish creating your account' })).toBeVisible();
		await expectNoAxeViolations(page, { schemes: ['light'] });
		await expectSignedOut(page);
		// With it, the account is made, signed in, and on to where sign-up was going.
		await signUpPassword(page).fill(user.password);
		await page.getByRole('button', { name: 'Create my account' }).click();
		await expectPathname(page, '/account');
		await expectSignedInAs(page, user.displayName);
		// The link confirmed the address: nothing to confirm on the account page.
		await expect(page.getByRole('button', { name: 'Send me a link to confirm it' })).toHaveCount(0);

		// Once.
		await gotoHydrated(page, link);
		await expect(page.getByRole('heading', { name: 'This link no longer works' })).toBeVisible();

		// Someone else tries the same address: the same answer, nothing made; the owner is told.
		const strangerPage = await stranger.newPage();
		await askToSignUp(strangerPage, { ...user, displayName: 'Someone', password: 'a different passphrase' });
		await expectSignedOut(strangerPage);
		const [, notice] = await smtp.waitFor(user.email, 2);
		expect(notice!.subject).toBe('Someone tried to create a Hearth account with this email');
		expect(notice!.text).toContain(`${server.baseURL}/forgot`);
		await logIn(strangerPage, { email: user.email, password: 'a different passphrase' }, { expectPath: '/login' });
		await expect(strangerPage.getByRole('alert')).toHaveText('Email or password is incorrect.');
		expect(trouble).toEqual([]);
	} finally {
		await context.close();
		await stranger.close();
	}
});

test('sign-up with email from an invite link: the link leads back to the invite, signed in, to join', async ({ browser }) => {
	const owner = uniqueUser();
	const invitee = uniqueUser();
	const ownerContext = await browser.newContext({ baseURL: server.baseURL });
	const inviteeContext = await browser.newContext({ baseURL: server.baseURL });
	try {
		const ownerPage = await ownerContext.newPage();
		await signUpByEmail(ownerPage, owner);
		const circleName = uniqueCircleName();
		const circleId = await createCircle(ownerPage, circleName);
		const invite = await makeInvite(ownerPage, circleId);
		const invitePath = new URL(invite).pathname;

		const page = await inviteeContext.newPage();
		const trouble = watchForTrouble(page);
		await gotoHydrated(page, invitePath);
		const form = joinSignUpForm(page);
		await form.getByLabel('What should your family call you?', { exact: true }).fill(invitee.displayName);
		await form.getByLabel('Email', { exact: true }).fill(invitee.email);
		await form.getByLabel('Password', { exact: true }).fill(invitee.password);
		await form.getByRole('button', { name: 'Create account and join' }).click();
		await expect(page.getByRole('main').getByRole('status')).toHaveText(CHECK_YOUR_EMAIL(invitee.email));
		await expectNoAxeViolations(page, { schemes: ['light'] });

		const message = (await smtp.waitFor(invitee.email))[0]!;
		await gotoHydrated(page, linkIn(message.text, 'create-account'));
		await signUpPassword(page).fill(invitee.password);
		await page.getByRole('button', { name: 'Create my account' }).click();
		await expectPathname(page, invitePath);
		await expectSignedInAs(page, invitee.displayName);
		await page.getByRole('button', { name: `Join ${circleName}`, exact: true }).click();
		await expectPathname(page, `/circles/${circleId}`);
		expect(trouble).toEqual([]);
	} finally {
		await ownerContext.close();
		await inviteeContext.close();
	}
});

test('forgot my password: a link by email, a new password that logs out every device, and logging in with it', async ({ browser }) => {
	const user = uniqueUser();
	const context = await browser.newContext({ baseURL: server.baseURL });
	const other = await browser.newContext({ baseURL: server.baseURL });
	try {
		const page = await context.newPage();
		const trouble = watchForTrouble(page);

		await signUpByEmail(page, user);

		// Another device, logged in before the reset.
		const otherPage = await other.newPage();
		await logIn(otherPage, user);

		await page.goto('/circles');
		await page.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Log out' }).click();
		await expectSignedOut(page);

		await gotoHydrated(page, '/login');
		await page.getByRole('link', { name: 'Forgot your password?' }).click();
		await expect(page.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible();
		await waitForHydration(page);
		await expectNoAxeViolations(page, { schemes: ['light'] });
		await fields.email(page).fill(user.email);
		await page.getByRole('button', { name: 'Send me a link' }).click();
		await expect(page.getByRole('main').getByRole('status')).toContainText(`If there’s an account for ${user.email}, we’ve sent a link to it.`);

		const reset = (await smtp.waitFor(user.email, 2)).find((message) => message.subject === 'Your Hearth password reset link');
		expect(reset, 'the reset message').toBeTruthy();
		const link = linkIn(reset!.text, 'reset');
		expect(reset!.html).toContain(`href="${link}"`);

		await gotoHydrated(page, link);
		await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
		await expectNoAxeViolations(page, { schemes: ['light'] });
		const newPassword = `${user.password} and a new one`;
		await fields.newPassword(page).fill(newPassword);
		await page.getByRole('button', { name: 'Save my new password' }).click();
		await expect(page.getByRole('heading', { name: 'Your password is changed' })).toBeVisible();
		await expect(page.getByRole('main').getByRole('status')).toContainText('You’ve been logged out of Hearth on every device (1 device)');

		// The other device is logged out.
		await otherPage.reload();
		await expectSignedOut(otherPage);

		await page.getByRole('main').getByRole('link', { name: 'Log in' }).click();
		await logIn(page, { email: user.email, password: user.password }, { open: false, expectPath: '/login' });
		await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
		await logIn(page, { email: user.email, password: newPassword });
		await expectSignedInAs(page, user.displayName);

		// The link worked once.
		await gotoHydrated(page, link);
		await expect(page.getByRole('heading', { name: 'This link no longer works' })).toBeVisible();

		expect(trouble).toEqual([]);
	} finally {
		await context.close();
		await other.close();
	}
});

test('my profile: a new name, and a new email that counts once its link is followed', async ({ browser }) => {
	const user = uniqueUser();
	const context = await browser.newContext({ baseURL: server.baseURL });
	try {
		const page = await context.newPage();
		const trouble = watchForTrouble(page);
		await signUpByEmail(page, user);

		await gotoHydrated(page, '/account');
		await fields.displayName(page).fill('Mum');
		await page.getByRole('button', { name: 'Save my name' }).click();
		await expect(page.getByRole('main').getByRole('status')).toHaveText('Your name is changed. Your circles see it from now on.');
		await expectSignedInAs(page, 'Mum');

		const newEmail = `new-${user.email}`;
		await page.getByLabel('New email', { exact: true }).fill(newEmail);
		await page.getByLabel('Your password', { exact: true }).fill('not my password');
		await page.getByRole('button', { name: 'Change my email' }).click();
		await expect(page.getByLabel('Your password', { exact: true })).toHaveAccessibleDescription(/That isn’t your current password/);
		await expect(page.getByLabel('New email', { exact: true })).toHaveValue(newEmail);
		await page.getByLabel('Your password', { exact: true }).fill(user.password);
		await page.getByRole('button', { name: 'Change my email' }).click();
		await expect(page.getByRole('main').getByRole('status')).toContainText(`We’ve sent a link to ${newEmail}.`);
		await expect(page.getByText(`You asked to use ${newEmail} instead.`)).toBeVisible();
		await expectNoAxeViolations(page, { schemes: ['light'] });

		const confirmation = (await smtp.waitFor(newEmail))[0]!;
		expect(confirmation.subject).toBe('Please confirm your new email for Hearth');
		await gotoHydrated(page, linkIn(confirmation.text, 'confirm-email'));
		await page.getByRole('button', { name: 'Confirm this address' }).click();
		await expect(page.getByRole('main').getByRole('status')).toHaveText(`From now on you log in with ${newEmail}.`);
		await page.getByRole('link', { name: 'Back to your account' }).click();
		await expect(page.getByText(`You log in with ${newEmail}.`)).toBeVisible();
		expect(trouble).toEqual([]);
	} finally {
		await context.close();
	}
});
