// How the domain says no. A domain function that cannot do what was asked throws a Refusal: the
// reason in the domain's own words, a message meant for the person, and the form field it is
// about, if any. Throwing (rather than returning) means a refusal inside a transaction rolls the
// transaction back, and a caller can never mistake a refusal for a result. Routes, socket
// handlers and scripts turn it into their own kind of answer (http/respond.ts for routes).

export type RefusalReason =
	/** Nothing here for this person: also what outsiders get for a circle that exists. */
	| 'not-found'
	/** A member whose role or relation to the thing does not allow it. */
	| 'forbidden'
	/** What was sent breaks a rule; `field` says where, when it is one field. */
	| 'invalid'
	/** Allowed, but the state of things has moved on (answered already, changed meanwhile). */
	| 'conflict'
	/** Too many attempts; `retryAfterMs` says when to try again. */
	| 'throttled'
	/** More than can be taken in one go. */
	| 'too-large';

export const NOT_FOUND_MESSAGE = 'Not found';

export class Refusal extends Error {
	override readonly name = 'Refusal';

	constructor(
		readonly reason: RefusalReason,
		message: string,
		readonly field?: string,
		readonly retryAfterMs?: number
	) {
		super(message);
	}
}

export function isRefusal(value: unknown): value is Refusal {
	return value instanceof Refusal;
}

/** The same answer for "does not exist" and "not yours to see", so nobody learns which. */
export function notFound(): Refusal {
	return new Refusal('not-found', NOT_FOUND_MESSAGE);
}

export function forbidden(message: string): Refusal {
	return new Refusal('forbidden', message);
}

export function invalid(message: string, field?: string): Refusal {
	return new Refusal('invalid', message, field);
}

export function conflict(message: string, field?: string): Refusal {
	return new Refusal('conflict', message, field);
}

export function throttled(message: string, retryAfterMs: number): Refusal {
	return new Refusal('throttled', message, undefined, retryAfterMs);
}

/** The HTTP status each reason maps to, for routes and tests alike. */
export const REFUSAL_STATUS: Record<RefusalReason, 400 | 403 | 404 | 409 | 413 | 429> = {
	'not-found': 404,
	forbidden: 403,
	invalid: 400,
	conflict: 409,
	throttled: 429,
	'too-large': 413
};

/** A socket handler's answer for a refusal: the same reasons and words, as data (and when to try again). */
export function refusalReply(refusal: Refusal): { ok: false; reason: RefusalReason; message: string; field?: string; retryAfterMs?: number } {
	return {
		ok: false,
		reason: refusal.reason,
		message: refusal.message,
		...(refusal.field ? { field: refusal.field } : {}),
		...(refusal.retryAfterMs !== undefined ? { retryAfterMs: refusal.retryAfterMs } : {})
	};
}
