import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '$lib/server/auth/sessions';
import { changeMemberRole, removeMember, updateOwnProfile } from '$lib/server/circles/circles';
import { changeDisplayName } from '$lib/server/auth/profile';
import { latestCircleEventSeq } from '$lib/server/circles/events';
import type { CircleEvent, CircleSyncResponse, MessageRefusal } from '$lib/realtime/events';
import type { UnreadCount } from '$lib/unread';
import { postCheckIn } from '$lib/server/checkins/checkins';
import { requireMember } from '$lib/server/circles/access';
import { startRealtime } from '$lib/server/realtime';
import { SOCKET_RATE, STRIKES_BEFORE_DISCONNECT } from '$lib/server/realtime/limits';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf, joinCircle } from './support/circles';
import { addUser } from './support/people';
import { startSocketServer, type TestClient as Client } from './support/socket-server';

// Real socket.io clients, each with a real session cookie, against the app's realtime wiring.
let testDb: TestDatabase;
let server: Awaited<ReturnType<typeof startSocketServer>>;

beforeAll(async () => {
	testDb = await createTestDatabase();
	server = await startSocketServer();
	startRealtime(testDb.db, { committed: testDb.committed, generation: testDb.generation });
});

afterAll(async () => {
	await server.close();
	await testDb.dispose();
});

function connectAs(user: SessionUser): Promise<Client> {
	return server.signedIn(testDb.db, user);
}

function collect(socket: Client): CircleEvent[] {
	const seen: CircleEvent[] = [];
	socket.on('circle:event', (event) => seen.push(event));
	return seen;
}

function sync(socket: Client, circleId: string, afterSeq: number): Promise<CircleSyncResponse> {
	return new Promise((resolve) => socket.emit('circle:sync', { circleId, afterSeq }, resolve));
}

/** Waits until `check` passes, polling briefly; the assertion decides, not the clock. */
async function eventually(check: () => void, attempts = 100) {
	for (let i = 0; ; i++) {
		try {
			return check();
		} catch (error) {
			if (i >= attempts) throw error;
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	}
}

describe('circle events over sockets', () => {
	it('reach every member with the circle open, with their log ids', async () => {
		const {
			circleId,
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		const mariaSocket = await connectAs(maria);
		const samSocket = await connectAs(sam);
		await sync(samSocket, circleId, await latestCircleEventSeq(testDb.db, circleId));
		const mariaSees = collect(mariaSocket);
		const samSees = collect(samSocket);

		await updateOwnProfile(testDb.db, await accessOf(sam), { relationship: 'Son', inRecovery: true });
		const id = await latestCircleEventSeq(testDb.db, circleId);
		await eventually(() => {
			expect(mariaSees).toEqual([expect.objectContaining({ seq: id, type: 'member.profile-changed' })]);
			expect(samSees).toEqual([expect.objectContaining({ seq: id, type: 'member.profile-changed' })]);
		});
	});

	it('carry a new name to every circle of the person, and its members’ next catch-up', async () => {
		const lees = await circleOf(testDb.db, ['Sam'], { name: 'The Lees' });
		const [maria, sam] = lees.people;
		const parks = await circleOf(testDb.db, [], { name: 'The Parks' });
		await joinCircle(testDb.db, parks.circleId, parks.owner, sam);
		await updateOwnProfile(testDb.db, await lees.accessOf(sam), { relationship: 'Son', inRecovery: true });
		const mariaSocket = await connectAs(maria);
		const bo = await connectAs(parks.owner);
		const mariaSees = collect(mariaSocket);
		const boSees = collect(bo);

		await changeDisplayName(testDb.db, sam, 'Samuel');
		const renamed = { type: 'member.profile-changed', payload: { userId: sam.id, displayName: 'Samuel', relationship: 'Son', inRecovery: true } };
		await eventually(() => expect(mariaSees).toEqual([expect.objectContaining(renamed)]));
		await eventually(() =>
			expect(boSees).toEqual([expect.objectContaining({ ...renamed, payload: { ...renamed.payload, relationship: '', inRecovery: false } })])
		);
		const caughtUp = await sync(mariaSocket, lees.circleId, mariaSees[0]!.seq - 1);
		expect(caughtUp).toMatchObject({ ok: true, events: [expect.objectContaining(renamed)] });
	});

	it('reach someone who joins while connected, without reconnecting', async () => {
		const { circleId, owner: maria, accessOf } = await circleOf(testDb.db, []);
		const ana = await addUser(testDb.db, 'Ana');
		const anaSocket = await connectAs(ana);
		const anaSees = collect(anaSocket);
		await joinCircle(testDb.db, circleId, maria, ana);
		await changeMemberRole(testDb.db, await accessOf(maria), ana.id, 'admin');
		await eventually(() => expect(anaSees.map((e) => e.type)).toContain('member.role-changed'));
	});

	it('stop at once for a removed member’s open socket, which is told it is out', async () => {
		const {
			circleId,
			people: [maria, sam, ben],
			accessOf
		} = await circleOf(testDb.db, ['Sam', 'Ben']);
		const samSocket = await connectAs(sam);
		const benSocket = await connectAs(ben);
		await sync(samSocket, circleId, 0);
		const samSees = collect(samSocket);
		const benSees = collect(benSocket);
		const told = new Promise((resolve) => samSocket.once('circle:gone', resolve));

		await removeMember(testDb.db, await accessOf(maria), sam.id);
		expect(await told).toEqual({ circleId, reason: 'removed' });
		await updateOwnProfile(testDb.db, await accessOf(ben), { relationship: 'Brother', inRecovery: false });
		// Ben (still a member) sees both the removal and his own change; Sam sees neither.
		await eventually(() => expect(benSees.map((e) => e.type)).toEqual(['member.removed', 'member.profile-changed']));
		expect(samSees).toEqual([]);
		expect(samSocket.connected).toBe(true);
	});

	it('re-check membership on every catch-up request', async () => {
		const {
			circleId,
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		const outsider = await addUser(testDb.db, 'Outsider');
		const samSocket = await connectAs(sam);
		const outsiderSocket = await connectAs(outsider);
		// The outsiders' answer, in the same words as everywhere else (a refusal, see refusal.ts).
		const notFound = { ok: false, reason: 'not-found', message: 'Not found' };

		expect(await sync(samSocket, circleId, 0)).toMatchObject({ ok: true });
		expect(await sync(outsiderSocket, circleId, 0)).toEqual(notFound);
		await removeMember(testDb.db, await accessOf(maria), sam.id);
		expect(await sync(samSocket, circleId, 0)).toEqual(notFound);
		// Tampered requests are refused the same way, never with an error.
		const tampered = [
			{ circleId: 42, afterSeq: 0 },
			{ circleId, afterSeq: -1 },
			{ circleId, afterSeq: 1.5 },
			{ circleId, afterSeq: Number.NaN },
			{ circleId, afterSeq: '0' },
			{ circleId: 'x'.repeat(65), afterSeq: 0 },
			{ afterSeq: 0 },
			null,
			'circle'
		];
		for (const bad of tampered) {
			const answer = await new Promise((resolve) => (samSocket.emit as (...args: unknown[]) => void)('circle:sync', bad, resolve));
			expect(answer, JSON.stringify(bad)).toEqual(notFound);
		}
	});

	it('catch up after id N with exactly the later events, in order', async () => {
		const {
			circleId,
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		const samSocket = await connectAs(sam);
		const before = await latestCircleEventSeq(testDb.db, circleId);
		samSocket.disconnect();
		await changeMemberRole(testDb.db, await accessOf(maria), sam.id, 'admin');
		await updateOwnProfile(testDb.db, await accessOf(maria), { relationship: 'Mom', inRecovery: false });

		const back = await connectAs(sam);
		const answer = await sync(back, circleId, before);
		expect(answer.ok && answer.events.map((e) => e.type)).toEqual(['member.role-changed', 'member.profile-changed']);
		expect(answer.ok && answer.complete).toBe(true);
		expect(answer.ok && answer.online).toContain(sam.id);
	});

	it('disconnect a socket that floods catch-up requests (a page asks a few times a second at most; more in realtime-limits.test.ts)', async () => {
		const { circleId, owner: maria } = await circleOf(testDb.db, []);
		const socket = await connectAs(maria);
		const answered: boolean[] = [];
		const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
		const flood = SOCKET_RATE.burst + STRIKES_BEFORE_DISCONNECT + 10;
		for (let i = 0; i < flood; i++) socket.emit('circle:sync', { circleId, afterSeq: 0 }, (answer) => answered.push(answer.ok));
		await gone;
		expect(answered.filter(Boolean).length).toBeLessThanOrEqual(SOCKET_RATE.burst);
		expect(socket.connected).toBe(false);
	});

	it('announce presence to the circle when a member connects and disconnects', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf(testDb.db, ['Sam']);
		const mariaSocket = await connectAs(maria);
		const changes: Array<{ userId: string; online: boolean }> = [];
		mariaSocket.on('presence:changed', (change) => change.circleId === circleId && changes.push(change));
		const samSocket = await connectAs(sam);
		await eventually(() => expect(changes).toContainEqual({ circleId, userId: sam.id, online: true }));
		samSocket.disconnect();
		await eventually(() => expect(changes).toContainEqual({ circleId, userId: sam.id, online: false }));
	});
});

const okay = { mood: 3, craving: null, need: null, body: 'Long day, but okay.' };
/** What an outsider, a removed member and a tampered message are answered alike. */
const OUTSIDERS_ANSWER = { ok: false, reason: 'not-found', message: 'Not found' };

function markRead(socket: Client, request: unknown): Promise<{ ok: true } | MessageRefusal> {
	return new Promise((resolve) => (socket.emit as (...args: unknown[]) => void)('circle:read', request, resolve));
}

async function countsOf(socket: Client): Promise<UnreadCount[]> {
	const answer = await new Promise<{ ok: true; counts: UnreadCount[] } | MessageRefusal>((resolve) => socket.emit('unread:counts', resolve));
	if (!answer.ok) throw new Error(`unread:counts refused: ${answer.reason}`);
	return answer.counts;
}

function readSeq(circleId: string, userId: string): Promise<number | undefined> {
	return testDb.value('SELECT read_seq FROM read_positions WHERE circle_id = ? AND user_id = ?', circleId, userId);
}

/** A circle where Sam has checked in, and Maria's phone and laptop connected. */
async function samPostedMariaOnTwoDevices() {
	const {
		circleId,
		people: [maria, sam],
		accessOf
	} = await circleOf(testDb.db, ['Sam']);
	await postCheckIn(testDb.db, await accessOf(sam), okay);
	return { circleId, maria, sam, phone: await connectAs(maria), laptop: await connectAs(maria) };
}

// Reading a circle (issue 18, item 4): marking it read over the socket, and the counts a page asks
// for when it (re)connects.
describe('reading a circle over the socket', () => {
	it('clears it on every other device of the same member, and on nobody else’s', async () => {
		const { circleId, sam, phone, laptop } = await samPostedMariaOnTwoDevices();
		const samsPhone = await connectAs(sam);
		const samHears: unknown[] = [];
		samsPhone.on('circle:read', (read) => samHears.push(read));
		expect((await countsOf(laptop)).find((count) => count.circleId === circleId)).toMatchObject({ count: 2 });

		const cleared = new Promise((resolve) => laptop.once('circle:read', resolve));
		const newest = await latestCircleEventSeq(testDb.db, circleId);
		expect(await markRead(phone, { circleId, seq: newest })).toEqual({ ok: true });
		expect(await cleared).toEqual({ circleId, seq: newest });
		expect((await countsOf(laptop)).find((count) => count.circleId === circleId)).toMatchObject({ count: 0, readSeq: newest, latestSeq: newest });
		// Sam's devices hear nothing of Maria's reading (a round trip on his socket, after hers, has
		// arrived after anything sent to it before), only of his own.
		await countsOf(samsPhone);
		expect(samHears).toEqual([]);
		expect(await markRead(samsPhone, { circleId, seq: newest })).toEqual({ ok: true });
		await countsOf(samsPhone);
		expect(samHears).toEqual([{ circleId, seq: newest }]);
	});

	it('clamps a number past the newest event, and tells no device when nothing moved', async () => {
		const { circleId, maria, phone, laptop } = await samPostedMariaOnTwoDevices();
		const heard: Array<{ seq: number }> = [];
		laptop.on('circle:read', (read) => heard.push(read));
		const newest = await latestCircleEventSeq(testDb.db, circleId);

		expect(await markRead(phone, { circleId, seq: Number.MAX_SAFE_INTEGER })).toEqual({ ok: true });
		expect(await readSeq(circleId, maria.id)).toBe(newest);
		expect(await markRead(phone, { circleId, seq: 1 })).toEqual({ ok: true });
		expect(await readSeq(circleId, maria.id)).toBe(newest);
		await countsOf(laptop); // a round trip on the laptop's socket: what was sent to it has arrived
		expect(heard).toEqual([{ circleId, seq: newest }]);
	});

	it('answers an outsider, a removed member and every tampered request alike: not found, nothing stored', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf(testDb.db, ['Sam']);
		const outsider = await addUser(testDb.db, 'Outsider');
		const outsiderSocket = await connectAs(outsider);
		const samSocket = await connectAs(sam);
		expect(await markRead(outsiderSocket, { circleId, seq: 1 })).toEqual(OUTSIDERS_ANSWER);

		const tampered = [
			{ circleId: 42, seq: 1 },
			{ circleId, seq: -1 },
			{ circleId, seq: 1.5 },
			{ circleId, seq: Number.NaN },
			{ circleId, seq: '1' },
			{ circleId: 'x'.repeat(65), seq: 1 },
			{ circleId: '../../etc', seq: 1 },
			{ seq: 1 },
			null,
			'circle'
		];
		const before = await readSeq(circleId, sam.id);
		for (const bad of tampered) expect(await markRead(samSocket, bad), JSON.stringify(bad)).toEqual(OUTSIDERS_ANSWER);
		expect(await readSeq(circleId, sam.id)).toBe(before);

		await removeMember(testDb.db, await requireMember(testDb.db, maria, circleId), sam.id);
		expect(await markRead(samSocket, { circleId, seq: 1 })).toEqual(OUTSIDERS_ANSWER);
		expect(await readSeq(circleId, sam.id)).toBeUndefined();
		expect((await countsOf(samSocket)).map((count) => count.circleId)).not.toContain(circleId);
	});
});
