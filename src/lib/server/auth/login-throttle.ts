import type { Database } from '$lib/server/db';
import { checkThrottle, clearThrottle, recordFailure, type ThrottleKey, type ThrottlePolicy, type ThrottleVerdict } from '$lib/server/throttle';

export { THROTTLE_WINDOW } from '$lib/server/throttle';

// One email is one person's account: a few mistakes are normal, dozens are someone guessing.
// One address may be a whole household or office behind one router, so it gets more room.
export const EMAIL_POLICY: ThrottlePolicy = { slowAfter: 3, blockAfter: 10 };
export const ADDRESS_POLICY: ThrottlePolicy = { slowAfter: 10, blockAfter: 50 };

export interface ThrottleSubject {
	email: string;
	address: string;
}

const emailKey = (email: string) => `login-email:${email}`;

function keysOf(subject: ThrottleSubject): ThrottleKey[] {
	return [
		[emailKey(subject.email), EMAIL_POLICY],
		[`login-ip:${subject.address}`, ADDRESS_POLICY]
	];
}

/** Whether a login attempt may go ahead now, and how long to hold it first. */
export function checkLoginThrottle(db: Database, subject: ThrottleSubject, now = Date.now()): Promise<ThrottleVerdict> {
	return checkThrottle(db, keysOf(subject), now);
}

/** Counts a failed attempt against both the email and the address. */
export function recordLoginFailure(db: Database, subject: ThrottleSubject, now = Date.now()): Promise<void> {
	return recordFailure(db, keysOf(subject), now);
}

/** A successful login clears the count for that email (not for the address: others share it). */
export function clearEmailFailures(db: Database, email: string): Promise<void> {
	return clearThrottle(db, emailKey(email));
}
