import type { Session, SessionUser } from '$lib/server/auth/sessions';

declare global {
	namespace App {
		interface Locals {
			user: SessionUser | null;
			session: Session | null;
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
