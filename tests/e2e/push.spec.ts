// Push notification settings on the account page (issue 18, item 3), in Chromium against the
// production build. The browser is never asked for permission on page load, only from the
// explained prompt after a click; each state of this device is shown in words (unsupported,
// blocked with how to undo it, off; "on" needs a push service). What each circle sends and quiet
// hours are saved and shown after a reload, a wrong time is said next to its field, and the
// section is axe-clean at 375 px in both colour schemes.
//
// Headless Chromium here has no push service to reach (no network, no Google Cloud Messaging), so
// pushManager.subscribe cannot succeed: what it can test is the permission (granted with
// context.grantPermissions, or refused), the prompt, and that a failed subscription says so and
// stores nothing. The push itself, from server to decrypted text, is tested in tests/unit/push.test.ts.
import type { Page } from '@playwright/test';
import { createCircle, uniqueCircleName } from './circle-helpers';
import { expect, expectFieldError, expectNoAxeViolations, expectNoHorizontalScroll, gotoHydrated, reloadHydrated, signUp, test, uniqueUser } from './helpers';

const notifications = (page: Page) => page.getByRole('region', { name: 'Notifications' });
const turnOnButton = (page: Page) => notifications(page).getByRole('button', { name: 'Turn on notifications…' });
const permission = (page: Page) => page.evaluate(() => Notification.permission);

test.use({ viewport: { width: 375, height: 800 } });

test('the prompt comes only after a click, explains itself, and the section is axe-clean at 375 px', async ({ page }) => {
	await signUp(page, uniqueUser());
	const circleName = uniqueCircleName();
	await createCircle(page, circleName);
	await gotoHydrated(page, '/account');
	await expect(notifications(page).getByText('Off.', { exact: true })).toBeVisible();
	// Nothing asked the browser on load.
	expect(await permission(page)).toBe('default');
	await expect(notifications(page).getByRole('group', { name: circleName })).toBeVisible();
	await expectNoAxeViolations(page);
	await expectNoHorizontalScroll(page);

	await turnOnButton(page).click();
	const prompt = notifications(page).getByRole('group', { name: 'Turn on notifications here?' });
	await expect(prompt).toContainText('Your browser will now ask');
	await expect(prompt.getByRole('button', { name: 'Ask my browser' })).toBeFocused();
	expect(await permission(page)).toBe('default');
	await expectNoAxeViolations(page);
	await prompt.getByRole('button', { name: 'Not now' }).click();
	await expect(prompt).toHaveCount(0);
	await expect(turnOnButton(page)).toBeFocused();
	// The keyboard alone: Enter opens the prompt, Enter on its focused button asks the browser.
	await page.keyboard.press('Enter');
	await expect(prompt.getByRole('button', { name: 'Ask my browser' })).toBeFocused();
});

test('permission granted, but no push service to reach (headless Chromium here): the page says so and stays off', async ({ page, context, baseURL }) => {
	await context.grantPermissions(['notifications'], { origin: baseURL });
	await signUp(page, uniqueUser());
	await gotoHydrated(page, '/account');
	await turnOnButton(page).click();
	await notifications(page).getByRole('button', { name: 'Ask my browser' }).click();
	await expect(notifications(page).getByRole('alert')).toHaveText('This browser couldn’t reach its push service just now. Please try again later.', {
		timeout: 30_000
	});
	await expect(turnOnButton(page)).toBeVisible();
	await reloadHydrated(page);
	await expect(notifications(page).getByText('Off.', { exact: true })).toBeVisible();
});

/**
 * A stand-in for the browser's push service: pushManager.subscribe answers with a subscription
 * shaped as a real one (a fresh P-256 key and auth secret, an https: endpoint), kept in
 * localStorage so that getSubscription finds it after a reload. Everything after it is real: the
 * POST to Hearth, the row it keeps for this session, the page's state from it.
 */
async function standInPushService(page: Page): Promise<void> {
	await page.addInitScript(() => {
		const KEY = 'e2e-push-subscription';
		const b64 = (bytes: Uint8Array) =>
			btoa(String.fromCharCode(...bytes))
				.replace(/\+/g, '-')
				.replace(/\//g, '_')
				.replace(/=+$/, '');
		const subscriptionOf = (json: PushSubscriptionJSON) =>
			({
				endpoint: json.endpoint,
				toJSON: () => json,
				unsubscribe: async () => {
					localStorage.removeItem(KEY);
					return true;
				}
			}) as unknown as PushSubscription;
		PushManager.prototype.subscribe = async function () {
			const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
			const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
			const json = {
				endpoint: `https://push.example/e2e/${crypto.randomUUID()}`,
				expirationTime: null,
				keys: { p256dh: b64(raw), auth: b64(crypto.getRandomValues(new Uint8Array(16))) }
			};
			localStorage.setItem(KEY, JSON.stringify(json));
			return subscriptionOf(json);
		};
		PushManager.prototype.getSubscription = async function () {
			const kept = localStorage.getItem(KEY);
			return kept ? subscriptionOf(JSON.parse(kept)) : null;
		};
	});
}

test('permission granted, with a stand-in push service: on after the prompt, kept by Hearth across a reload, and off again', async ({
	page,
	context,
	baseURL
}) => {
	await context.grantPermissions(['notifications'], { origin: baseURL });
	await standInPushService(page);
	await signUp(page, uniqueUser());
	await gotoHydrated(page, '/account');
	await turnOnButton(page).click();
	await notifications(page).getByRole('button', { name: 'Ask my browser' }).click();
	await expect(notifications(page).getByRole('status').filter({ hasText: 'Notifications are on for this device.' })).toBeVisible();
	await reloadHydrated(page);
	// "On" comes from the server's row for this session, not only from the browser.
	await expect(notifications(page).getByText('On.', { exact: true })).toBeVisible();
	await expectNoAxeViolations(page);
	await notifications(page).getByRole('button', { name: 'Turn off on this device' }).click();
	await expect(notifications(page).getByRole('status').filter({ hasText: 'Notifications are off for this device.' })).toBeVisible();
	await reloadHydrated(page);
	await expect(turnOnButton(page)).toBeVisible();
});

test('permission refused: the page says notifications are blocked and how to allow them', async ({ page }) => {
	await signUp(page, uniqueUser());
	await gotoHydrated(page, '/account');
	await turnOnButton(page).click();
	await notifications(page).getByRole('button', { name: 'Ask my browser' }).click();
	// Headless Chromium refuses a permission nobody granted; a person would have clicked "Block".
	await expect(notifications(page).getByText('Notifications are blocked for Hearth in this browser.')).toBeVisible();
	await expect(notifications(page)).toContainText('set Notifications to “Allow”, then reload this page');
	await reloadHydrated(page);
	await expect(notifications(page).getByText('Notifications are blocked for Hearth in this browser.')).toBeVisible();
	await expectNoAxeViolations(page);
});

test('a browser without push says so', async ({ page }) => {
	await page.addInitScript(() => {
		delete (window as { PushManager?: unknown }).PushManager;
	});
	await signUp(page, uniqueUser());
	await gotoHydrated(page, '/account');
	await expect(notifications(page)).toContainText('This browser can’t show notifications from Hearth.');
	await expect(turnOnButton(page)).toHaveCount(0);
});

test('what a circle sends and quiet hours are saved and shown after a reload; a wrong time is said next to its field', async ({ page }) => {
	await signUp(page, uniqueUser());
	const circleName = uniqueCircleName();
	await createCircle(page, circleName);
	await gotoHydrated(page, '/account');

	const circle = notifications(page).getByRole('group', { name: circleName });
	await expect(circle.getByRole('radio', { name: 'Everything new' })).toBeChecked();
	await circle.getByRole('radio', { name: 'Only what needs me' }).check();
	await circle.getByRole('checkbox', { name: /Don’t name this circle/ }).check();
	await notifications(page)
		.getByRole('button', { name: `Save for ${circleName}` })
		.click();
	await expect(
		notifications(page)
			.getByRole('status')
			.filter({ hasText: `Saved for ${circleName}.` })
	).toBeVisible();

	const from = notifications(page).getByLabel('From');
	const until = notifications(page).getByLabel('Until');
	await from.fill('22:00');
	await notifications(page).getByRole('button', { name: 'Save times' }).click();
	await expectFieldError(until, 'Please give both times, or leave both empty for no quiet hours.');
	await until.fill('07:00');
	await notifications(page).getByRole('button', { name: 'Save times' }).click();
	await expect(
		notifications(page)
			.getByRole('status')
			.filter({ hasText: /^Saved\.$/ })
	).toBeVisible();
	await expect(until).not.toHaveAttribute('aria-invalid', 'true');

	await reloadHydrated(page);
	const again = notifications(page).getByRole('group', { name: circleName });
	await expect(again.getByRole('radio', { name: 'Only what needs me' })).toBeChecked();
	await expect(again.getByRole('checkbox', { name: /Don’t name this circle/ })).toBeChecked();
	await expect(notifications(page).getByLabel('From')).toHaveValue('22:00');
	await expect(notifications(page).getByLabel('Until')).toHaveValue('07:00');
	await expect(notifications(page).getByLabel('Your time zone')).toHaveValue(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
	await expectNoAxeViolations(page);
});
