// PostgreSQL going away, seen from one pool (issue 17 point 6): the errors node-postgres gives for
// a database that cannot be reached are told apart from queries it refused (isDatabaseUnavailable,
// what turns them into 503s), a connection cut while it is checked out does not end the process,
// and the same pool works again by itself once the server is back: no reopening, no restart.
// A throwaway cluster of this file's own (support/postgres.ts), stopped and started again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import pg from 'pg';
import { sql } from 'kysely';
import { createPostgresKysely, createPostgresPool } from '$lib/server/db/postgres';
import { isDatabaseHealthy } from '$lib/server/db';
import { isCommitUnsure, isDatabaseUnavailable } from '$lib/server/db/unavailable';
import { notFound } from '$lib/server/refusal';
import { postgresAvailable, startTestPostgres, type TestPostgres } from './support/postgres';

const bin = postgresAvailable();
let cluster: TestPostgres | undefined;
let url: string;
const pools: pg.Pool[] = [];

beforeAll(async () => {
	if (!bin) return;
	cluster = await startTestPostgres(bin);
	url = await cluster.createDatabase();
}, 60_000);

afterAll(async () => {
	await Promise.all(pools.map((pool) => pool.end().catch(() => {})));
	cluster?.stop();
});

function pool(options: pg.PoolConfig = {}, to = url): pg.Pool {
	const made = createPostgresPool(to, options);
	made.on('error', () => {}); // as the app's pool does: an idle client's loss is logged there
	pools.push(made);
	return made;
}

/** What a promise rejected with (fails if it resolved). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
	try {
		await promise;
	} catch (error) {
		return error;
	}
	throw new Error('expected a rejection');
}

/** A port on 127.0.0.1 nobody listens on. */
async function closedPort(): Promise<number> {
	const probe = net.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as net.AddressInfo;
	await new Promise((resolve) => probe.close(resolve));
	return port;
}

describe.skipIf(!bin)('isDatabaseUnavailable, on what node-postgres throws', () => {
	it('is false for what a working database refuses, and for anything else', async () => {
		const working = pool({ max: 1 });
		expect(isDatabaseUnavailable(await rejection(working.query('SELEC 1')))).toBe(false); // 42601
		await working.query('CREATE TABLE once (id INTEGER PRIMARY KEY)');
		await working.query('INSERT INTO once VALUES (1)');
		expect(isDatabaseUnavailable(await rejection(working.query('INSERT INTO once VALUES (1)')))).toBe(false); // 23505
		for (const other of [notFound(), new Error('boom'), null, undefined, 'ECONNREFUSED', { code: 42 }]) expect(isDatabaseUnavailable(other)).toBe(false);
	});

	it('is true for a refused connection, a connect that times out, and a session the server ends', async () => {
		const refused = await rejection(pool({ max: 1 }, `postgres://postgres@127.0.0.1:${await closedPort()}/x`).query('SELECT 1'));
		expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
		expect(isDatabaseUnavailable(refused)).toBe(true);

		// A server that takes the connection and never answers: the pool's connect timeout.
		const silent = net.createServer(() => {});
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		try {
			const port = (silent.address() as net.AddressInfo).port;
			const timedOut = await rejection(pool({ max: 1, connectionTimeoutMillis: 200 }, `postgres://postgres@127.0.0.1:${port}/x`).query('SELECT 1'));
			expect(isDatabaseUnavailable(timedOut), String(timedOut)).toBe(true);
		} finally {
			silent.close();
		}

		// The server ends the session in the middle of a query (what pg_ctl stop -m fast does to each).
		const victim = pool({ max: 1 });
		const client = await victim.connect();
		const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
		const running = rejection(client.query('SELECT pg_sleep(30)'));
		await pool({ max: 1 }).query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
		const ended = await running;
		expect(ended).toMatchObject({ code: '57P01' });
		expect(isDatabaseUnavailable(ended)).toBe(true);
		// Released the moment its query failed (as Kysely does), before the socket has closed.
		client.release();
		expect((await victim.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
		const again = await victim.connect();
		// A client whose session ended, asked again: not queryable any more, also "unavailable".
		const { rows: againRows } = await again.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
		await pool({ max: 1 }).query('SELECT pg_terminate_backend($1)', [againRows[0]!.pid]);
		let failure: unknown;
		await until('the ended session fails its queries', () =>
			again.query('SELECT 1').then(
				() => false,
				(error: unknown) => ((failure = error), true)
			)
		);
		expect(isDatabaseUnavailable(failure), String(failure)).toBe(true);
		again.release();
	});
});

describe('isDatabaseUnavailable, on its own', () => {
	it('looks through causes and the errors of an AggregateError', () => {
		const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' });
		expect(isDatabaseUnavailable(new AggregateError([refused], ''))).toBe(true);
		expect(isDatabaseUnavailable(new Error('PostgreSQL migration 0013 failed', { cause: { code: '57P03' } }))).toBe(true);
		expect(isDatabaseUnavailable({ code: '08006' })).toBe(true);
	});
});

/** Polls until `condition` holds (fails after 10 s). */
async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

describe.skipIf(!bin)('a transaction whose connection is lost', () => {
	/** Ends the session of `pid` once its current statement is `statement` (as pg_stat_activity shows it). */
	async function terminateDuring(pid: () => number | undefined, statement: RegExp): Promise<void> {
		const admin = pool({ max: 1 });
		await until(`session busy with ${statement}`, async () => {
			if (pid() === undefined) return false;
			const { rows } = await admin.query<{ query: string }>("SELECT query FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", [pid()]);
			return rows.some((row) => statement.test(row.query));
		});
		await admin.query('SELECT pg_terminate_backend($1)', [pid()]);
	}

	it('is "unsure" when it was lost during its COMMIT (the server may have committed it), and only then', async () => {
		const app = pool({ max: 2 });
		const db = createPostgresKysely(app);
		// A check that runs at COMMIT and takes its time, so the session can be ended right then.
		await app.query(`
			CREATE TABLE slow_commit (id INTEGER PRIMARY KEY);
			CREATE FUNCTION slow_commit_check() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
			CREATE CONSTRAINT TRIGGER slow_commit_at_commit AFTER INSERT ON slow_commit DEFERRABLE INITIALLY DEFERRED
				FOR EACH ROW EXECUTE FUNCTION slow_commit_check();
			CREATE TABLE unique_at_commit (id INTEGER, CONSTRAINT one_each UNIQUE (id) DEFERRABLE INITIALLY DEFERRED);
			INSERT INTO unique_at_commit VALUES (1);
		`);
		const pidOf = async (trx: typeof db) => (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]!.pid;

		let committing: number | undefined;
		const duringCommit = rejection(
			db.transaction().execute(async (trx) => {
				committing = await pidOf(trx);
				await sql`INSERT INTO slow_commit VALUES (1)`.execute(trx);
			})
		);
		await terminateDuring(() => committing, /^commit$/i);
		const lostDuringCommit = await duringCommit;
		expect(isDatabaseUnavailable(lostDuringCommit)).toBe(true);
		expect(isCommitUnsure(lostDuringCommit)).toBe(true);

		let working: number | undefined;
		const beforeCommit = rejection(
			db.transaction().execute(async (trx) => {
				working = await pidOf(trx);
				await sql`SELECT pg_sleep(30)`.execute(trx);
			})
		);
		await terminateDuring(() => working, /pg_sleep/);
		const lostBeforeCommit = await beforeCommit;
		expect(isDatabaseUnavailable(lostBeforeCommit)).toBe(true);
		expect(isCommitUnsure(lostBeforeCommit)).toBe(false);

		// A COMMIT the database itself refuses did not happen: neither unavailable nor unsure.
		const refused = await rejection(db.transaction().execute((trx) => sql`INSERT INTO unique_at_commit VALUES (1)`.execute(trx)));
		expect(refused).toMatchObject({ code: '23505' });
		expect(isDatabaseUnavailable(refused) || isCommitUnsure(refused)).toBe(false);
	});
	it('is "unsure" when a single write outside a transaction was lost once sent (it commits by itself), not a read nor a write in a transaction', async () => {
		// One connection: the statement runs on the session whose pid was read just before.
		const app = pool({ max: 1 });
		const db = createPostgresKysely(app);
		await app.query('CREATE TABLE single_writes (id INTEGER PRIMARY KEY)');
		const pidOf = async () => (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid;
		/** Ends the session while `run` is busy with a statement matching `statement`; what it failed with. */
		async function lostDuring(statement: RegExp, run: () => Promise<unknown>): Promise<unknown> {
			const pid = await pidOf();
			const failing = rejection(run());
			await terminateDuring(() => pid, statement);
			return failing;
		}

		const write = await lostDuring(/pg_sleep/, () =>
			db
				.insertInto('single_writes' as never)
				.values({ id: sql`(SELECT 1 FROM pg_sleep(30))` } as never)
				.execute()
		);
		expect(isDatabaseUnavailable(write)).toBe(true);
		expect(isCommitUnsure(write)).toBe(true);

		const rawWrite = await lostDuring(/pg_sleep/, () => sql`UPDATE single_writes SET id = 2 WHERE id = (SELECT 1 FROM pg_sleep(30))`.execute(db));
		expect(isCommitUnsure(rawWrite)).toBe(true);

		const read = await lostDuring(/pg_sleep/, () => sql`SELECT pg_sleep(30)`.execute(db));
		expect(isDatabaseUnavailable(read)).toBe(true);
		expect(isCommitUnsure(read)).toBe(false);

		const inTransaction = await lostDuring(/pg_sleep/, () =>
			db.transaction().execute((trx) =>
				trx
					.insertInto('single_writes' as never)
					.values({ id: sql`(SELECT 3 FROM pg_sleep(30))` } as never)
					.execute()
			)
		);
		expect(isDatabaseUnavailable(inTransaction)).toBe(true);
		expect(isCommitUnsure(inTransaction)).toBe(false);

		// Nothing above was saved: each was lost before it finished (and "unsure" only says it may have been).
		expect((await app.query('SELECT id FROM single_writes')).rows).toEqual([]);
	});
});

describe.skipIf(!bin)('a pool while PostgreSQL stops and starts again', () => {
	it('survives a connection cut while it is checked out, and hands out working ones afterwards', async () => {
		const app = pool({ max: 2 });
		const client = await app.connect();
		const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
		// Idle in the middle of a transaction, as a request between two statements: no query is
		// waiting for the error, so only a listener on the client keeps it from ending the process.
		await client.query('BEGIN');
		await pool({ max: 1 }).query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
		expect(isDatabaseUnavailable(await rejection(client.query('SELECT 1')))).toBe(true);
		client.release();
		expect((await app.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
	});

	it('is unhealthy while the server is stopped, and healthy again by itself once it is back', async () => {
		const app = pool({ max: 3, connectionTimeoutMillis: 2000 });
		const db = createPostgresKysely(app);
		expect(await isDatabaseHealthy(db)).toBe(true);
		await cluster!.stopServer('fast');
		try {
			expect(await isDatabaseHealthy(db)).toBe(false);
			expect(isDatabaseUnavailable(await rejection(sql`SELECT 1`.execute(db)))).toBe(true);
		} finally {
			await cluster!.startServer();
		}
		expect(await isDatabaseHealthy(db)).toBe(true);
		expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);
	});
});
