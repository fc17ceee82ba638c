import type { Database } from '$lib/server/db';

const MINUTE = 60 * 1000;

/** Failures are counted over this window, and a block lasts this long. */
export const THROTTLE_WINDOW = 15 * MINUTE;

interface Policy {
	/** Failures after which each further attempt is slowed down. */
	slowAfter: number;
	/** Failures after which attempts are refused until the block ends. */
	blockAfter: number;
}

// One email is one person's account: a few mistakes are normal, dozens are someone guessing.
// One address may be a whole household or office behind one router, so it gets more room.
export const EMAIL_POLICY: Policy = { slowAfter: 3, blockAfter: 10 };
export const ADDRESS_POLICY: Policy = { slowAfter: 10, blockAfter: 50 };
const SLOWDOWN_STEP = 1000;
const SLOWDOWN_MAX = 5000;

export interface ThrottleSubject {
	email: string;
	address: string;
}

export type ThrottleVerdict =
	| { allowed: true; delayMs: number }
	| { allowed: false; retryAfterMs: number };

function keysOf(subject: ThrottleSubject): Array<[string, Policy]> {
	return [
		[`email:${subject.email}`, EMAIL_POLICY],
		[`ip:${subject.address}`, ADDRESS_POLICY]
	];
}

/** Whether a login attempt may go ahead now, and how long to hold it first. */
export async function checkLoginThrottle(
	db: Database,
	subject: ThrottleSubject,
	now = Date.now()
): Promise<ThrottleVerdict> {
	let delayMs = 0;
	for (const [key, policy] of keysOf(subject)) {
		const row = await db.selectFrom('login_throttles').selectAll().where('key', '=', key).executeTakeFirst();
		if (!row) continue;
		if (row.blocked_until > now) return { allowed: false, retryAfterMs: row.blocked_until - now };
		if (now - row.window_started_at >= THROTTLE_WINDOW) continue;
		if (row.failures >= policy.slowAfter) {
			const extra = (row.failures - policy.slowAfter + 1) * SLOWDOWN_STEP;
			delayMs = Math.max(delayMs, Math.min(extra, SLOWDOWN_MAX));
		}
	}
	return { allowed: true, delayMs };
}

/** Counts a failed attempt against both the email and the address. */
export async function recordLoginFailure(
	db: Database,
	subject: ThrottleSubject,
	now = Date.now()
): Promise<void> {
	await db.transaction().execute(async (trx) => {
		for (const [key, policy] of keysOf(subject)) {
			const row = await trx.selectFrom('login_throttles').selectAll().where('key', '=', key).executeTakeFirst();
			const windowOpen = row && now - row.window_started_at < THROTTLE_WINDOW;
			const failures = windowOpen ? row.failures + 1 : 1;
			const windowStartedAt = windowOpen ? row.window_started_at : now;
			const blockedUntil = failures >= policy.blockAfter ? now + THROTTLE_WINDOW : 0;
			await trx
				.insertInto('login_throttles')
				.values({ key, failures, window_started_at: windowStartedAt, blocked_until: blockedUntil })
				.onConflict((oc) =>
					oc.column('key').doUpdateSet({
						failures,
						window_started_at: windowStartedAt,
						blocked_until: blockedUntil
					})
				)
				.execute();
		}
	});
}

/** A successful login clears the count for that email (not for the address: others share it). */
export async function clearEmailFailures(db: Database, email: string): Promise<void> {
	await db.deleteFrom('login_throttles').where('key', '=', `email:${email}`).execute();
}
