// Boundary agreements: proposed on one page, answered by every member, revised, agreed by
// everyone, with the history kept, all seen live in every member's browser (three browsers);
// bad input; a newcomer's "I've read this and agree"; strangers get a 404; phones fit.
// axe-core on every agreement page visited.
import { type Locator, type Page } from '@playwright/test';
import {
	LIVE,
	expect,
	expectFieldError,
	expectNoAxeViolations,
	expectNoHorizontalScroll,
	expectPathname,
	formHeaders,
	gotoHydrated,
	liveStatus,
	logIn,
	openSecondBrowser,
	reloadHydrated,
	signUp,
	test,
	uniqueUser,
	type TestUser
} from './helpers';
import { circleWith, createAccountAndJoin, createCircle, expectNotFound, markWindow, uniqueCircleName, windowStillMarked } from './circle-helpers';

/** An agreement's own page (not the "new" page, whose name has the same shape as an id). */
const AGREEMENT_PATH = /^\/circles\/[a-z2-7]+\/agreements\/(?!new$)([a-z2-7]+)$/;
/** The data of an agreement's own page, as a client-side navigation fetches it. */
const AGREEMENT_DATA = /\/circles\/[a-z2-7]+\/agreements\/(?!new\/)[a-z2-7]+\/__data\.json/;

const agreementFields = {
	title: (page: Page) => page.getByLabel('Title', { exact: true }),
	category: (page: Page) => page.getByLabel('Category', { exact: true }),
	body: (page: Page) => page.getByLabel('The agreement', { exact: true }),
	support: (page: Page) => page.getByLabel(/^How we’ll support this/),
	consequence: (page: Page) => page.getByLabel(/^If it isn’t kept/),
	reviewOn: (page: Page) => page.getByLabel(/^Review it together on/),
	reason: (page: Page) => page.getByLabel(/^What changed, and why/),
	/** The comment that goes with an answer (the discussion's field is "Add a comment"). */
	answerComment: (page: Page) => page.getByLabel('Comment', { exact: true })
};

interface AgreementWords {
	title: string;
	category: string;
	body: string;
	support?: string;
	consequence?: string;
}

/** The one-line status under the agreement's title (its first paragraph after the h1). */
function statusLine(page: Page): Locator {
	return page.getByRole('heading', { level: 1 }).locator('xpath=following-sibling::p[1]');
}

/** The box of answers to the proposal waiting for answers. */
function tally(page: Page): Locator {
	return page.getByRole('group', { name: 'Answers so far' });
}

function history(page: Page): Locator {
	return page.getByRole('region', { name: 'History' });
}

/** One proposal's card in the History section, found by its heading. */
function historyEntry(page: Page, heading: string): Locator {
	return history(page)
		.getByRole('listitem')
		.filter({ has: page.getByRole('heading', { level: 3, name: heading, exact: true }) });
}

/** The list of answers given to one proposal in the History section. */
function answersTo(page: Page, proposal: string): Locator {
	return history(page).getByRole('list', { name: `Answers to ${proposal.toLowerCase()}`, exact: true });
}

/** Fills the words of an agreement on the new or revise page. */
async function fillAgreement(page: Page, words: AgreementWords): Promise<void> {
	await agreementFields.title(page).fill(words.title);
	await agreementFields.category(page).selectOption({ label: words.category });
	await agreementFields.body(page).fill(words.body);
	await agreementFields.support(page).fill(words.support ?? '');
	await agreementFields.consequence(page).fill(words.consequence ?? '');
}

/** Proposes an agreement through the new page and returns its id (the page ends on the agreement). */
async function proposeAgreement(page: Page, circleId: string, words: AgreementWords): Promise<string> {
	await gotoHydrated(page, `/circles/${circleId}/agreements/new`);
	await fillAgreement(page, words);
	await page.getByRole('button', { name: 'Propose to the circle' }).click();
	await expectPathname(page, AGREEMENT_PATH);
	await expect(page.getByRole('heading', { level: 1, name: words.title })).toBeVisible();
	return AGREEMENT_PATH.exec(new URL(page.url()).pathname)![1]!;
}

/** Signs in on a page of its own browser and opens a path of the circle, waiting for the live link. */
async function openAs(page: Page, user: TestUser, path: string): Promise<void> {
	await logIn(page, user);
	await gotoHydrated(page, path);
	await expect(liveStatus(page)).toHaveText(LIVE);
}

test('three members propose, ask for changes, revise and agree, each seeing it all live; the history keeps both versions', async ({
	page,
	browser,
	baseURL
}) => {
	test.setTimeout(120_000);
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea', 'Carl']);
	const [bea, carl] = members as [TestUser, TestUser];
	const listPath = `/circles/${circleId}/agreements`;

	const b = await openSecondBrowser(browser, baseURL!);
	const c = await openSecondBrowser(browser, baseURL!);
	await openAs(b.page, bea, listPath);
	await openAs(c.page, carl, listPath);
	await expect(b.page.getByText('No agreements yet.')).toBeVisible();
	await expectNoAxeViolations(b.page);
	// From here on nobody reloads: every page stays the one loaded now (links and forms navigate
	// inside it), so whatever changes on it came over the live connection.
	await markWindow(b.page);
	await markWindow(c.page);

	// A proposes.
	await gotoHydrated(page, `${listPath}/new`);
	await expect(page.getByRole('heading', { level: 1, name: 'Propose an agreement' })).toBeVisible();
	await expectNoAxeViolations(page);
	await markWindow(page);
	const title = 'Phone calls after 10 pm';
	const v1 = {
		title,
		category: 'Communication',
		body: 'No phone calls after 10 pm, except emergencies.',
		support: 'We text instead, and answer in the morning.',
		consequence: 'The phone stays off until morning.'
	};
	await fillAgreement(page, v1);
	await page.getByRole('button', { name: 'Propose to the circle' }).click();
	await expectPathname(page, AGREEMENT_PATH);
	const agreementPath = new URL(page.url()).pathname;
	await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
	await expect(statusLine(page)).toHaveText('Waiting for answers: 0 of 3 agreed');
	await expect(page.getByRole('heading', { level: 2, name: 'Waiting for answers: Version 1 (the first proposal)' })).toBeVisible();

	// B and C, on the list page all along, see it arrive and open it without a reload.
	for (const other of [b.page, c.page]) {
		const waiting = other.getByRole('region', { name: /^Waiting for your answer/ });
		await expect(waiting.getByRole('heading', { level: 2, name: 'Waiting for your answer (1)' })).toBeVisible();
		await expect(waiting.getByRole('link', { name: title })).toBeVisible();
		await waiting.getByRole('link', { name: title }).click();
		await expectPathname(other, agreementPath);
		await expect(other.getByRole('heading', { level: 1, name: title })).toBeVisible();
		await expect(liveStatus(other)).toHaveText(LIVE);
	}
	const proposed = b.page.getByRole('region', { name: 'Waiting for answers: Version 1 (the first proposal)' });
	await expect(proposed.getByText(v1.body)).toBeVisible();
	await expect(proposed.getByText(v1.support)).toBeVisible();
	await expect(proposed.getByText(v1.consequence)).toBeVisible();
	await expect(proposed).toContainText('Proposed by Maria');
	await expectNoAxeViolations(b.page);

	// B agrees while C is still writing; C's words survive the live update. C would like changes.
	const carlsComment = 'Could we make it 9 pm? Real emergencies only, please.';
	await agreementFields.answerComment(c.page).fill(carlsComment);
	await b.page.getByRole('button', { name: 'I agree', exact: true }).click();
	await expect(b.page.getByText('You said you agree.', { exact: false })).toBeVisible();
	await expect(tally(b.page)).toContainText('Agreed: you');
	await expect(tally(c.page)).toContainText('Agreed: Bea');
	await expect(agreementFields.answerComment(c.page)).toHaveValue(carlsComment);
	await c.page.getByRole('button', { name: 'I’d like changes', exact: true }).click();
	await expect(tally(c.page)).toContainText('Would like changes: you');

	// A sees both answers live.
	await expect(tally(page)).toContainText('Agreed: Bea');
	await expect(tally(page)).toContainText('Would like changes: Carl');
	await expect(tally(page)).toContainText('Not answered yet: you');
	await expect(statusLine(page)).toHaveText('Waiting for answers: 1 of 3 agreed');
	await expect(answersTo(page, 'Version 1 (the first proposal)')).toContainText(carlsComment);
	await expectNoAxeViolations(page);

	// A proposes version 2 on the revise page.
	await page.getByRole('link', { name: 'Propose a revision' }).click();
	await expectPathname(page, `${agreementPath}/revise`);
	await expect(page.getByRole('heading', { level: 1, name: 'Propose a revision' })).toBeVisible();
	await expect(agreementFields.body(page)).toHaveValue(v1.body);
	await expectNoAxeViolations(page);
	const v2Body = 'No phone calls after 9 pm, except real emergencies.';
	await agreementFields.body(page).fill(v2Body);
	await agreementFields.reason(page).fill('Carl asked for 9 pm.');
	await page.getByRole('button', { name: 'Propose version 2' }).click();
	await expectPathname(page, agreementPath);
	await expect(page.getByRole('heading', { level: 2, name: 'Waiting for answers: Version 2' })).toBeVisible();

	// B and C see version 2 live, with what changed word by word, and both agree.
	for (const other of [b.page, c.page]) {
		const open = other.getByRole('region', { name: 'Waiting for answers: Version 2' });
		await expect(open).toBeVisible();
		await expect(open.getByText(v2Body)).toBeVisible();
		await expect(open.getByText('Carl asked for 9 pm.')).toBeVisible();
		await expect(open.getByText('What changed from version 1')).toBeVisible();
		await expect(open.getByRole('insertion')).toHaveText([/9/, /real/]);
		await expect(open.getByRole('deletion')).toHaveText([/10/]);
		await expect(tally(other)).toContainText('Agreed: nobody yet');
		await expect(tally(other)).toContainText('Not answered yet: Maria, Bea and Carl'.replace(other === b.page ? 'Bea' : 'Carl', 'you'));
	}
	await expectNoAxeViolations(c.page);
	await b.page.getByRole('button', { name: 'I agree', exact: true }).click();
	await expect(tally(b.page)).toContainText('Agreed: you');
	await c.page.getByRole('button', { name: 'I agree', exact: true }).click();
	await expect(tally(c.page)).toContainText('Agreed: Bea and you');
	await expect(tally(page)).toContainText('Agreed: Bea and Carl');
	await expect(statusLine(page)).toHaveText('Waiting for answers: 2 of 3 agreed');

	// A agrees last: every page shows it agreed, live.
	await page.getByRole('button', { name: 'I agree', exact: true }).click();
	for (const each of [page, b.page, c.page]) {
		await expect(each.getByRole('heading', { level: 2, name: 'In force: version 2' })).toBeVisible();
		await expect(statusLine(each)).toHaveText('Agreed by everyone');
		await expect(each.getByRole('region', { name: /^Waiting for answers/ })).toHaveCount(0);
		await expect(each.getByRole('region', { name: 'In force: version 2' }).getByText(v2Body)).toBeVisible();

		// The history keeps both versions and every answer.
		await expect(history(each).getByRole('heading', { level: 3 })).toHaveText(['Version 2', 'Version 1 (the first proposal)']);
		await expect(historyEntry(each, 'Version 2')).toContainText('Agreed by everyone');
		await expect(historyEntry(each, 'Version 1 (the first proposal)')).toContainText('Replaced by a newer proposal.');
		const v2Answers = answersTo(each, 'Version 2').getByRole('listitem');
		await expect(v2Answers).toHaveCount(3);
		await expect(v2Answers.nth(0)).toContainText('Bea agreed');
		await expect(v2Answers.nth(1)).toContainText('Carl agreed');
		await expect(v2Answers.nth(2)).toContainText('Maria agreed');
		const v1Answers = answersTo(each, 'Version 1 (the first proposal)').getByRole('listitem');
		await expect(v1Answers).toHaveCount(2);
		await expect(v1Answers.nth(0)).toContainText('Bea agreed');
		await expect(v1Answers.nth(1)).toContainText('Carl would like changes');
		await expect(v1Answers.nth(1)).toContainText(carlsComment);

		// What version 2 changed, word by word.
		const v2Entry = historyEntry(each, 'Version 2');
		await v2Entry.getByText('The words, and what changed from version 1').click();
		await expect(v2Entry.getByRole('insertion')).toHaveText([/9/, /real/]);
		await expect(v2Entry.getByRole('deletion')).toHaveText([/10/]);
	}
	await expectNoAxeViolations(page);
	for (const each of [page, b.page, c.page]) expect(await windowStillMarked(each), `${each.url()} was reloaded`).toBe(true);

	// The list page files it under "In force".
	await page.getByRole('link', { name: 'All agreements' }).click();
	await expectPathname(page, listPath);
	await expect(page.getByRole('region', { name: 'In force' }).getByRole('link', { name: title })).toBeVisible();
	await expect(page.getByRole('region', { name: /^Waiting for your answer/ })).toHaveCount(0);
	await expectNoAxeViolations(page);

	for (const other of [b, c]) {
		await other.context.close();
		expect(other.trouble).toEqual([]);
	}
});

test('proposing lands on the new agreement even when its own live event arrives while that page loads', async ({ page, baseURL }) => {
	const { circleId } = await circleWith(page, baseURL!, ['Bea']);
	// The live event that says the agreement was proposed is held back until the page is on its
	// way to the new agreement (its data requested), so that it arrives during that navigation.
	let navigationStarted: () => void = () => {};
	const onItsWay = new Promise<void>((resolve) => (navigationStarted = resolve));
	await page.route(AGREEMENT_DATA, async (route) => {
		navigationStarted();
		await route.continue();
	});
	await page.routeWebSocket(/\/socket\.io\//, (browserSide) => {
		const serverSide = browserSide.connectToServer();
		browserSide.onMessage((message) => serverSide.send(message));
		serverSide.onMessage(async (message) => {
			if (String(message).includes('"agreement.proposed"')) await onItsWay;
			browserSide.send(message);
		});
	});
	await gotoHydrated(page, `/circles/${circleId}/agreements/new`);
	await expect(liveStatus(page)).toHaveText(LIVE);
	await fillAgreement(page, { title: 'Phones away at dinner', category: 'Home & visits', body: 'We keep phones away while we eat.' });
	await page.getByRole('button', { name: 'Propose to the circle' }).click();
	await expectPathname(page, AGREEMENT_PATH);
	await expect(page.getByRole('heading', { level: 1, name: 'Phones away at dinner' })).toBeVisible();
	await expect(statusLine(page)).toHaveText('Waiting for answers: 0 of 2 agreed');
});

test('a revision written while another arrives live is refused with the words kept, then builds on the newer one: it never replaces theirs unseen', async ({
	page,
	browser,
	baseURL
}) => {
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea']);
	const [bea] = members as [TestUser];
	const agreementId = await proposeAgreement(page, circleId, { title: 'Phone calls at night', category: 'Communication', body: 'No phone calls after 10 pm.' });
	const agreementPath = `/circles/${circleId}/agreements/${agreementId}`;
	const b = await openSecondBrowser(browser, baseURL!);
	try {
		await openAs(b.page, bea, `${agreementPath}/revise`);
		await gotoHydrated(page, `${agreementPath}/revise`);
		await expect(liveStatus(page)).toHaveText(LIVE);
		await markWindow(page);

		// Maria starts writing her revision…
		const mariasBody = 'MARIA: no phone calls after 9 pm.';
		const mariasReason = 'Earlier is kinder for everyone.';
		await agreementFields.body(page).fill(mariasBody);
		await agreementFields.reason(page).fill(mariasReason);

		// …while Bea proposes hers, which reaches Maria's page live.
		const beasBody = 'BEA: no phone calls after 11 pm.';
		const arrived = page.waitForResponse((response) => response.url().includes(`${agreementPath}/revise/__data.json`));
		await agreementFields.body(b.page).fill(beasBody);
		await b.page.getByRole('button', { name: 'Propose version 2' }).click();
		await expectPathname(b.page, agreementPath);
		await expect(b.page.getByRole('heading', { level: 2, name: 'Waiting for answers: Version 2' })).toBeVisible();
		await arrived;

		// Maria proposes hers: refused, next to the form, saying who; her words stay; Bea's stays waiting.
		const form = page.locator('form').filter({ has: agreementFields.body(page) });
		await page.getByRole('button', { name: /^Propose version/ }).click();
		await expect(form.getByRole('alert')).toContainText('While you were writing, version 2 was proposed.');
		await expectPathname(page, `${agreementPath}/revise`);
		await expect(agreementFields.body(page)).toHaveValue(mariasBody);
		await expect(agreementFields.reason(page)).toHaveValue(mariasReason);
		await reloadHydrated(b.page);
		await expect(b.page.getByRole('region', { name: 'Waiting for answers: Version 2' }).getByText(beasBody)).toBeVisible();
		await expectNoAxeViolations(page);

		// Having been told, Maria may propose hers after Bea's on purpose: it becomes version 3.
		await page.getByRole('button', { name: 'Propose version 3' }).click();
		await expectPathname(page, agreementPath);
		const open = page.getByRole('region', { name: 'Waiting for answers: Version 3' });
		await expect(open.getByText(mariasBody)).toBeVisible();
		await expect(history(page).getByRole('heading', { level: 3 })).toHaveText(['Version 3', 'Version 2', 'Version 1 (the first proposal)']);
		await expect(historyEntry(page, 'Version 2')).toContainText('Replaced by a newer proposal.');
		expect(await windowStillMarked(page), 'nobody reloaded').toBe(true);
		expect(b.trouble).toEqual([]);
	} finally {
		await b.context.close();
	}
});

test('bad input on the new page says what to fix next to each field, keeps the words, and stores nothing', async ({ page, baseURL }) => {
	const owner = uniqueUser({ displayName: 'Maria' });
	await signUp(page, owner);
	const circleId = await createCircle(page, uniqueCircleName());
	const newPath = `/circles/${circleId}/agreements/new`;
	await gotoHydrated(page, newPath);
	const send = page.getByRole('button', { name: 'Propose to the circle' });

	// Nothing at all: the three required fields say so; the optional words typed stay.
	await agreementFields.support(page).fill('We’ll text instead.');
	await send.click();
	await expectFieldError(agreementFields.title(page), 'Please write a short title.');
	await expectFieldError(agreementFields.category(page), 'Please choose one of the categories.');
	await expectFieldError(agreementFields.body(page), 'Please write the agreement itself.');
	await expect(agreementFields.support(page)).toHaveValue('We’ll text instead.');
	await expectPathname(page, newPath);
	await expectNoAxeViolations(page);

	// A title one character too long.
	await agreementFields.title(page).fill('t'.repeat(121));
	await agreementFields.category(page).selectOption({ label: 'Money' });
	await agreementFields.body(page).fill('I won’t lend money for now.');
	await send.click();
	await expectFieldError(agreementFields.title(page), 'Please keep a short title to 120 characters or fewer (you have 121).');
	await expect(agreementFields.category(page)).not.toHaveAttribute('aria-invalid', 'true');
	await expect(agreementFields.body(page)).not.toHaveAttribute('aria-invalid', 'true');
	await expect(agreementFields.title(page)).toHaveValue('t'.repeat(121));
	await expect(agreementFields.body(page)).toHaveValue('I won’t lend money for now.');
	await expect(agreementFields.category(page)).toHaveValue('money');
	await expect(agreementFields.support(page)).toHaveValue('We’ll text instead.');
	await expectPathname(page, newPath);

	// A date that doesn't exist and a category that isn't one, posted as a browser without JavaScript.
	const response = await page.request.post(newPath, {
		form: { title: 'Sneaky', category: 'bribes', body: 'Posted by hand.', support: '', consequence: '', reviewOn: '2027-02-30' },
		headers: formHeaders(baseURL!),
		maxRedirects: 0
	});
	expect(response.status()).toBe(400);
	const html = await response.text();
	expect(html).toContain('That date doesn’t exist; please check the day and month.');
	expect(html).toContain('Please choose one of the categories.');

	await gotoHydrated(page, `/circles/${circleId}/agreements`);
	await expect(page.getByText('No agreements yet.')).toBeVisible();
	await expect(page.getByRole('link', { name: 'Sneaky' })).toHaveCount(0);

	// Markup in the words is shown as the text it is.
	const markup = '<script>alert(1)</script><b>Bold</b> plans';
	await proposeAgreement(page, circleId, { title: markup, category: 'Other', body: '<img src=x onerror=alert(2)> calm words' });
	await expect(page.getByRole('heading', { level: 1 })).toHaveText(markup);
	await expect(page.getByRole('region', { name: /^Waiting for answers/ }).getByText('<img src=x onerror=alert(2)> calm words')).toBeVisible();
	await expect(page.locator('main b, main img')).toHaveCount(0);
	await gotoHydrated(page, `/circles/${circleId}/agreements`);
	await expect(page.getByRole('link', { name: markup })).toBeVisible();
});

test('"I’d like changes" without a comment asks for one next to the field and stores nothing', async ({ page, baseURL }) => {
	const { circleId, members } = await circleWith(page, baseURL!, ['Bea']);
	void members;
	await proposeAgreement(page, circleId, { title: 'Visits on weekends', category: 'Home & visits', body: 'Visits are arranged the day before.' });
	await expect(tally(page)).toContainText('Not answered yet: you and Bea');

	await page.getByRole('button', { name: 'I’d like changes', exact: true }).click();
	await expectFieldError(agreementFields.answerComment(page), 'Please say what you’d like changed, so everyone can work on it.');
	await expect(tally(page)).toContainText('Not answered yet: you and Bea');
	await expect(tally(page)).toContainText('Agreed: nobody yet');
	await expect(tally(page)).not.toContainText('Would like changes');
	await expectNoAxeViolations(page);

	// Still nothing on record after a reload.
	await reloadHydrated(page);
	await expect(tally(page)).toContainText('Not answered yet: you and Bea');
	await expect(answersTo(page, 'Version 1 (the first proposal)')).toHaveCount(0);
	await expect(historyEntry(page, 'Version 1 (the first proposal)')).toContainText('No answers yet.');
});

test('a newcomer is asked to read an agreement already in force; everyone sees who it waits for, live', async ({ page, browser, baseURL }) => {
	const { circleId, members, link } = await circleWith(page, baseURL!, ['Bea']);
	const [bea] = members as [TestUser];
	const title = 'Money for now';
	const agreementId = await proposeAgreement(page, circleId, { title, category: 'Money', body: 'I won’t lend money for now.' });
	const agreementPath = `/circles/${circleId}/agreements/${agreementId}`;
	await expect(liveStatus(page)).toHaveText(LIVE);

	const b = await openSecondBrowser(browser, baseURL!);
	await openAs(b.page, bea, agreementPath);
	await b.page.getByRole('button', { name: 'I agree', exact: true }).click();
	await expect(tally(page)).toContainText('Agreed: Bea');
	await page.getByRole('button', { name: 'I agree', exact: true }).click();
	for (const each of [page, b.page]) await expect(statusLine(each)).toHaveText('Agreed by everyone');

	// Dan joins afterwards: the others see the agreement wait for him, live.
	const dan = uniqueUser({ displayName: 'Dan' });
	await createAccountAndJoin(baseURL!, link, dan, circleId);
	for (const each of [page, b.page]) {
		await expect(statusLine(each)).toHaveText('Agreed by everyone else, waiting for Dan');
		await expect(each.getByRole('region', { name: 'In force: version 1' })).toContainText('Waiting for Dan to read it.');
		await expect(each.getByRole('heading', { level: 2, name: 'Please read this agreement' })).toHaveCount(0);
	}

	const d = await openSecondBrowser(browser, baseURL!);
	await openAs(d.page, dan, agreementPath);
	await expect(d.page.getByRole('heading', { level: 2, name: 'Please read this agreement' })).toBeVisible();
	await expect(statusLine(d.page)).toHaveText('Agreed by everyone else, waiting for Dan');
	await expect(d.page.getByRole('region', { name: 'In force: version 1' })).toContainText('I won’t lend money for now.');
	await expectNoAxeViolations(d.page);

	await d.page.getByRole('button', { name: 'I’ve read this and agree' }).click();
	for (const each of [d.page, page, b.page]) {
		await expect(statusLine(each)).toHaveText('Agreed by everyone');
		await expect(answersTo(each, 'Version 1 (the first proposal)').getByRole('listitem').last()).toContainText('Dan read it and agreed');
	}
	await expect(d.page.getByRole('heading', { level: 2, name: 'Please read this agreement' })).toHaveCount(0);
	await expect(page.getByRole('region', { name: 'In force: version 1' })).not.toContainText('Waiting for');

	for (const other of [b, d]) {
		await other.context.close();
		expect(other.trouble).toEqual([]);
	}
});

test('someone outside the circle gets the not-found page for its agreements', async ({ page, browser, baseURL }) => {
	const owner = uniqueUser({ displayName: 'Maria' });
	await signUp(page, owner);
	const circleId = await createCircle(page, uniqueCircleName());
	const agreementId = await proposeAgreement(page, circleId, { title: 'Private words', category: 'Self-care', body: 'Only for us.' });

	const stranger = await openSecondBrowser(browser, baseURL!);
	await signUp(stranger.page, uniqueUser({ displayName: 'Stranger' }));
	const agreementPath = `/circles/${circleId}/agreements/${agreementId}`;
	for (const path of [agreementPath, `${agreementPath}/revise`, `/circles/${circleId}/agreements`, `/circles/${circleId}/agreements/new`]) {
		await expectNotFound(stranger.page, path);
		await expect(stranger.page.getByText('Private words')).toHaveCount(0);
	}
	await stranger.context.close();
	expect(stranger.trouble).toEqual([]);
});

test.describe('on a phone', () => {
	test.use({ viewport: { width: 375, height: 667 } });

	test('an agreement page fits the width, with long words, a revision and its changes', async ({ page, baseURL }) => {
		const { circleId } = await circleWith(page, baseURL!, ['Wolfeschlegelsteinhausenbergerdorff'.repeat(2)]);
		const agreementId = await proposeAgreement(page, circleId, {
			title: 'Screen time for Grandmother’s visits',
			category: 'Home & visits',
			body: 'Visits are welcome when arranged the day before. Details: https://example.com/a/rather/long/address/that/goes/on/and/on/without/a/break',
			support: 'Dad texts every Friday to plan the week.',
			consequence: 'We’ll reschedule the visit, kindly.'
		});
		await expectNoHorizontalScroll(page);
		await page.getByRole('link', { name: 'Propose a revision' }).click();
		await expect(page.getByRole('heading', { level: 1, name: 'Propose a revision' })).toBeVisible();
		await expectNoHorizontalScroll(page);
		await agreementFields.body(page).fill('Visits are welcome when arranged two days before. Supercalifragilisticexpialidocious'.repeat(2));
		await page.getByRole('button', { name: 'Propose version 2' }).click();
		await expectPathname(page, `/circles/${circleId}/agreements/${agreementId}`);
		await expect(page.getByRole('heading', { level: 2, name: 'Waiting for answers: Version 2' })).toBeVisible();
		await page.getByRole('button', { name: 'I’d like changes', exact: true }).click();
		await expectFieldError(agreementFields.answerComment(page), 'Please say what you’d like changed, so everyone can work on it.');
		await expectNoHorizontalScroll(page);
		await expectNoAxeViolations(page);
	});
});
