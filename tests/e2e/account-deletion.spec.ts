// "Delete my account", in a real browser: the page that asks first (what goes, what stays, which
// circles), a wrong password that changes nothing, then the deletion, seen live on the pages the
// others have open (without a reload); afterwards no value in any table of the e2e database holds
// the person's id, email or name, and the email can sign up again. And an owner whose circle has
// others in it hands it over before they can go.
import type { Locator, Page } from '@playwright/test';
import Database from 'better-sqlite3';
import path from 'node:path';
import {
	LIVE,
	expect,
	expectFieldError,
	expectNoAxeViolations,
	expectNoHorizontalScroll,
	expectPathname,
	expectSignedInAs,
	expectSignedOut,
	formHeaders,
	gotoHydrated,
	liveStatus,
	openSecondBrowser,
	sessionCookie,
	signUp,
	test,
	uniqueUser,
	type TestUser
} from './helpers';
import {
	confirmOpener,
	createAccountAndJoin,
	createCircle,
	joinWithSignUp,
	makeInvite,
	markWindow,
	memberItem,
	openCheckInForm,
	openReplies,
	reaction,
	replyTo,
	uniqueCircleName,
	windowStillMarked
} from './circle-helpers';

const WRONG_PASSWORD = 'That isn’t your password. Nothing was deleted.';

/** The e2e database, opened read-only for one question (the server keeps writing to it). */
function readDb<T>(question: (db: Database.Database) => T): T {
	const db = new Database(path.join(process.env.E2E_DB_DIR!, 'hearth.db'), { readonly: true, fileMustExist: true });
	try {
		return question(db);
	} finally {
		db.close();
	}
}

function userIdByEmail(email: string): string | undefined {
	return readDb((db) => (db.prepare('SELECT id FROM users WHERE email = ?').get(email) as { id: string } | undefined)?.id);
}

/** Every row, in every table, with a value that contains one of the needles (table and row). */
function rowsHolding(needles: string[]): Array<{ table: string; row: unknown }> {
	return readDb((db) => {
		const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
		expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['users', 'checkins', 'circle_events', 'agreement_answers']));
		const found: Array<{ table: string; row: unknown }> = [];
		for (const { name } of tables) {
			for (const row of db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all() as Array<Record<string, unknown>>) {
				const values = Object.values(row).map((value) => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value)));
				if (values.some((value) => needles.some((needle) => value.includes(needle)))) found.push({ table: name, row });
			}
		}
		return found;
	});
}

/** A display name found nowhere else (so a search for it finds only this person). */
function uniqueName(first: string): string {
	return `${first} ${Math.random().toString(36).slice(2, 8)}${Date.now().toString(36).slice(-4)}`;
}

const deleteFields = {
	password: (page: Page) => page.getByLabel('Your password', { exact: true }),
	submit: (page: Page) => page.getByRole('button', { name: 'Delete my account for good' })
};

function section(page: Page, heading: string): Locator {
	return page.getByRole('region', { name: heading, exact: true });
}

function checkInBy(page: Page, text: string): Locator {
	return page.locator('article').filter({ hasText: text });
}

async function postCheckIn(page: Page, mood: string, words: string): Promise<void> {
	const form = await openCheckInForm(page);
	await form.getByText(mood, { exact: true }).click();
	await form.getByLabel(/A few words/).fill(words);
	await form.getByRole('button', { name: 'Post check-in' }).click();
	await expect(checkInBy(page, words)).toBeVisible();
}

/** The list of answers given to the first proposal, in the agreement page's History. */
function firstAnswers(page: Page): Locator {
	return page.getByRole('region', { name: 'History' }).getByRole('list', { name: 'Answers to version 1 (the first proposal)', exact: true });
}

function discussion(page: Page): Locator {
	return page.getByRole('region', { name: 'Discussion' });
}

function cheersFor(page: Page, headline: string): Locator {
	return page.getByRole('list', { name: `Cheers for ${headline}`, exact: true });
}

/** Opens Account → "Delete my account…" from wherever the page is. */
async function openDeletePage(page: Page): Promise<void> {
	await gotoHydrated(page, '/account');
	await page.getByRole('link', { name: 'Delete my account…' }).click();
	await expectPathname(page, '/account/delete');
	await expect(page.getByRole('heading', { level: 1, name: 'Delete your account' })).toBeVisible();
}

test('a member deletes his account: asked first, a wrong password changes nothing, then his posts go live and no table holds him', async ({
	page,
	browser,
	baseURL
}) => {
	const maria = uniqueUser({ displayName: 'Maria' });
	const sam: TestUser = uniqueUser({ displayName: uniqueName('Sam') });
	const circleName = uniqueCircleName();

	// Maria starts the circle, invites Sam by link, and proposes an agreement.
	await signUp(page, maria);
	const circleId = await createCircle(page, circleName);
	const link = await makeInvite(page, circleId);
	const s = await openSecondBrowser(browser, baseURL!);
	const samPage = s.page;
	try {
		await joinWithSignUp(samPage, link, sam, circleId);
		const samId = userIdByEmail(sam.email);
		expect(samId, 'Sam’s account is in the database').toBeTruthy();

		// (Posted as a browser without JavaScript would: the proposing is not what is tested here.)
		const title = 'Quiet hours after ten';
		const proposed = await page.request.post(`/circles/${circleId}/agreements/new`, {
			form: { title, category: 'communication', body: 'No phone calls after 10 pm, except emergencies.', support: '', consequence: '', reviewOn: '' },
			headers: formHeaders(baseURL!),
			maxRedirects: 0
		});
		expect(proposed.status(), 'proposing redirects to the agreement').toBe(303);
		const agreementPath = proposed.headers()['location']!;
		expect(agreementPath).toMatch(new RegExp(`^/circles/${circleId}/agreements/[a-z2-7]+$`));

		// ... and a small victory, then waits on the circle's home page with a check-in of her own.
		const victory = 'Dinner together again';
		await gotoHydrated(page, `/circles/${circleId}/milestones`);
		await page.getByLabel('What are you celebrating?', { exact: true }).fill(victory);
		await page.getByRole('button', { name: 'Add and celebrate' }).click();
		await expect(page.getByRole('article', { name: victory, exact: true })).toBeVisible();
		await gotoHydrated(page, `/circles/${circleId}`);
		await expect(liveStatus(page)).toHaveText(LIVE);
		const mariasWords = 'Slept well for once.';
		await postCheckIn(page, 'Good', mariasWords);

		// Maria has the agreement open in a second tab too. Neither of her pages reloads from here.
		const agreementTab = await page.context().newPage();
		await gotoHydrated(agreementTab, agreementPath);
		await expect(liveStatus(agreementTab)).toHaveText(LIVE);
		await markWindow(page);
		await markWindow(agreementTab);

		// Sam answers the proposal with a comment, and comments in the discussion.
		const answerComment = 'Could we say nine on school nights?';
		const discussionComment = 'Emergencies means real ones, right?';
		await gotoHydrated(samPage, agreementPath);
		await samPage.getByLabel('Comment', { exact: true }).fill(answerComment);
		await samPage.getByRole('button', { name: 'I’d like changes', exact: true }).click();
		await expect(firstAnswers(samPage)).toContainText(answerComment);
		await samPage.getByLabel('Add a comment', { exact: true }).fill(discussionComment);
		await samPage.getByRole('button', { name: 'Add comment' }).click();
		await expect(discussion(samPage)).toContainText(discussionComment);

		// He cheers Maria's victory.
		await gotoHydrated(samPage, `/circles/${circleId}/milestones`);
		const card = samPage.getByRole('article', { name: victory, exact: true });
		await card.getByLabel('A few words (optional)').fill('So glad, Mom.');
		await card.getByRole('button', { name: `Cheer ${victory}` }).click();
		await expect(cheersFor(samPage, victory)).toContainText('So glad, Mom.');

		// On the home page he checks in, replies to Maria's check-in and sends love.
		await gotoHydrated(samPage, `/circles/${circleId}`);
		const samsWords = 'Day four. Hard, but here.';
		const samsReply = 'Love that for you.';
		await postCheckIn(samPage, 'Okay', samsWords);
		const hers = checkInBy(samPage, mariasWords);
		await replyTo(hers, 'Maria', samsReply);
		await expect(hers.getByRole('paragraph').filter({ hasText: samsReply })).toBeVisible();
		await reaction(hers, 'Sending love').click();
		await expect(reaction(hers, 'Sending love')).toHaveAttribute('aria-pressed', 'true');

		// Maria's open pages show all of it (so their going, later, means something).
		await expect(checkInBy(page, samsWords)).toBeVisible();
		const mine = checkInBy(page, mariasWords);
		await openReplies(mine);
		await expect(mine.getByRole('paragraph').filter({ hasText: samsReply })).toBeVisible();
		await expect(reaction(mine, 'Sending love')).toHaveAccessibleName('Sending love: 1 person');
		await expect(reaction(mine, 'Sending love')).toHaveText(/^\D*1\s*$/);
		await expect(firstAnswers(agreementTab)).toContainText(`${sam.displayName} would like changes`);
		await expect(firstAnswers(agreementTab)).toContainText(answerComment);
		await expect(discussion(agreementTab).getByRole('listitem').filter({ hasText: discussionComment })).toContainText(sam.displayName);

		// Sam: Account → "Delete my account…", on a phone-sized window.
		await samPage.setViewportSize({ width: 375, height: 800 });
		await openDeletePage(samPage);
		await expect(samPage.getByText(`This deletes your Hearth account (${sam.email})`)).toBeVisible();
		const goes = section(samPage, 'What will be deleted');
		await expect(goes.getByRole('listitem')).toHaveText([
			'Your account: your name, your email and your password.',
			'Check-ins: 1',
			'Replies: 1',
			'Reactions: 1',
			'Cheers you gave: 1',
			'You’ll be logged out on 1 device, this one too.'
		]);
		await expect(section(samPage, 'Your circles').getByRole('listitem')).toHaveText([`You leave ${circleName}.`]);
		const stays = section(samPage, 'What stays, without your name');
		await expect(stays).toContainText('“a former member”');
		await expect(stays.getByRole('listitem')).toHaveText(['Answers to agreement proposals: 1', 'Comments on agreements: 1']);
		await expect(section(samPage, 'First, your circles need a new owner')).toHaveCount(0);
		await expect(deleteFields.submit(samPage)).toBeEnabled();
		await expectNoHorizontalScroll(samPage);
		await expectNoAxeViolations(samPage);

		// A wrong password: the message by the field, still signed in, nothing deleted.
		await deleteFields.password(samPage).fill('not my password at all');
		await deleteFields.submit(samPage).click();
		await expectFieldError(deleteFields.password(samPage), WRONG_PASSWORD);
		await expectPathname(samPage, '/account/delete');
		await expectSignedInAs(samPage, sam.displayName);
		await expect(liveStatus(samPage)).toHaveText(LIVE);
		await expectNoHorizontalScroll(samPage);
		await expectNoAxeViolations(samPage, { schemes: ['light'] });
		expect(userIdByEmail(sam.email)).toBe(samId);
		await expect(checkInBy(page, samsWords)).toBeVisible();
		await expect(mine.getByRole('paragraph').filter({ hasText: samsReply })).toBeVisible();

		// The right password: goodbye, signed out.
		await deleteFields.password(samPage).fill(sam.password);
		await deleteFields.submit(samPage).click();
		await expectPathname(samPage, '/goodbye');
		await expect(samPage.getByRole('heading', { level: 1, name: 'Your account is deleted' })).toBeVisible();
		await expectSignedOut(samPage);
		expect(await sessionCookie(s.context)).toBeUndefined();
		await expectNoAxeViolations(samPage, { schemes: ['light'] });

		// Maria's home page, without a reload: his check-in, reply and reaction are gone; hers stays.
		await expect(checkInBy(page, samsWords)).toHaveCount(0);
		await expect(mine).toBeVisible();
		await expect(mine.getByText(samsReply)).toHaveCount(0);
		await expect(reaction(mine, 'Sending love')).toHaveAccessibleName('Sending love');
		await expect(reaction(mine, 'Sending love')).not.toHaveText(/\d/);
		await expect(reaction(mine, 'Sending love')).toHaveAttribute('aria-pressed', 'false');
		await expect(page.getByText(sam.displayName)).toHaveCount(0);
		// Her agreement tab, also live: his answer and comment stay, as a former member's.
		await expect(firstAnswers(agreementTab)).toContainText('a former member would like changes');
		await expect(firstAnswers(agreementTab)).toContainText(answerComment);
		await expect(discussion(agreementTab).getByRole('listitem').filter({ hasText: discussionComment })).toContainText('a former member');
		await expect(agreementTab.getByText(sam.displayName)).toHaveCount(0);
		expect(await windowStillMarked(page), 'Maria’s home page was not reloaded').toBe(true);
		expect(await windowStillMarked(agreementTab), 'Maria’s agreement page was not reloaded').toBe(true);
		// His cheer is gone from the victory.
		await gotoHydrated(agreementTab, `/circles/${circleId}/milestones`);
		await expect(agreementTab.getByRole('article', { name: victory, exact: true }).getByText('No cheers yet.')).toBeVisible();
		await expect(agreementTab.getByText('So glad, Mom.')).toHaveCount(0);
		await agreementTab.close();

		// No value in any table holds his id, email or name.
		expect(rowsHolding([samId!, sam.email, sam.displayName])).toEqual([]);

		// The email can sign up again: a new account, in no circle.
		await signUp(samPage, sam);
		await expect(samPage.getByRole('heading', { level: 2, name: `You’re not in a circle yet, ${sam.displayName}` })).toBeVisible();
		const newId = userIdByEmail(sam.email);
		expect(newId).toBeTruthy();
		expect(newId).not.toBe(samId);
		expect(s.trouble).toEqual([]);
	} finally {
		await s.context.close();
	}
});

test('an owner whose circle has others in it hands it over first, then can delete', async ({ page, baseURL }) => {
	const owner = uniqueUser({ displayName: uniqueName('Olga') });
	const member = uniqueUser({ displayName: 'Pat' });
	await signUp(page, owner);
	const circleName = uniqueCircleName('The Novaks');
	const circleId = await createCircle(page, circleName);
	const link = await makeInvite(page, circleId);
	await createAccountAndJoin(baseURL!, link, member, circleId);

	await openDeletePage(page);
	const handOver = section(page, 'First, your circles need a new owner');
	await expect(handOver).toBeVisible();
	const line = handOver.getByRole('listitem');
	await expect(line).toHaveText(new RegExp(`^\\s*${circleName}\\s*\\(1 other person\\):\\s*hand it over or delete it\\s*$`));
	await expect(line.getByRole('link', { name: 'hand it over' })).toHaveAttribute('href', `/circles/${circleId}/members`);
	await expect(line.getByRole('link', { name: 'delete it' })).toHaveAttribute('href', `/circles/${circleId}/settings`);
	await expect(deleteFields.submit(page)).toBeDisabled();
	await expect(deleteFields.password(page)).toBeDisabled();
	await expectNoAxeViolations(page, { schemes: ['light'] });

	// Posting the form anyway, with the right password, is refused and deletes nothing.
	const refused = await page.request.post('/account/delete?/delete', {
		form: { password: owner.password },
		headers: formHeaders(baseURL!),
		maxRedirects: 0
	});
	expect(refused.status()).toBeGreaterThanOrEqual(400);
	expect(await refused.text()).toContain(
		`You own “${circleName}”, and others are in it. Please hand it over to someone (or delete it) before you delete your account.`
	);
	const ownerId = userIdByEmail(owner.email);
	expect(ownerId).toBeTruthy();

	// Hand it over on the members page.
	await line.getByRole('link', { name: 'hand it over' }).click();
	await expectPathname(page, `/circles/${circleId}/members`);
	const card = memberItem(page, circleName, member.displayName);
	await confirmOpener(card, 'Make owner').click();
	await card.getByRole('button', { name: `Yes, make ${member.displayName} the owner` }).click();
	await expect(page.getByRole('status').filter({ hasText: `${member.displayName} is now the owner. You’re an admin.` })).toBeVisible();

	// Now the page lets them go, and says they leave the circle.
	await openDeletePage(page);
	await expect(section(page, 'First, your circles need a new owner')).toHaveCount(0);
	await expect(section(page, 'Your circles').getByRole('listitem')).toHaveText([`You leave ${circleName}.`]);
	await expect(deleteFields.submit(page)).toBeEnabled();
	await deleteFields.password(page).fill(owner.password);
	await deleteFields.submit(page).click();
	await expectPathname(page, '/goodbye');
	await expectSignedOut(page);

	// The circle stays, with Pat as its owner and only member; nothing holds the owner any more.
	const memberId = userIdByEmail(member.email);
	const memberships = readDb((db) => db.prepare('SELECT user_id, role FROM memberships WHERE circle_id = ?').all(circleId));
	expect(memberships).toEqual([{ user_id: memberId, role: 'owner' }]);
	expect(rowsHolding([ownerId!, owner.email, owner.displayName])).toEqual([]);
});
