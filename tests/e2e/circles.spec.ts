// Circles: starting one, inviting by link (with QR code), joining as a new or an existing account,
// the members page kept live over the socket (arrivals, presence, profiles, roles, removal), who may
// see what (404 for outsiders, 403 for plain members), bad input, deleting, and the phone width.
// Every page visited is checked with axe-core in both colour schemes.
import type { Browser, Page } from '@playwright/test';
import {
	LIVE,
	createAccount,
	expect,
	expectFieldError,
	expectNoAxeViolations,
	expectNoHorizontalScroll,
	expectPathname,
	expectSignedInAs,
	formHeaders,
	gotoHydrated,
	liveStatus,
	logIn,
	openSecondBrowser,
	reloadHydrated,
	signUp,
	test,
	uniqueUser
} from './helpers';
import {
	circleFields,
	circleTab,
	circleTabs,
	confirmOpener,
	countRemovals,
	createAccountAndJoin,
	createCircle,
	expectNotFound,
	joinLogInForm,
	joinSignUpForm,
	joinSignedIn,
	joinWithLogIn,
	joinWithSignUp,
	makeInvite,
	markWindow,
	memberItem,
	memberList,
	removalsSoFar,
	roleButton,
	uniqueCircleName,
	windowStillMarked
} from './circle-helpers';

const REMOVED_NOTICE = 'You are no longer a member of that circle.';
const DELETED_NOTICE = 'That circle has been deleted.';
const LINK_GONE = 'This invite link no longer works';

/** The "Your circles" notice shown after leaving a circle one way or another. */
function circlesNotice(page: Page) {
	return page.getByRole('main').getByRole('status');
}

test('owner invites by link; a new person joins, appears live and online, is removed and leaves live', async ({ page, context, browser, baseURL }) => {
	// Two browsers through a whole journey with four accessibility scans: longer than most tests.
	test.setTimeout(120_000);
	const owner = uniqueUser();
	const joiner = uniqueUser();
	const circleName = uniqueCircleName();
	const description = 'For Mateo and everyone who loves him.';

	await signUp(page, owner);
	await expect(page.getByRole('heading', { level: 2, name: 'Start a circle' })).toBeVisible();
	await expectNoAxeViolations(page);

	const circleId = await createCircle(page, circleName, description);
	await expect(circleTab(page, circleName, 'Home')).toHaveAttribute('aria-current', 'page');
	await expect(liveStatus(page)).toHaveText(LIVE);
	await expectNoAxeViolations(page);

	// Invites: a link "for Grandma", shown once with a QR code and a copy button.
	await circleTab(page, circleName, 'Invites').click();
	await expectPathname(page, `/circles/${circleId}/invites`);
	await expect(page.getByRole('heading', { level: 1, name: 'Invite someone' })).toBeVisible();
	await expectNoAxeViolations(page);
	await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
	const link = await makeInvite(page, circleId, { note: 'for Grandma' });
	expect(new URL(link).origin).toBe(new URL(baseURL!).origin);
	// The note's own "for" is not pasted into the sentence, and the day it stops working reads naturally.
	await expect(page.getByRole('region', { name: 'Your invite link is ready' }).locator('p').first()).toHaveText(
		'Send it to Grandma by text or email, or let them scan the code from your phone. It stops working in 7 days.'
	);
	const qr = page.getByRole('img', { name: 'QR code for the invite link' });
	await expect(qr).toBeVisible();
	await expect(qr.locator('svg')).toHaveCount(1);
	await expect(qr.locator('svg path').first()).toBeAttached();
	const copy = page.getByRole('button', { name: 'Copy link' });
	await expect(copy).toBeVisible();
	await copy.click();
	await expect(page.getByRole('status').filter({ hasText: 'Copied. Paste it into a message.' })).toBeVisible();
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
	const activeLinks = page.getByRole('region', { name: 'Links that still work' });
	await expect(activeLinks.getByRole('listitem')).toHaveCount(1);
	await expect(activeLinks.getByRole('listitem')).toContainText('for Grandma');
	await expect(activeLinks.getByRole('listitem')).toContainText('1 of 1 use left');
	await expectNoAxeViolations(page);

	// The owner waits on the Members page, which must update by itself.
	await circleTab(page, circleName, 'Members').click();
	await expectPathname(page, `/circles/${circleId}/members`);
	await expect(memberList(page, circleName).getByRole('listitem')).toHaveCount(1);
	await expect(memberItem(page, circleName, owner.displayName)).toContainText('Owner');
	await expect(page.getByText('It’s just you for now.')).toBeVisible();
	await expect(memberItem(page, circleName, owner.displayName).getByText('Online now')).toBeVisible();
	await expectNoAxeViolations(page);
	await markWindow(page);
	await countRemovals(page, 'Online now');

	const second = await openSecondBrowser(browser, baseURL!);
	try {
		const response = await gotoHydrated(second.page, link);
		expect(response?.status()).toBe(200);
		expect(response?.headers()['referrer-policy']).toBe('no-referrer');
		await expect(second.page.getByRole('heading', { level: 1, name: `Join ${circleName}` })).toBeVisible();
		await expect(second.page.getByText(`${owner.displayName} invited you to their family’s private circle`)).toBeVisible();
		await expect(second.page).toHaveTitle(`Join ${circleName} · Hearth`);
		await expect(joinSignUpForm(second.page)).toBeVisible();
		// Nothing from inside the circle is shown to someone who has not joined.
		expect(await second.page.content()).not.toContain(description);
		await expectNoAxeViolations(second.page);

		await joinWithSignUp(second.page, link, joiner, circleId);
		await expect(second.page.getByRole('heading', { level: 1, name: circleName })).toBeVisible();
		await expectSignedInAs(second.page, joiner.displayName);
		await expect(liveStatus(second.page)).toHaveText(LIVE);
		// No Invites or Settings for a plain member.
		await expect(circleTab(second.page, circleName, 'Members')).toBeVisible();
		await expect(circleTab(second.page, circleName, 'Invites')).toHaveCount(0);
		await expectNoAxeViolations(second.page);

		// The owner's members page shows the newcomer, online, without a reload.
		const newcomer = memberItem(page, circleName, joiner.displayName);
		await expect(newcomer).toBeVisible();
		await expect(newcomer).toContainText('Member');
		await expect(newcomer.getByText('Online now')).toBeVisible();
		await expect(page.getByText('It’s just you for now.')).toHaveCount(0);
		expect(await windowStillMarked(page), 'the owner’s page was not reloaded').toBe(true);
		await expectNoAxeViolations(page);
		await expect(memberItem(page, circleName, owner.displayName).getByText('Online now')).toBeVisible();
		// The live update did not blink anyone's "Online now" off and on again.
		expect(await removalsSoFar(page), '"Online now" tags taken off the page during the live update').toBe(0);

		// Remove, after confirming.
		await markWindow(second.page);
		const confirm = newcomer.getByRole('group', { name: `Confirm: Remove ${joiner.displayName} from the circle` });
		await confirmOpener(newcomer, 'Remove').click();
		await expect(confirm).toBeVisible();
		await confirm.getByRole('button', { name: 'Cancel' }).click();
		await expect(confirm).toBeHidden();
		await confirmOpener(newcomer, 'Remove').click();
		await expect(confirm).toBeVisible();
		await expect(confirm).toContainText(`Remove ${joiner.displayName} from ${circleName}?`);
		await expectNoAxeViolations(page);
		await confirm.getByRole('button', { name: `Yes, remove ${joiner.displayName}` }).click();
		await expect(page.getByRole('status').filter({ hasText: `${joiner.displayName} is no longer in the circle.` })).toBeVisible();
		await expect(memberItem(page, circleName, joiner.displayName)).toHaveCount(0);
		await expect(memberList(page, circleName).getByRole('listitem')).toHaveCount(1);

		// The removed person's open page leaves the circle by itself.
		await expectPathname(second.page, '/circles?gone=removed');
		await expect(circlesNotice(second.page)).toHaveText(REMOVED_NOTICE);
		await expect(second.page.getByRole('heading', { level: 2, name: `You’re not in a circle yet, ${joiner.displayName}` })).toBeVisible();
		expect(await windowStillMarked(second.page), 'the removed person’s page was not reloaded').toBe(true);
		await expectNoAxeViolations(second.page);

		await expectNotFound(second.page, `/circles/${circleId}`);
		await expectNoAxeViolations(second.page);
		expect(second.trouble).toEqual([]);
	} finally {
		await second.context.close();
	}
});

test('a used-up invite link and an unknown one look the same and name no circle', async ({ page, browser, baseURL }) => {
	const owner = uniqueUser();
	const first = uniqueUser();
	const circleName = uniqueCircleName('The Okafors');
	await signUp(page, owner);
	const circleId = await createCircle(page, circleName);
	const link = await makeInvite(page, circleId);

	// The one use: someone already signed in presses "Join".
	await createAccount(baseURL!, first);
	const second = await openSecondBrowser(browser, baseURL!);
	try {
		await logIn(second.page, first);
		await gotoHydrated(second.page, link);
		await expect(second.page.getByRole('heading', { level: 1, name: `Join ${circleName}` })).toBeVisible();
		await expect(second.page.getByText(`You’re logged in as ${first.displayName}.`)).toBeVisible();
		await expectNoAxeViolations(second.page);
		await joinSignedIn(second.page, link, circleName, circleId);
		await expect(second.page.getByRole('heading', { level: 1, name: circleName })).toBeVisible();
		// The link is used up now, but for the person who used it, it still leads into the circle.
		await second.page.goto(link);
		await expectPathname(second.page, `/circles/${circleId}`);
		await expect(second.page.getByRole('heading', { level: 1, name: circleName })).toBeVisible();
		expect(second.trouble).toEqual([]);
	} finally {
		await second.context.close();
	}

	// The owner's list of working links is empty now. A second link, turned off, stops working too.
	await gotoHydrated(page, `/circles/${circleId}/invites`);
	await expect(page.getByText('None right now.')).toBeVisible();
	const turnedOff = await makeInvite(page, circleId, { note: 'for Uncle Femi', uses: '5' });
	const activeLinks = page.getByRole('region', { name: 'Links that still work' }).getByRole('listitem');
	await expect(activeLinks).toHaveCount(1);
	await expect(activeLinks).toContainText('5 of 5 uses left');
	await confirmOpener(activeLinks, 'Turn off').click();
	await activeLinks.getByRole('button', { name: 'Yes, turn it off' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'That link no longer works.' })).toBeVisible();
	await expect(page.getByText('None right now.')).toBeVisible();

	// Used a second time (signed out here): no circle named, nothing to fill in.
	const third = await openSecondBrowser(browser, baseURL!);
	try {
		const used = await third.page.goto(link);
		expect(used?.headers()['referrer-policy']).toBe('no-referrer');
		await expect(third.page.getByRole('heading', { level: 1, name: LINK_GONE })).toBeVisible();
		await expect(third.page).toHaveTitle('Invite link · Hearth');
		await expect(joinSignUpForm(third.page)).toHaveCount(0);
		await expect(third.page.getByRole('button', { name: /join/i })).toHaveCount(0);
		const usedText = await third.page.getByRole('main').innerText();
		const usedHtml = await third.page.content();
		expect(usedHtml).not.toContain(circleName);
		expect(usedHtml).not.toContain(owner.displayName);
		await expectNoAxeViolations(third.page);

		// A made-up token of the right shape: the same page.
		const unknown = await third.page.goto(`/join/${'a'.repeat(32)}`);
		expect(unknown?.status()).toBe(200);
		expect(unknown?.headers()['referrer-policy']).toBe('no-referrer');
		await expect(third.page.getByRole('heading', { level: 1, name: LINK_GONE })).toBeVisible();
		await expect(third.page).toHaveTitle('Invite link · Hearth');
		const unknownHtml = await third.page.content();
		expect(unknownHtml).not.toContain(circleName);
		expect(unknownHtml).not.toMatch(/Join [^<]*·/);
		expect(await unknown!.text()).not.toContain(circleName);
		// Word for word the same page: nobody can tell a used link from one that never existed,
		// nor from one that was turned off.
		expect(await third.page.getByRole('main').innerText()).toBe(usedText);
		await third.page.goto(turnedOff);
		await expect(third.page.getByRole('heading', { level: 1, name: LINK_GONE })).toBeVisible();
		expect(await third.page.getByRole('main').innerText()).toBe(usedText);
		expect(await third.page.content()).not.toContain(circleName);
		await expectNoAxeViolations(third.page);
		expect(third.trouble).toEqual([]);
	} finally {
		await third.context.close();
	}
});

test('an existing account joins with "I already have a Hearth account"; opening the link again goes straight in', async ({ page, browser, baseURL }) => {
	const owner = uniqueUser();
	const existing = uniqueUser();
	const circleName = uniqueCircleName('The Lindqvists');
	await createAccount(baseURL!, existing);
	await signUp(page, owner);
	const circleId = await createCircle(page, circleName);
	// Two uses, joining as an admin (only the owner may choose that).
	const link = await makeInvite(page, circleId, { note: 'for Aunt Rosa', uses: '2', role: 'admin' });
	await expect(page.getByRole('region', { name: 'Links that still work' }).getByRole('listitem')).toContainText('joins as admin');

	const second = await openSecondBrowser(browser, baseURL!);
	try {
		await gotoHydrated(second.page, link);
		await expect(second.page.getByRole('heading', { level: 1, name: `Join ${circleName}` })).toBeVisible();
		await second.page.getByText('I already have a Hearth account', { exact: true }).click();
		await expect(joinLogInForm(second.page).getByRole('button', { name: 'Log in and join' })).toBeVisible();
		await expectNoAxeViolations(second.page);

		// A wrong password first: the message is on the join page, the circle is not joined.
		await joinLogInForm(second.page).getByLabel('Email', { exact: true }).fill(existing.email);
		await joinLogInForm(second.page).getByLabel('Password', { exact: true }).fill(`${existing.password} nope`);
		await joinLogInForm(second.page).getByRole('button', { name: 'Log in and join' }).click();
		await expect(joinLogInForm(second.page).getByRole('alert')).toHaveText('Email or password is incorrect.');
		await expectPathname(second.page, new URL(link).pathname);
		await expect(second.page.getByRole('heading', { level: 1, name: `Join ${circleName}` })).toBeVisible();
		await expectNoAxeViolations(second.page);

		await joinWithLogIn(second.page, link, existing, circleId);
		await expect(second.page.getByRole('heading', { level: 1, name: circleName })).toBeVisible();
		await expectSignedInAs(second.page, existing.displayName);
		// Joined as an admin: Invites, but no Settings.
		await expect(circleTab(second.page, circleName, 'Invites')).toBeVisible();
		await expect(circleTab(second.page, circleName, 'Settings')).toHaveCount(0);
		await expectNoAxeViolations(second.page);

		// Opening the same link again (it still has a use left), as a member: straight into the
		// circle, using nothing up.
		await second.page.goto(link);
		await expectPathname(second.page, `/circles/${circleId}`);
		await expect(second.page.getByRole('heading', { level: 1, name: circleName })).toBeVisible();
		expect(second.trouble).toEqual([]);
	} finally {
		await second.context.close();
	}

	// The owner sees them in the members list, as an admin; the link has one use left.
	await gotoHydrated(page, `/circles/${circleId}/members`);
	await expect(memberItem(page, circleName, existing.displayName)).toContainText('Admin');
	await expect(memberList(page, circleName).getByRole('listitem')).toHaveCount(2);
	await gotoHydrated(page, `/circles/${circleId}/invites`);
	await expect(page.getByRole('region', { name: 'Links that still work' }).getByRole('listitem')).toContainText('1 of 2 uses left');
});

test('outsiders get 404, signed-out visitors are sent to log in, plain members get 403 on Invites and Settings', async ({ page, browser, baseURL }) => {
	const owner = uniqueUser();
	const member = uniqueUser();
	const outsider = uniqueUser();
	const circleName = uniqueCircleName('The Nguyens');
	await createAccount(baseURL!, outsider);
	await signUp(page, owner);
	const circleId = await createCircle(page, circleName);
	const base = `/circles/${circleId}`;
	const link = await makeInvite(page, circleId);

	// Signed out: to the login page, which comes back here afterwards.
	const signedOut = await openSecondBrowser(browser, baseURL!);
	try {
		for (const path of [base, `${base}/members`]) {
			await signedOut.page.goto(path);
			await expectPathname(signedOut.page, `/login?redirectTo=${encodeURIComponent(path)}`);
		}
		// Logging in as someone who is not a member then lands on the 404 page, not in the circle.
		await logIn(signedOut.page, outsider, { open: false, expectPath: `${base}/members` });
		await expect(signedOut.page.getByRole('heading', { level: 1, name: 'We couldn’t find that page' })).toBeVisible();
		await expect(signedOut.page.getByText(circleName)).toHaveCount(0);
		for (const path of [base, `${base}/members`, `${base}/invites`, `${base}/settings`]) {
			await expectNotFound(signedOut.page, path);
			expect(await signedOut.page.content(), `${path} shows nothing of the circle`).not.toContain(circleName);
		}
		await expectNoAxeViolations(signedOut.page);
		// A made-up circle id answers exactly the same.
		await expectNotFound(signedOut.page, `/circles/${'a'.repeat(24)}`);
		expect(signedOut.trouble).toEqual([]);
	} finally {
		await signedOut.context.close();
	}

	// A plain member: no Invites or Settings tabs, and a 403 with a plain reason if they go there.
	const second = await openSecondBrowser(browser, baseURL!);
	try {
		await joinWithSignUp(second.page, link, member, circleId);
		await expect(circleTab(second.page, circleName, 'Home')).toBeVisible();
		await expect(circleTab(second.page, circleName, 'Members')).toBeVisible();
		const memberTabs = ['Home', 'Agreements', 'Milestones', 'Plan', 'Members'];
		await expect(circleTabs(second.page, circleName).getByRole('link')).toHaveText(memberTabs);
		await second.page.goto(`${base}/members`);
		await expect(circleTabs(second.page, circleName).getByRole('link')).toHaveText(memberTabs);
		await expect(second.page.getByRole('button', { name: /^Make admin/ })).toHaveCount(0);
		await expect(second.page.locator('summary').filter({ hasText: /^\s*Remove/ })).toHaveCount(0);

		const refusals: Array<[string, string]> = [
			[`${base}/invites`, 'Only the circle’s owner and admins can invite people.'],
			[`${base}/settings`, 'Only the circle’s owner can delete it.']
		];
		for (const [path, message] of refusals) {
			const response = await second.page.goto(path);
			expect(response?.status(), path).toBe(403);
			await expect(second.page.getByRole('heading', { level: 1, name: 'That didn’t work' })).toBeVisible();
			await expect(second.page.getByRole('main').getByText(message, { exact: true })).toBeVisible();
			await expectNoAxeViolations(second.page);
		}
		expect(second.trouble).toEqual([]);
	} finally {
		await second.context.close();
	}
});

test('bad input is explained next to the field, keeps what was typed, and creates nothing', async ({ page, baseURL }) => {
	const owner = uniqueUser();
	const description = 'Sunday dinners, and the weeks in between.';
	await signUp(page, owner);
	await gotoHydrated(page, '/circles');
	const startButton = page.getByRole('button', { name: 'Start the circle' });

	// No name.
	await circleFields.description(page).fill(description);
	await startButton.click();
	await expectFieldError(circleFields.name(page), 'Please give the circle a name.');
	await expect(circleFields.description(page)).toHaveValue(description);
	await expectPathname(page, '/circles');
	await expectNoAxeViolations(page);

	// 100 characters, 80 allowed.
	const longName = 'The Montgomery-Fitzgerald family and friends circle of support and love'.padEnd(100, '!');
	expect(longName).toHaveLength(100);
	await circleFields.name(page).fill(longName);
	await startButton.click();
	await expectFieldError(circleFields.name(page), 'Please keep the name to 80 characters or fewer.');
	await expect(circleFields.name(page)).toHaveValue(longName);
	await expect(circleFields.description(page)).toHaveValue(description);
	await expectPathname(page, '/circles');
	await expectNoAxeViolations(page);

	// Nothing was created.
	await reloadHydrated(page);
	await expect(page.getByRole('heading', { level: 2, name: `You’re not in a circle yet, ${owner.displayName}` })).toBeVisible();
	await expect(page.getByRole('list', { name: 'Your circles' })).toHaveCount(0);

	// A good circle, then a bad invite: 31 days and 0 uses.
	const circleName = uniqueCircleName('The Abernathys');
	const circleId = await createCircle(page, circleName, description);
	await gotoHydrated(page, `/circles/${circleId}/invites`);
	await circleFields.inviteNote(page).fill('for Cousin Ada');
	await circleFields.inviteDays(page).fill('31');
	await circleFields.inviteUses(page).fill('0');
	await page.getByRole('button', { name: 'Make invite link' }).click();
	await expectFieldError(circleFields.inviteDays(page), 'Choose between 1 and 30 days.');
	await expectFieldError(circleFields.inviteUses(page), 'Choose between 1 and 20 people.');
	await expect(circleFields.inviteDays(page)).toHaveValue('31');
	await expect(circleFields.inviteUses(page)).toHaveValue('0');
	await expect(circleFields.inviteNote(page)).toHaveValue('for Cousin Ada');
	await expect(page.getByRole('heading', { name: 'Your invite link is ready' })).toHaveCount(0);
	await expect(circleFields.inviteLink(page)).toHaveCount(0);
	await expectNoAxeViolations(page);
	await reloadHydrated(page);
	await expect(page.getByText('None right now.')).toBeVisible();

	// A tampered hidden field: a made-up userId posted to "remove" is not found and removes nobody.
	const member = uniqueUser();
	await createAccountAndJoin(baseURL!, await makeInvite(page, circleId), member, circleId);
	const response = await page.request.post(`/circles/${circleId}/members?/removeMember`, {
		form: { userId: 'abcdefghijklmnopqrstuvwx' },
		headers: formHeaders(baseURL!),
		maxRedirects: 0
	});
	expect(response.status()).toBe(404);
	expect(await response.text()).toContain('We couldn’t find that page');
	// Nor an id of another shape.
	const odd = await page.request.post(`/circles/${circleId}/members?/removeMember`, {
		form: { userId: "' OR 1=1 --" },
		headers: formHeaders(baseURL!),
		maxRedirects: 0
	});
	expect(odd.status()).toBe(404);

	await gotoHydrated(page, `/circles/${circleId}/members`);
	await expect(memberList(page, circleName).getByRole('listitem')).toHaveCount(2);
	await expect(memberItem(page, circleName, owner.displayName)).toContainText('Owner');
	await expect(memberItem(page, circleName, member.displayName)).toContainText('Member');
	await expectNoAxeViolations(page);
});

/** Signs up the owner, starts a circle, and has a second browser join it as a new account. */
async function circleWithMember(page: Page, browser: Browser, baseURL: string, prefix: string) {
	const owner = uniqueUser();
	const member = uniqueUser();
	const circleName = uniqueCircleName(prefix);
	await signUp(page, owner);
	const circleId = await createCircle(page, circleName);
	const link = await makeInvite(page, circleId);
	const second = await openSecondBrowser(browser, baseURL);
	await joinWithSignUp(second.page, link, member, circleId);
	await expect(liveStatus(second.page)).toHaveText(LIVE);
	return { owner, member, circleName, circleId, second };
}

test('a member’s relationship and "in recovery" show on the other browser’s members page live', async ({ page, browser, baseURL }) => {
	const { owner, member, circleName, circleId, second } = await circleWithMember(page, browser, baseURL!, 'The Petrovs');
	try {
		await gotoHydrated(page, `/circles/${circleId}/members`);
		const card = memberItem(page, circleName, member.displayName);
		await expect(card).toBeVisible();
		await expect(card).not.toContainText('Son');
		await expect(card.getByText('In recovery', { exact: true })).toHaveCount(0);
		await markWindow(page);

		await circleTab(second.page, circleName, 'Members').click();
		await expectPathname(second.page, `/circles/${circleId}/members`);
		await expect(second.page.getByRole('heading', { level: 2, name: 'Your place in this circle' })).toBeVisible();
		await expectNoAxeViolations(second.page);

		await circleFields.relationship(second.page).fill('Son');
		await circleFields.inRecovery(second.page).check();
		await second.page.getByRole('region', { name: 'Your place in this circle' }).getByRole('button', { name: 'Save' }).click();
		await expect(second.page.getByRole('status').filter({ hasText: 'Saved. Everyone in the circle sees it now.' })).toBeVisible();
		const own = memberItem(second.page, circleName, member.displayName);
		await expect(own).toContainText('Son');
		await expect(own.getByText('In recovery', { exact: true })).toBeVisible();
		await expect(circleFields.relationship(second.page)).toHaveValue('Son');
		await expect(circleFields.inRecovery(second.page)).toBeChecked();
		await expectNoAxeViolations(second.page);

		// The owner's page, untouched, shows it.
		await expect(card).toContainText('· Son');
		await expect(card.getByText('In recovery', { exact: true })).toBeVisible();
		await expect(memberItem(page, circleName, owner.displayName).getByText('In recovery', { exact: true })).toHaveCount(0);
		expect(await windowStillMarked(page), 'the owner’s page was not reloaded').toBe(true);
		await expectNoAxeViolations(page);
		expect(second.trouble).toEqual([]);
	} finally {
		await second.context.close();
	}
});

test('the owner makes a member admin, hands over ownership, and cannot leave while others remain', async ({ page, browser, baseURL }) => {
	const { owner, member, circleName, circleId, second } = await circleWithMember(page, browser, baseURL!, 'The Haddads');
	try {
		await gotoHydrated(page, `/circles/${circleId}/members`);
		// While others are here the owner is told to hand over first, and has no leave button.
		const leaveSection = page.getByRole('region', { name: 'Leave the circle' });
		await expect(leaveSection).toContainText('As the owner, hand ownership to someone else first (“Make owner” above), then you can leave.');
		await expect(confirmOpener(leaveSection, `Leave ${circleName}`)).toHaveCount(0);
		// Posting the leave form anyway is refused with the same advice, and changes nothing.
		const refused = await page.request.post(`/circles/${circleId}/members?/leave`, {
			form: {},
			headers: formHeaders(baseURL!),
			maxRedirects: 0
		});
		expect(refused.status()).toBe(400);
		expect(await refused.text()).toContain('As the owner, please hand ownership to someone else before you leave.');

		// The member waits on the circle's home page: no Invites tab yet.
		await expect(circleTab(second.page, circleName, 'Members')).toBeVisible();
		await expect(circleTab(second.page, circleName, 'Invites')).toHaveCount(0);
		await markWindow(second.page);

		const card = memberItem(page, circleName, member.displayName);
		await roleButton(card, 'Make admin', member.displayName).click();
		await expect(page.getByRole('status').filter({ hasText: 'Role changed.' })).toBeVisible();
		await expect(card).toContainText('Admin');
		await expect(roleButton(card, 'Make member', member.displayName)).toBeVisible();
		await expectNoAxeViolations(page);

		// The new admin sees the Invites tab appear (live), and can make links.
		await expect(circleTab(second.page, circleName, 'Invites')).toBeVisible();
		await expect(circleTab(second.page, circleName, 'Settings')).toHaveCount(0);
		expect(await windowStillMarked(second.page), 'the admin’s page was not reloaded').toBe(true);
		await circleTab(second.page, circleName, 'Invites').click();
		await expectPathname(second.page, `/circles/${circleId}/invites`);
		// Only the owner chooses who joins as an admin.
		await expect(circleFields.inviteRole(second.page)).toHaveCount(0);
		await expectNoAxeViolations(second.page);
		await circleTab(second.page, circleName, 'Members').click();
		await expectPathname(second.page, `/circles/${circleId}/members`);

		// Hand over ownership, after confirming.
		await confirmOpener(card, 'Make owner').click();
		const confirm = card.getByRole('group', { name: `Confirm: Make owner ${member.displayName}` });
		await expect(confirm).toContainText(`Hand the circle over to ${member.displayName}?`);
		await confirm.getByRole('button', { name: `Yes, make ${member.displayName} the owner` }).click();
		await expect(page.getByRole('status').filter({ hasText: `${member.displayName} is now the owner. You’re an admin.` })).toBeVisible();
		await expect(memberItem(page, circleName, owner.displayName)).toContainText('Admin');
		await expect(memberItem(page, circleName, member.displayName)).toContainText('Owner');
		// The old owner is an admin now: no management buttons, no Settings, still Invites.
		await expect(page.getByRole('button', { name: /^Make (admin|member)/ })).toHaveCount(0);
		await expect(page.locator('summary').filter({ hasText: /^\s*(Remove|Make owner)/ })).toHaveCount(0);
		await expect(circleTab(page, circleName, 'Settings')).toHaveCount(0);
		await expect(circleTab(page, circleName, 'Invites')).toBeVisible();
		await expectNoAxeViolations(page);

		// The new owner's members page, live: they are the owner, with controls and Settings.
		const newOwnerView = memberItem(second.page, circleName, member.displayName);
		await expect(newOwnerView).toContainText('Owner');
		await expect(circleTab(second.page, circleName, 'Settings')).toBeVisible();
		await expect(roleButton(second.page, 'Make member', owner.displayName)).toBeVisible();
		await expect(second.page.getByRole('region', { name: 'Leave the circle' })).toContainText('As the owner, hand ownership to someone else first');
		expect(await windowStillMarked(second.page), 'the new owner’s page was not reloaded').toBe(true);
		await expectNoAxeViolations(second.page);

		// The former owner, now an admin, may leave.
		await confirmOpener(page.getByRole('region', { name: 'Leave the circle' }), `Leave ${circleName}`).click();
		await page.getByRole('button', { name: 'Yes, leave the circle' }).click();
		await expectPathname(page, '/circles?gone=left');
		await expect(circlesNotice(page)).toHaveText('You have left the circle.');
		await expectNoAxeViolations(page);
		await expect(memberItem(second.page, circleName, owner.displayName)).toHaveCount(0);
		await expect(memberList(second.page, circleName).getByRole('listitem')).toHaveCount(1);
		await expectNotFound(page, `/circles/${circleId}`);
		expect(second.trouble).toEqual([]);
	} finally {
		await second.context.close();
	}
});

test('deleting needs the exact name; then the circle is gone for everyone, live', async ({ page, browser, baseURL }) => {
	const { circleName, circleId, second } = await circleWithMember(page, browser, baseURL!, 'The Kowalskis');
	try {
		await circleTab(page, circleName, 'Settings').click();
		await expectPathname(page, `/circles/${circleId}/settings`);
		await expect(page.getByRole('heading', { level: 1, name: 'Circle settings' })).toBeVisible();
		await expectNoAxeViolations(page);

		// A wrong name (the button says it is not ready; Enter sends the form all the same).
		const confirmName = circleFields.confirmName(page);
		await confirmName.fill(`${circleName} please`);
		await expect(page.getByRole('button', { name: 'Delete the circle for everyone' })).toHaveAttribute('aria-disabled', 'true');
		await confirmName.press('Enter');
		await expectFieldError(confirmName, `Type the circle’s name exactly as shown (“${circleName}”) to delete it.`);
		await expect(confirmName).toHaveValue(`${circleName} please`);
		await expectPathname(page, `/circles/${circleId}/settings`);
		await expectNoAxeViolations(page);
		// Still there, for both.
		await expect(second.page.getByRole('heading', { level: 1, name: circleName })).toBeVisible();
		await gotoHydrated(page, '/circles');
		await expect(page.getByRole('list', { name: 'Your circles' }).getByRole('link', { name: circleName })).toBeVisible();

		// The exact name.
		await markWindow(second.page);
		await gotoHydrated(page, `/circles/${circleId}/settings`);
		await circleFields.confirmName(page).fill(circleName);
		await page.getByRole('button', { name: 'Delete the circle for everyone' }).click();
		await expectPathname(page, '/circles?gone=deleted');
		await expect(circlesNotice(page)).toHaveText(DELETED_NOTICE);
		await expect(page.getByRole('link', { name: circleName })).toHaveCount(0);
		await expectNoAxeViolations(page);

		// The member, who had the circle open, is taken out without a reload.
		await expectPathname(second.page, '/circles?gone=deleted');
		await expect(circlesNotice(second.page)).toHaveText(DELETED_NOTICE);
		expect(await windowStillMarked(second.page), 'the member’s page was not reloaded').toBe(true);
		await expectNoAxeViolations(second.page);

		await expectNotFound(page, `/circles/${circleId}`);
		await expectNotFound(second.page, `/circles/${circleId}/members`);
		expect(second.trouble).toEqual([]);
	} finally {
		await second.context.close();
	}
});

test.describe('at a phone’s width (375×667)', () => {
	test.use({ viewport: { width: 375, height: 667 } });

	test('the circle pages fit, with long names, management buttons and a new invite link', async ({ page, browser, baseURL }) => {
		// Names with no space to break at, as long as allowed.
		const owner = uniqueUser({ displayName: 'Bartholomew-Maximilian'.repeat(4).slice(0, 80) });
		const member = uniqueUser({ displayName: 'Anastasiya-Konstantinova'.repeat(4).slice(0, 80) });
		const circleName = `${'Vanderbilt-Featherstonehaugh'.repeat(3)}`.slice(0, 72) + Math.random().toString(36).slice(2, 10);
		expect(circleName).toHaveLength(80);

		await signUp(page, owner);
		await expectNoHorizontalScroll(page);
		const circleId = await createCircle(page, circleName, 'A-very-long-description-word-'.repeat(8));
		await expectNoHorizontalScroll(page);
		await expectNoAxeViolations(page);

		const link = await makeInvite(page, circleId, { note: 'for Great-Grandmother-Josephine-Wilhelmina' });
		await expect(page.getByRole('img', { name: 'QR code for the invite link' }).locator('svg')).toBeVisible();
		await expect(page.getByRole('button', { name: 'Copy link' })).toBeVisible();
		await expectNoHorizontalScroll(page);
		await expectNoAxeViolations(page);

		const second = await openSecondBrowser(browser, baseURL!);
		try {
			await second.page.setViewportSize({ width: 375, height: 667 });
			await gotoHydrated(second.page, link);
			await expect(second.page.getByRole('heading', { level: 1, name: `Join ${circleName}` })).toBeVisible();
			await expectNoHorizontalScroll(second.page);
			await joinWithSignUp(second.page, link, member, circleId);
			await expectNoHorizontalScroll(second.page);
			expect(second.trouble).toEqual([]);
		} finally {
			await second.context.close();
		}

		await gotoHydrated(page, '/circles');
		await expect(page.getByRole('list', { name: 'Your circles' }).getByRole('link', { name: circleName })).toBeVisible();
		await expectNoHorizontalScroll(page);
		await expectNoAxeViolations(page);

		await gotoHydrated(page, `/circles/${circleId}`);
		await expect(page.getByRole('heading', { level: 1, name: circleName })).toBeVisible();
		await expectNoHorizontalScroll(page);

		await gotoHydrated(page, `/circles/${circleId}/members`);
		const card = memberItem(page, circleName, member.displayName);
		await expect(roleButton(card, 'Make admin', member.displayName)).toBeVisible();
		await expectNoHorizontalScroll(page);
		await confirmOpener(card, 'Remove').click();
		await expect(card.getByRole('button', { name: `Yes, remove ${member.displayName}` })).toBeVisible();
		await expectNoHorizontalScroll(page);
		await expectNoAxeViolations(page);

		await gotoHydrated(page, `/circles/${circleId}/settings`);
		await expectNoHorizontalScroll(page);
	});
});
