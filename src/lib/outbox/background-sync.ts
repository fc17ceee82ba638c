// Background Sync (Chromium's, where there is one): a post kept in the outbox asks the browser to
// wake the service worker once the connection is back, so it is sent even when no Hearth tab is
// open. The worker's `sync` handler calls flush() (src/service-worker.ts). Where there is no
// Background Sync, the pages send it themselves (outbox.svelte.ts), as before.

/** The one sync tag: several posts waiting share it, and one flush sends them all in order. */
export const OUTBOX_SYNC_TAG = 'hearth-outbox';

/** Not in TypeScript's DOM types yet (WICG Background Synchronization). */
interface BackgroundSyncRegistration {
	sync?: { register(tag: string): Promise<void> };
}

/** Asks for a sync once the device is online; does nothing where there is no worker or no Background Sync. */
export async function askForBackgroundSync(): Promise<void> {
	if (typeof navigator === 'undefined' || !navigator.serviceWorker) return;
	try {
		// getRegistration, not `ready`: `ready` never settles where no worker was registered (a dev server without one).
		const registration = (await navigator.serviceWorker.getRegistration()) as (ServiceWorkerRegistration & BackgroundSyncRegistration) | undefined;
		if (registration?.active) await registration.sync?.register(OUTBOX_SYNC_TAG);
	} catch {
		// Refused (no permission, a private window): the pages send it when they can.
	}
}
