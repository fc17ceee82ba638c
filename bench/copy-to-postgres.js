// The PostgreSQL half's fixture (`--pg-seed copy`, the default): the seeded SQLite file's rows,
// copied table by table into the migrated PostgreSQL database, so both halves of a run measure the
// same circles, members, sessions and check-ins, ids and all. The two schemas are one by design
// (migrations/postgres/0013_baseline.sql: the same tables and columns, SMALLINT 0/1 booleans,
// BIGINT milliseconds, TEXT ids), so a row reads back the same on both; a column that is not in
// both stops the copy rather than being guessed at.
//
// Seeding PostgreSQL through the domain modules instead (`--pg-seed domain`, bench/seed.js) takes
// a few milliseconds per check-in, minutes for the default 100,000; this takes seconds.
import Database from 'better-sqlite3';
import pg from 'pg';

/** Tables that describe the database itself, not its data: each database keeps its own. */
const NOT_COPIED = new Set(['schema_migrations', 'event_log_identity']);
/** Bind parameters per INSERT (PostgreSQL allows 65,535). */
const PARAMETERS_PER_INSERT = 30_000;

/**
 * Copies every data table of the SQLite file into the PostgreSQL database `url` (migrated, empty),
 * then moves each identity column's sequence past the copied ids and runs VACUUM ANALYZE and a
 * CHECKPOINT, so the servers start on a database in the state a long-running one would be.
 * Returns rows copied per table and the seconds it took.
 */
export async function copySqliteToPostgres(file, url) {
	const started = performance.now();
	const sqlite = new Database(file, { readonly: true, fileMustExist: true });
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	const copied = {};
	try {
		const tables = sqlite
			.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
			.all()
			.map((row) => row.name)
			.filter((name) => !NOT_COPIED.has(name));
		const { rows: pgColumns } = await client.query(
			"SELECT table_name, column_name, is_identity FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
		);
		const columnsOf = new Map();
		for (const { table_name: table, column_name: column } of pgColumns) columnsOf.set(table, [...(columnsOf.get(table) ?? []), column]);
		// Foreign keys and the append-only triggers are not checked while copying rows that already
		// satisfied them on SQLite, so the tables may be filled in any order.
		await client.query('BEGIN');
		await client.query('SET LOCAL session_replication_role = replica');
		for (const table of tables) {
			const columns = sqlite
				.prepare(`SELECT name FROM pragma_table_info(?)`)
				.all(table)
				.map((row) => row.name);
			const theirs = columnsOf.get(table);
			if (!theirs) throw new Error(`copying to PostgreSQL: the SQLite table ${table} is not in the PostgreSQL schema`);
			if ([...columns].sort().join() !== [...theirs].sort().join()) {
				throw new Error(`copying to PostgreSQL: ${table} has columns (${columns.join(', ')}) on SQLite but (${theirs.join(', ')}) on PostgreSQL`);
			}
			const perInsert = Math.max(1, Math.floor(PARAMETERS_PER_INSERT / columns.length));
			const list = columns.map((c) => `"${c}"`).join(', ');
			let batch = [];
			let count = 0;
			const flush = async () => {
				if (batch.length === 0) return;
				const rowsSql = [];
				const values = [];
				for (const row of batch) {
					rowsSql.push(`(${columns.map((_, i) => `$${values.length + i + 1}`).join(', ')})`);
					values.push(...row);
				}
				await client.query(`INSERT INTO "${table}" (${list}) VALUES ${rowsSql.join(', ')}`, values);
				count += batch.length;
				batch = [];
			};
			for (const row of sqlite.prepare(`SELECT ${list} FROM "${table}"`).raw().iterate()) {
				batch.push(row);
				if (batch.length >= perInsert) await flush();
			}
			await flush();
			copied[table] = count;
		}
		await client.query('COMMIT');
		// The event log's row key is an identity column: new events must get ids past the copied ones.
		for (const { table_name: table, column_name: column } of pgColumns.filter((c) => c.is_identity === 'YES')) {
			await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT MAX("${column}") FROM "${table}"), 1))`, [table, column]);
		}
		await client.query('VACUUM ANALYZE');
		await client.query('CHECKPOINT');
	} catch (error) {
		await client.query('ROLLBACK').catch(() => {});
		throw error;
	} finally {
		await client.end();
		sqlite.close();
	}
	return { rows: copied, seconds: (performance.now() - started) / 1000 };
}
