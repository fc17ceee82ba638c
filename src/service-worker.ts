// Hearth's service worker: makes Hearth installable and gives a kind page instead of the
// browser's error when the network fails. What it may keep is an allow-list, decided in
// $lib/service-worker/cache-policy.ts: the versioned build files, a few static files and the
// offline page. Circle pages, circle data and anything of a signed-in person are never stored,
// with one opt-in exception: the plan page a person chose to keep a copy of (PLAN_COPY_CACHE),
// stored by the page itself and answered here only when the network fails.
//
// A new version installs beside the running one and waits: the page offers "A new version of
// Hearth is ready — Reload" ($lib/service-worker/app-update.svelte.ts), and only when the person
// chooses it does the new worker take over (SKIP_WAITING) and delete the old caches.
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/// <reference types="@sveltejs/kit" />
import { base, build, files, version } from '$service-worker';
import { flush, OUTBOX_SYNC_TAG } from '$lib/outbox';
import {
	OFFLINE_PAGE,
	PLAN_COPY_CACHE,
	SKIP_WAITING,
	cacheName,
	cachesToDelete,
	handlingOf,
	isPlanCopyPath,
	mayStore,
	precachePaths
} from '$lib/service-worker/cache-policy';
import { readPushMessage, ownPath } from '$lib/service-worker/notifications';

const worker = self as unknown as ServiceWorkerGlobalScope;

const CACHE = cacheName(version);
const PRECACHE = precachePaths({ build, files, base });
const ALLOWED: ReadonlySet<string> = new Set(PRECACHE);

worker.addEventListener('install', (event) => {
	// All or nothing: a version missing a file never becomes the one that answers.
	event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

worker.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			const names = await caches.keys();
			await Promise.all(cachesToDelete(names, CACHE).map((name) => caches.delete(name)));
			// The page's own request for a navigation starts while this worker wakes up.
			await worker.registration.navigationPreload?.enable();
			// A first install takes the open pages at once (an update gets them by SKIP_WAITING).
			await worker.clients.claim();
		})()
	);
});

worker.addEventListener('message', (event) => {
	if (event.data?.type === SKIP_WAITING) void worker.skipWaiting();
});

worker.addEventListener('fetch', (event) => {
	const handling = handlingOf(event.request, worker.location.origin, ALLOWED);
	if (handling === 'cache') event.respondWith(fromCache(event.request));
	else if (handling === 'navigate') event.respondWith(navigation(event));
	// 'network': no respondWith, so the browser sends it as if there were no worker.
});

async function fromCache(request: Request): Promise<Response> {
	const cache = await caches.open(CACHE);
	const kept = await cache.match(request);
	if (kept) return kept;
	// Evicted (or never stored): ask again, and keep it if it is what the list means.
	const response = await fetch(request);
	const path = new URL(request.url).pathname;
	if (mayStore(response, path, worker.location.origin, ALLOWED)) await cache.put(request, response.clone());
	return response;
}

/**
 * A page: from the network and never stored. When there is no answer at all: the person's own
 * copy of that plan page if they chose to keep one, else the offline page.
 */
async function navigation(event: FetchEvent): Promise<Response> {
	try {
		const preloaded = (await event.preloadResponse) as Response | undefined;
		return preloaded ?? (await fetch(event.request));
	} catch (error) {
		const path = new URL(event.request.url).pathname;
		if (isPlanCopyPath(path, base)) {
			const copy = await caches.match(path, { cacheName: PLAN_COPY_CACHE });
			if (copy) return copy;
		}
		const offline = await caches.match(`${base}${OFFLINE_PAGE}`, { cacheName: CACHE });
		if (offline) return offline;
		throw error;
	}
}

// Background Sync: what waits in the outbox is sent once the connection is back, also with no
// Hearth tab open (the pages ask for it: $lib/outbox/background-sync.ts). Open tabs hear of it on
// the outbox's BroadcastChannel. Sending stopped by the network or the server fails the event, so
// the browser tries again later; stopped because nobody is signed in, it waits for a page.
/** A `sync` event (not in TypeScript's worker types yet). */
interface SyncEvent extends ExtendableEvent {
	readonly tag: string;
}

worker.addEventListener('sync', (event) => {
	const sync = event as SyncEvent;
	if (sync.tag === OUTBOX_SYNC_TAG) sync.waitUntil(sendWaitingPosts());
});

async function sendWaitingPosts(): Promise<void> {
	const { stopped } = await flush({ origin: worker.location.origin });
	if (stopped && stopped !== 'signed-out') throw new Error(`Posts still wait to be sent (${stopped}).`);
}

// Push notifications (issue 18, item 3). The server decides what a push says (never health
// information: src/lib/server/push/messages.ts); one notification per circle (its tag), a newer one
// replacing the older. A click focuses a Hearth window already open (and takes it to the page) or
// opens one. Nothing about a push is stored.
worker.addEventListener('push', (event) => {
	let data: unknown;
	try {
		data = event.data?.json() ?? null;
	} catch {
		data = null; // not JSON: the plain fallback is shown
	}
	const message = readPushMessage(data);
	event.waitUntil(
		worker.registration.showNotification(message.title, {
			body: message.body,
			tag: message.tag,
			data: { url: message.url },
			icon: `${base}/icons/icon-192.png`,
			badge: `${base}/icons/maskable-192.png`
		})
	);
});

worker.addEventListener('notificationclick', (event) => {
	event.notification.close();
	const path = ownPath((event.notification.data as { url?: unknown } | null)?.url) ?? '/circles';
	const target = new URL(`${base}${path}`, worker.location.origin).href;
	event.waitUntil(
		(async () => {
			const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
			const open = windows.find((client) => new URL(client.url).origin === worker.location.origin);
			if (open) {
				const focused = await open.focus();
				if (focused.url !== target) await focused.navigate(target).catch(() => null);
				return;
			}
			await worker.clients.openWindow(target);
		})()
	);
});

/** The browser replaced the subscription (it expired, or the push service rotated it): tell Hearth. */
worker.addEventListener('pushsubscriptionchange', (event) => {
	const change = event as ExtendableEvent & { oldSubscription?: PushSubscription | null; newSubscription?: PushSubscription | null };
	change.waitUntil(
		(async () => {
			let renewed = change.newSubscription ?? null;
			if (!renewed) {
				const key = change.oldSubscription?.options.applicationServerKey ?? (await publicKey());
				if (!key) return;
				renewed = await worker.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
			}
			// Same origin: the session cookie goes with it. Signed out, Hearth answers 404 and keeps nothing.
			await fetch(`${base}/push/subscription`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ subscription: renewed.toJSON(), replaces: change.oldSubscription?.endpoint })
			});
		})().catch(() => {})
	);
});

async function publicKey(): Promise<string | null> {
	const response = await fetch(`${base}/push`);
	if (!response.ok) return null;
	return ((await response.json()) as { publicKey: string | null }).publicKey;
}
