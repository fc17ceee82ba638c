import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EDIT_WINDOW_MS } from '$lib/checkins';
import { parseForm } from '$lib/server/forms';
import { checkInSchema, reactionSchema, replySchema } from '$lib/server/checkins/checkin-forms';
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
import { removeMember, updateOwnProfile } from '$lib/server/circles/circles';
import { listCircleEventsAfter, latestCircleEventSeq } from '$lib/server/circles/events';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf } from './support/circles';
import { addUser } from './support/people';

let testDb: TestDatabase;
beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

const T0 = Date.UTC(2026, 10, 1, 12);
const okay = { mood: 3, craving: null, need: null, body: 'Long day, but okay.' };
/** One character as a person sees it, seven code points: four people and three joiners. */
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';

function form(fields: Record<string, string>) {
	const data = new FormData();
	for (const [k, v] of Object.entries(fields)) data.set(k, v);
	return data;
}

describe('the check-in form', () => {
	it('needs a mood from the five, and keeps line breaks', () => {
		expect(parseForm(checkInSchema, form({ mood: '4', body: 'line one\r\nline two' }))).toEqual({
			ok: true,
			data: { mood: 4, craving: null, need: null, body: 'line one\nline two', audience: null, audienceMembers: [] },
			values: { mood: '4', body: 'line one\r\nline two' }
		});
		for (const mood of ['', '0', '6', 'great', '3.5']) {
			expect(parseForm(checkInSchema, form({ mood }))).toMatchObject({ ok: false, errors: { mood: 'Please choose how you’re feeling.' } });
		}
	});

	it('refuses a craving outside 0-10, a need that is not a choice, and more than 2,000 characters, keeping the words', () => {
		const bad = parseForm(checkInSchema, form({ mood: '2', craving: '11', need: 'money', body: 'x'.repeat(2001) }));
		expect(bad).toMatchObject({
			ok: false,
			errors: { craving: 'Craving is a number from 0 to 10.', need: 'Please choose one of the options.', body: expect.stringMatching(/2,000/) },
			values: { mood: '2', body: 'x'.repeat(2001) }
		});
		expect(parseForm(checkInSchema, form({ mood: '2', craving: '-1' })).ok).toBe(false);
		expect(parseForm(checkInSchema, form({ mood: '2', need: 'toString' })).ok).toBe(false);
		expect(parseForm(checkInSchema, form({ mood: '2', craving: '0', need: 'listen' }))).toMatchObject({ ok: true, data: { craving: 0, need: 'listen' } });
	});

	it('counts a family emoji (seven code points) as one character against the limit', () => {
		expect([...FAMILY]).toHaveLength(7);
		expect(parseForm(checkInSchema, form({ mood: '3', body: FAMILY.repeat(2000) }))).toMatchObject({ ok: true, data: { body: FAMILY.repeat(2000) } });
		expect(parseForm(checkInSchema, form({ mood: '3', body: FAMILY.repeat(2001) }))).toMatchObject({
			ok: false,
			errors: { body: 'Please keep your words to 2,000 characters or fewer (you have 2,001).' }
		});
		expect(parseForm(replySchema, form({ body: FAMILY.repeat(1000) }))).toMatchObject({ ok: true, data: { body: FAMILY.repeat(1000) } });
		expect(parseForm(replySchema, form({ body: FAMILY.repeat(1001) })).ok).toBe(false);
	});

	it('takes HTML as plain text', () => {
		expect(parseForm(checkInSchema, form({ mood: '3', body: '<img src=x onerror=alert(1)>' }))).toMatchObject({
			ok: true,
			data: { body: '<img src=x onerror=alert(1)>' }
		});
	});

	it('needs a reply of 1 to 1,000 characters', () => {
		expect(parseForm(replySchema, form({ body: '   ' }))).toMatchObject({ ok: false, errors: { body: 'Please write a few words first.' } });
		expect(parseForm(replySchema, form({ body: 'x'.repeat(1001) }))).toMatchObject({
			ok: false,
			errors: { body: 'Please keep a reply to 1,000 characters or fewer (you have 1,001).' }
		});
		expect(parseForm(replySchema, form({ checkinId: 'abc', body: 'Here for you.' }))).toEqual({
			ok: true,
			data: { checkinId: 'abc', body: 'Here for you.' },
			values: { checkinId: 'abc', body: 'Here for you.' }
		});
	});

	it('knows the three reactions and no other', () => {
		expect(parseForm(reactionSchema, form({ checkinId: 'abc', kind: 'here' }))).toMatchObject({ ok: true, data: { checkinId: 'abc', kind: 'here' } });
		expect(parseForm(reactionSchema, form({ checkinId: 'abc', kind: 'angry' }))).toMatchObject({
			ok: false,
			errors: { kind: 'That reaction isn’t one of the choices.' }
		});
	});
});

describe('posting', () => {
	it('posts a check-in with the author’s relationship, and logs it with the check-in as it is', async () => {
		const {
			circleId,
			people: [maria],
			accessOf
		} = await circleOf(testDb.db, []);
		await updateOwnProfile(testDb.db, await accessOf(maria), { relationship: 'Mom', inRecovery: false });
		const before = await latestCircleEventSeq(testDb.db, circleId);
		const checkin = await postCheckIn(testDb.db, await accessOf(maria), { ...okay, need: 'listen' }, T0);
		expect(checkin).toMatchObject({ author: { displayName: 'Maria', relationship: 'Mom' }, mood: 3, need: 'listen', removed: false });
		const { events } = await listCircleEventsAfter(testDb.db, circleId, before);
		expect(events).toMatchObject([{ type: 'checkin.posted', payload: { checkin: { id: checkin.id } } }]);
	});

	it('keeps a craving level only from a person in recovery', async () => {
		const {
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		await updateOwnProfile(testDb.db, await accessOf(sam), { relationship: 'Son', inRecovery: true });
		expect((await postCheckIn(testDb.db, await accessOf(sam), { ...okay, craving: 4 })).craving).toBe(4);
		expect((await postCheckIn(testDb.db, await accessOf(maria), { ...okay, craving: 4 })).craving).toBeNull();
	});

	it('is for members only: others get not-found and nothing is stored', async () => {
		const {
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		const outsider = await addUser(testDb.db, 'Outsider');
		// A check-in takes a member's checked access, which an outsider cannot have.
		await expect(accessOf(outsider)).rejects.toMatchObject({ reason: 'not-found' });
		await removeMember(testDb.db, await accessOf(maria), sam.id);
		await expect(accessOf(sam)).rejects.toMatchObject({ reason: 'not-found' });
		expect(await testDb.value('SELECT COUNT(*) FROM checkins')).toBe(0);
	});
});

describe('editing and removing', () => {
	it('lets the author edit within 15 minutes, marked edited, and not after', async () => {
		const {
			people: [maria],
			accessOf
		} = await circleOf(testDb.db, []);
		const access = await accessOf(maria);
		const checkin = await postCheckIn(testDb.db, access, okay, T0);
		const edited = await editCheckIn(testDb.db, access, checkin.id, { ...okay, mood: 4, body: 'Better now.' }, T0 + EDIT_WINDOW_MS);
		expect(edited.checkin).toMatchObject({ mood: 4, body: 'Better now.', editedAt: T0 + EDIT_WINDOW_MS });
		await expect(editCheckIn(testDb.db, access, checkin.id, { ...okay, body: 'Too late' }, T0 + EDIT_WINDOW_MS + 1)).rejects.toMatchObject({
			reason: 'invalid',
			message: expect.stringMatching(/15 minutes/),
			field: undefined
		});
		expect(await testDb.value('SELECT body FROM checkins')).toBe('Better now.');
	});

	it('refuses to edit or remove someone else’s check-in, and 404s one from another circle', async () => {
		const {
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		const checkin = await postCheckIn(testDb.db, await accessOf(maria), okay, T0);
		const samsAccess = await accessOf(sam);
		await expect(editCheckIn(testDb.db, samsAccess, checkin.id, okay, T0)).rejects.toMatchObject({ reason: 'forbidden' });
		await expect(removeCheckIn(testDb.db, samsAccess, checkin.id)).rejects.toMatchObject({ reason: 'forbidden' });
		const other = await circleOf(testDb.db, []);
		const elsewhere = await other.accessOf(other.owner);
		await expect(removeCheckIn(testDb.db, elsewhere, checkin.id)).rejects.toMatchObject({ reason: 'not-found' });
		await expect(toggleReaction(testDb.db, elsewhere, checkin.id, 'love')).rejects.toMatchObject({ reason: 'not-found' });
		await expect(postReply(testDb.db, elsewhere, checkin.id, 'hi')).rejects.toMatchObject({ reason: 'not-found' });
		expect(await testDb.value('SELECT body FROM checkins')).toBe(okay.body);
	});

	it('removes the words, reactions and replies but keeps the place, at any time', async () => {
		const {
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		const mariasAccess = await accessOf(maria);
		const samsAccess = await accessOf(sam);
		const checkin = await postCheckIn(testDb.db, mariasAccess, okay, T0);
		await toggleReaction(testDb.db, samsAccess, checkin.id, 'love');
		await postReply(testDb.db, samsAccess, checkin.id, 'Here for you');
		const result = await removeCheckIn(testDb.db, mariasAccess, checkin.id, T0 + 10 * EDIT_WINDOW_MS);
		expect(result.checkin).toMatchObject({ removed: true, body: '', mood: null, reactions: { love: [] }, replies: [] });
		expect(await testDb.row('SELECT body, mood FROM checkins')).toEqual({ body: '', mood: null });
		expect(await testDb.value('SELECT COUNT(*) FROM checkin_replies')).toBe(0);
		await expect(toggleReaction(testDb.db, samsAccess, checkin.id, 'love')).rejects.toMatchObject({ reason: 'not-found' });
	});
});

describe('reactions', () => {
	it('toggles one of each kind per person', async () => {
		const {
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		const mariasAccess = await accessOf(maria);
		const samsAccess = await accessOf(sam);
		const checkin = await postCheckIn(testDb.db, mariasAccess, okay);
		const once = await toggleReaction(testDb.db, samsAccess, checkin.id, 'proud');
		expect(once.checkin.reactions.proud).toEqual([sam.id]);
		await toggleReaction(testDb.db, mariasAccess, checkin.id, 'proud');
		await toggleReaction(testDb.db, samsAccess, checkin.id, 'here');
		const twice = await toggleReaction(testDb.db, samsAccess, checkin.id, 'proud');
		expect(twice.checkin.reactions).toEqual({ love: [], proud: [maria.id], here: [sam.id] });
	});

	it('refuses a kind that does not exist', async () => {
		const {
			people: [maria],
			accessOf
		} = await circleOf(testDb.db, []);
		const access = await accessOf(maria);
		const checkin = await postCheckIn(testDb.db, access, okay);
		await expect(toggleReaction(testDb.db, access, checkin.id, 'angry')).rejects.toMatchObject({
			reason: 'invalid',
			message: 'That reaction isn’t one of the choices.'
		});
		expect(await testDb.value('SELECT COUNT(*) FROM checkin_reactions')).toBe(0);
	});
});

describe('replies', () => {
	it('are one level deep under a check-in, editable by their author for 15 minutes, removable any time', async () => {
		const {
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		const mariasAccess = await accessOf(maria);
		const samsAccess = await accessOf(sam);
		const checkin = await postCheckIn(testDb.db, mariasAccess, okay, T0);
		const replied = await postReply(testDb.db, samsAccess, checkin.id, 'Proud of you, Mom', T0);
		const reply = replied.checkin.replies[0]!;
		expect(reply).toMatchObject({ author: { displayName: 'Sam' }, body: 'Proud of you, Mom' });
		await expect(editReply(testDb.db, mariasAccess, reply.id, 'not mine', T0)).rejects.toMatchObject({ reason: 'forbidden' });
		const edited = await editReply(testDb.db, samsAccess, reply.id, 'So proud of you, Mom', T0 + 60_000);
		expect(edited.checkin.replies[0]).toMatchObject({ body: 'So proud of you, Mom', editedAt: T0 + 60_000 });
		await expect(editReply(testDb.db, samsAccess, reply.id, 'late', T0 + EDIT_WINDOW_MS + 1)).rejects.toMatchObject({
			reason: 'invalid',
			message: expect.stringMatching(/15 minutes/)
		});
		await expect(removeReply(testDb.db, mariasAccess, reply.id)).rejects.toMatchObject({ reason: 'forbidden' });
		expect((await removeReply(testDb.db, samsAccess, reply.id)).checkin.replies).toEqual([]);
	});
});

describe('the feed', () => {
	it('pages newest first with a cursor that stays put while new check-ins arrive', async () => {
		const {
			people: [maria],
			accessOf
		} = await circleOf(testDb.db, []);
		const access = await accessOf(maria);
		for (let i = 0; i < 5; i++) await postCheckIn(testDb.db, access, { ...okay, body: `#${i}` }, T0 + i * 1000);
		// Two at the very same millisecond still page without duplicates or gaps.
		await postCheckIn(testDb.db, access, { ...okay, body: '#5a' }, T0 + 5000);
		await postCheckIn(testDb.db, access, { ...okay, body: '#5b' }, T0 + 5000);
		const first = await listCheckIns(testDb.db, access, { limit: 3 });
		await postCheckIn(testDb.db, access, { ...okay, body: 'newest' }, T0 + 9000);
		const second = await listCheckIns(testDb.db, access, { limit: 3, cursor: first.nextCursor });
		const third = await listCheckIns(testDb.db, access, { limit: 3, cursor: second.nextCursor });
		const bodies = [...first.checkins, ...second.checkins, ...third.checkins].map((c) => c.body);
		expect(bodies.slice(2)).toEqual(['#4', '#3', '#2', '#1', '#0']);
		expect(new Set(bodies).size).toBe(7);
		expect(bodies.slice(0, 2).sort()).toEqual(['#5a', '#5b']);
		expect(third.nextCursor).toBeNull();
	});

	it('ignores a tampered cursor rather than failing', async () => {
		const {
			people: [maria],
			accessOf
		} = await circleOf(testDb.db, []);
		const access = await accessOf(maria);
		await postCheckIn(testDb.db, access, okay);
		expect((await listCheckIns(testDb.db, access, { cursor: "1'; DROP TABLE checkins;--" })).checkins).toHaveLength(1);
	});

	it('gives one member’s mood trend over 30 days, without removed check-ins', async () => {
		const {
			people: [maria, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		const samsAccess = await accessOf(sam);
		const day = 24 * 3600 * 1000;
		await postCheckIn(testDb.db, samsAccess, { ...okay, mood: 1 }, T0 - 40 * day);
		await postCheckIn(testDb.db, samsAccess, { ...okay, mood: 2 }, T0 - 10 * day);
		const removed = await postCheckIn(testDb.db, samsAccess, { ...okay, mood: 5 }, T0 - 5 * day);
		await postCheckIn(testDb.db, samsAccess, { ...okay, mood: 4 }, T0 - day);
		await postCheckIn(testDb.db, await accessOf(maria), { ...okay, mood: 3 }, T0 - day);
		await removeCheckIn(testDb.db, samsAccess, removed.id);
		expect((await moodTrend(testDb.db, await accessOf(maria), sam.id, T0)).map((p) => p.mood)).toEqual([2, 4]);
	});
});
