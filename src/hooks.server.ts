import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { building } from '$app/environment';
import { sequence } from '@sveltejs/kit/hooks';
import { checkpointAppDatabaseInBackground, closeAppDatabase, getCommittedDb, getDb, getEventLogGeneration, openAppDatabase } from '$lib/server/db';
import { onShutdown } from '$lib/server/shutdown.js';
import { SESSION_COOKIE, deleteSessionCookie, setSessionCookie } from '$lib/server/auth/cookies';
import { deleteExpiredSessions, startSessionVisitWriter, validateSessionToken } from '$lib/server/auth/sessions';
import { deleteStaleDevices } from '$lib/server/auth/known-devices';
import { finishPendingLogouts } from '$lib/server/auth/pending-logout';
import { disconnectSessions } from '$lib/server/realtime/publish';
import { deleteExpiredEmailTokens } from '$lib/server/auth/email-tokens';
import { deleteExpiredPendingSignUps } from '$lib/server/auth/pending-signups';
import { getMail } from '$lib/server/mail';
import { startRealtime } from '$lib/server/realtime';
import { deleteStaleThrottles } from '$lib/server/throttle';
import { checkMilestoneClock, MILESTONE_CLOCK_INTERVAL } from '$lib/server/milestones/milestones';
import { HOUSEKEEPING_JOB, MILESTONE_CLOCK_JOB, setAppLeader, startBackgroundLeader } from '$lib/server/background/leader';
import { isCommitUnsure, isDatabaseUnavailable } from '$lib/server/db/unavailable';
import { UNAVAILABLE_RETRY_AFTER_SECONDS, UNAVAILABLE_STATUS } from '$lib/unavailable';
import { unavailableError } from '$lib/server/http/guards';
import { sentWordsOfPagePost } from '$lib/server/http/sent-words';
import { startPush } from '$lib/server/push';
import { CHECKIN_REMINDER_JOB, REMINDER_INTERVAL, sendCheckInReminders } from '$lib/server/push/reminders';

const HOUSEKEEPING_INTERVAL = 6 * 60 * 60 * 1000;

/** Pages whose address holds a secret token (an invite, a password reset, an email confirmation, a sign-up link). */
const SECRET_PATH = /^\/(join|reset|confirm-email|create-account)\/[^/]+/;

export const init: ServerInit = async () => {
	// `vite build` runs this too, to prerender the offline page, which needs no database.
	if (building) return;
	const { db } = await openAppDatabase(); // applies pending migrations first
	// Half a mail setting (or SMTP_URL without ORIGIN) stops the start here, not at the first email.
	if (!getMail()) console.log('No email is set up (SMTP_URL, MAIL_FROM): Hearth sends no email, and says so where it would.');
	checkpointAppDatabaseInBackground();
	if (!startRealtime(db, { committed: getCommittedDb(), generation: getEventLogGeneration() })) {
		console.warn('No socket.io server is attached: live updates are off. Start with `node server.js` or `npm run dev`.');
	}
	// Pushes go out after commits, off the request path (push/index.ts); the VAPID pair is read or made now.
	const push = await startPush(db);
	const housekeeping = () =>
		Promise.all([deleteExpiredSessions(db), deleteStaleThrottles(db), deleteStaleDevices(db), deleteExpiredEmailTokens(db), deleteExpiredPendingSignUps(db)]); // a failure is the leader's to log (once for a database that went away)
	// On several servers, each of these runs on one of them at a time: the one holding its lease
	// (background/leader.ts); another takes over when that one stops.
	const leader = startBackgroundLeader(db, [MILESTONE_CLOCK_JOB, HOUSEKEEPING_JOB, CHECKIN_REMINDER_JOB]);
	setAppLeader(leader);
	leader.schedule(HOUSEKEEPING_JOB, HOUSEKEEPING_INTERVAL, housekeeping);
	leader.schedule(MILESTONE_CLOCK_JOB, MILESTONE_CLOCK_INTERVAL, () => checkMilestoneClock(db));
	leader.schedule(CHECKIN_REMINDER_JOB, REMINDER_INTERVAL, () => sendCheckInReminders(db, push));
	startSessionVisitWriter(db);
	// server.js runs these on SIGTERM, once no request is in flight, the last registered first: the
	// leases are given up (so another server takes the jobs over at once), then the open batch commits.
	onShutdown(closeAppDatabase);
	onShutdown(() => leader.stop());
	onShutdown(() => push.stop()); // first: no new pushes are looked at once the server is stopping
};

const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	response.headers.set('X-Content-Type-Options', 'nosniff');
	response.headers.set('X-Frame-Options', 'DENY');
	response.headers.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
	// An invite, reset or confirmation page's address is its secret token: it must not travel to any other site.
	const referrerPolicy = SECRET_PATH.test(event.url.pathname) ? 'no-referrer' : 'strict-origin-when-cross-origin';
	response.headers.set('Referrer-Policy', referrerPolicy);
	return response;
};

/** Content-hashed build files: the same address never holds other bytes, so they keep their long cache. */
const IMMUTABLE_ASSETS = '/_app/immutable/';

/**
 * A signed-in person's pages and data (HTML, `__data.json`, form answers, endpoints) are kept by no
 * cache: not a shared proxy's, and not the browser's, so nothing of theirs can be read back from a
 * cache after they log out, or by the next person on a shared computer. "Signed in" is any request
 * that came with a session cookie (valid or not: it may just have been ended) or has a user, and any
 * answer that sets the session cookie (a log-in). Runs outside `authenticate`, so it sees its user.
 */
const privateAnswers: Handle = async ({ event, resolve }) => {
	const cameWithSession = event.cookies.get(SESSION_COOKIE) !== undefined;
	const response = await resolve(event);
	if (event.url.pathname.startsWith(IMMUTABLE_ASSETS)) return response;
	if (cameWithSession || event.locals.user || setsSessionCookie(response)) response.headers.set('Cache-Control', 'no-store');
	return response;
};

function setsSessionCookie(response: Response): boolean {
	return response.headers.getSetCookie().some((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
}

/**
 * While the database cannot be reached, every answer that needed it is a 503 with Retry-After, in
 * kind words (unavailable.ts): the error page, a form's "nothing was saved" line. The answer
 * SvelteKit gives an unexpected error is a 500 whatever handleError says, so the error it marked
 * (locals.databaseAway) gets its status here; the 503s thrown as such (guards.ts) get Retry-After.
 */
const unavailableAnswers: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const away = event.locals.databaseAway && response.status === 500;
	if (!away && response.status !== UNAVAILABLE_STATUS) return response;
	const headers = new Headers(response.headers);
	if (!headers.has('retry-after')) headers.set('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
	// Passing, and it may show back what the person wrote (locals.sent): no cache keeps it.
	headers.set('cache-control', 'no-store');
	return new Response(response.body, { status: UNAVAILABLE_STATUS, statusText: 'Service Unavailable', headers });
};

/**
 * A form posted without JavaScript: its words are read from a copy first, for the 503 page to show
 * back if the database cannot be reached (server/http/sent-words.ts). Only this request holds them.
 */
const keepSentWords: Handle = async ({ event, resolve }) => {
	const sent = await sentWordsOfPagePost(event.request);
	if (sent) event.locals.sent = sent;
	return resolve(event);
};

/**
 * A device that logged out while the database was away still has to have that session ended on
 * Hearth's side (auth/pending-logout.ts): each of its requests tries, until one can.
 */
const finishLogouts: Handle = async ({ event, resolve }) => {
	if (!event.url.pathname.startsWith(IMMUTABLE_ASSETS)) {
		const outcome = await finishPendingLogouts(getDb(), event.cookies, event.url, (ids) => disconnectSessions(ids, 'logged-out'));
		if (outcome === 'pending') event.locals.logoutPending = true;
	}
	return resolve(event);
};

const authenticate: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.session = null;
	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		let validated: Awaited<ReturnType<typeof validateSessionToken>>;
		try {
			validated = await validateSessionToken(getDb(), token);
		} catch (caught) {
			if (!isDatabaseUnavailable(caught)) throw caught;
			// Not known to be signed in, nor signed out: the cookie stays, and whatever needs to know
			// who is asking answers 503 (http/guards.ts requireSessionChecked).
			event.locals.databaseAway = true;
			return resolve(event);
		}
		if (validated) {
			event.locals.user = validated.user;
			event.locals.session = validated.session;
			event.locals.preferences = validated.preferences;
			if (validated.renewed) setSessionCookie(event.cookies, event.url, token, validated.session.expiresAt);
		} else {
			deleteSessionCookie(event.cookies, event.url);
		}
	}
	return resolve(event);
};

export const handle = sequence(securityHeaders, unavailableAnswers, privateAnswers, keepSentWords, finishLogouts, authenticate);

/** Invite, reset and confirmation tokens are secrets: never write one to the log. */
function loggedPath(url: URL): string {
	return url.pathname.replace(SECRET_PATH, '/$1/…');
}

export const handleError: HandleServerError = ({ error, event, status, message }) => {
	// A request we could not take (404, 415 and the like) is not our failure: no alarm in the log.
	if (status < 500) return { message: status === 404 ? 'Not found' : message };
	if (isDatabaseUnavailable(error)) {
		// Not a bug of ours: one line, no stack; unavailableAnswers makes the answer a 503.
		event.locals.databaseAway = true;
		const { message: words, code } = error as { message?: string; code?: string };
		console.error(`[database away] ${event.request.method} ${loggedPath(event.url)}: ${words || code || String(error)}`);
		return unavailableError(isCommitUnsure(error), event.locals.sent);
	}
	const errorId = crypto.randomUUID();
	const path = loggedPath(event.url);
	console.error(`[error ${errorId}] ${event.request.method} ${path} (${status} ${message})`, error);
	return { message: 'Something went wrong on our side.', errorId };
};
