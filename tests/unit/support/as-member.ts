// Domain functions take a checked CircleAccess, as routes hand it to them. Tests that speak of
// "Sam does X in circle C" wrap such a function: the wrapper checks membership exactly as a route
// does (requireMember: an outsider is not found) and then calls the domain function.
import type { Database } from '$lib/server/db';
import type { SessionUser } from '$lib/server/auth/sessions';
import { requireMember, type CircleAccess } from '$lib/server/circles/access';
import { isRefusal, REFUSAL_STATUS } from '$lib/server/refusal';

export function asMember<A extends unknown[], R>(
	domainFunction: (db: Database, access: CircleAccess, ...args: A) => Promise<R>
): (db: Database, user: SessionUser, circleId: string, ...args: A) => Promise<R> {
	return async (db, user, circleId, ...args) => domainFunction(db, await requireMember(db, user, circleId), ...args);
}

/** The HTTP status a route would answer with for what the promise threw. */
export async function statusOfRefusal(promise: Promise<unknown>): Promise<number> {
	try {
		await promise;
	} catch (caught) {
		if (isRefusal(caught)) return REFUSAL_STATUS[caught.reason];
		throw caught;
	}
	throw new Error('expected a refusal, but it succeeded');
}
