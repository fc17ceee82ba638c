import type { Session, SessionUser } from '$lib/server/auth/sessions';
import type { LogPosition } from '$lib/realtime/events';

declare global {
	namespace App {
		interface Locals {
			user: SessionUser | null;
			session: Session | null;
			/** Read once per request and circle, before its data (realtime/log-position.ts). */
			logPositions?: Map<string, Promise<LogPosition>>;
		}
		interface Error {
			message: string;
			/** Quoted to the user and written in the server log, so one can find the other. */
			errorId?: string;
		}
		interface PageData {
			user: { displayName: string } | null;
		}
	}
}

export {};
