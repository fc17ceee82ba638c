// What domain code must do differently per dialect, kept to a few named helpers so that one set
// of queries serves both.
//
// One writer per circle. SQLite runs one transaction at a time (sqlite/group-commit.ts), and the
// domain's rules were written for that: a transaction reads, decides and writes, and nothing
// changes underneath it. PostgreSQL runs many at once (READ COMMITTED), so every transaction that
// changes a circle or appends to its event log begins with lockCircle (through lockCircleFor in
// circles/access.ts, which then reads the member's access again), and reads what it decides on
// only after it. Writes to one circle are then as serial as on SQLite, on every server, and these
// rules hold because of it (tests/unit/concurrency.test.ts races each one on PostgreSQL):
// - the event log: `MAX(seq) + 1` is taken under the lock, so numbers are gap-free in commit
//   order and a reader catching up never skips one; UNIQUE (circle_id, seq) refuses a duplicate
//   from any writer that forgot the lock (events.ts);
// - an event's payload (a check-in with its reactions) includes every earlier change;
// - the one open proposal per agreement, the cap on open proposals, and settling a proposal
//   exactly once, by the last answer or by the departure of the last member it waited for
//   (settled with `outcome IS NULL`, acting only when one row changed: agreement-records.ts);
// - one owner per circle, always exactly one: transfers, leaving, role changes and removals
//   decide on roles read under the lock (and migration 0015's unique index backs it up);
// - membership and roles checked inside the transaction: a removed member's post, a reply to a
//   removed check-in, a join to a circle being deleted are refused, not half-written;
// - one current recovery stretch per member, milestones computed from the stretches as they are
//   (written once also by the unique index `milestones_once`), one cheer per member;
// - deleting an account: the circles holding anything of the person are locked first, so no
//   event written meanwhile keeps a copy of them, and nobody joins a circle that goes with them;
// - the last use of an invite (also a guarded UPDATE … WHERE uses < max_uses), and a person
//   accepting twice at once joins once.
// Transactions that touch several circles (a display name, an account deletion) lock them in
// sorted order (lockCirclesOf), so two of them never deadlock. A DELETE of many rows that others
// lock one by one too (attempt counters, sessions) first locks them in key order, as the others
// take them (`WHERE key IN (SELECT key … ORDER BY key FOR UPDATE)`, see rowLock), rather than in
// the order its scan happens to find them: otherwise two of them, or one and a writer taking the
// same rows in key order, could each hold a row the other waits for, and one would be a 500. Row locks (SELECT … FOR UPDATE /
// FOR SHARE) are used where the rule is about one account rather than a circle: logging in
// against a password change, deleting an account. Attempt counters (throttle.ts) need no lock:
// each is one atomic upsert, taken in sorted key order. No transaction runs SERIALIZABLE.
import { PostgresAdapter, sql, type Transaction } from 'kysely';
import { isDeadlockOrSerializationFailure } from './errors';
import { prepared } from './prepared';
import type { Database, DB } from './types';

export type Dialect = 'sqlite' | 'postgres';

/** The dialect a database or transaction speaks. */
export function dialectOf(db: Database): Dialect {
	return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * The advisory-lock class of circle locks (pg_advisory_xact_lock(class, key)), kept apart from
 * the migrations' and the background leases' locks.
 */
export const CIRCLE_LOCK_CLASS = 17;

/**
 * Makes this transaction the only one writing to the circle until it ends, on every server.
 *
 * SQLite already runs one transaction at a time (group-commit.ts), so there it does nothing. On
 * PostgreSQL it takes a transaction-scoped advisory lock on the circle: the next writer waits
 * here, and its next statement sees everything the previous one committed (locks are released
 * after the commit is visible). So appending `MAX(seq) + 1` never collides or skips, a decision
 * read inside the transaction stays true until it commits, and an event's payload includes every
 * earlier change.
 *
 * Call it as the first statement of a transaction that changes a circle, then read what the
 * decision rests on (membership, role, the open proposal) with `trx`, in a later statement (a
 * statement's snapshot is taken before it waits for the lock). A transaction that touches several
 * circles locks them in sorted order (lockCircles), so two of them never deadlock.
 */
export async function lockCircle(trx: Database, circleId: string): Promise<void> {
	if (dialectOf(trx) !== 'postgres') return;
	await takeCircleLock(trx, circleId);
}

/** Every circle write takes it, so it is built once and runs as a named statement (db/prepared.ts). */
const takeCircleLock = prepared((db, circleId: string) => ({
	compile: () => sql`SELECT pg_advisory_xact_lock(${sql.lit(CIRCLE_LOCK_CLASS)}, hashtext(${circleId}))`.compile(db)
}));

/** lockCircle for several circles, in one fixed (sorted) order. */
export async function lockCircles(trx: Database, circleIds: Iterable<string>): Promise<void> {
	for (const circleId of [...new Set(circleIds)].sort()) await lockCircle(trx, circleId);
}

/** Thrown inside a transaction when the circles it must lock changed before it held them all. */
class CirclesMovedOn extends Error {}

/** How often a transaction locking several circles starts again when they changed meanwhile. */
const CIRCLE_SET_TRIES = 5;

/**
 * Runs `work` in a transaction holding the lock of every circle `circlesOf` names, taken in
 * sorted order before anything else (then `alsoLock`, e.g. the account's row), so it never
 * deadlocks with another such transaction. The circles are read again once locked; if one came
 * in meanwhile (the person joined a circle), it could only be locked out of order, so the
 * transaction starts again instead, knowing it from the start.
 */
export async function withCirclesLocked<T>(
	db: Database,
	circlesOf: (trx: Transaction<DB>) => Promise<string[]>,
	work: (trx: Transaction<DB>, circleIds: string[]) => Promise<T>,
	{ alsoLock }: { alsoLock?: (trx: Transaction<DB>) => Promise<void> } = {}
): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await db.transaction().execute(async (trx) => {
				const locked = await circlesOf(trx);
				await lockCircles(trx, locked);
				await alsoLock?.(trx);
				// (SQLite: nothing can have changed, the transaction is alone.)
				const circleIds = dialectOf(trx) === 'postgres' ? await circlesOf(trx) : locked;
				if (circleIds.some((id) => !locked.includes(id))) throw new CirclesMovedOn();
				return work(trx, circleIds);
			});
		} catch (error) {
			if (!(error instanceof CirclesMovedOn) || attempt >= CIRCLE_SET_TRIES) throw error;
		}
	}
}

/**
 * `SELECT … FOR UPDATE` (or FOR SHARE) on PostgreSQL; nothing on SQLite, where the transaction
 * is alone anyway. For a query builder: `.$call(forUpdate(trx))`.
 */
export function rowLock<Q extends { forUpdate(): Q; forShare(): Q; forNoKeyUpdate(): Q }>(
	trx: Database,
	strength: 'update' | 'no-key-update' | 'share'
): (query: Q) => Q {
	if (dialectOf(trx) !== 'postgres') return (query) => query;
	if (strength === 'update') return (query) => query.forUpdate();
	if (strength === 'no-key-update') return (query) => query.forNoKeyUpdate();
	return (query) => query.forShare();
}

/** How often retrying runs a transaction PostgreSQL aborted as a deadlock. */
const RETRY_TRIES = 3;

/**
 * Runs `transaction` (a whole transaction, begun inside it) again when PostgreSQL aborted it to
 * break a deadlock or a serialization conflict (nothing of it was written), up to three times
 * with a short random pause. Only for the few places whose lock order cannot be fixed (the
 * attempt counters, which housekeeping deletes in whatever order it finds them); everywhere else
 * the order is fixed, so no deadlock can happen.
 */
export async function retrying<T>(transaction: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await transaction();
		} catch (error) {
			if (!isDeadlockOrSerializationFailure(error) || attempt >= RETRY_TRIES) throw error;
			await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
		}
	}
}
