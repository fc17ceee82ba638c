// At a small phone's width (375×667) nothing scrolls sideways, even with a long name and email,
// and the pages still pass axe-core in both colour schemes.
import {
	LIVE,
	expect,
	expectNoAxeViolations,
	expectNoHorizontalScroll,
	expectSignedInAs,
	fields,
	gotoHydrated,
	liveStatus,
	signUp,
	test,
	uniqueUser
} from './helpers';

test.use({ viewport: { width: 375, height: 667 } });

test('signed-out pages fit the width of a phone', async ({ page }) => {
	for (const path of ['/', '/signup', '/login', '/login?redirectTo=%2Faccount', '/help', '/there-is-no-such-page']) {
		await page.goto(path);
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		await expectNoHorizontalScroll(page);
		await expectNoAxeViolations(page);
	}

	// With every field showing an error.
	await gotoHydrated(page, '/signup');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(fields.password(page)).toHaveAttribute('aria-invalid', 'true');
	await expectNoHorizontalScroll(page);
	await expectNoAxeViolations(page);
});

test('signed-in pages fit the width of a phone, with the longest name and a long email', async ({ page }) => {
	// 80 characters (the most allowed) with no space to break at.
	const longName = 'Wolfeschlegelsteinhausenbergerdorff'.repeat(3).slice(0, 80);
	const base = uniqueUser();
	const user = uniqueUser({
		displayName: longName,
		email: `${base.email.split('@')[0]}.with.a.rather.long.address@a-family-domain-that-goes-on-and-on.example.com`
	});
	await signUp(page, user);
	await expectSignedInAs(page, longName);
	await expect(liveStatus(page)).toHaveText(LIVE);
	await expectNoHorizontalScroll(page);
	await expectNoAxeViolations(page);

	await gotoHydrated(page, '/account');
	await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
	// The long email is shown in the text ("You log in with …") and the long name in its field.
	await expect(page.getByText(`You log in with ${user.email}.`)).toBeVisible();
	await expect(page.getByLabel('What should your family call you?')).toHaveValue(longName);
	await expectNoHorizontalScroll(page);
	await expectNoAxeViolations(page);

	await page.getByRole('button', { name: 'Log out of all devices' }).click();
	await expect(page.getByRole('group', { name: 'Log out of all devices?' })).toBeVisible();
	await expectNoHorizontalScroll(page);

	await fields.newPassword(page).fill('short');
	await page.getByRole('button', { name: 'Change password' }).click();
	await expect(fields.newPassword(page)).toHaveAttribute('aria-invalid', 'true');
	await expectNoHorizontalScroll(page);
	await expectNoAxeViolations(page);

	await page.goto('/help');
	await expect(page.getByRole('heading', { level: 1, name: 'Help, right now' })).toBeVisible();
	await expectNoHorizontalScroll(page);
});
