// Counters of attempts, one row per key ("login-ip:203.0.113.7") in attempt_throttles, all of one
// shape (logins, sign-ups, invite links, requests that send mail): each attempt takes a place in
// its keys' counts BEFORE the work it guards (checking a password, hashing one, looking a link up,
// sending a message), in one atomic write, and is refused when a count is full (takeAttempt). A
// burst of parallel attempts is counted exactly, so at most `limit` ever get through. An attempt
// that turns out not to count (the right password, a link that works) gives its places back.
import { sql, type ExpressionOrFactory, type SqlBool } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { retrying, rowLock } from '$lib/server/db/dialect';

const MINUTE = 60 * 1000;

/** The window most limits count over (15 minutes); sign-ups count per hour. */
export const THROTTLE_WINDOW = 15 * MINUTE;

export async function clearThrottle(db: Database, key: string): Promise<void> {
	await db.deleteFrom('attempt_throttles').where('key', '=', key).execute();
}

/** At most `limit` attempts per key in each window of `windowMs`. */
export interface AttemptLimit {
	limit: number;
	windowMs: number;
}

/** One counter of attempts and the limit it is held to. */
export type AttemptKey = readonly [key: string, limit: AttemptLimit];

/** A place an attempt took in one key's count: which window, so it can be given back to that one. */
export interface TakenPlace {
	key: string;
	windowStartedAt: number;
}

export type AttemptVerdict = { allowed: true; taken: TakenPlace[] } | { allowed: false; retryAfterMs: number };

/** Thrown inside takeAttempt's transaction to roll back what it counted so far. */
class CountIsFull {
	constructor(
		readonly retryAfterMs: number,
		/** Which of the keys. */
		readonly index: number
	) {}
}

/** The keys' positions, in key order. */
function sortedIndexes(keys: readonly AttemptKey[]): number[] {
	return keys.map((_, index) => index).sort((a, b) => (keys[a]![0] < keys[b]![0] ? -1 : keys[a]![0] > keys[b]![0] ? 1 : a - b));
}

/**
 * Counts one attempt against every key, or refuses it when any key's count is full; then nothing
 * is counted (a refused attempt did no work, so it does not push the wait further out).
 *
 * Each count is one upsert that increments the row as the database holds it and hands back the
 * new count (INSERT … ON CONFLICT DO UPDATE … RETURNING), all in one transaction: attempts that
 * arrive together are each given a distinct count, the one past the limit is refused, and no
 * attempt is let through between a read and a write, also on a database with concurrent writers.
 */
export async function takeAttempt(db: Database, keys: readonly AttemptKey[], now = Date.now()): Promise<AttemptVerdict> {
	try {
		// Every writer of many counters takes them in key order (deleteThrottles too), so no deadlock
		// is expected; should PostgreSQL still fail one (a writer added without that order), nothing
		// was counted, so the attempt simply runs again.
		const taken = await retrying(() =>
			db.transaction().execute(async (trx) => {
				const places: TakenPlace[] = [];
				let full: CountIsFull | null = null;
				// Rows are locked in one order (sorted by key) by every attempt, so two attempts with
				// keys in common never each wait for the other (a deadlock on PostgreSQL).
				for (const index of sortedIndexes(keys)) {
					const [key, { limit, windowMs }] = keys[index]!;
					const windowOpen = sql<boolean>`${now} < attempt_throttles.window_started_at + attempt_throttles.window_ms`;
					const row = await trx
						.insertInto('attempt_throttles')
						.values({ key, failures: 1, window_started_at: now, window_ms: windowMs, blocked_until: 0 })
						.onConflict((oc) =>
							oc.column('key').doUpdateSet({
								failures: sql<number>`CASE WHEN ${windowOpen} THEN attempt_throttles.failures + 1 ELSE 1 END`,
								window_started_at: sql<number>`CASE WHEN ${windowOpen} THEN attempt_throttles.window_started_at ELSE ${now} END`,
								window_ms: windowMs
							})
						)
						.returning(['failures', 'window_started_at'])
						.executeTakeFirstOrThrow();
					// The refusal names the first full count in the caller's order.
					// At most the window: an attempt that waited for this row's lock may be older than the
					// window another attempt started meanwhile ("wait 61 minutes" for an hour's limit).
					if (row.failures > limit) {
						full = full && full.index < index ? full : new CountIsFull(Math.min(windowMs, row.window_started_at + windowMs - now), index);
					}
					places[index] = { key, windowStartedAt: row.window_started_at };
				}
				if (full) throw full;
				return places;
			})
		);
		return { allowed: true, taken };
	} catch (caught) {
		if (caught instanceof CountIsFull) return { allowed: false, retryAfterMs: caught.retryAfterMs };
		throw caught;
	}
}

/**
 * Gives back the places an attempt took (it turned out not to count: the right password). Only
 * in the window it was taken in: a window that started since holds none of it.
 */
export async function giveBackAttempt(db: Database, taken: readonly TakenPlace[]): Promise<void> {
	// In key order, as takeAttempt takes them: a login gives its places back inside a transaction.
	for (const { key, windowStartedAt } of [...taken].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
		await db
			.updateTable('attempt_throttles')
			.set({ failures: sql<number>`failures - 1` })
			.where('key', '=', key)
			.where('window_started_at', '=', windowStartedAt)
			.where('failures', '>', 0)
			.execute();
	}
}

/**
 * Deletes the counters `which` picks, taking them in key order first (FOR UPDATE on PostgreSQL),
 * as takeAttempt takes its rows: a plain DELETE of many locks them in the order its scan finds
 * them, so it and an attempt (or another such DELETE) could each hold a row the other waits for,
 * a deadlock that PostgreSQL breaks by failing one of them (a 500, had it been the DELETE).
 */
export async function deleteThrottles(db: Database, which: ExpressionOrFactory<DB, 'attempt_throttles', SqlBool>): Promise<void> {
	await db
		.deleteFrom('attempt_throttles')
		.where('key', 'in', (eb) => eb.selectFrom('attempt_throttles').select('key').where(which).orderBy('key').$call(rowLock(db, 'update')))
		.execute();
}

/** Old counters are worth nothing once their window and block have passed. */
export async function deleteStaleThrottles(db: Database, now = Date.now()): Promise<void> {
	await deleteThrottles(db, (eb) => eb.and([eb(sql<number>`window_started_at + window_ms`, '<=', now), eb('blocked_until', '<=', now)]));
}

/** "3 minutes", for messages that ask someone to wait. */
export function describeWait(ms: number): string {
	const minutes = Math.max(1, Math.ceil(ms / MINUTE));
	return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
