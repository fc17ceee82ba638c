// Kysely's SQLite driver with group commit.
//
// With synchronous=FULL every COMMIT waits for an fsync, and better-sqlite3 waits on the event
// loop. One fsync per write capped Hearth at a few hundred durable writes a second (BENCHMARKS.md).
// Here the writes that arrive in the same turn of the event loop share one transaction and so one
// fsync, the way databases have done group commit for decades:
//
// - The first write opens a batch (BEGIN IMMEDIATE) and schedules its COMMIT with setImmediate,
//   so a lone write is committed at once and writes that arrived together wait for each other only
//   as long as it takes to run them.
// - Each Kysely transaction is a SAVEPOINT inside the batch. If it fails, only its own changes
//   are rolled back (ROLLBACK TO), and the others in the batch carry on.
// - No write resolves before its batch's COMMIT has returned: `transaction().execute()` and every
//   plain INSERT/UPDATE/DELETE wait for it (after giving the connection back, so the next writes
//   can join the batch meanwhile). If the COMMIT fails, every write in the batch fails, so a user
//   is never told "saved" for something that is not on disk.
// - Reads on this one connection see the batch's changes before its COMMIT returns. They become
//   durable a moment later, unless the disk itself fails (the COMMIT throws); then a reader may
//   have seen a write whose author was told it failed. That is the one cost of the scheme.
import { CompiledQuery, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { DatabaseConnection, Dialect, Driver, Kysely, QueryResult } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';

/** Distinct SQL texts the app runs are a few hundred; past this the cache starts over. */
export const STATEMENT_CACHE_LIMIT = 1000;

interface Batch {
	/** Settles when the batch's COMMIT has returned (or failed). */
	durable: Promise<void>;
	settle(error?: unknown): void;
}

function newBatch(): Batch {
	let resolve!: () => void;
	let reject!: (error: unknown) => void;
	const durable = new Promise<void>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	// Nobody may be waiting (a batch of reads that turned out to write nothing), so a failure
	// must not surface as an unhandled rejection; the writers that wait see it.
	durable.catch(() => {});
	const batch: Batch = {
		durable,
		settle(error?: unknown) {
			if (error === undefined) resolve();
			else reject(error);
		}
	};
	return batch;
}

/** One mutex for the one connection, as Kysely's own SQLite driver has. */
class Mutex {
	#held: Promise<void> | undefined;
	#release: (() => void) | undefined;

	async lock(): Promise<void> {
		while (this.#held) await this.#held;
		this.#held = new Promise((resolve) => (this.#release = resolve));
	}

	unlock(): void {
		const release = this.#release;
		this.#held = undefined;
		this.#release = undefined;
		release?.();
	}
}

class GroupCommitConnection implements DatabaseConnection {
	readonly #statements = new Map<string, BetterSqlite3.Statement>();
	/** The batch whose COMMIT the current holder of the connection must wait for, if it wrote. */
	pendingDurability: Batch | null = null;
	inUnit = false;

	constructor(
		private readonly sqlite: BetterSqlite3.Database,
		private readonly writeBatch: () => Batch,
		private readonly onTransactionLost: (error: unknown) => void
	) {}

	/**
	 * Kysely prepares every query anew, and preparing costs more than running most of ours.
	 * better-sqlite3 runs statements synchronously, so one statement per SQL text is reused.
	 */
	prepare(source: string): BetterSqlite3.Statement {
		let statement = this.#statements.get(source);
		if (!statement) {
			if (this.#statements.size >= STATEMENT_CACHE_LIMIT) this.#statements.clear();
			statement = this.sqlite.prepare(source);
			this.#statements.set(source, statement);
		}
		return statement;
	}

	async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
		const statement = this.prepare(compiledQuery.sql);
		const parameters = compiledQuery.parameters as unknown[];
		// A write outside a transaction joins the batch too, and waits for its COMMIT.
		const batch = !statement.readonly && !this.inUnit ? this.writeBatch() : null;
		try {
			let result: QueryResult<R>;
			if (statement.reader) {
				result = { rows: statement.all(parameters) as R[] };
			} else {
				const { changes, lastInsertRowid } = statement.run(parameters);
				result = { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
			}
			if (batch) this.pendingDurability = batch;
			return result;
		} catch (error) {
			// Some errors (a full disk, I/O) make SQLite roll back the whole transaction.
			if (!statement.readonly && !this.sqlite.inTransaction) this.onTransactionLost(error);
			throw error;
		}
	}

	// eslint-disable-next-line require-yield
	async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
		throw new Error('Streaming queries are not supported here.');
	}
}

export class GroupCommitDriver implements Driver {
	readonly #mutex = new Mutex();
	readonly #connection: GroupCommitConnection;
	#batch: Batch | null = null;

	constructor(private readonly sqlite: BetterSqlite3.Database) {
		this.#connection = new GroupCommitConnection(
			sqlite,
			() => this.#currentBatch(),
			(error) => this.#loseBatch(error)
		);
	}

	async init(): Promise<void> {}

	async acquireConnection(): Promise<DatabaseConnection> {
		await this.#mutex.lock();
		return this.#connection;
	}

	/** The open batch, or a new one whose COMMIT runs once this turn of the event loop is done. */
	#currentBatch(): Batch {
		if (this.#batch) return this.#batch;
		this.sqlite.exec('BEGIN IMMEDIATE');
		const batch = newBatch();
		this.#batch = batch;
		setImmediate(() => void this.#commit(batch));
		return batch;
	}

	async #commit(batch: Batch): Promise<void> {
		// A transaction may be halfway through (it awaited something): let it finish first.
		await this.#mutex.lock();
		try {
			if (this.#batch !== batch) return; // already lost and settled
			this.#batch = null;
			try {
				this.sqlite.exec('COMMIT');
				batch.settle();
			} catch (error) {
				if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
				batch.settle(error);
			}
		} finally {
			this.#mutex.unlock();
		}
	}

	/** SQLite rolled the whole batch back by itself: every write in it has failed. */
	#loseBatch(error: unknown): void {
		const batch = this.#batch;
		if (!batch) return;
		this.#batch = null;
		batch.settle(error);
	}

	async beginTransaction(): Promise<void> {
		const connection = this.#connection;
		connection.pendingDurability = this.#currentBatch();
		this.sqlite.exec('SAVEPOINT unit');
		connection.inUnit = true;
	}

	async commitTransaction(): Promise<void> {
		this.#connection.inUnit = false;
		this.sqlite.exec('RELEASE unit');
	}

	async rollbackTransaction(): Promise<void> {
		const connection = this.#connection;
		connection.inUnit = false;
		connection.pendingDurability = null;
		if (this.sqlite.inTransaction) {
			this.sqlite.exec('ROLLBACK TO unit');
			this.sqlite.exec('RELEASE unit');
		} else {
			this.#loseBatch(new Error('The transaction was rolled back by SQLite.'));
		}
	}

	async releaseConnection(): Promise<void> {
		const batch = this.#connection.pendingDurability;
		this.#connection.pendingDurability = null;
		this.#mutex.unlock();
		if (batch) await batch.durable;
	}

	/** Commits what is still open, then closes the file. */
	async destroy(): Promise<void> {
		if (this.#batch) await this.#commit(this.#batch);
		this.sqlite.close();
	}
}

/** Kysely's SQLite dialect, with the group-commit driver above. */
export class GroupCommitDialect implements Dialect {
	constructor(private readonly sqlite: BetterSqlite3.Database) {}
	createDriver(): Driver {
		return new GroupCommitDriver(this.sqlite);
	}
	createQueryCompiler() {
		return new SqliteQueryCompiler();
	}
	createAdapter() {
		return new SqliteAdapter();
	}
	createIntrospector(db: Kysely<unknown>) {
		return new SqliteIntrospector(db);
	}
}
