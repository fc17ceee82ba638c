// The page's side of the service worker: registers it, and notices when a new version of Hearth
// has installed and waits to take over. Then it offers to reload (UpdateNotice.svelte); nothing
// reloads unless the person chooses it, so nobody loses what they are typing.
import { dev } from '$app/environment';
import { SKIP_WAITING } from './cache-policy';

/** How often a page left open (a phone's tab, an installed app) asks whether there is a new version. */
const CHECK_EVERY_MS = 60 * 60 * 1000;

export class AppUpdate {
	/** A new version is installed and waiting, or already took over from another tab. */
	ready = $state(false);

	#registration: ServiceWorkerRegistration | null = null;
	#reloadChosen = false;
	#lastCheck = Date.now();
	#stop: Array<() => void> = [];

	/** Registers the worker once the page has loaded (so it never competes with the page itself). */
	start(): () => void {
		if (!('serviceWorker' in navigator)) return () => {};
		const container = navigator.serviceWorker;
		// The first worker to control the page (a first install claiming it) brings nothing new; any
		// change of controller after that is a new version taking over (here after Reload, or from
		// another tab, when this page still runs the old one).
		let controlled = container.controller !== null;
		const onControllerChange = () => {
			if (this.#reloadChosen) location.reload();
			else if (controlled) this.ready = true;
			controlled = true;
		};
		container.addEventListener('controllerchange', onControllerChange);
		this.#stop.push(() => container.removeEventListener('controllerchange', onControllerChange));

		const register = () => {
			container
				.register('/service-worker.js', { type: dev ? 'module' : 'classic' })
				.then((registration) => this.#watch(registration))
				.catch((error) => console.warn('Hearth could not start its service worker; it works as before without one.', error));
		};
		if (document.readyState === 'complete') register();
		else {
			addEventListener('load', register, { once: true });
			this.#stop.push(() => removeEventListener('load', register));
		}

		const onVisible = () => {
			if (document.visibilityState !== 'visible' || Date.now() - this.#lastCheck < CHECK_EVERY_MS) return;
			this.#lastCheck = Date.now();
			this.#registration?.update().catch(() => {});
		};
		document.addEventListener('visibilitychange', onVisible);
		this.#stop.push(() => document.removeEventListener('visibilitychange', onVisible));
		return () => this.#stop.splice(0).forEach((stop) => stop());
	}

	/** Reload into the new version: the waiting worker takes over first, then the page reloads. */
	reload(): void {
		this.#reloadChosen = true;
		const waiting = this.#registration?.waiting;
		if (waiting) waiting.postMessage({ type: SKIP_WAITING });
		else location.reload(); // it already took over (from another tab): this page is the old one
	}

	dismiss(): void {
		this.ready = false;
	}

	#watch(registration: ServiceWorkerRegistration): void {
		this.#registration = registration;
		// A first install (nothing controls the page yet) is no new version: nothing to offer.
		const offerIfWaiting = () => {
			if (registration.waiting && navigator.serviceWorker.controller) this.ready = true;
		};
		const track = (installing: ServiceWorker | null) => {
			installing?.addEventListener('statechange', () => {
				if (installing.state === 'installed') offerIfWaiting();
			});
		};
		offerIfWaiting();
		track(registration.installing);
		const onUpdateFound = () => track(registration.installing);
		registration.addEventListener('updatefound', onUpdateFound);
		this.#stop.push(() => registration.removeEventListener('updatefound', onUpdateFound));
	}
}
