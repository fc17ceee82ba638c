// What domain code must do differently per dialect, kept to a few named helpers so that one set
// of queries serves both.
import { PostgresAdapter, sql } from 'kysely';
import type { Database } from './types';

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
 * decision rests on (membership, role, the open proposal) with `trx`. A transaction that touches
 * several circles locks them in sorted order (lockCircles), so two of them never deadlock.
 */
export async function lockCircle(trx: Database, circleId: string): Promise<void> {
	if (dialectOf(trx) !== 'postgres') return;
	await sql`SELECT pg_advisory_xact_lock(${sql.lit(CIRCLE_LOCK_CLASS)}, hashtext(${circleId}))`.execute(trx);
}

/** lockCircle for several circles, in one fixed (sorted) order. */
export async function lockCircles(trx: Database, circleIds: Iterable<string>): Promise<void> {
	for (const circleId of [...new Set(circleIds)].sort()) await lockCircle(trx, circleId);
}
