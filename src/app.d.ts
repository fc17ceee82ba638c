import type { Session, SessionUser } from '$lib/server/auth/sessions';
import type { LogPosition } from '$lib/realtime/events';
import type { CircleAccess } from '$lib/server/circles/access';

declare global {
	namespace App {
		interface Locals {
			user: SessionUser | null;
			session: Session | null;
			/** Read once per request and circle, before its data (realtime/log-position.ts). */
			logPositions?: Map<string, Promise<LogPosition>>;
			/** The user's membership per circle, looked up once per page request (http/guards.ts). */
			circleAccess?: Map<string, Promise<CircleAccess>>;
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
