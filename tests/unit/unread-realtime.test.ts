// Marking a circle read over the socket, and the counts a page asks for when it (re)connects:
// real socket.io clients with real session cookies against the app's realtime wiring.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '$lib/server/auth/sessions';
import { requireMember } from '$lib/server/circles/access';
import { removeMember } from '$lib/server/circles/circles';
import { latestCircleEventSeq } from '$lib/server/circles/events';
import { postCheckIn } from '$lib/server/checkins/checkins';
import { startRealtime } from '$lib/server/realtime';
import type { MessageRefusal } from '$lib/realtime/events';
import type { UnreadCount } from '$lib/unread';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf } from './support/circles';
import { addUser } from './support/people';
import { startSocketServer, type TestClient as Client } from './support/socket-server';

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

const okay = { mood: 3, craving: null, need: null, body: 'Long day, but okay.' };
const notFound = { ok: false, reason: 'not-found', message: 'Not found' };

function connectAs(user: SessionUser): Promise<Client> {
	return server.signedIn(testDb.db, user);
}

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

describe('reading a circle over the socket', () => {
	it('clears it on every other device of the same member, and on nobody else’s', async () => {
		const {
			circleId,
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		await postCheckIn(testDb.db, await accessOf(sam), okay);
		const phone = await connectAs(maria);
		const laptop = await connectAs(maria);
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
		const {
			circleId,
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		await postCheckIn(testDb.db, await accessOf(sam), okay);
		const phone = await connectAs(maria);
		const laptop = await connectAs(maria);
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
		expect(await markRead(outsiderSocket, { circleId, seq: 1 })).toEqual(notFound);

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
		for (const bad of tampered) expect(await markRead(samSocket, bad), JSON.stringify(bad)).toEqual(notFound);
		expect(await readSeq(circleId, sam.id)).toBe(before);

		await removeMember(testDb.db, await requireMember(testDb.db, maria, circleId), sam.id);
		expect(await markRead(samSocket, { circleId, seq: 1 })).toEqual(notFound);
		expect(await readSeq(circleId, sam.id)).toBeUndefined();
		expect((await countsOf(samSocket)).map((count) => count.circleId)).not.toContain(circleId);
	});
});
