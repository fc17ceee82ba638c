// Who is asking, checked once per request: the signed-in user (or a redirect to log in), and their
// access to the circle in the URL (or the same 404 for every outsider). While the database is away
// nobody's session can be checked: that is a 503 (unavailable.ts), never "log in" or "not found".
import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { UNAVAILABLE_MESSAGE, UNAVAILABLE_STATUS, UNSURE_MESSAGE, type SentWords } from '$lib/unavailable';
import type { SessionUser } from '$lib/server/auth/sessions';
import { loginUrlFor } from '$lib/server/auth/redirects';
import { getDb } from '$lib/server/db';
import { requireCan, requireMember, type CircleAccess, type CircleAction } from '$lib/server/circles/access';
import { isRefusal, REFUSAL_STATUS } from '$lib/server/refusal';

/**
 * The error for "Hearth cannot reach its database": the 503 page, or a form's unavailable line.
 * `unsure`: it was lost while saving, so what was sent may have been saved (UNSURE_MESSAGE).
 * `sent`: the words of a form posted without JavaScript, for the page to show back (locals.sent).
 */
export function databaseAway(unsure = false, sent?: SentWords[]): never {
	error(UNAVAILABLE_STATUS, unavailableError(unsure, sent));
}

/** The body of that error (also what hooks.server.ts handleError gives a database that went away). */
export function unavailableError(unsure: boolean, sent?: SentWords[]): App.Error {
	const body: App.Error = unsure ? { message: UNSURE_MESSAGE, unavailable: true, unsure: true } : { message: UNAVAILABLE_MESSAGE, unavailable: true };
	if (sent?.length) body.sent = sent;
	return body;
}

/**
 * Throws the 503 when this request could not check its session because the database was away
 * (hooks.server.ts): who is asking is then unknown, so no answer may treat them as signed out.
 */
export function requireSessionChecked(locals: App.Locals): void {
	if (locals.databaseAway && !locals.user) databaseAway(false, locals.sent);
}

/** The signed-in user, or a redirect to log in that comes back here afterwards. */
export function requireUser(event: Pick<RequestEvent, 'locals' | 'url'>): SessionUser {
	const user = event.locals.user;
	if (!user) {
		requireSessionChecked(event.locals);
		redirect(303, loginUrlFor(event.url));
	}
	return user;
}

type CircleEvent = Pick<RequestEvent, 'locals' | 'url' | 'params'> & { depends?: unknown };

/**
 * The signed-in user's checked access to the URL's circle, allowed to do `action`; otherwise a
 * redirect to log in, the outsiders' 404, or a 403 with the plain reason.
 *
 * A page request's layout and page loads share one lookup (request-scoped, on `locals`, and run
 * in parallel rather than through `await parent()`). A form action looks up its own: the action
 * may change the very membership it was checked against (leave, hand over ownership, change the
 * time zone), so the loads that render its result read it again.
 */
export async function circleAccess(event: CircleEvent, action: CircleAction = 'view'): Promise<CircleAccess> {
	const user = requireUser(event);
	const circleId = event.params.circleId ?? '';
	const isLoad = typeof event.depends === 'function';
	try {
		const access = await (isLoad ? memoizedMembership(event.locals, user, circleId) : requireMember(getDb(), user, circleId));
		requireCan(access, action);
		return access;
	} catch (caught) {
		if (isRefusal(caught)) error(REFUSAL_STATUS[caught.reason], caught.message);
		throw caught;
	}
}

function memoizedMembership(locals: App.Locals, user: SessionUser, circleId: string): Promise<CircleAccess> {
	locals.circleAccess ??= new Map();
	let lookup = locals.circleAccess.get(circleId);
	if (!lookup) {
		lookup = requireMember(getDb(), user, circleId);
		// Every awaiting load sees the refusal; none leaves an unhandled rejection behind.
		lookup.catch(() => {});
		locals.circleAccess.set(circleId, lookup);
	}
	return lookup;
}
