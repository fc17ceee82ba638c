// How many accounts one address may make: each sign-up hashes a password with 19 MiB of memory,
// so a flood of them is a cheap way to exhaust the server. Counted before anything else is done
// (takeAttempt), so parallel sign-ups stop exactly at the limit.
import type { Database } from '$lib/server/db';
import { takeAttempt, type AttemptLimit, type AttemptVerdict } from '$lib/server/throttle';

const HOUR = 60 * 60 * 1000;

/** A family signing up together on one home network stays well below this. */
export const DEFAULT_SIGNUPS_PER_HOUR = 10;

/**
 * Sign-ups per address per hour: SIGNUPS_PER_ADDRESS_PER_HOUR, for a place where many people sign
 * up behind one address (a clinic's network, a test run), else DEFAULT_SIGNUPS_PER_HOUR.
 */
export function signUpLimit(env: Record<string, string | undefined> = process.env): AttemptLimit {
	const configured = Number(env.SIGNUPS_PER_ADDRESS_PER_HOUR);
	const limit = Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_SIGNUPS_PER_HOUR;
	return { limit, windowMs: HOUR };
}

/** Counts a sign-up from this address before it is made, or refuses it. */
export function takeSignUpAttempt(db: Database, address: string, now = Date.now()): Promise<AttemptVerdict> {
	return takeAttempt(db, [[`signup-ip:${address}`, signUpLimit()]], now);
}
