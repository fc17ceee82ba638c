// What Hearth's service worker (src/service-worker.ts) may keep in Cache Storage, and what it does
// with each request. Pure functions, so the rules can be tested without a browser.
//
// The rule: an allow-list. Only the versioned build files (their names hold a hash of their bytes,
// and they say nothing about anyone), a few named static files (icons, the manifest) and the
// prerendered offline page are ever stored. A circle's pages, its data (`__data.json`, the check-ins
// JSON, the socket), account pages and any answer for a signed-in person are private, and stale
// private data is worse than none: they are never stored, whatever they are, because they are not
// on the list. Everything not on the list goes to the network untouched.

/** The prerendered page a navigation gets when the network fails (src/routes/offline). */
export const OFFLINE_PAGE = '/offline';

/** Static files worth keeping for the installed app and the offline page (all public, none private). */
export const KEPT_STATIC_FILES: readonly string[] = [
	'/favicon.svg',
	// Every page's first script ("Leave quickly": app.html), the offline page's too.
	'/leave-guard.js',
	'/manifest.webmanifest',
	'/apple-touch-icon.png',
	'/icons/icon-192.png',
	'/icons/icon-512.png',
	'/icons/maskable-192.png',
	'/icons/maskable-512.png'
];

/**
 * The one exception to "a circle's pages are never stored", and only by the person's own choice:
 * "Keep a copy on this phone" on a circle's plan page (src/lib/service-worker/plan-copy.ts) keeps
 * that one page, to open when there is no connection. Turning it off, logging out or another
 * person signing in on the device removes it. It is no version's cache, so an update keeps it.
 */
export const PLAN_COPY_CACHE = 'hearth-plan-copy';

/** A circle's plan page, the only page that copy may hold. */
export function isPlanCopyPath(path: string, base = ''): boolean {
	return path.startsWith(`${base}/`) && /^\/circles\/[a-z2-7]{1,64}\/plan$/.test(path.slice(base.length));
}

/** Every cache of this app's starts so: the current one is `hearth-<version>`. */
const CACHE_PREFIX = 'hearth-';

export function cacheName(version: string): string {
	return `${CACHE_PREFIX}${version}`;
}

/**
 * The caches to delete once a version takes over: every one but its own (and the person's plan
 * copy, which is theirs, not a version's), whoever made it. The
 * origin's Cache Storage is Hearth's alone, and an old cache is either stale or, were a past
 * version ever to have stored something it should not have, private.
 */
export function cachesToDelete(names: readonly string[], current: string): string[] {
	return names.filter((name) => name !== current && name !== PLAN_COPY_CACHE);
}

interface BuildManifest {
	/** `$service-worker` build: every file Vite wrote. */
	build: readonly string[];
	/** `$service-worker` files: everything in static/. */
	files: readonly string[];
	/** `$service-worker` base: '' at the root of the site. */
	base: string;
}

/**
 * The paths to store when a version installs: the content-hashed build files under
 * /_app/immutable/ (not /_app/version.json, which must always be asked of the server), the kept
 * static files that exist, and the offline page (prerendered by the build; rendered by the dev
 * server in development). Storing is all or nothing (cache.addAll): a version whose offline page
 * cannot be fetched never installs, rather than answer a failed navigation with nothing.
 */
export function precachePaths({ build, files, base }: BuildManifest): string[] {
	const immutable = build.filter((path) => path.startsWith(`${base}/_app/immutable/`));
	const kept = KEPT_STATIC_FILES.map((path) => `${base}${path}`).filter((path) => files.includes(path));
	return [...new Set([...immutable, ...kept, `${base}${OFFLINE_PAGE}`])];
}

export type Handling =
	/** Answered from the cache (stored when it installed); from the network if it has gone. */
	| 'cache'
	/** A page opened: from the network, never stored; the offline page when the network fails. */
	| 'navigate'
	/** Not the worker's business: the browser sends it as if there were no worker. */
	| 'network';

interface RequestLike {
	method: string;
	url: string;
	mode: string;
}

/**
 * What the worker does with a request. Only a GET for exactly an allow-listed address of this
 * origin (no query string: `?x` would make a new entry, and nothing on the list takes one) comes
 * from the cache. GET navigations get the offline page when the network fails; a form posted
 * without JavaScript (a POST navigation) is left to the browser, which keeps the form's words.
 */
export function handlingOf(request: RequestLike, origin: string, allowed: ReadonlySet<string>): Handling {
	if (request.method !== 'GET') return 'network';
	const url = new URL(request.url);
	if (url.origin !== origin) return 'network';
	if (url.search === '' && allowed.has(url.pathname)) return 'cache';
	if (request.mode === 'navigate') return 'navigate';
	return 'network';
}

interface ResponseLike {
	status: number;
	type: string;
	url: string;
	headers: { get(name: string): string | null };
}

/**
 * Whether an answer fetched again for an allow-listed address (its cached copy was evicted) may be
 * stored: a whole (200), same-origin answer from that very address (not redirected elsewhere, say to
 * a log-in page), that its server did not mark as never to be kept.
 */
export function mayStore(response: ResponseLike, path: string, origin: string, allowed: ReadonlySet<string>): boolean {
	if (!allowed.has(path) || response.status !== 200 || response.type !== 'basic') return false;
	const url = new URL(response.url);
	if (url.origin !== origin || url.pathname !== path || url.search !== '') return false;
	const cacheControl = (response.headers.get('cache-control') ?? '').toLowerCase();
	return !/\b(no-store|private)\b/.test(cacheControl);
}

/** What the page sends the waiting worker when the person chose to reload into the new version. */
export const SKIP_WAITING = 'hearth:skip-waiting';
