import { sql } from 'kysely';
import type { Database } from '$lib/server/db';

const MINUTE = 60 * 1000;

/** Failures are counted over this window, and a block lasts this long. */
export const THROTTLE_WINDOW = 15 * MINUTE;

export interface ThrottlePolicy {
	/** Failures after which each further attempt is slowed down. */
	slowAfter: number;
	/** Failures after which attempts are refused until the block ends. */
	blockAfter: number;
}

/** One counter: a key ("login-ip:203.0.113.7") and the policy it is held to. */
export type ThrottleKey = readonly [key: string, policy: ThrottlePolicy];

export type ThrottleVerdict = { allowed: true; delayMs: number } | { allowed: false; retryAfterMs: number };

const SLOWDOWN_STEP = 1000;
const SLOWDOWN_MAX = 5000;

/** Whether an attempt may go ahead now, and how long to hold it first (the strictest key wins). */
export async function checkThrottle(db: Database, keys: readonly ThrottleKey[], now = Date.now()): Promise<ThrottleVerdict> {
	let delayMs = 0;
	for (const [key, policy] of keys) {
		const row = await db.selectFrom('attempt_throttles').selectAll().where('key', '=', key).executeTakeFirst();
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

/**
 * Counts a failed attempt against every key. Each count is one atomic upsert that works from the
 * row as the database holds it (failures = failures + 1), so failures that arrive together are
 * all counted, also on a database with concurrent writers, where a read-then-write would lose some.
 */
export async function recordFailure(db: Database, keys: readonly ThrottleKey[], now = Date.now()): Promise<void> {
	await db.transaction().execute(async (trx) => {
		for (const [key, policy] of keys) {
			const windowOpen = sql<boolean>`${now} - attempt_throttles.window_started_at < ${THROTTLE_WINDOW}`;
			const failures = sql<number>`CASE WHEN ${windowOpen} THEN attempt_throttles.failures + 1 ELSE 1 END`;
			await trx
				.insertInto('attempt_throttles')
				.values({ key, failures: 1, window_started_at: now, blocked_until: 1 >= policy.blockAfter ? now + THROTTLE_WINDOW : 0 })
				.onConflict((oc) =>
					oc.column('key').doUpdateSet({
						failures,
						window_started_at: sql<number>`CASE WHEN ${windowOpen} THEN attempt_throttles.window_started_at ELSE ${now} END`,
						blocked_until: sql<number>`CASE WHEN ${failures} >= ${policy.blockAfter} THEN ${now + THROTTLE_WINDOW} ELSE 0 END`
					})
				)
				.execute();
		}
	});
}

export async function clearThrottle(db: Database, key: string): Promise<void> {
	await db.deleteFrom('attempt_throttles').where('key', '=', key).execute();
}

/** Old counters are worth nothing once their window and block have passed. */
export async function deleteStaleThrottles(db: Database, now = Date.now()): Promise<void> {
	await db
		.deleteFrom('attempt_throttles')
		.where('window_started_at', '<=', now - THROTTLE_WINDOW)
		.where('blocked_until', '<=', now)
		.execute();
}

/** "3 minutes", for messages that ask someone to wait. */
export function describeWait(ms: number): string {
	const minutes = Math.max(1, Math.ceil(ms / MINUTE));
	return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
