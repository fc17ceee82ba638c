// What the service worker may keep (src/lib/service-worker/cache-policy.ts): an allow-list of the
// versioned build files, a few static files and the offline page. A circle's pages and data, and
// anything of a signed-in person, are never stored and never answered from a cache.
import { describe, expect, it } from 'vitest';
import { render } from 'svelte/server';
import WaitingPosts from '$lib/components/WaitingPosts.svelte';
import {
	KEPT_STATIC_FILES,
	OFFLINE_PAGE,
	PLAN_COPY_CACHE,
	cacheName,
	cachesToDelete,
	handlingOf,
	isPlanCopyPath,
	mayStore,
	precachePaths
} from '$lib/service-worker/cache-policy';

const ORIGIN = 'https://hearth.example';
const BUILD = ['/_app/immutable/entry/start.abc.js', '/_app/immutable/assets/0.def.css', '/_app/version.json'];
const FILES = ['/favicon.svg', '/robots.txt', '/manifest.webmanifest', '/icons/maskable-512.png'];

const allowed = new Set(precachePaths({ build: BUILD, files: FILES, base: '' }));
const get = (path: string, mode = 'cors') => ({ method: 'GET', url: `${ORIGIN}${path}`, mode });

describe('what a version stores when it installs', () => {
	it('is the hashed build files, the kept static files that exist, and the offline page', () => {
		expect([...allowed]).toEqual([
			'/_app/immutable/entry/start.abc.js',
			'/_app/immutable/assets/0.def.css',
			'/favicon.svg',
			'/manifest.webmanifest',
			'/icons/maskable-512.png',
			'/offline'
		]);
		// Not the version file (always asked of the server), not robots.txt, not the offline page’s data.
		for (const path of ['/_app/version.json', '/robots.txt', '/offline/__data.json']) expect(allowed.has(path), path).toBe(false);
	});

	it('keeps the base path of a site served below the root', () => {
		const paths = precachePaths({ build: ['/app/_app/immutable/a.js'], files: ['/app/favicon.svg'], base: '/app' });
		expect(paths).toEqual(['/app/_app/immutable/a.js', '/app/favicon.svg', '/app/offline']);
	});

	it('holds the offline page in development too, where nothing is built or prerendered', () => {
		expect(precachePaths({ build: [], files: FILES, base: '' })).toEqual(['/favicon.svg', '/manifest.webmanifest', '/icons/maskable-512.png', '/offline']);
	});

	it('keeps only public static files: icons, the manifest and the first script of every page', () => {
		expect(
			KEPT_STATIC_FILES.every((path) => /^\/(favicon\.svg|leave-guard\.js|manifest\.webmanifest|apple-touch-icon\.png|icons\/[a-z0-9-]+\.png)$/.test(path))
		).toBe(true);
		expect(OFFLINE_PAGE).toBe('/offline');
	});
});

describe('what the worker does with a request', () => {
	it('answers the allow-listed files of this origin from the cache', () => {
		expect(handlingOf(get('/_app/immutable/entry/start.abc.js'), ORIGIN, allowed)).toBe('cache');
		expect(handlingOf(get('/manifest.webmanifest'), ORIGIN, allowed)).toBe('cache');
		expect(handlingOf(get('/offline', 'navigate'), ORIGIN, allowed)).toBe('cache');
	});

	it('never answers a circle’s pages or data, an account page or the socket from a cache', () => {
		const circle = '/circles/abcdefgh';
		for (const path of [`${circle}/__data.json`, `${circle}/checkins?before=12`, `${circle}/members/__data.json?x-sveltekit-invalidated=01`])
			expect(handlingOf(get(path), ORIGIN, allowed), path).toBe('network');
		expect(handlingOf(get('/socket.io/?EIO=4&transport=polling'), ORIGIN, allowed)).toBe('network');
		expect(handlingOf(get('/_app/version.json'), ORIGIN, allowed)).toBe('network');
		// Pages opened are navigations: from the network, the offline page only when it fails.
		for (const path of [circle, `${circle}/agreements`, '/account', '/circles'])
			expect(handlingOf(get(path, 'navigate'), ORIGIN, allowed), path).toBe('navigate');
	});

	it('leaves posts alone, a form posted without JavaScript too, and other origins and query strings', () => {
		expect(handlingOf({ method: 'POST', url: `${ORIGIN}/circles/abc?/checkIn`, mode: 'navigate' }, ORIGIN, allowed)).toBe('network');
		expect(handlingOf({ method: 'POST', url: `${ORIGIN}/_app/immutable/entry/start.abc.js`, mode: 'cors' }, ORIGIN, allowed)).toBe('network');
		expect(handlingOf(get('/_app/immutable/entry/start.abc.js?fresh'), ORIGIN, allowed)).toBe('network');
		expect(handlingOf({ method: 'GET', url: 'https://elsewhere.example/favicon.svg', mode: 'no-cors' }, ORIGIN, allowed)).toBe('network');
	});
});

describe('what may be stored again when a kept file was evicted', () => {
	const answer = (overrides: Partial<{ status: number; type: string; url: string; cacheControl: string }> = {}) => {
		const { status = 200, type = 'basic', url = `${ORIGIN}/favicon.svg`, cacheControl } = overrides;
		return { status, type, url, headers: { get: (name: string) => (name === 'cache-control' ? (cacheControl ?? null) : null) } };
	};

	it('is a whole answer from that very address on the list', () => {
		expect(mayStore(answer(), '/favicon.svg', ORIGIN, allowed)).toBe(true);
		expect(
			mayStore(
				answer({ url: `${ORIGIN}/_app/immutable/assets/0.def.css`, cacheControl: 'public, max-age=31536000, immutable' }),
				'/_app/immutable/assets/0.def.css',
				ORIGIN,
				allowed
			)
		).toBe(true);
	});

	it('is never an address off the list, a partial or failed answer, a redirect elsewhere, or one marked never to keep', () => {
		expect(mayStore(answer({ url: `${ORIGIN}/circles/abc/__data.json` }), '/circles/abc/__data.json', ORIGIN, allowed)).toBe(false);
		expect(mayStore(answer({ status: 404 }), '/favicon.svg', ORIGIN, allowed)).toBe(false);
		expect(mayStore(answer({ status: 206 }), '/favicon.svg', ORIGIN, allowed)).toBe(false);
		expect(mayStore(answer({ type: 'opaqueredirect' }), '/favicon.svg', ORIGIN, allowed)).toBe(false);
		expect(mayStore(answer({ url: `${ORIGIN}/login?redirectTo=%2Foffline` }), '/offline', ORIGIN, allowed)).toBe(false);
		expect(mayStore(answer({ cacheControl: 'no-store' }), '/favicon.svg', ORIGIN, allowed)).toBe(false);
		expect(mayStore(answer({ cacheControl: 'Private, max-age=60' }), '/favicon.svg', ORIGIN, allowed)).toBe(false);
	});
});

describe('the caches a new version deletes', () => {
	it('is every cache but its own, whoever made it', () => {
		const current = cacheName('1700000000000');
		expect(current).toBe('hearth-1700000000000');
		expect(cachesToDelete(['hearth-1600000000000', current, 'something-else'], current)).toEqual(['hearth-1600000000000', 'something-else']);
		expect(cachesToDelete([current], current)).toEqual([]);
	});

	it('keeps the plan page a person chose to keep on their phone: theirs, not a version’s', () => {
		const current = cacheName('1700000000000');
		expect(cachesToDelete(['hearth-1600000000000', PLAN_COPY_CACHE, current], current)).toEqual(['hearth-1600000000000']);
	});
});

describe('the one opt-in exception: a copy of a circle’s plan page', () => {
	it('is a circle’s plan page only, nothing else of a circle, and never its data', () => {
		expect(isPlanCopyPath('/circles/abcdefgh234567/plan')).toBe(true);
		expect(isPlanCopyPath('/app/circles/abcdefgh234567/plan', '/app')).toBe(true);
		for (const path of [
			'/circles/abcdefgh234567',
			'/circles/abcdefgh234567/agreements',
			'/circles/abcdefgh234567/plan/__data.json',
			'/circles/abcdefgh234567/plan/',
			'/circles/ABC/plan',
			'/circles/../account/plan',
			'/circles/abcdefgh234567/members/plan',
			'/account/plan',
			'/circles/abcdefgh234567/plan?/saveOwn'
		]) {
			expect(isPlanCopyPath(path), path).toBe(false);
		}
	});

	it('is never answered from the cache while online: the plan page is a page like the others', () => {
		expect(handlingOf(get('/circles/abcdefgh234567/plan', 'navigate'), ORIGIN, allowed)).toBe('navigate');
		expect(handlingOf(get('/circles/abcdefgh234567/plan'), ORIGIN, allowed)).toBe('network');
		expect(handlingOf(get('/circles/abcdefgh234567/plan/__data.json'), ORIGIN, allowed)).toBe('network');
	});
});

describe('the offline page’s list of posts waiting to send', () => {
	it('shows nothing at all while nothing is known', () => {
		const { body } = render(WaitingPosts, { props: { posts: [] } });
		expect(body.replace(/<!--[^>]*-->/g, '').trim()).toBe('');
	});

	it('lists each post with what it is and its words', () => {
		const posts = [
			{ key: 'k1', circleId: 'c1', kind: 'checkin' as const, body: 'Made it to work today.', createdAt: Date.now() - 5 * 60_000 },
			{ key: 'k2', circleId: 'c1', kind: 'reply' as const, body: 'Proud of you.', createdAt: Date.now() - 60_000 }
		];
		const { body } = render(WaitingPosts, { props: { posts } });
		expect(body).toContain('Waiting to send');
		expect(body).toMatch(/Check-in · written <time[^>]*>5 minutes ago<\/time>/);
		expect(body).toContain('Made it to work today.');
		expect(body).toMatch(/Reply · written/);
		expect(body.match(/<li/g)).toHaveLength(2);
	});
});
