// When the server says this tab's session ended, the page's data is read again: it then shows the
// login form, or this device carries on with a new session (after a password change). SvelteKit
// lets a reload of the data take the place of a navigation under way, and what it reloads is the
// page being left. After "Delete my account" that sent the person to /login instead of /goodbye:
// the deletion's redirect was still loading when the socket's word arrived, and reloading
// /account/delete, now signed out, redirected to the login page. So a navigation under way
// finishes first (it reads the session itself), and the reload is of wherever it landed.

export interface SessionEndedRouter {
	/** Settles when the navigation under way is done (or replaced); null when there is none. */
	navigation(): Promise<unknown> | null;
	/** Reads the current page's data again (SvelteKit's invalidateAll). */
	reload(): Promise<void>;
}

async function navigationsDone(router: SessionEndedRouter): Promise<void> {
	let waited: Promise<unknown> | null = null;
	for (let under = router.navigation(); under && under !== waited; under = router.navigation()) {
		waited = under;
		await under.catch(() => {});
	}
}

/** Reads the page's data again once no navigation is under way (see above). */
export async function reloadAfterSessionEnded(router: SessionEndedRouter): Promise<void> {
	await navigationsDone(router);
	await router.reload();
	// A navigation that started meanwhile took the reload's place: it is what the page will show.
	await navigationsDone(router);
}
