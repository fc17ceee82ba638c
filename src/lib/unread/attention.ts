// The total of new things, where a person sees it without opening Hearth: in the tab's title
// ("(3) Your circles · Hearth") and on the installed app's icon (the Badging API, where the
// browser has it). Pages set their own titles; this puts the total in front of whichever is shown.
import { unreadLabel } from '$lib/unread';

/** What goes in front of the page's own title: "(3) ", "(99+) ", or nothing for 0. */
export function titlePrefix(total: number): string {
	return total > 0 ? `(${unreadLabel(total)}) ` : '';
}

interface BadgingNavigator {
	setAppBadge?: (count?: number) => Promise<void>;
	clearAppBadge?: () => Promise<void>;
}

/** The app icon's badge: the total, or none. Where the browser has no Badging API, nothing. */
export function showBadge(total: number): void {
	const badging = navigator as Navigator & BadgingNavigator;
	const done = total > 0 ? badging.setAppBadge?.(total) : badging.clearAppBadge?.();
	// Refused (not installed, or not allowed): the title still shows it.
	done?.catch(() => {});
}

/**
 * Keeps the total in the tab's title while the page changes its title (each page sets its own
 * on navigation, Svelte writes it again when its words change). Returns the stop.
 */
export function keepTotalInTitle(total: () => number): { update(): void; stop(): void } {
	// The prefix this put there last: taken off again before the next one goes on.
	let shown = '';
	const set = (prefix: string) => {
		const title = document.title;
		const bare = shown && title.startsWith(shown) ? title.slice(shown.length) : title;
		shown = prefix;
		if (document.title !== prefix + bare) document.title = prefix + bare;
	};
	const update = () => set(titlePrefix(total()));
	const observer = new MutationObserver(update);
	observer.observe(document.head, { childList: true, subtree: true, characterData: true });
	update();
	return {
		update,
		stop() {
			observer.disconnect();
			set('');
		}
	};
}
