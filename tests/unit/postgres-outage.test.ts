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
import { isDatabaseUnavailable } from '$lib/server/db/unavailable';
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
		await new Promise((resolve) => again.once('end', resolve));
		expect(isDatabaseUnavailable(await rejection(again.query('SELECT 1')))).toBe(true);
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
