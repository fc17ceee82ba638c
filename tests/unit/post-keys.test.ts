// Posted once (issue 18, item 2): a check-in or reply sent again with the key its sender's device
// made (a retry, a double tap, an offline outbox whose answer was lost) is stored once and answered
// with the first post; the same key with other words is refused and stores nothing; a key belongs
// to one circle and one author. On both dialects; on PostgreSQL also with real parallel
// connections, all sending the same key at the same moment.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { editCheckIn, editReply, postCheckIn, postReply, removeCheckIn, removeReply } from '$lib/server/checkins/checkins';
import { SENT_WITH_OTHER_WORDS } from '$lib/server/checkins/post-keys';
import { removeMember } from '$lib/server/circles/circles';
import { deleteAccount } from '$lib/server/account/deletion';
import { hashPassword } from '$lib/server/auth/passwords';
import { isRefusal } from '$lib/server/refusal';
import type { CheckInView } from '$lib/checkins';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from './support/database';
import { circleOf, joinCircle } from './support/circles';
import { refused } from './support/refusals';

const T0 = Date.UTC(2026, 10, 1, 12);
const KEY = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER_KEY = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const words = (body: string) => ({ mood: 3, craving: null, need: null, body });

let testDb: TestDatabase;
const db = () => testDb.db;

async function counts(circleId: string) {
	return {
		checkins: Number(await testDb.value('SELECT COUNT(*) FROM checkins WHERE circle_id = ?', circleId)),
		replies: Number(await testDb.value('SELECT COUNT(*) FROM checkin_replies r JOIN checkins c ON c.id = r.checkin_id WHERE c.circle_id = ?', circleId)),
		events: Number(await testDb.value('SELECT COUNT(*) FROM circle_events WHERE circle_id = ?', circleId)),
		keys: Number(await testDb.value('SELECT COUNT(*) FROM post_keys WHERE circle_id = ?', circleId))
	};
}

describe('a check-in or reply sent again with its key', () => {
	beforeEach(async () => {
		testDb = await createTestDatabase();
	});
	afterEach(async () => {
		await testDb.dispose();
	});

	it('stores one check-in and one event for the same key sent twice, and answers the second with the first', async () => {
		const { circleId, accessOf, people } = await circleOf(db(), ['Sam']);
		const sam = await accessOf(people[1]);
		const before = await counts(circleId);
		const first = await postCheckIn(db(), sam, { ...words('Made it to the meeting.'), clientKey: KEY }, T0);
		const second = await postCheckIn(db(), sam, { ...words('Made it to the meeting.'), clientKey: KEY }, T0 + 5_000);
		expect(second).toEqual(first);
		expect(await counts(circleId)).toEqual({ ...before, checkins: before.checkins + 1, events: before.events + 1, keys: before.keys + 1 });
		expect(await testDb.column("SELECT type FROM circle_events WHERE circle_id = ? AND type LIKE 'checkin.%'", circleId)).toEqual(['checkin.posted']);
	});

	it('refuses the same key with other words, storing nothing', async () => {
		const { circleId, accessOf, people } = await circleOf(db(), ['Sam']);
		const sam = await accessOf(people[1]);
		await postCheckIn(db(), sam, { ...words('First words.'), clientKey: KEY }, T0);
		const after = await counts(circleId);
		expect(await refused(postCheckIn(db(), sam, { ...words('Other words.'), clientKey: KEY }, T0 + 1))).toEqual({
			reason: 'conflict',
			message: SENT_WITH_OTHER_WORDS,
			field: undefined
		});
		expect(await refused(postCheckIn(db(), sam, { ...words('First words.'), mood: 4, clientKey: KEY }, T0 + 2))).toMatchObject({ reason: 'conflict' });
		// A check-in's key sent with a reply is other words too.
		const [checkinId] = await testDb.column<string>('SELECT id FROM checkins WHERE circle_id = ?', circleId);
		expect(await refused(postReply(db(), sam, checkinId!, 'First words.', T0 + 3, KEY))).toMatchObject({ reason: 'conflict' });
		expect(await counts(circleId)).toEqual(after);
		expect(await testDb.column('SELECT body FROM checkins WHERE circle_id = ?', circleId)).toEqual(['First words.']);
	});

	it('keeps a key to its circle and its author: the same key elsewhere, or from someone else, is another post', async () => {
		const garcias = await circleOf(db(), ['Sam', 'Ana']);
		const [maria, sam, ana] = garcias.people;
		const other = await circleOf(db(), [], { name: 'Book club' });
		await joinCircle(db(), other.circleId, other.owner, sam);
		const inGarcias = await postCheckIn(db(), await garcias.accessOf(sam), { ...words('Sam, here.'), clientKey: KEY }, T0);
		// Ana sends the same key with other words: hers is another key, nothing tells her Sam's exists.
		const byAna = await postCheckIn(db(), await garcias.accessOf(ana), { ...words('Ana, here.'), clientKey: KEY }, T0 + 1);
		const inOther = await postCheckIn(db(), await other.accessOf(sam), { ...words('Sam, elsewhere.'), clientKey: KEY }, T0 + 2);
		expect(new Set([inGarcias.id, byAna.id, inOther.id]).size).toBe(3);
		expect(byAna).toMatchObject({ body: 'Ana, here.', author: { id: ana.id } });
		expect(inOther).toMatchObject({ body: 'Sam, elsewhere.', circleId: other.circleId });
		// A reply with Maria's first use of that key is hers alone too.
		const reply = await postReply(db(), await garcias.accessOf(maria), inGarcias.id, 'Proud of you.', T0 + 3, KEY);
		expect(reply.checkin.replies.map((r) => r.body)).toEqual(['Proud of you.']);
		expect(await counts(garcias.circleId)).toMatchObject({ checkins: 2, replies: 1, keys: 3 });
	});

	it('stores one reply and one event for the same reply key sent twice; other words with it are refused', async () => {
		const { circleId, accessOf, people } = await circleOf(db(), ['Sam']);
		const [maria, sam] = [await accessOf(people[0]), await accessOf(people[1])];
		const checkin = await postCheckIn(db(), sam, words('Rough night.'), T0);
		const before = await counts(circleId);
		const first = await postReply(db(), maria, checkin.id, 'Here for you.', T0 + 1, OTHER_KEY);
		const second = await postReply(db(), maria, checkin.id, 'Here for you.', T0 + 2, OTHER_KEY);
		expect(second).toEqual(first);
		expect(first.replyId).toBe(first.checkin.replies[0]!.id);
		expect(await counts(circleId)).toEqual({ ...before, replies: 1, events: before.events + 1, keys: before.keys + 1 });
		expect(await refused(postReply(db(), maria, checkin.id, 'Something else.', T0 + 3, OTHER_KEY))).toMatchObject({
			reason: 'conflict',
			message: SENT_WITH_OTHER_WORDS
		});
		const another = await postCheckIn(db(), sam, words('Better today.'), T0 + 4);
		expect(await refused(postReply(db(), maria, another.id, 'Here for you.', T0 + 5, OTHER_KEY))).toMatchObject({ reason: 'conflict' });
		expect(await counts(circleId)).toMatchObject({ replies: 1 });
	});

	it('never posts again a check-in or reply edited or removed since, and keeps no hash of words that are gone', async () => {
		const { circleId, accessOf, people } = await circleOf(db(), ['Sam']);
		const [maria, sam] = [await accessOf(people[0]), await accessOf(people[1])];
		const checkin = await postCheckIn(db(), sam, { ...words('Before.'), clientKey: KEY }, T0);
		await editCheckIn(db(), sam, checkin.id, words('After.'), T0 + 1);
		const reply = await postReply(db(), maria, checkin.id, 'Hugs.', T0 + 2, OTHER_KEY);
		await editReply(db(), maria, reply.replyId!, 'Big hugs.', T0 + 3);
		const before = await counts(circleId);
		// The outbox that never heard its answer sends the first words again.
		expect(await postCheckIn(db(), sam, { ...words('Before.'), clientKey: KEY }, T0 + 4)).toMatchObject({ id: checkin.id, body: 'After.' });
		expect(await postReply(db(), maria, checkin.id, 'Hugs.', T0 + 5, OTHER_KEY)).toMatchObject({ replyId: reply.replyId });
		await removeReply(db(), maria, reply.replyId!, T0 + 6);
		await removeCheckIn(db(), sam, checkin.id, T0 + 7);
		const removed = await counts(circleId);
		expect(removed).toMatchObject({ checkins: before.checkins, replies: 0, keys: before.keys });
		expect(await postCheckIn(db(), sam, { ...words('Before.'), clientKey: KEY }, T0 + 8)).toMatchObject({ id: checkin.id, removed: true });
		expect(await postReply(db(), maria, checkin.id, 'Hugs.', T0 + 9, OTHER_KEY)).toMatchObject({ replyId: null, checkin: { id: checkin.id } });
		expect(await counts(circleId)).toEqual(removed);
		expect(await testDb.column('SELECT words_hash FROM post_keys WHERE circle_id = ?', circleId)).toEqual([null, null]);
	});

	it('answers a key sent after its author was removed from the circle "not found", like any post of theirs', async () => {
		const { circleId, accessOf, people, owner } = await circleOf(db(), ['Sam']);
		const sam = await accessOf(people[1]);
		await postCheckIn(db(), sam, { ...words('Hello.'), clientKey: KEY }, T0);
		await removeMember(db(), await accessOf(owner), people[1].id);
		const before = await counts(circleId);
		expect(await refused(postCheckIn(db(), sam, { ...words('Hello.'), clientKey: KEY }, T0 + 1))).toMatchObject({ reason: 'not-found' });
		expect(await refused(postCheckIn(db(), sam, { ...words('Hello again.'), clientKey: OTHER_KEY }, T0 + 2))).toMatchObject({ reason: 'not-found' });
		expect(await counts(circleId)).toEqual(before);
	});

	it('takes a deleted account’s keys with it, as its check-ins and replies, and the keys of replies to its check-ins, as its check-ins and replies do, and so do the keys of replies to its check-ins', async () => {
		const { circleId, accessOf, people } = await circleOf(db(), ['Sam', 'Ana']);
		const [maria, sam, ana] = people;
		const samsCheckIn = await postCheckIn(db(), await accessOf(sam), { ...words('Mine.'), clientKey: KEY }, T0);
		await postReply(db(), await accessOf(sam), samsCheckIn.id, 'And a note.', T0 + 1, OTHER_KEY);
		await postReply(db(), await accessOf(ana), samsCheckIn.id, 'Ana’s reply.', T0 + 2, KEY);
		const mariasCheckIn = await postCheckIn(db(), await accessOf(maria), { ...words('Maria’s.'), clientKey: OTHER_KEY }, T0 + 3);
		await db()
			.updateTable('users')
			.set({ password_hash: await hashPassword('a long enough password') })
			.where('id', '=', sam.id)
			.execute();
		await deleteAccount(db(), sam, 'a long enough password');
		const keys = await testDb.all<{ author_id: string; checkin_id: string }>('SELECT author_id, checkin_id FROM post_keys WHERE circle_id = ?', circleId);
		expect(keys).toEqual([{ author_id: maria.id, checkin_id: mariasCheckIn.id }]);
	});
});

/** Calls at once; the pool has a connection for each (and the checks more). */
const PARALLEL = 12;

describe.skipIf(TEST_DIALECT !== 'postgres')('the same key sent by many connections at once (PostgreSQL)', () => {
	beforeAll(async () => {
		testDb = await createTestDatabase({ poolSize: PARALLEL + 4 });
		// Every connection of the pool opened first, so the calls start together.
		await Promise.all(Array.from({ length: PARALLEL + 4 }, () => sql`SELECT pg_sleep(0.05)`.execute(db())));
	});
	afterAll(async () => {
		await testDb?.dispose();
	});

	async function race<T>(call: () => Promise<T>): Promise<T[]> {
		let go!: () => void;
		const start = new Promise<void>((resolve) => (go = resolve));
		const running = Array.from({ length: PARALLEL }, async () => {
			await start;
			return call();
		});
		go();
		const outcomes = await Promise.allSettled(running);
		const failures = outcomes.flatMap((outcome) =>
			outcome.status === 'rejected' ? [isRefusal(outcome.reason) ? outcome.reason.reason : String(outcome.reason)] : []
		);
		expect(failures).toEqual([]);
		return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
	}

	it(`stores one check-in and one event for ${PARALLEL} posts with one key at once, and answers all of them with it`, async () => {
		const { circleId, accessOf, people } = await circleOf(db(), ['Sam']);
		const sam = await accessOf(people[1]);
		const before = await counts(circleId);
		const answers = await race(() => postCheckIn(db(), sam, { ...words('Once, however often.'), clientKey: KEY }));
		const ids = new Set(answers.map((answer: CheckInView) => answer.id));
		expect(ids.size).toBe(1);
		for (const answer of answers) expect(answer).toEqual(answers[0]);
		expect(await counts(circleId)).toEqual({ ...before, checkins: before.checkins + 1, events: before.events + 1, keys: before.keys + 1 });
	});

	it(`stores one reply and one event for ${PARALLEL} replies with one key at once`, async () => {
		const { circleId, accessOf, people } = await circleOf(db(), ['Sam']);
		const [maria, sam] = [await accessOf(people[0]), await accessOf(people[1])];
		const checkin = await postCheckIn(db(), sam, words('Long day.'));
		const before = await counts(circleId);
		const answers = await race(() => postReply(db(), maria, checkin.id, 'Here.', Date.now(), OTHER_KEY));
		expect(new Set(answers.map((answer) => answer.replyId)).size).toBe(1);
		for (const answer of answers) expect(answer.checkin.replies.map((reply) => reply.id)).toEqual([answers[0]!.replyId]);
		expect(await counts(circleId)).toEqual({ ...before, replies: 1, events: before.events + 1, keys: before.keys + 1 });
	});
});
