// "Leave quickly": for someone who must hide, at once, that they were in Hearth (a person nearby
// who should not see it). The page is emptied and replaced by an ordinary site in the same tab,
// and every Hearth page this tab could go back (or forward) to sends itself on to that site too
// (static/leave-guard.js, which runs before a page shows anything). What it cannot hide (the
// browser's history list, other tabs, the installed app's window) is said on the help page.

/** Where "Leave quickly" goes: an everyday site that says nothing about Hearth. static/leave-guard.js has the same address. */
export const QUICK_EXIT_URL = 'https://weather.com/';

/** Set in this tab when leaving; static/leave-guard.js reads it. */
export const LEFT_QUICKLY_KEY = 'hearth:left-quickly';

/** Escape pressed this many times within PRESS_WINDOW_MS leaves too, wherever the focus is. */
export const ESCAPE_PRESSES = 3;
const PRESS_WINDOW_MS = 1500;

export function leaveQuickly(): void {
	try {
		sessionStorage.setItem(LEFT_QUICKLY_KEY, String(Date.now()));
	} catch {
		// Storage refused (a private mode): leaving still happens, only the way back is not guarded.
	}
	// Nothing of the page stays to be seen: not while the other site loads, not in the tab
	// switcher's picture, not in a copy the browser keeps to go back to.
	document.title = '';
	document.body.replaceChildren();
	location.replace(QUICK_EXIT_URL);
}

/** Counts Escape presses (from anywhere in the page, before anything else handles them); returns the cleanup. */
export function leaveOnRepeatedEscape(target: Window = window): () => void {
	let presses: number[] = [];
	function onKeydown(event: KeyboardEvent) {
		if (event.key !== 'Escape' || event.repeat) return;
		const now = event.timeStamp;
		presses = [...presses.filter((at) => now - at < PRESS_WINDOW_MS), now];
		if (presses.length >= ESCAPE_PRESSES) leaveQuickly();
	}
	target.addEventListener('keydown', onKeydown, { capture: true });
	return () => target.removeEventListener('keydown', onKeydown, { capture: true });
}
