// Kind-words help while writing (issue 20, item 2), in a real browser: a moment after typing
// "You always …" a gentler pattern is offered under the field, "Not now" puts it away, posting is
// never blocked and the words are posted as written; turned off on the account page, nothing is
// offered. Axe-clean with the hint showing, light and dark.
import { expect, expectNoAxeViolations, gotoHydrated, signUp, test, uniqueUser } from './helpers';
import { checkInBy, createCircle, openCheckInForm, openReplies, postCheckIn, uniqueCircleName } from './circle-helpers';

test('a gentler way is offered while writing a check-in, never blocks it, and can be turned off', async ({ page }) => {
	await signUp(page, uniqueUser({ displayName: 'Maria' }));
	const circleName = uniqueCircleName('Kind words');
	const circleId = await createCircle(page, circleName);
	const form = await openCheckInForm(page);
	const words = form.getByLabel(/A few words/);
	const hint = form.getByText('A gentler way?');

	// The help looks at the words a moment after typing stops, and says when it has.
	const lookedAt = form.locator('.kind-words[data-looked-at="true"]');
	await words.fill('We had dinner and talked about the weekend.');
	await expect(lookedAt).toHaveCount(1);
	await expect(hint).toHaveCount(0);

	await words.fill('You always forget to call, and I worry.');
	await expect(hint).toBeVisible();
	await expect(form.getByText(/About “You always”: .*“I” statement/)).toBeVisible();
	await expectNoAxeViolations(page);

	await form.getByRole('button', { name: /Not now/ }).click();
	await expect(hint).toHaveCount(0);
	await words.fill('You always forget to call, and I worry. He is an addict, they said.');
	await expect(form.getByText(/About “addict”/)).toBeVisible();
	await expect(form.getByText(/Instead: a person in recovery/)).toBeVisible();

	// Posting is never blocked, and the words go as written.
	await postCheckIn(page, 'Okay', 'You always forget to call, and I worry.');
	await expect(checkInBy(page, 'You always forget to call, and I worry.')).toBeVisible();
	await expect(hint).toHaveCount(0);

	// A reply too.
	const card = checkInBy(page, 'You always forget to call, and I worry.');
	await openReplies(card);
	await card.getByLabel('Reply to Maria', { exact: true }).fill('Why can’t you just call?');
	await expect(card.getByText(/About “Why can’t you just”/)).toBeVisible();

	// Turned off on the account page: nothing is offered any more.
	await gotoHydrated(page, '/account');
	const choice = page.getByRole('group', { name: 'Suggest gentler words while I write' });
	await choice.getByLabel('No, thank you').check();
	await page.getByRole('region', { name: 'Help while writing' }).getByRole('button', { name: 'Save' }).click();
	await expect(page.getByText('No more suggestions while you write.')).toBeVisible();
	await gotoHydrated(page, `/circles/${circleId}`);
	await openCheckInForm(page);
	await words.fill('You always forget to call.');
	// Off: the help is not there at all, so there is nothing to wait for.
	await expect(form.locator('.kind-words')).toHaveCount(0);
	await expect(hint).toHaveCount(0);
});
