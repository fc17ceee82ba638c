// One server does each background job (issue 17, point 5): two Hearth processes (`node server.js`,
// the production build) on ONE SQLite file. Only one of them runs the milestone clock and the
// housekeeping (each holds a lease in `background_leases`; /healthz says which jobs it runs, and
// the log says when it takes one over); when that one stops (SIGTERM, a deploy), it gives its
// leases up and the other takes the jobs over at its next try, well within the lease time.
// A server that dies without stopping loses its leases when they expire: the unit tests
// (tests/unit/background-leader.test.ts) cover that with a clock of their own, not here with waiting.
import { expect, test } from '@playwright/test';
import type { ServerProcess } from './server-process';
import { startServers, type SharedServers } from './servers-kit';

/** LEASE_MS in src/lib/server/background/leader.ts. */
const LEASE_MS = 30_000;
const JOBS = ['milestone-clock', 'housekeeping', 'checkin-reminder'];
const TAKEN_OVER = (job: string) => `This server now runs background job ${job}.`;

let kit: SharedServers | null = null;

test.afterEach(async () => kit?.attachOutput(test.info()));

test.afterAll(async () => kit?.remove());

async function leaderOf(server: ServerProcess): Promise<Record<string, boolean>> {
	const body = (await (await fetch(`${server.baseURL}/healthz`)).json()) as { ok: boolean; leader: Record<string, boolean> };
	expect(body.ok).toBe(true);
	return body.leader;
}

/** The lease rows, as the database has them. */
function leases(): Promise<Array<{ job: string; holder: string }>> {
	return kit!.database.query<{ job: string; holder: string }>('SELECT job, holder FROM background_leases ORDER BY job');
}

test('only one of two servers runs the background jobs, and the other takes them over when it stops', async () => {
	test.setTimeout(LEASE_MS + 20_000);
	// One after the other: the first one migrates the shared file, and takes the jobs.
	kit = await startServers({ dialect: 'sqlite', redis: false });
	const [serverA, serverB] = kit.servers as [ServerProcess, ServerProcess];

	const everyJob = Object.fromEntries(JOBS.map((job) => [job, true]));
	const noJob = Object.fromEntries(JOBS.map((job) => [job, false]));
	await expect.poll(() => leaderOf(serverA)).toEqual(everyJob);
	expect(await leaderOf(serverB)).toEqual(noJob);
	expect((await leases()).map((row) => row.holder.split('/')[1])).toEqual(JOBS.map(() => String(serverA.pid)));
	for (const job of JOBS) {
		expect(serverA.output()).toContain(TAKEN_OVER(job));
		expect(serverB.output()).not.toContain(TAKEN_OVER(job));
	}

	const stopped = Date.now();
	const exit = await serverA.terminate();
	expect(exit.code, serverA.output()).toBe(0);
	await expect.poll(() => leaderOf(serverB), { timeout: LEASE_MS }).toEqual(everyJob);
	const tookOverMs = Date.now() - stopped;
	console.log(`server B took the background jobs over ${tookOverMs} ms after server A was told to stop`);
	expect(tookOverMs).toBeLessThan(LEASE_MS);
	expect((await leases()).map((row) => row.holder.split('/')[1])).toEqual(JOBS.map(() => String(serverB.pid)));
	for (const job of JOBS) expect(serverB.output()).toContain(TAKEN_OVER(job));
});
