// One server does each background job (issue 17, point 5): "servers" are Leases with their own
// holder ids on one real database, with a clock passed in, so expiry needs no sleeping.
//
// On SQLite they share the file's one group-commit connection: two writing connections in one
// process would wait for each other's writer lock on the one thread that has to release it. Two
// real processes on one file are tests/e2e/background-leader.spec.ts. On PostgreSQL (when it is
// installed) the parallel takes go over separate connections, really at once.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Pool } from 'pg';
import type { Database } from '$lib/server/db';
import { createPostgresKysely, createPostgresPool, migrate } from '$lib/server/db/postgres';
import { DATABASE_BACK, DATABASE_LOST, Leases, startBackgroundLeader } from '$lib/server/background/leader';
import { createTestDatabase, type TestDatabase } from './support/database';
import { postgresAvailable, startTestPostgres, type TestPostgres } from './support/postgres';

const JOB = 'milestone-clock';
const LEASE_MS = 30_000;
const T0 = Date.UTC(2026, 11, 1, 12);

let database: TestDatabase;
let a: Leases;
let b: Leases;

beforeEach(async () => {
	database = await createTestDatabase();
	a = new Leases(database.db, { holder: 'server-a', leaseMs: LEASE_MS });
	b = new Leases(database.db, { holder: 'server-b', leaseMs: LEASE_MS });
});

afterEach(async () => {
	await database.dispose();
});

async function rows(db: Database = database.db) {
	return db.selectFrom('background_leases').select(['job', 'holder', 'expires_at']).orderBy('job').execute();
}

describe('background leases', () => {
	it('let exactly one of two servers hold a job', async () => {
		expect(await a.tryHold(JOB, T0)).toBe(true);
		expect(await b.tryHold(JOB, T0 + 1)).toBe(false);
		expect([a.holds(JOB, T0 + 1), b.holds(JOB, T0 + 1)]).toEqual([true, false]);
		expect(await rows()).toEqual([{ job: JOB, holder: 'server-a', expires_at: T0 + LEASE_MS }]);
	});

	it('give exactly one holder when 20 servers try at once', async () => {
		const servers = Array.from({ length: 20 }, (_, i) => new Leases(database.db, { holder: `server-${i}`, leaseMs: LEASE_MS }));
		const results = await Promise.all(servers.map((server) => server.tryHold(JOB, T0)));
		expect(results.filter(Boolean)).toHaveLength(1);
		const winner = servers[results.indexOf(true)]!;
		expect(await rows()).toEqual([{ job: JOB, holder: winner.holder, expires_at: T0 + LEASE_MS }]);
		// and again, all at once, later but within the lease: the same one, renewed
		const again = await Promise.all(servers.map((server) => server.tryHold(JOB, T0 + 10_000)));
		expect(servers.filter((_, i) => again[i]).map((server) => server.holder)).toEqual([winner.holder]);
	});

	it('are renewed by their holder, so nobody else takes them while it keeps renewing', async () => {
		expect(await a.tryHold(JOB, T0)).toBe(true);
		for (let now = T0 + 10_000; now <= T0 + 120_000; now += 10_000) {
			expect(await a.tryHold(JOB, now)).toBe(true);
			expect(await b.tryHold(JOB, now + 1)).toBe(false);
		}
		expect(await rows()).toEqual([{ job: JOB, holder: 'server-a', expires_at: T0 + 120_000 + LEASE_MS }]);
	});

	it('go to the other server once the holder stops renewing and the lease expires', async () => {
		expect(await a.tryHold(JOB, T0)).toBe(true);
		expect(await b.tryHold(JOB, T0 + LEASE_MS - 1)).toBe(false);
		expect(await b.tryHold(JOB, T0 + LEASE_MS)).toBe(true);
		// the old holder comes back: it has lost the job, and knows it
		expect(a.holds(JOB, T0 + LEASE_MS)).toBe(false);
		expect(await a.tryHold(JOB, T0 + LEASE_MS + 1)).toBe(false);
		expect(await rows()).toEqual([{ job: JOB, holder: 'server-b', expires_at: T0 + 2 * LEASE_MS }]);
	});

	it('are handed over at once when the holder gives them up', async () => {
		expect(await a.tryHold(JOB, T0)).toBe(true);
		await a.release(JOB);
		expect(a.holds(JOB, T0 + 1)).toBe(false);
		expect(await b.tryHold(JOB, T0 + 1)).toBe(true);
		// giving up a lease one does not hold changes nothing
		await a.release(JOB);
		expect(await rows()).toEqual([{ job: JOB, holder: 'server-b', expires_at: T0 + 1 + LEASE_MS }]);
	});

	it('are separate per job', async () => {
		expect(await a.tryHold('housekeeping', T0)).toBe(true);
		expect(await b.tryHold(JOB, T0)).toBe(true);
		expect(await a.tryHold(JOB, T0)).toBe(false);
		expect((await rows()).map((row) => row.holder)).toEqual(['server-a', 'server-b']);
	});
});

describe('the background leader', () => {
	it('runs a scheduled job only on the server holding its lease, and gives its leases up when stopped', async () => {
		const runs: string[] = [];
		const leaderA = startBackgroundLeader(database.db, [JOB], { holder: 'server-a', renewEveryMs: 60_000 });
		leaderA.schedule(JOB, 60_000, async () => void runs.push('a'));
		await expect.poll(() => runs).toEqual(['a']);
		const leaderB = startBackgroundLeader(database.db, [JOB], { holder: 'server-b', renewEveryMs: 60_000 });
		leaderB.schedule(JOB, 60_000, async () => void runs.push('b'));
		// B's first try, just before its first run, found the lease taken (this try comes after it)
		expect(await leaderB.leases.tryHold(JOB)).toBe(false);
		expect(leaderA.held()).toEqual({ [JOB]: true });
		expect(leaderB.held()).toEqual({ [JOB]: false });
		await leaderA.stop();
		expect(await rows()).toEqual([]);
		await leaderB.stop();
		expect(runs).toEqual(['a']);
	});
});

describe('the background leader during a database outage', () => {
	afterEach(() => {
		vi.restoreAllMocks();
	});

	it('says once, in one line with no stack, that the database is gone, and once that it is back; a bug is logged with its stack each time', async () => {
		// Every statement the leader sends fails while `down` is set, as with PostgreSQL stopped
		// (a refused connection); `bug` makes them fail as a bug would.
		let down = false;
		let bug = false;
		let tries = 0;
		const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect'), { code: 'ECONNREFUSED' });
		const db = database.db.withPlugin({
			transformQuery(args) {
				tries += 1;
				if (down) throw refused;
				if (bug) throw new TypeError('a bug in a query');
				return args.node;
			},
			transformResult: async (args) => args.result
		});
		const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
		const logs = vi.spyOn(console, 'log').mockImplementation(() => {});
		const jobs = [JOB, 'housekeeping'];
		const leader = startBackgroundLeader(db, jobs, { holder: 'server-a', renewEveryMs: 5 });
		for (const job of jobs) leader.schedule(job, 5, async () => {});
		try {
			await expect.poll(() => leader.held()).toEqual({ [JOB]: true, housekeeping: true });
			expect(errors).not.toHaveBeenCalled();

			down = true;
			const before = tries;
			await expect.poll(() => tries - before).toBeGreaterThan(20);
			expect(errors.mock.calls).toEqual([[DATABASE_LOST('connect ECONNREFUSED 127.0.0.1:5432')]]);

			logs.mockClear();
			down = false;
			await expect.poll(() => logs.mock.calls.some(([line]) => line === DATABASE_BACK)).toBe(true);
			expect(logs.mock.calls.filter(([line]) => line === DATABASE_BACK)).toHaveLength(1);

			errors.mockClear();
			bug = true;
			await expect.poll(() => errors.mock.calls.length).toBeGreaterThan(2);
			for (const [what, error] of errors.mock.calls) {
				expect(what).toMatch(/^Could not renew the lease of background job /);
				expect((error as Error).stack).toContain('a bug in a query');
			}
		} finally {
			down = bug = false;
			await leader.stop();
		}
	});
});

const bin = postgresAvailable();
let cluster: TestPostgres | undefined;
const pools: Pool[] = [];

beforeAll(async () => {
	if (bin) cluster = await startTestPostgres(bin);
}, 60_000);

afterAll(async () => {
	await Promise.all(pools.map((pool) => pool.end()));
	cluster?.stop();
});

describe.skipIf(!bin)('background leases on PostgreSQL', () => {
	it('give exactly one holder when 20 servers, each on its own connection, try at once', async () => {
		const url = await cluster!.createDatabase();
		const setup = createPostgresPool(url, { max: 1 });
		pools.push(setup);
		await migrate(setup);
		const servers = Array.from({ length: 20 }, (_, i) => {
			const pool = createPostgresPool(url, { max: 1 });
			pools.push(pool);
			return new Leases(createPostgresKysely(pool), { holder: `server-${i}`, leaseMs: LEASE_MS });
		});
		// every connection open first, so that the takes themselves go out together
		await Promise.all(pools.map((pool) => pool.query('SELECT 1')));
		const db = createPostgresKysely(setup);
		for (const [round, now] of [T0, T0 + 10_000, T0 + 10_000 + LEASE_MS + 1].entries()) {
			const results = await Promise.all(servers.map((server) => server.tryHold(JOB, now)));
			expect(results.filter(Boolean), `round ${round}`).toHaveLength(1);
			const winner = servers[results.indexOf(true)]!;
			expect(await rows(db)).toEqual([{ job: JOB, holder: winner.holder, expires_at: now + LEASE_MS }]);
			// the last round comes after the lease expired: whoever wins, the others know they do not hold it
			expect(servers.filter((server) => server.holds(JOB, now)).map((server) => server.holder)).toEqual([winner.holder]);
		}
	});
});
