import type { AccountPreferences, Session, SessionUser } from '$lib/server/auth/sessions';
import type { LogPosition } from '$lib/realtime/events';
import type { CircleAccess } from '$lib/server/circles/access';
import type { SentWords } from '$lib/unavailable';

declare global {
	namespace App {
		interface Locals {
			user: SessionUser | null;
			session: Session | null;
			/** The signed-in account's choices every page needs (auth/sessions.ts AccountPreferences). */
			preferences?: AccountPreferences;
			/** Read once per request and circle, before its data (realtime/log-position.ts). */
			logPositions?: Map<string, Promise<LogPosition>>;
			/** The user's membership per circle, looked up once per page request (http/guards.ts). */
			circleAccess?: Map<string, Promise<CircleAccess>>;
			/**
			 * The database could not be reached during this request (hooks.server.ts): the session
			 * cookie could not be checked, or a query failed for it. Its answer is a 503.
			 */
			databaseAway?: boolean;
			/**
			 * The words of a form posted without JavaScript (server/http/sent-words.ts): shown back on
			 * the 503 page if it cannot be saved. Only for this request; never logged or kept.
			 */
			sent?: SentWords[];
			/** This device logged out while the database was away, and Hearth has not ended that session yet. */
			logoutPending?: boolean;
		}
		interface Error {
			message: string;
			/** Quoted to the user and written in the server log, so one can find the other. */
			errorId?: string;
			/** Hearth could not reach its database: the page says so kindly (its status is 503). */
			unavailable?: boolean;
			/** …and lost it while saving: what was sent may have been saved (unavailable.ts UNSURE_MESSAGE). */
			unsure?: boolean;
			/** …and what the person wrote in the form they posted (without JavaScript), to copy and send again later. */
			sent?: SentWords[];
		}
		interface PageData {
			/** kindWordsHelp: absent on pages rendered without the root layout (the offline page). */
			user: { displayName: string; kindWordsHelp?: boolean } | null;
			/** The database was away: who is signed in is not known, so the header shows neither. */
			databaseAway?: boolean;
			/** The prerendered offline page, shown at whatever address could not be opened (routes/offline). */
			offlinePage?: boolean;
		}
	}
}

export {};
