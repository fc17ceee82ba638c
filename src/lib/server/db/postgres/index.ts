// The PostgreSQL dialect (issue 17), being built: a pool whose rows read back as on SQLite
// (connection.js), its migrator, and Kysely over it. openDatabase does not open it yet; that
// comes with the domain running on PostgreSQL (event ids, row locks, the committed reader).
import { Kysely, PostgresDialect } from 'kysely';
import type { Pool } from 'pg';
import type { DB } from '../schema';

export { createPostgresPool, migrate, MIGRATION_LOCK, parseInt8 } from './connection.js';

/** Kysely over a pool made by createPostgresPool (BIGINT and COUNT read back as numbers). */
export function createPostgresKysely(pool: Pool): Kysely<DB> {
	return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
