// Kysely queries built and compiled once, then run with new values.
//
// Building and compiling a Kysely query costs about 20 µs (measured: 26 µs a query through
// Kysely against 7 µs for the same SQL precompiled) and a few hundred short-lived objects, more
// than SQLite takes to run most of ours. This is for the paths every request or every check-in
// takes: the session lookup, the membership check, writing a check-in and its event.
//
// `prepared` builds the query once with a marker standing in for each argument, and finds where
// the markers landed among the compiled parameters; from then on it runs the same SQL with the
// real values in their places. The builder must only use its arguments as values (in where,
// values, set): no `if` on them, no arrays (for a list of ids, idList and inIds below); anything
// else would be built into the SQL once and for all.
//
// PostgreSQL compiles the same builder to other SQL ($1 for SQLite's ?), so a template is kept
// per dialect: one process can hold both (the test suite does), and the first compile must not
// serve the other's SQL. On PostgreSQL it saves the build, and the SQL runs as a named prepared
// statement (postgres/connection.js nameStatement): parsed and planned once per connection.
import { CompiledQuery, PostgresAdapter, sql, type Compilable } from 'kysely';
import { nameStatement } from './postgres/connection.js';
import type { Database } from './types';

const MARKER = '\u0000hearth-argument:';

interface Template {
	sql: string;
	/** For each compiled parameter: the index of the argument it takes, or the constant it is. */
	slots: Array<{ argument: number } | { constant: unknown }>;
}

export function prepared<Args extends unknown[], Row>(build: (db: Database, ...args: Args) => Compilable<Row>) {
	// Keyed by the dialect's adapter class: every SQLite database shares one template, every PostgreSQL one another.
	const templates = new Map<unknown, Template>();

	function compile(db: Database, argumentCount: number): Template {
		const markers = Array.from({ length: argumentCount }, (_, i) => `${MARKER}${i}`) as unknown as Args;
		const compiled = build(db, ...markers).compile();
		const slots = compiled.parameters.map((parameter) =>
			typeof parameter === 'string' && parameter.startsWith(MARKER) ? { argument: Number(parameter.slice(MARKER.length)) } : { constant: parameter }
		);
		if (db.getExecutor().adapter instanceof PostgresAdapter) nameStatement(compiled.sql);
		return { sql: compiled.sql, slots };
	}

	/** Runs the query with these arguments (on a database or in a transaction); resolves to its rows. */
	return async (db: Database, ...args: Args): Promise<Row[]> => {
		const dialect = db.getExecutor().adapter.constructor;
		let template = templates.get(dialect);
		if (!template) templates.set(dialect, (template = compile(db, args.length)));
		const parameters = template.slots.map((slot) => ('argument' in slot ? args[slot.argument] : slot.constant));
		const result = await db.executeQuery<Row>(CompiledQuery.raw(template.sql, parameters));
		return result.rows;
	};
}

/**
 * Ids as one parameter of a prepared query, where Kysely's `in` would build one placeholder per
 * id (and so new SQL for every length). In the builder: `.where(inIds(db, 'checkin_id', ids))`; when
 * running it: `idList(db, ids)`. SQLite reads the list as JSON (json_each), PostgreSQL as an array.
 */
export type IdList = string & { readonly idList: unique symbol };

const isPostgres = (db: Database) => db.getExecutor().adapter instanceof PostgresAdapter;

export function idList(db: Database, ids: readonly string[]): IdList {
	return (isPostgres(db) ? ids : JSON.stringify(ids)) as unknown as IdList;
}

/** `column` is one of the ids in `list` (a prepared query's argument, see idList). */
export function inIds(db: Database, column: string, list: IdList) {
	return isPostgres(db)
		? sql<boolean>`${sql.ref(column)} = any(cast(${list} as text[]))`
		: sql<boolean>`${sql.ref(column)} in (select value from json_each(${list}))`;
}
