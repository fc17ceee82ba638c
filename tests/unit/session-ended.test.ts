// After the server ends this tab's session, the page's data is read again, but never in place of
// a navigation under way: after "Delete my account" that reload replaced the redirect to /goodbye
// and took the person to the login page (seen in tests/e2e/account-deletion.spec.ts).
import { describe, expect, it } from 'vitest';
import { reloadAfterSessionEnded } from '$lib/realtime/session-ended';

/**
 * SvelteKit's client as far as this matters, signed out: a reload of the data takes the place of
 * a navigation under way (which is then aborted) and loads the page it was leaving; a signed-in
 * page's load sends a signed-out reader to the login page.
 */
function signedOutKit(start: string) {
	const where = (path: string) => (path === '/goodbye' ? path : `/login?redirectTo=${encodeURIComponent(path)}`);
	let url = start;
	let under: { to: string; done: Promise<void>; settle: (ok: boolean) => void } | null = null;
	const reloads: string[] = [];
	return {
		get url() {
			return url;
		},
		reloads,
		navigate(to: string) {
			let settle!: (ok: boolean) => void;
			const done = new Promise<void>((resolve, reject) => (settle = (ok) => (ok ? resolve() : reject(new Error('navigation aborted')))));
			done.catch(() => {});
			under = { to, done, settle };
		},
		finishNavigation() {
			if (!under) return;
			const { to, settle } = under;
			under = null;
			url = where(to);
			settle(true);
		},
		router: {
			navigation: () => under?.done ?? null,
			reload: async () => {
				reloads.push(url);
				if (under) {
					under.settle(false);
					under = null;
				}
				await Promise.resolve();
				url = where(url);
			}
		}
	};
}

describe('reading the data again after the session ended', () => {
	it('lets the redirect to /goodbye finish, then reloads /goodbye (a plain reload ends on the login page)', async () => {
		const plain = signedOutKit('/account/delete');
		plain.navigate('/goodbye');
		await plain.router.reload();
		plain.finishNavigation();
		expect(plain.url).toBe('/login?redirectTo=%2Faccount%2Fdelete');

		const kit = signedOutKit('/account/delete');
		kit.navigate('/goodbye');
		const reloaded = reloadAfterSessionEnded(kit.router);
		await Promise.resolve();
		expect(kit.reloads).toEqual([]);
		kit.finishNavigation();
		await reloaded;
		expect(kit.url).toBe('/goodbye');
		expect(kit.reloads).toEqual(['/goodbye']);
	});

	it('reloads at once when nothing is navigating', async () => {
		const kit = signedOutKit('/circles');
		await reloadAfterSessionEnded(kit.router);
		expect(kit.reloads).toEqual(['/circles']);
		expect(kit.url).toBe('/login?redirectTo=%2Fcircles');
	});

	it('waits for a navigation that started during the reload', async () => {
		const kit = signedOutKit('/account/delete');
		let navigationSeen = false;
		const router = {
			navigation: kit.router.navigation,
			reload: async () => {
				await kit.router.reload();
				kit.navigate('/goodbye');
			}
		};
		const reloaded = reloadAfterSessionEnded(router).then(() => (navigationSeen = true));
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(navigationSeen).toBe(false);
		kit.finishNavigation();
		await reloaded;
		expect(kit.url).toBe('/goodbye');
	});
});
