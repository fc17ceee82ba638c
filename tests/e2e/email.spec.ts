// Forgot my password, end to end with email (issue 16): a server of the spec's own with SMTP_URL
// pointed at an SMTP server this spec starts (the main webServer has no email), a real browser,
// and the links read from the messages as they arrived. Sign up → confirm the address → log out →
// "Forgot your password?" → the link → a new password, which logs out every device and says so →
// log in with it; the link works once.
import {
	expect,
	expectNoAxeViolations,
	expectSignedInAs,
	expectSignedOut,
	fields,
	gotoHydrated,
	logIn,
	signUp,
	test,
	uniqueUser,
	waitForHydration,
	watchForTrouble
} from './helpers';
import { freePort, startServer, tempDatabase, type ServerProcess } from './server-process';
import { startSmtpCapture, type SmtpCapture } from '../unit/support/smtp-capture';

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

function linkIn(text: string, path: 'reset' | 'confirm-email'): string {
	const match = new RegExp(`${server.baseURL.replace(/[.]/g, '\\.')}/${path}/[a-z0-9]+`).exec(text);
	if (!match) throw new Error(`no ${path} link in: ${text}`);
	return match[0];
}

test('forgot my password: a link by email, a new password that logs out every device, and logging in with it', async ({ browser }) => {
	const user = uniqueUser();
	const context = await browser.newContext({ baseURL: server.baseURL });
	const other = await browser.newContext({ baseURL: server.baseURL });
	try {
		const page = await context.newPage();
		const trouble = watchForTrouble(page);

		await signUp(page, user);
		const [confirmation] = await smtp.waitFor(user.email);
		expect(confirmation!.subject).toBe('Please confirm your email for Hearth');
		await gotoHydrated(page, linkIn(confirmation!.text, 'confirm-email'));
		await page.getByRole('button', { name: 'Confirm this address' }).click();
		await expect(page.getByRole('heading', { name: 'Thank you, your email is confirmed' })).toBeVisible();

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
		await signUp(page, user);

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
