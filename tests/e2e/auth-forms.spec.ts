// The sign-up and log-in forms: what a person sees when something is wrong, that nothing is created
// from bad input, that names are text and never markup, and where they land after logging in.
import {
	INCORRECT_LOGIN,
	LIVE,
	createAccount,
	expect,
	expectFieldError,
	expectNoAxeViolations,
	expectNoFieldError,
	expectPathname,
	expectSignedInAs,
	expectSignedOut,
	fields,
	formHeaders,
	gotoHydrated,
	liveStatus,
	logIn,
	sessionCookie,
	signUp,
	test,
	uniqueUser,
	type TestUser
} from './helpers';

test.describe('log in', () => {
	test('a wrong password and an unknown email get the same message; the email stays, the password does not', async ({ page, context, baseURL }) => {
		const user = uniqueUser();
		await createAccount(baseURL!, user);
		const alert = page.getByRole('alert');

		await gotoHydrated(page, '/login');
		await fields.email(page).fill(user.email);
		await fields.password(page).fill(`${user.password} but wrong`);
		await page.getByRole('button', { name: 'Log in', exact: true }).click();
		await expect(alert).toHaveText(INCORRECT_LOGIN);
		const wrongPasswordMessage = await alert.textContent();
		await expect(fields.email(page)).toHaveValue(user.email);
		await expect(fields.password(page)).toHaveValue('');
		await expectPathname(page, '/login');
		await expectSignedOut(page);
		await expectNoAxeViolations(page);

		const stranger = uniqueUser();
		await fields.email(page).fill(stranger.email);
		await fields.password(page).fill(stranger.password);
		await page.getByRole('button', { name: 'Log in', exact: true }).click();
		// The same words whichever of the two was wrong: nobody can probe which emails have accounts.
		await expect(fields.email(page)).toHaveValue(stranger.email);
		await expect(fields.password(page)).toHaveValue('');
		await expect(alert).toHaveText(INCORRECT_LOGIN);
		expect(await alert.textContent()).toBe(wrongPasswordMessage);
		await expectSignedOut(page);
		expect(await sessionCookie(context)).toBeUndefined();

		// And the right email and password still work afterwards.
		await fields.email(page).fill(user.email);
		await fields.password(page).fill(user.password);
		await page.getByRole('button', { name: 'Log in', exact: true }).click();
		await expectPathname(page, '/circles');
		await expectSignedInAs(page, user.displayName);
	});

	test('an empty log-in form says what is missing on each field', async ({ page }) => {
		await gotoHydrated(page, '/login');
		await page.getByRole('button', { name: 'Log in', exact: true }).click();
		await expectFieldError(fields.email(page), 'Please enter your email address.');
		await expectFieldError(fields.password(page), 'Please enter your password.');
		await expectNoAxeViolations(page);
	});
});

test.describe('sign up with bad input', () => {
	const valid = () => uniqueUser();
	const cases: Array<{
		title: string;
		input: (user: TestUser) => TestUser;
		errors: Partial<Record<'displayName' | 'email' | 'password', string>>;
		/** When the email is valid, the same email can be used afterwards: proof no account was made. */
		emailUsableAfterwards: boolean;
	}> = [
		{
			title: 'empty fields',
			input: () => ({ displayName: '', email: '', password: '' }),
			errors: {
				displayName: 'Please tell us what to call you.',
				email: 'Please enter your email address.',
				password: 'Please choose a password.'
			},
			emailUsableAfterwards: false
		},
		{
			title: 'a 300-character name',
			input: (user) => ({ ...user, displayName: `${'Bartholomew '.repeat(25)}`.slice(0, 300) }),
			errors: { displayName: 'Please keep your name to 80 characters or fewer.' },
			emailUsableAfterwards: true
		},
		{
			title: 'a malformed email',
			input: (user) => ({ ...user, email: 'ana.at.example.com' }),
			errors: { email: 'That doesn’t look like an email address. It should look like name@example.com.' },
			emailUsableAfterwards: false
		},
		{
			title: 'a 5-character password',
			input: (user) => ({ ...user, password: 'abcde' }),
			errors: { password: 'Please use at least 8 characters (you have 5).' },
			emailUsableAfterwards: true
		},
		{
			title: 'HTML and script in the name, with a malformed email',
			input: (user) => ({ ...user, displayName: '<script>alert(1)</script>', email: 'ana@@example.com' }),
			errors: { email: 'That doesn’t look like an email address. It should look like name@example.com.' },
			emailUsableAfterwards: false
		}
	];

	for (const { title, input, errors, emailUsableAfterwards } of cases) {
		test(title, async ({ page, context }) => {
			const good = valid();
			const typed = input(good);

			await gotoHydrated(page, '/signup');
			await fields.displayName(page).fill(typed.displayName);
			await fields.email(page).fill(typed.email);
			await fields.password(page).fill(typed.password);
			await page.getByRole('button', { name: 'Create account' }).click();

			for (const field of ['displayName', 'email', 'password'] as const) {
				const message = errors[field];
				if (message) await expectFieldError(fields[field](page), message);
				else await expectNoFieldError(fields[field](page));
			}

			// What was typed is still there to correct (a very long name is echoed back shortened,
			// never emptied), and it is shown as text.
			await expect(fields.email(page)).toHaveValue(typed.email);
			const shownName = await fields.displayName(page).inputValue();
			if (typed.displayName.length <= 80) {
				expect(shownName).toBe(typed.displayName);
			} else {
				expect(shownName.length).toBeGreaterThan(80);
				expect(typed.displayName.startsWith(shownName), 'the name shown is the start of what was typed').toBe(true);
			}

			// Nothing was created and nobody is signed in.
			await expectPathname(page, '/signup');
			await expect(page.getByRole('heading', { level: 1, name: 'Create your account' })).toBeVisible();
			await expectSignedOut(page);
			expect(await sessionCookie(context)).toBeUndefined();
			await expectNoAxeViolations(page);

			if (emailUsableAfterwards) {
				// Correcting the mistake and sending again works, with the same email: had the bad
				// attempt made an account, this would say the email is taken.
				await fields.displayName(page).fill(good.displayName);
				await fields.email(page).fill(good.email);
				await fields.password(page).fill(good.password);
				await page.getByRole('button', { name: 'Create account' }).click();
				await expectPathname(page, '/circles');
				await expectSignedInAs(page, good.displayName);
			}
		});
	}

	test('the too-long name cannot be used to log in afterwards', async ({ page }) => {
		const user = uniqueUser({ displayName: 'N'.repeat(300) });
		await signUp(page, user, { expectPath: '/signup' });
		await expectFieldError(fields.displayName(page), 'Please keep your name to 80 characters or fewer.');
		await logIn(page, user, { expectPath: '/login' });
		await expect(page.getByRole('alert')).toHaveText(INCORRECT_LOGIN);
		await expectSignedOut(page);
	});
});

test('a name with HTML in it is kept as plain text, never as markup', async ({ page }) => {
	const name = '<script>alert(1)</script>';
	const user = uniqueUser({ displayName: name });
	await signUp(page, user);

	await expectSignedInAs(page, name);
	await expect(page.getByRole('heading', { level: 2, name: `You’re not in a circle yet, ${name}` })).toBeVisible();
	await expect(page.locator('header script, main script')).toHaveCount(0);
	await expect(liveStatus(page)).toHaveText(LIVE);

	// The account page shows the name in its field, to change it.
	await gotoHydrated(page, '/account');
	await expect(fields.displayName(page)).toHaveValue(name);
	await expect(page.locator('main script')).toHaveCount(0);
	// The `trouble` fixture fails the test if any dialog (an injected alert) opened.
});

test('signing up again with the same email, in other case and with spaces, is refused on the email field', async ({ page, context, request, baseURL }) => {
	const user = uniqueUser();
	await createAccount(baseURL!, user);
	const message = 'There is already an account with this email. Try logging in instead.';

	const again = uniqueUser({ email: `  ${user.email.toUpperCase()}  ` });
	await signUp(page, again, { expectPath: null });
	await expectFieldError(fields.email(page), message);
	await expectNoFieldError(fields.displayName(page));
	await expectNoFieldError(fields.password(page));
	await expect(fields.displayName(page)).toHaveValue(again.displayName);
	expect((await fields.email(page).inputValue()).trim().toLowerCase()).toBe(user.email);
	await expectPathname(page, '/signup');
	await expectSignedOut(page);
	expect(await sessionCookie(context)).toBeUndefined();
	await expectNoAxeViolations(page);

	// A browser trims an email field by itself; sent as typed, the spaces are refused the same way.
	const response = await request.post('/signup', {
		form: { displayName: 'Someone else', email: `\t ${user.email.replace(/^e2e/, 'E2E')}  `, password: 'another long password' },
		headers: formHeaders(baseURL!),
		maxRedirects: 0
	});
	expect(response.status()).toBe(400);
	expect(await response.text()).toContain(message);
});

test.describe('where logging in leads', () => {
	test('a signed-out visit to /account asks to log in, then goes back to /account', async ({ page, baseURL }) => {
		const user = uniqueUser();
		await createAccount(baseURL!, user);

		await page.goto('/account');
		await expectPathname(page, '/login?redirectTo=%2Faccount');
		await expect(page.getByText('Please log in to continue. We’ll take you back to where you were going.')).toBeVisible();
		await expectNoAxeViolations(page);

		await logIn(page, user, { open: false, expectPath: '/account' });
		await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
		await expectSignedInAs(page, user.displayName);
	});

	for (const target of ['//evil.example', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)']) {
		test(`redirectTo=${target} after logging in stays on this site, at /circles`, async ({ page, request, baseURL }) => {
			const user = uniqueUser();
			await createAccount(baseURL!, user);

			await page.goto(`/login?redirectTo=${encodeURIComponent(target)}`);
			await logIn(page, user, { open: false, expectPath: '/circles' });
			expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
			await expect(page.getByRole('heading', { level: 1, name: 'Your circles' })).toBeVisible();

			// The server decides, whatever the form sends (the page's own hidden field is already safe).
			const response = await request.post('/login', {
				form: { email: user.email, password: user.password, redirectTo: target },
				headers: formHeaders(baseURL!),
				maxRedirects: 0
			});
			expect(response.status()).toBe(303);
			expect(response.headers()['location']).toBe('/circles');
		});
	}
});
