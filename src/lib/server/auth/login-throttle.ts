// How many log-in attempts may be made, counted BEFORE the password is checked (takeAttempt), so
// a burst of parallel guesses is counted exactly: at most the limit are ever checked.
//
// Designed so that nobody can lock someone else out:
// - The tight limit is per email AND address: one person guessing from one place.
// - Per email (from everywhere together) and per address (across all emails) are looser: they
//   stop many addresses guessing one email, and one address guessing many. A stranger can fill
//   these for someone else's email or a shared home network, so...
// - ...a browser that has signed in to the account before (known-devices.ts) is held only to its
//   own count for that account, which nobody else can add to. The owner on their own phone can
//   always log in with the right password, whatever is happening elsewhere.
import type { Database } from '$lib/server/db';
import {
	giveBackAttempt,
	clearThrottle,
	takeAttempt,
	THROTTLE_WINDOW,
	type AttemptKey,
	type AttemptLimit,
	type AttemptVerdict,
	type TakenPlace
} from '$lib/server/throttle';
import { deleteThrottles } from '$lib/server/throttle';
import type { KnownDevice } from './known-devices';
import { hashToken } from './tokens';

export { THROTTLE_WINDOW };

const per15Minutes = (limit: number): AttemptLimit => ({ limit, windowMs: THROTTLE_WINDOW });

/** One email from one address: a few typos are normal, ten are someone guessing. */
export const PAIR_LIMIT = per15Minutes(10);
/** One email from anywhere: a stranger from one or two places does not reach it. */
export const EMAIL_LIMIT = per15Minutes(30);
/** One address, every email: a family or an office behind one router stays far below it. */
export const ADDRESS_LIMIT = per15Minutes(100);
/** A browser known to the account: only it adds to this count. */
export const DEVICE_LIMIT = per15Minutes(10);

export interface LoginSubject {
	email: string;
	address: string;
	/** The browser, when it has signed in to this email's account before. */
	knownDevice: KnownDevice | null;
}

// Keys hold no email or account id in the clear: a deleted account leaves nothing of itself here.
const emailPart = (email: string) => hashToken(`email:${email}`);

const deviceKey = ({ tokenHash, userId }: KnownDevice) => `login-device:${hashToken(`${tokenHash}:${userId}`)}`;

function keysOf(subject: LoginSubject): AttemptKey[] {
	if (subject.knownDevice) return [[deviceKey(subject.knownDevice), DEVICE_LIMIT]];
	const email = emailPart(subject.email);
	return [
		[`login-pair:${email}:${subject.address}`, PAIR_LIMIT],
		[`login-email:${email}`, EMAIL_LIMIT],
		[`login-ip:${subject.address}`, ADDRESS_LIMIT]
	];
}

/** Counts a log-in attempt before its password is checked, or refuses it (and counts nothing). */
export function takeLoginAttempt(db: Database, subject: LoginSubject, now = Date.now()): Promise<AttemptVerdict> {
	return takeAttempt(db, keysOf(subject), now);
}

/**
 * The password was right, so the attempt does not count: its places are given back. Mistakes made
 * before stay counted for their window (the owner signing in must not give a guesser elsewhere
 * fresh tries), except on a known device, whose count only that browser could have added to.
 */
export async function loginSucceeded(db: Database, subject: LoginSubject, taken: readonly TakenPlace[]): Promise<void> {
	if (subject.knownDevice) {
		for (const [key] of keysOf(subject)) await clearThrottle(db, key);
		return;
	}
	await giveBackAttempt(db, taken);
}

/**
 * The password was reset from this browser (which is known to the account from now on): the
 * person has just shown the inbox is theirs, and every guess counted against the email, from
 * anywhere, from each address, or from this browser, was at a password that is gone. Those counts
 * start again, so their very next login is not held up by them. Each address's count across all
 * emails stays, and so do other browsers' own counts.
 */
export function passwordWasReset(db: Database, email: string, device: KnownDevice): Promise<void> {
	return forgetLoginCounts(db, email, [device]);
}

/** Deletes the counts of guesses against this email and from these browsers (a reset, a deleted account). */
export async function forgetLoginCounts(db: Database, email: string, devices: KnownDevice[]): Promise<void> {
	const part = emailPart(email);
	const keys = [`login-email:${part}`, ...devices.map(deviceKey)];
	await deleteThrottles(db, (eb) => eb.or([eb('key', 'in', keys), eb('key', 'like', `login-pair:${part}:%`)]));
}
