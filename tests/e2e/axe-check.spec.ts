// The accessibility check every spec leans on (expectNoAxeViolations) must be able to fail: it runs
// axe-core in the page itself, and its dark pass runs only the colour rules, so both are tried here.
import { expect, test } from '@playwright/test';
import { expectNoAxeViolations } from './helpers';

test('an image with no text alternative fails the check', async ({ page }) => {
	await page.goto('/help');
	await expectNoAxeViolations(page);
	await page.evaluate(() => document.querySelector('main')!.insertAdjacentHTML('beforeend', '<img src="/favicon.png">'));
	await expect(expectNoAxeViolations(page)).rejects.toThrow(/image-alt/);
});

test.describe('with a style added by the test', () => {
	// Hearth's CSP allows no inline style: the test's own stylesheet needs it lifted.
	test.use({ bypassCSP: true });

	test('text too faint only in the dark scheme fails the dark pass', async ({ page }) => {
		await page.goto('/help');
		await page.addStyleTag({ content: '@media (prefers-color-scheme: dark) { main p { color: #333 !important; } }' });
		await expectNoAxeViolations(page, { schemes: ['light'] });
		await expect(expectNoAxeViolations(page)).rejects.toThrow(/dark scheme[\s\S]*color-contrast/);
	});
});
