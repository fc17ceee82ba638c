// The first visit: the start page, signing up, the empty circles page with its live connection,
// staying signed in across a reload, logging out and back in.
import {
	LIVE,
	expect,
	expectNoAxeViolations,
	expectPathname,
	expectSignedInAs,
	expectSignedOut,
	fields,
	liveStatus,
	logIn,
	reloadHydrated,
	sessionCookie,
	signUp,
	test,
	uniqueUser,
	waitForHydration
} from './helpers';

test('sign up, see the empty circles page live, reload, log out and log back in', async ({ page, context }) => {
	const user = uniqueUser();

	await page.goto('/');
	await expect(page.getByRole('heading', { level: 1, name: 'A private space for your family, through recovery' })).toBeVisible();
	await expectSignedOut(page);
	await expectNoAxeViolations(page);

	await page.getByRole('link', { name: 'Create an account' }).click();
	await expectPathname(page, '/signup');
	await expect(page.getByRole('heading', { level: 1, name: 'Create your account' })).toBeVisible();
	await waitForHydration(page);
	// After a client-side navigation the new title is announced to screen readers, not shown.
	const announcer = page.locator('#svelte-announcer');
	await expect(announcer).toHaveText(/Create your account/);
	const box = await announcer.boundingBox();
	expect(box === null || (box.width <= 1 && box.height <= 1), 'the route announcer is visually hidden').toBe(true);
	await expectNoAxeViolations(page);

	await fields.displayName(page).fill(user.displayName);
	await fields.email(page).fill(user.email);
	await fields.password(page).fill(user.password);
	await page.getByRole('button', { name: 'Create account' }).click();

	await expectPathname(page, '/circles');
	await expect(page.getByRole('heading', { level: 1, name: 'Your circles' })).toBeVisible();
	await expect(page.getByRole('heading', { level: 2, name: `You’re not in a circle yet, ${user.displayName}` })).toBeVisible();
	await expectSignedInAs(page, user.displayName);
	await expect(liveStatus(page)).toHaveRole('status');
	await expect(liveStatus(page)).toHaveText(LIVE);

	const cookie = await sessionCookie(context);
	expect(cookie, 'the session cookie').toBeDefined();
	expect(cookie?.httpOnly).toBe(true);
	expect(cookie?.sameSite).toBe('Lax');
	await expectNoAxeViolations(page);

	await reloadHydrated(page);
	await expect(page.getByRole('heading', { level: 1, name: 'Your circles' })).toBeVisible();
	await expectSignedInAs(page, user.displayName);
	await expect(liveStatus(page)).toHaveText(LIVE);

	await page.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Log out', exact: true }).click();
	await expectPathname(page, '/login');
	await expect(page.getByRole('heading', { level: 1, name: 'Log in' })).toBeVisible();
	await expectSignedOut(page);
	expect(await sessionCookie(context), 'the session cookie is gone after logging out').toBeUndefined();
	await expectNoAxeViolations(page);

	// Signed out, the circles page sends you to log in.
	await page.goto('/circles');
	await expectPathname(page, '/login?redirectTo=%2Fcircles');

	await logIn(page, user);
	await expect(page.getByRole('heading', { level: 1, name: 'Your circles' })).toBeVisible();
	await expectSignedInAs(page, user.displayName);
	await expect(liveStatus(page)).toHaveText(LIVE);
});

test('the start page sends a signed-in visitor to their circles', async ({ page }) => {
	await signUp(page, uniqueUser());

	await page.goto('/');
	await expectPathname(page, '/circles');
	await page.goto('/signup');
	await expectPathname(page, '/circles');
	await page.goto('/login');
	await expectPathname(page, '/circles');
});
