// "Keep a copy on this phone" for a circle's plan page: the page itself (as the server renders it,
// its data inside) is stored in its own cache (PLAN_COPY_CACHE), and the service worker answers
// that one address from it only when the network fails (src/service-worker.ts). It is the
// person's choice and theirs only: turning it off removes it, and so does logging out or another
// person signing in on this device (forgetPlanCopiesUnlessOwnedBy, from the root layout).
import { PLAN_COPY_CACHE, isPlanCopyPath } from './cache-policy';

/** Whose copies the cache holds (they are all one person's). */
const OWNER_KEY = 'hearth:plan-copy-owner';

export function planCopyAvailable(): boolean {
	return typeof caches !== 'undefined' && typeof localStorage !== 'undefined' && 'serviceWorker' in navigator;
}

/** Stores the page at `path` as it is now, for `userId`. False when it could not be fetched. */
export async function keepPlanCopy(path: string, userId: string): Promise<boolean> {
	if (!planCopyAvailable() || !isPlanCopyPath(path)) return false;
	const response = await fetch(path, { credentials: 'same-origin', headers: { accept: 'text/html' } });
	// A log-in page or an error is no copy of the plan.
	if (!response.ok || response.redirected || !(response.headers.get('content-type') ?? '').includes('text/html')) return false;
	localStorage.setItem(OWNER_KEY, userId);
	const cache = await caches.open(PLAN_COPY_CACHE);
	await cache.put(path, response);
	return true;
}

export async function dropPlanCopy(path: string): Promise<void> {
	if (!planCopyAvailable()) return;
	await (await caches.open(PLAN_COPY_CACHE)).delete(path);
}

export async function hasPlanCopy(path: string): Promise<boolean> {
	if (!planCopyAvailable() || !(await caches.has(PLAN_COPY_CACHE))) return false;
	return (await (await caches.open(PLAN_COPY_CACHE)).match(path)) !== undefined;
}

/** Nobody signed in, or someone else: every copy goes. */
export async function forgetPlanCopiesUnlessOwnedBy(userId: string | null): Promise<void> {
	if (!planCopyAvailable()) return;
	const owner = localStorage.getItem(OWNER_KEY);
	if (owner !== null && owner === userId) return;
	if (owner === null && !(await caches.has(PLAN_COPY_CACHE))) return;
	await caches.delete(PLAN_COPY_CACHE);
	localStorage.removeItem(OWNER_KEY);
}
