// What Hearth says while it cannot reach its database (PostgreSQL stopped, restarting, or cut off
// by the network): one status and one set of words, for pages, forms and the live connection.
// Nothing the person did caused it, nothing is saved meanwhile, and it passes by itself.

/** The status of every answer that could not be given because the database is away. */
export const UNAVAILABLE_STATUS = 503;

/** How long a client is asked to wait before trying again (Retry-After, in seconds). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** The error page's heading. */
export const UNAVAILABLE_TITLE = 'Hearth can’t reach its records right now';

/** The error's message (the page's words, what a form or a script is told). */
export const UNAVAILABLE_MESSAGE = 'Hearth can’t reach its records right now, so nothing was saved. Please try again in a moment.';

/** What a live connection is told when its session cannot be checked; the page tries again by itself. */
export const UNAVAILABLE_LIVE_MESSAGE = 'Hearth can’t reach its records right now; this page will try again by itself.';

/** What a catch-up is told when the log cannot be read; the page asks again by itself after a wait. */
export const UNAVAILABLE_CATCH_UP_MESSAGE = 'Hearth can’t reach its records right now; this page will ask again by itself.';

/**
 * The error's message when the connection was lost while the change was being committed: it may
 * have been saved, so nobody is told it was not (and sends it twice without looking first).
 */
export const UNSURE_MESSAGE =
	'Hearth lost touch with its records just as it was saving this, so it may have been saved. Please look for it in a moment before sending it again.';

/**
 * Words a person sent in a form without JavaScript that could not be saved: the 503 page shows
 * them back to copy (server/http/sent-words.ts), with what the field is called.
 */
export interface SentWords {
	label: string;
	text: string;
}

/** A form's line for UNSURE_MESSAGE (no "wasn’t saved" before it: it may have been). */
export function unsureLine(keeps: boolean): string {
	return `${UNSURE_MESSAGE.slice(0, -1)}${keeps ? ': what you wrote is still here' : ''}.`;
}

/** A form's line when it was refused for that: what did not happen (`lost`), then why and what to do. */
export function unavailableLine(lost: string, keeps: boolean): string {
	return `${lost} Hearth can’t reach its records right now, so nothing was saved. Please try again in a moment${keeps ? ': what you wrote is still here' : ''}.`;
}
