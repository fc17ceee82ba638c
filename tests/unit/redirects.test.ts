import { describe, expect, it } from 'vitest';
import { loginUrlFor, safeRedirectPath } from '$lib/server/auth/redirects';

describe('where to go after logging in', () => {
	it('keeps paths on this site, with their query and hash', () => {
		expect(safeRedirectPath('/account')).toBe('/account');
		expect(safeRedirectPath('/circles/abc?tab=feed#top')).toBe('/circles/abc?tab=feed#top');
	});

	it.each([
		['another site', 'https://evil.example/'],
		['a protocol-relative address', '//evil.example/path'],
		['a backslash trick', '/\\evil.example'],
		['a script', 'javascript:alert(1)'],
		['a relative path', 'account'],
		['nothing', ''],
		['null', null]
	])('falls back to "Your circles" for %s', (_, target) => {
		expect(safeRedirectPath(target)).toBe('/circles');
	});

	it('builds a login address that comes back to the page', () => {
		expect(loginUrlFor(new URL('http://h.test/account?x=1'))).toBe('/login?redirectTo=%2Faccount%3Fx%3D1');
		expect(loginUrlFor(new URL('http://h.test/'))).toBe('/login');
	});
});
