// The guard that runs first on every page (static/leave-guard.js, plain JavaScript outside the
// build) must send people to the same everyday site, and read the same mark, as "Leave quickly".
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LEFT_QUICKLY_KEY, QUICK_EXIT_URL } from '$lib/quick-exit/quick-exit';
import { KEPT_STATIC_FILES } from '$lib/service-worker/cache-policy';

const guard = readFileSync(new URL('../../static/leave-guard.js', import.meta.url), 'utf8');
const appHtml = readFileSync(new URL('../../src/app.html', import.meta.url), 'utf8');

describe('leave-guard.js', () => {
	it('goes where "Leave quickly" goes, and reads the mark it leaves', () => {
		expect(QUICK_EXIT_URL).toMatch(/^https:\/\//);
		expect(guard).toContain(`var QUICK_EXIT_URL = '${QUICK_EXIT_URL}';`);
		expect(guard).toContain(`var KEY = '${LEFT_QUICKLY_KEY}';`);
	});

	it('is the first script of every page, before anything of the page, and kept for the offline page', () => {
		const head = appHtml.slice(0, appHtml.indexOf('%sveltekit.head%'));
		expect(head).toContain('<script src="%sveltekit.assets%/leave-guard.js"></script>');
		expect(head.indexOf('leave-guard.js')).toBeLessThan(head.indexOf('<link'));
		expect(KEPT_STATIC_FILES).toContain('/leave-guard.js');
	});
});
