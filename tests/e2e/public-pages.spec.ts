// Pages and endpoints anyone can reach: help and crisis lines, the friendly 404, the health check,
// and the security headers every page carries.
import { expect, expectNoAxeViolations, expectSignedOut, test } from './helpers';

test('the help page is public and gives 988 and 911', async ({ page }) => {
	const response = await page.goto('/help');
	expect(response?.status()).toBe(200);
	await expect(page).toHaveURL(/\/help$/);
	await expectSignedOut(page);
	await expect(page.getByRole('heading', { level: 1, name: 'Help, right now' })).toBeVisible();
	await expect(page.getByRole('main').getByRole('link', { name: '988', exact: true })).toHaveAttribute('href', 'tel:988');
	await expect(page.getByRole('main').getByRole('link', { name: '911', exact: true })).toHaveAttribute('href', 'tel:911');
	await expectNoAxeViolations(page);
});

test('every page links to the crisis lines', async ({ page }) => {
	await page.goto('/login');
	const crisis = page.getByRole('banner').getByRole('link', { name: /988.*911/ });
	await expect(crisis).toHaveAccessibleName('Crisis help: call or text 988 · Overdose: call 911');
	await crisis.click();
	await expect(page).toHaveURL(/\/help$/);
	await expect(page.getByRole('heading', { level: 1, name: 'Help, right now' })).toBeVisible();
});

test('an unknown address shows the friendly 404 page with status 404', async ({ page }) => {
	const response = await page.goto('/there-is-no-such-page');
	expect(response?.status()).toBe(404);
	await expect(page.getByRole('heading', { level: 1, name: 'We couldn’t find that page' })).toBeVisible();
	await expect(page).toHaveTitle('Page not found · Hearth');
	await expect(page.getByRole('link', { name: 'Go to the start page' })).toHaveAttribute('href', '/');
	await expectNoAxeViolations(page);
});

test('GET /healthz answers 200 {"ok":true,"database":true}, and (one server only) that it runs every background job', async ({ request }) => {
	const response = await request.get('/healthz');
	expect(response.status()).toBe(200);
	expect(response.headers()['content-type']).toContain('application/json');
	expect(await response.json()).toEqual({ ok: true, database: true, leader: { 'milestone-clock': true, housekeeping: true, 'checkin-reminder': true } });
});

for (const path of ['/', '/login', '/help', '/there-is-no-such-page']) {
	test(`${path} is sent with the security headers`, async ({ request }) => {
		const response = await request.get(path);
		expect(response.status()).toBeLessThan(500);
		const headers = response.headers();
		const csp = headers['content-security-policy'] ?? '';
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).toContain("default-src 'self'");
		expect(csp).toContain("object-src 'none'");
		expect(headers['x-content-type-options']).toBe('nosniff');
		expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
		expect(headers['x-frame-options']).toBe('DENY');
	});
}
