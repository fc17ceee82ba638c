import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isActionFailure, isHttpError } from '@sveltejs/kit';
import type { SessionUser } from '$lib/server/auth/sessions';
import { EDIT_WINDOW_MS, type CheckInView } from '$lib/checkins';
import { parseCheckInForm, parseReplyForm } from '$lib/server/checkins/checkin-forms';
import {
	editCheckIn,
	editReply,
	listCheckIns,
	moodTrend,
	postCheckIn,
	postReply,
	removeCheckIn,
	removeReply,
	toggleReaction
} from '$lib/server/checkins/checkins';
import { createCircle, removeMember, updateOwnProfile } from '$lib/server/circles/circles';
import { acceptInvite, createInvite } from '$lib/server/circles/invites';
import { listCircleEventsAfter, latestCircleEventSeq } from '$lib/server/circles/events';
import { createTestDatabase, type TestDatabase } from './support/database';
import { addUser } from './support/people';

let testDb: TestDatabase;
beforeEach(() => {
	testDb = createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

const T0 = Date.UTC(2026, 10, 1, 12);
const okay = { mood: 3, craving: null, need: null, body: 'Long day, but okay.' };

async function circleOf(...names: string[]) {
	const owner = await addUser(testDb.db, 'Maria');
	const { circleId } = await createCircle(testDb.db, owner, { name: 'The Garcias', description: '' });
	const people: SessionUser[] = [owner];
	for (const name of names) {
		const person = await addUser(testDb.db, name);
		const { token } = await createInvite(testDb.db, owner, circleId, { expiresInDays: 7, maxUses: 1, role: 'member', note: '' });
		await acceptInvite(testDb.db, person, token);
		people.push(person);
	}
	return { circleId, people };
}

async function expectStatus(promise: Promise<unknown>, status: number) {
	const error = await promise.then(
		() => null,
		(e) => e
	);
	expect(isHttpError(error) ? error.status : error).toBe(status);
}

/** The check-in a successful action returns (fails the test on a refusal). */
function checkinOf(result: object): CheckInView {
	if (!('checkin' in result)) throw new Error(`refused: ${JSON.stringify(result)}`);
	return result.checkin as CheckInView;
}

function form(fields: Record<string, string>) {
	const data = new FormData();
	for (const [k, v] of Object.entries(fields)) data.set(k, v);
	return data;
}

describe('the check-in form', () => {
	it('needs a mood from the five, and keeps line breaks', () => {
		expect(parseCheckInForm(form({ mood: '4', body: 'line one\r\nline two' }))).toEqual({
			ok: true,
			data: { mood: 4, craving: null, need: null, body: 'line one\nline two' }
		});
		for (const mood of ['', '0', '6', 'great', '3.5']) {
			expect(parseCheckInForm(form({ mood }))).toMatchObject({ ok: false, errors: { mood: expect.any(String) } });
		}
	});

	it('refuses a craving outside 0-10, a need that is not a choice, and more than 2,000 characters, keeping the words', () => {
		const bad = parseCheckInForm(form({ mood: '2', craving: '11', need: 'money', body: 'x'.repeat(2001) }));
		expect(bad).toMatchObject({
			ok: false,
			errors: { craving: expect.any(String), need: expect.any(String), body: expect.stringMatching(/2,000/) },
			values: { mood: '2' }
		});
		expect(parseCheckInForm(form({ mood: '2', craving: '-1' })).ok).toBe(false);
		expect(parseCheckInForm(form({ mood: '2', need: 'toString' })).ok).toBe(false);
		expect(parseCheckInForm(form({ mood: '2', craving: '0', need: 'listen' }))).toMatchObject({ ok: true, data: { craving: 0, need: 'listen' } });
	});

	it('takes HTML as plain text', () => {
		expect(parseCheckInForm(form({ mood: '3', body: '<img src=x onerror=alert(1)>' }))).toMatchObject({
			ok: true,
			data: { body: '<img src=x onerror=alert(1)>' }
		});
	});

	it('needs a reply of 1 to 1,000 characters', () => {
		expect(parseReplyForm(form({ body: '   ' })).ok).toBe(false);
		expect(parseReplyForm(form({ body: 'x'.repeat(1001) })).ok).toBe(false);
		expect(parseReplyForm(form({ body: 'Here for you.' }))).toEqual({ ok: true, data: { body: 'Here for you.' } });
	});
});

describe('posting', () => {
	it('posts a check-in with the author’s relationship, and logs it with the check-in as it is', async () => {
		const {
			circleId,
			people: [maria]
		} = await circleOf();
		await updateOwnProfile(testDb.db, maria!, circleId, { relationship: 'Mom', inRecovery: false });
		const before = await latestCircleEventSeq(testDb.db, circleId);
		const checkin = await postCheckIn(testDb.db, maria!, circleId, { ...okay, need: 'listen' }, T0);
		expect(checkin).toMatchObject({ author: { displayName: 'Maria', relationship: 'Mom' }, mood: 3, need: 'listen', removed: false });
		const { events } = await listCircleEventsAfter(testDb.db, circleId, before);
		expect(events).toMatchObject([{ type: 'checkin.posted', payload: { checkin: { id: checkin.id } } }]);
	});

	it('keeps a craving level only from a person in recovery', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		await updateOwnProfile(testDb.db, sam!, circleId, { relationship: 'Son', inRecovery: true });
		expect((await postCheckIn(testDb.db, sam!, circleId, { ...okay, craving: 4 })).craving).toBe(4);
		expect((await postCheckIn(testDb.db, maria!, circleId, { ...okay, craving: 4 })).craving).toBeNull();
	});

	it('is for members only: others get 404 and nothing is stored', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const outsider = await addUser(testDb.db, 'Outsider');
		await expectStatus(postCheckIn(testDb.db, outsider, circleId, okay), 404);
		await removeMember(testDb.db, maria!, circleId, sam!.id);
		await expectStatus(postCheckIn(testDb.db, sam!, circleId, okay), 404);
		expect(testDb.sqlite.prepare('SELECT COUNT(*) FROM checkins').pluck().get()).toBe(0);
	});
});

describe('editing and removing', () => {
	it('lets the author edit within 15 minutes, marked edited, and not after', async () => {
		const {
			circleId,
			people: [maria]
		} = await circleOf();
		const checkin = await postCheckIn(testDb.db, maria!, circleId, okay, T0);
		const edited = await editCheckIn(testDb.db, maria!, circleId, checkin.id, { ...okay, mood: 4, body: 'Better now.' }, T0 + EDIT_WINDOW_MS);
		expect(checkinOf(edited)).toMatchObject({ mood: 4, body: 'Better now.', editedAt: T0 + EDIT_WINDOW_MS });
		const late = await editCheckIn(testDb.db, maria!, circleId, checkin.id, { ...okay, body: 'Too late' }, T0 + EDIT_WINDOW_MS + 1);
		expect(isActionFailure(late) && late.data).toEqual({ message: expect.stringMatching(/15 minutes/) });
		expect(testDb.sqlite.prepare('SELECT body FROM checkins').pluck().get()).toBe('Better now.');
	});

	it('refuses to edit or remove someone else’s check-in, and 404s one from another circle', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const checkin = await postCheckIn(testDb.db, maria!, circleId, okay, T0);
		await expectStatus(editCheckIn(testDb.db, sam!, circleId, checkin.id, okay, T0), 403);
		await expectStatus(removeCheckIn(testDb.db, sam!, circleId, checkin.id), 403);
		const other = await circleOf();
		await expectStatus(removeCheckIn(testDb.db, other.people[0]!, other.circleId, checkin.id), 404);
		await expectStatus(toggleReaction(testDb.db, other.people[0]!, other.circleId, checkin.id, 'love'), 404);
		await expectStatus(postReply(testDb.db, other.people[0]!, other.circleId, checkin.id, 'hi'), 404);
		expect(testDb.sqlite.prepare('SELECT body FROM checkins').pluck().get()).toBe(okay.body);
	});

	it('removes the words, reactions and replies but keeps the place, at any time', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const checkin = await postCheckIn(testDb.db, maria!, circleId, okay, T0);
		await toggleReaction(testDb.db, sam!, circleId, checkin.id, 'love');
		await postReply(testDb.db, sam!, circleId, checkin.id, 'Here for you');
		const result = await removeCheckIn(testDb.db, maria!, circleId, checkin.id, T0 + 10 * EDIT_WINDOW_MS);
		expect(result.checkin).toMatchObject({ removed: true, body: '', mood: null, reactions: { love: [] }, replies: [] });
		expect(testDb.sqlite.prepare('SELECT body, mood FROM checkins').get()).toEqual({ body: '', mood: null });
		expect(testDb.sqlite.prepare('SELECT COUNT(*) FROM checkin_replies').pluck().get()).toBe(0);
		await expectStatus(toggleReaction(testDb.db, sam!, circleId, checkin.id, 'love'), 404);
	});
});

describe('reactions', () => {
	it('toggles one of each kind per person', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const checkin = await postCheckIn(testDb.db, maria!, circleId, okay);
		const once = await toggleReaction(testDb.db, sam!, circleId, checkin.id, 'proud');
		expect(checkinOf(once).reactions.proud).toEqual([sam!.id]);
		await toggleReaction(testDb.db, maria!, circleId, checkin.id, 'proud');
		await toggleReaction(testDb.db, sam!, circleId, checkin.id, 'here');
		const twice = await toggleReaction(testDb.db, sam!, circleId, checkin.id, 'proud');
		expect(checkinOf(twice).reactions).toEqual({ love: [], proud: [maria!.id], here: [sam!.id] });
	});

	it('refuses a kind that does not exist', async () => {
		const {
			circleId,
			people: [maria]
		} = await circleOf();
		const checkin = await postCheckIn(testDb.db, maria!, circleId, okay);
		expect(isActionFailure(await toggleReaction(testDb.db, maria!, circleId, checkin.id, 'angry'))).toBe(true);
		expect(testDb.sqlite.prepare('SELECT COUNT(*) FROM checkin_reactions').pluck().get()).toBe(0);
	});
});

describe('replies', () => {
	it('are one level deep under a check-in, editable by their author for 15 minutes, removable any time', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const checkin = await postCheckIn(testDb.db, maria!, circleId, okay, T0);
		const replied = await postReply(testDb.db, sam!, circleId, checkin.id, 'Proud of you, Mom', T0);
		const reply = replied.checkin.replies[0]!;
		expect(reply).toMatchObject({ author: { displayName: 'Sam' }, body: 'Proud of you, Mom' });
		await expectStatus(editReply(testDb.db, maria!, circleId, reply.id, 'not mine', T0), 403);
		const edited = await editReply(testDb.db, sam!, circleId, reply.id, 'So proud of you, Mom', T0 + 60_000);
		expect(checkinOf(edited).replies[0]).toMatchObject({ body: 'So proud of you, Mom', editedAt: T0 + 60_000 });
		expect(isActionFailure(await editReply(testDb.db, sam!, circleId, reply.id, 'late', T0 + EDIT_WINDOW_MS + 1))).toBe(true);
		await expectStatus(removeReply(testDb.db, maria!, circleId, reply.id), 403);
		expect((await removeReply(testDb.db, sam!, circleId, reply.id)).checkin.replies).toEqual([]);
	});
});

describe('the feed', () => {
	it('pages newest first with a cursor that stays put while new check-ins arrive', async () => {
		const {
			circleId,
			people: [maria]
		} = await circleOf();
		for (let i = 0; i < 5; i++) await postCheckIn(testDb.db, maria!, circleId, { ...okay, body: `#${i}` }, T0 + i * 1000);
		// Two at the very same millisecond still page without duplicates or gaps.
		await postCheckIn(testDb.db, maria!, circleId, { ...okay, body: '#5a' }, T0 + 5000);
		await postCheckIn(testDb.db, maria!, circleId, { ...okay, body: '#5b' }, T0 + 5000);
		const first = await listCheckIns(testDb.db, maria!, circleId, { limit: 3 });
		await postCheckIn(testDb.db, maria!, circleId, { ...okay, body: 'newest' }, T0 + 9000);
		const second = await listCheckIns(testDb.db, maria!, circleId, { limit: 3, cursor: first.nextCursor });
		const third = await listCheckIns(testDb.db, maria!, circleId, { limit: 3, cursor: second.nextCursor });
		const bodies = [...first.checkins, ...second.checkins, ...third.checkins].map((c) => c.body);
		expect(bodies.slice(2)).toEqual(['#4', '#3', '#2', '#1', '#0']);
		expect(new Set(bodies).size).toBe(7);
		expect(bodies.slice(0, 2).sort()).toEqual(['#5a', '#5b']);
		expect(third.nextCursor).toBeNull();
	});

	it('ignores a tampered cursor rather than failing', async () => {
		const {
			circleId,
			people: [maria]
		} = await circleOf();
		await postCheckIn(testDb.db, maria!, circleId, okay);
		expect((await listCheckIns(testDb.db, maria!, circleId, { cursor: "1'; DROP TABLE checkins;--" })).checkins).toHaveLength(1);
	});

	it('gives one member’s mood trend over 30 days, without removed check-ins', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const day = 24 * 3600 * 1000;
		await postCheckIn(testDb.db, sam!, circleId, { ...okay, mood: 1 }, T0 - 40 * day);
		await postCheckIn(testDb.db, sam!, circleId, { ...okay, mood: 2 }, T0 - 10 * day);
		const removed = await postCheckIn(testDb.db, sam!, circleId, { ...okay, mood: 5 }, T0 - 5 * day);
		await postCheckIn(testDb.db, sam!, circleId, { ...okay, mood: 4 }, T0 - day);
		await postCheckIn(testDb.db, maria!, circleId, { ...okay, mood: 3 }, T0 - day);
		await removeCheckIn(testDb.db, sam!, circleId, removed.id);
		expect((await moodTrend(testDb.db, maria!, circleId, sam!.id, T0)).map((p) => p.mood)).toEqual([2, 4]);
	});
});
