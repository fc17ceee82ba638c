// Several servers (issue 17, "What to build" point 4): two Hearth processes (`node server.js`, the
// production build) on ONE PostgreSQL database and ONE Redis, REDIS_URL set on both. Members act
// through the real HTTP forms of either server; their live connections are real socket.io clients
// (the kit's LiveClient, wired to the app's CircleSync as the page is). What one server does must
// reach the sockets on the other: events, removals, "log out of all devices", presence; and with
// Redis stopped and started again, posts still commit and a client catches up with no gap. (The
// same journeys in real browsers, one on each server: servers-postgres.spec.ts.)
//
// E2E_SERVERS_DB=sqlite runs the same tests with the two servers on one SQLite file instead (WAL:
// processes on one machine only). Not run by default: nothing here depends on the database but
// the log it reads, which both dialects' vitest suites cover, and several servers on one machine's
// file is not how Hearth is deployed (README, "Several servers").
//
// E2E_REDIS_OFF=1 starts the same two servers without REDIS_URL: every test here must then fail
// (that is how the tests were checked to depend on the adapter).
import { expect, test } from '@playwright/test';
import type { ServerProcess } from './server-process';
import { serversUnavailable, startServers, until as untilWithin, type SharedDatabase, type SharedServers } from './servers-kit';
import { unflatten } from 'devalue';
import { LiveClient, Member, compareWithLog, describeDiff, joinCircle, makeCircle, signedInOn, signUpMember } from './sync-kit';

const WITHOUT_ADAPTER = process.env.E2E_REDIS_OFF === '1';
const DIALECT = process.env.E2E_SERVERS_DB === 'sqlite' ? 'sqlite' : 'postgres';
/** How long a live delivery may take before the test says it did not come. */
const LIVE_WITHIN_MS = 5000;

test.describe.configure({ mode: 'serial' });

let kit: SharedServers | null = null;
let redis: NonNullable<SharedServers['redis']>;
let database: SharedDatabase;
let serverA: ServerProcess;
let serverB: ServerProcess;

const skipped = serversUnavailable(DIALECT);
test.skip(skipped !== null, skipped ?? '');

test.beforeAll(async () => {
	test.setTimeout(90_000);
	kit = await startServers({ dialect: DIALECT, adapter: !WITHOUT_ADAPTER });
	[serverA, serverB] = kit.servers as [ServerProcess, ServerProcess];
	redis = kit.redis!;
	database = kit.database;
});

test.afterEach(async () => kit?.attachOutput(test.info()));

test.afterAll(async () => kit?.remove());

/** A live connection for `member` to the server of `member.baseURL`, settled at the page's position. */
const liveOn = (member: Member, circleId: string, label: string): Promise<LiveClient> => kit!.liveOn(member, circleId, label);

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
const until = (what: string, condition: () => boolean | Promise<boolean>, timeoutMs = LIVE_WITHIN_MS) => untilWithin(what, condition, timeoutMs);

/** The `online` list of the circle's members page, as the browser gets it. */
async function membersPageOnline(member: Member, circleId: string): Promise<string[]> {
	const response = await member.fetch(`/circles/${circleId}/members/__data.json`, { headers: { accept: '*/*' } });
	const first = JSON.parse((await response.text()).split('\n', 1)[0]!) as { nodes: Array<{ type: string; data?: unknown } | null> };
	for (const node of first.nodes) {
		const data = node?.type === 'data' ? (unflatten(node.data as number | unknown[]) as { online?: string[] }) : null;
		if (data?.online) return data.online;
	}
	throw new Error('the members page data has no online list');
}

async function lastSeq(circleId: string): Promise<number> {
	return (await database.readLog(circleId)).at(-1)?.seq ?? 0;
}

/** A circle made on A by `owner` (on A), joined by a member signed up on B. */
async function circleAcrossServers(name: string) {
	const owner = await signUpMember(serverA.baseURL, `${name} owner`);
	const circleId = await makeCircle(owner, name);
	const member = await signUpMember(serverB.baseURL, `${name} member`);
	await joinCircle(member, await signedInOn(serverB.baseURL, owner), circleId);
	return { owner, member, circleId };
}

test('a check-in, a reaction and an agreement answer made on server B reach a member connected to server A live', async () => {
	const { owner, member, circleId } = await circleAcrossServers('Across');
	const ownerOnA = await liveOn(owner, circleId, 'owner on A');
	const catchUpsAtStart = ownerOnA.catchUps;

	const posted = await member.postCheckIn(circleId, { mood: 4, body: 'Posted through server B' });
	expect(posted.type, JSON.stringify(posted)).toBe('success');
	await ownerOnA.waitSettled(await lastSeq(circleId), LIVE_WITHIN_MS);
	expect(ownerOnA.delivered.map((event) => event.type)).toContain('checkin.posted');

	const reacted = await member.react(circleId, posted.data!.checkin.id, 'here');
	expect(reacted.type, JSON.stringify(reacted)).toBe('success');
	await ownerOnA.waitSettled(await lastSeq(circleId), LIVE_WITHIN_MS);
	expect(ownerOnA.delivered.map((event) => event.type)).toContain('checkin.reacted');

	// The owner proposes (on A); the member answers on B; the owner's socket on A hears of it.
	// (The page's one form is its default action: posted to the page itself, as the browser does.)
	const proposed = await owner.fetch(`/circles/${circleId}/agreements/new`, {
		method: 'POST',
		headers: { origin: owner.origin, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'x-sveltekit-action': 'true' },
		body: new URLSearchParams({
			title: 'Phones away at dinner',
			category: 'home',
			body: 'We keep phones away while we eat.',
			support: '',
			consequence: '',
			reviewOn: ''
		})
	});
	const proposedAnswer = (await proposed.json()) as { type: string; location?: string };
	const agreementId = /\/agreements\/([^/]+)$/.exec(proposedAnswer.location ?? '')?.[1];
	expect(agreementId, JSON.stringify(proposedAnswer)).toBeTruthy();
	const [proposal] = await database.query<{ id: string }>('SELECT id FROM agreement_proposals WHERE agreement_id = ?', [agreementId]);
	await ownerOnA.waitSettled(await lastSeq(circleId), LIVE_WITHIN_MS);
	const answered = await member.action(`/circles/${circleId}/agreements/${agreementId}`, 'answer', { proposalId: proposal!.id, answer: 'agree', comment: '' });
	expect(answered.type, JSON.stringify(answered)).toBe('success');
	await ownerOnA.waitSettled(await lastSeq(circleId), LIVE_WITHIN_MS);
	expect(ownerOnA.delivered.map((event) => event.type)).toContain('agreement.answered');

	// Live, not caught up: no catch-up after the first, and exactly the log, in order.
	expect(ownerOnA.catchUps).toBe(catchUpsAtStart);
	const diff = compareWithLog(ownerOnA, await database.readLog(circleId));
	expect(diff.ok, describeDiff(diff)).toBe(true);
});

test('a member removed on server B loses their socket on server A at once, and hears nothing more', async () => {
	const { owner, member, circleId } = await circleAcrossServers('Removal');
	const memberOnA = await signedInOn(serverA.baseURL, member);
	const removedOnA = await liveOn(memberOnA, circleId, 'member on A');
	const ownerOnA = await liveOn(owner, circleId, 'owner on A');
	const gone: unknown[] = [];
	removedOnA.socket.on('circle:gone', (payload: unknown) => gone.push(payload));
	const deliveredBefore = removedOnA.delivered.length;

	const ownerOnB = await signedInOn(serverB.baseURL, owner);
	const removed = await ownerOnB.action(`/circles/${circleId}/members`, 'removeMember', { userId: member.userId! });
	expect(removed.type, JSON.stringify(removed)).not.toBe('failure');
	await until('circle:gone on server A', () => gone.length > 0);
	expect(gone).toEqual([{ circleId, reason: 'removed' }]);

	// Out of the room on A: the owner's next post (through B) reaches the owner on A, not them.
	const posted = await ownerOnB.postCheckIn(circleId, { mood: 3, body: 'After the removal' });
	expect(posted.type).toBe('success');
	await ownerOnA.waitSettled(await lastSeq(circleId), LIVE_WITHIN_MS);
	expect(removedOnA.delivered.slice(deliveredBefore).some((event) => event.type === 'checkin.posted')).toBe(false);
});

test('"log out of all devices" on server B ends that person\'s socket on server A', async () => {
	const { member, circleId } = await circleAcrossServers('Logout');
	const memberOnA = await signedInOn(serverA.baseURL, member);
	const onA = await liveOn(memberOnA, circleId, 'member on A');
	const ended: unknown[] = [];
	onA.socket.on('session:ended', (payload: unknown) => ended.push(payload));

	const answer = await member.action('/account', 'logOutEverywhere', {});
	expect(answer.type, JSON.stringify(answer)).toBe('redirect');
	await until('session:ended and disconnect on server A', () => ended.length > 0 && !onA.connected);
	expect(ended).toEqual([{ reason: 'logged-out-everywhere' }]);
});

test('presence on server A shows a member connected to server B', async () => {
	const { owner, member, circleId } = await circleAcrossServers('Presence');
	const ownerOnA = await liveOn(owner, circleId, 'owner on A');
	const changes: Array<{ userId: string; online: boolean }> = [];
	ownerOnA.socket.on('presence:changed', (change: { userId: string; online: boolean }) => changes.push(change));

	const memberOnB = await liveOn(member, circleId, 'member on B');
	await until('presence:changed (online) on server A', () => changes.some((c) => c.userId === member.userId && c.online));

	// A catch-up reply on A lists them; so does A's members page.
	const reply = await ownerOnA.socket.emitWithAck('circle:sync', { circleId, afterSeq: ownerOnA.applied });
	expect(reply.ok && reply.online).toEqual(expect.arrayContaining([owner.userId, member.userId]));
	expect(await membersPageOnline(owner, circleId)).toEqual(expect.arrayContaining([owner.userId, member.userId]));

	memberOnB.disconnect();
	await until('presence:changed (offline) on server A', () => changes.some((c) => c.userId === member.userId && !c.online));
});

test('with Redis stopped, posts on B still commit; once it is back, a client on A catches up with no gap', async () => {
	test.setTimeout(60_000);
	const { owner, member, circleId } = await circleAcrossServers('Outage');
	const ownerOnA = await liveOn(owner, circleId, 'owner on A');
	const health = async (server: ServerProcess) => (await fetch(`${server.baseURL}/healthz`)).json() as Promise<{ ok: boolean; redis?: string }>;
	expect(await health(serverA)).toEqual({ ok: true, database: true, redis: 'connected', leader: expect.any(Object) });

	await redis.stop();
	await until('server A reports Redis away', async () => (await health(serverA)).redis === 'disconnected');
	for (let i = 1; i <= 3; i += 1) {
		const posted = await member.postCheckIn(circleId, { mood: 2, body: `While Redis is away, ${i}` });
		expect(posted.type, JSON.stringify(posted)).toBe('success');
	}
	expect((await health(serverB)).ok).toBe(true);

	await redis.start();
	await until(
		'both servers connected to Redis again',
		async () => (await health(serverA)).redis === 'connected' && (await health(serverB)).redis === 'connected',
		15_000
	);
	// The next event that reaches A shows the client its gap, and it catches up by log position.
	// (Posting again until one arrives: the subscriber's channels come back a moment after it connects.)
	const deadline = Date.now() + 15_000;
	for (let i = 1; ownerOnA.applied < (await lastSeq(circleId)) || !ownerOnA.sync.settled; i += 1) {
		if (Date.now() > deadline)
			throw new Error(`owner on A never caught up (applied ${ownerOnA.applied} of ${await lastSeq(circleId)}):\n${ownerOnA.history.join('\n')}`);
		const posted = await member.postCheckIn(circleId, { mood: 3, body: `Redis is back, ${i}` });
		expect(posted.type).toBe('success');
		const target = await lastSeq(circleId);
		await until('a delivery', () => ownerOnA.applied >= target, 1000).catch(() => {});
	}
	await ownerOnA.waitSettled(await lastSeq(circleId));
	const diff = compareWithLog(ownerOnA, await database.readLog(circleId));
	expect(diff.ok, describeDiff(diff)).toBe(true);
	expect(serverA.hasExited || serverB.hasExited).toBe(false);
});
