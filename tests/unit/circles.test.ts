import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { circleSchema, profileSchema } from '$lib/server/circles/circle-forms';
import {
	changeMemberRole,
	createCircle,
	deleteCircle,
	leaveCircle,
	listMembers,
	listMyCircles,
	loadRecentActivity,
	removeMember,
	transferOwnership,
	updateOwnProfile
} from '$lib/server/circles/circles';
import { requireMember } from '$lib/server/circles/access';
import { postCheckIn } from '$lib/server/checkins/checkins';
import { appendCircleEvent, latestCircleEventSeq, listCircleEventsAfter } from '$lib/server/circles/events';
import { parseForm } from '$lib/server/forms';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf } from './support/circles';
import { refused, refusalOf } from './support/refusals';

let testDb: TestDatabase;
beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

async function rows(sql: string, ...params: unknown[]) {
	return await testDb.all(sql, ...params);
}

function formOf(fields: Record<string, string>): FormData {
	const data = new FormData();
	for (const [name, value] of Object.entries(fields)) data.set(name, value);
	return data;
}

describe('creating a circle', () => {
	it('makes the creator its owner and logs the event', async () => {
		const { owner, circleId, accessOf } = await circleOf(testDb.db, []);
		const members = await listMembers(testDb.db, await accessOf(owner));
		expect(members).toMatchObject([{ userId: owner.id, role: 'owner', displayName: 'Maria' }]);
		const { events } = await listCircleEventsAfter(testDb.db, circleId, 0);
		expect(events.map((e) => e.type)).toEqual(['circle.created']);
	});

	it('lists the user’s circles with their member count, newest activity first', async () => {
		const { owner, circleId } = await circleOf(testDb.db, ['Sam', 'Ana']);
		await createCircle(testDb.db, owner, { name: 'Just me', description: '' }, Date.now() - 60_000);
		const circles = await listMyCircles(testDb.db, owner);
		expect(circles.map((c) => [c.name, c.memberCount, c.role])).toEqual([
			['The Garcias', 3, 'owner'],
			['Just me', 1, 'owner']
		]);
		expect(circles[0]!.id).toBe(circleId);
	});

	it('a check-in counts as activity: its circle moves to the top, with the check-in’s time', async () => {
		const { owner, circleId } = await circleOf(testDb.db, ['Sam']);
		const later = Date.now() + 60_000;
		const { circleId: quiet } = await createCircle(testDb.db, owner, { name: 'Just me', description: '' }, later);
		expect((await listMyCircles(testDb.db, owner)).map((c) => c.id)).toEqual([quiet, circleId]);
		await postCheckIn(testDb.db, await requireMember(testDb.db, owner, circleId), { mood: 4, craving: null, need: null, body: 'A good day.' }, later + 5_000);
		const circles = await listMyCircles(testDb.db, owner);
		expect(circles.map((c) => [c.id, c.lastActivityAt])).toEqual([
			[circleId, later + 5_000],
			[quiet, later]
		]);
	});

	it('checks the name: required, at most 80 characters, HTML kept as text', () => {
		const parse = (name: string) => parseForm(circleSchema, formOf({ name }));
		expect(parse('   ')).toMatchObject({ ok: false, errors: { name: 'Please give the circle a name.' } });
		expect(parse('x'.repeat(81))).toMatchObject({ ok: false, errors: { name: 'Please keep the name to 80 characters or fewer.' } });
		expect(parse('<b>Us</b>')).toMatchObject({ ok: true, data: { name: '<b>Us</b>' } });
	});

	it('refuses a name with a character that does not show (one circle could pass for another), not a description', () => {
		expect(parseForm(circleSchema, formOf({ name: 'The Garc\u200Bias', description: 'Sun\u200Bdays' }))).toMatchObject({
			ok: false,
			errors: { name: 'The name has a character in it that doesn’t show on screen (copied text sometimes brings one along); please type it again.' }
		});
		expect(parseForm(circleSchema, formOf({ name: 'The Garcias', description: 'Sun\u200Bdays' })).ok).toBe(true);
		expect(parseForm(circleSchema, formOf({ name: '👨‍👩‍👧 The Garcias' }))).toMatchObject({ ok: true, data: { name: '👨‍👩‍👧 The Garcias' } });
	});

	it('counts characters as a person sees them: 80 family emoji are 80 characters', () => {
		const family = '👨‍👩‍👧‍👦';
		expect(parseForm(circleSchema, formOf({ name: family.repeat(80) }))).toMatchObject({ ok: true, data: { name: family.repeat(80) } });
		expect(parseForm(circleSchema, formOf({ name: family.repeat(81) }))).toMatchObject({ ok: false, errors: { name: expect.stringMatching(/80/) } });
	});

	it('makes a name one line, keeps the description’s lines, and refuses control characters in either', () => {
		expect(parseForm(circleSchema, formOf({ name: '  The\n Garcias\t ', description: ' Sundays\r\nand weekdays ' }))).toEqual({
			ok: true,
			data: { name: 'The Garcias', description: 'Sundays\nand weekdays', timeZone: 'UTC' },
			values: { name: '  The\n Garcias\t ', description: ' Sundays\r\nand weekdays ' }
		});
		expect(parseForm(circleSchema, formOf({ name: 'Us\u0007', description: 'a\u202Eb', timeZone: 'Europe/Madrid' }))).toEqual({
			ok: false,
			errors: {
				name: 'The name has invisible control characters in it; please type it again.',
				description: 'The description has invisible control characters in it; please type it again.'
			},
			values: { name: 'Us\u0007', description: 'a\u202Eb', timeZone: 'Europe/Madrid' }
		});
		expect(parseForm(circleSchema, formOf({ name: 'Us', description: 'x'.repeat(281) }))).toMatchObject({
			ok: false,
			errors: { description: 'Please keep the description to 280 characters or fewer.' }
		});
	});

	it('counts the circle’s days in the time zone the creator’s browser sent, else UTC', async () => {
		expect(parseForm(circleSchema, formOf({ name: 'Us', timeZone: 'Asia/Kolkata' }))).toMatchObject({ ok: true, data: { timeZone: 'Asia/Kolkata' } });
		expect(parseForm(circleSchema, formOf({ name: 'Us', timeZone: 'Mars/Olympus' }))).toMatchObject({ ok: true, data: { timeZone: 'UTC' } });
	});
});

describe('who members are in the circle', () => {
	it('lets each member set their own relationship and recovery mark', async () => {
		const {
			people: [, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		await updateOwnProfile(testDb.db, await accessOf(sam), { relationship: 'Son', inRecovery: true });
		const members = await listMembers(testDb.db, await accessOf(sam));
		expect(members.find((m) => m.userId === sam.id)).toMatchObject({ relationship: 'Son', inRecovery: true });
	});

	it('refuses a relationship label with a character that does not show; emoji are welcome', () => {
		expect(parseForm(profileSchema, formOf({ relationship: 'Mo\u200Bm' }))).toMatchObject({
			ok: false,
			errors: {
				relationship: 'Your relationship has a character in it that doesn’t show on screen (copied text sometimes brings one along); please type it again.'
			}
		});
		expect(parseForm(profileSchema, formOf({ relationship: 'Mom 👩‍👧' }))).toMatchObject({ ok: true, data: { relationship: 'Mom 👩‍👧' } });
	});

	it('limits the relationship label to 40 characters', () => {
		expect(parseForm(profileSchema, formOf({ relationship: 'x'.repeat(41) }))).toMatchObject({
			ok: false,
			errors: { relationship: 'Please keep your relationship to 40 characters or fewer.' }
		});
	});

	it('reads the recovery checkbox: “yes” when ticked, nothing when not', () => {
		expect(parseForm(profileSchema, formOf({ relationship: ' Big  sister ', inRecovery: 'yes' }))).toMatchObject({
			ok: true,
			data: { relationship: 'Big sister', inRecovery: true }
		});
		expect(parseForm(profileSchema, formOf({ relationship: 'Me' }))).toMatchObject({ ok: true, data: { relationship: 'Me', inRecovery: false } });
	});
});

describe('roles', () => {
	it('lets the owner make a member admin and back', async () => {
		const {
			owner,
			people: [, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		expect(await changeMemberRole(testDb.db, await accessOf(owner), sam.id, 'admin')).toEqual({ changed: true });
		expect(await rows('SELECT role FROM memberships WHERE user_id = ?', sam.id)).toEqual([{ role: 'admin' }]);
		await changeMemberRole(testDb.db, await accessOf(owner), sam.id, 'member');
		expect(await rows('SELECT role FROM memberships WHERE user_id = ?', sam.id)).toEqual([{ role: 'member' }]);
	});

	it('refuses a role that does not exist, and leaves things as they were', async () => {
		const {
			owner,
			people: [, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		for (const role of ['owner', 'superuser', '']) {
			expect(await refused(changeMemberRole(testDb.db, await accessOf(owner), sam.id, role))).toEqual({
				reason: 'invalid',
				message: 'Choose “Admin” or “Member”.',
				field: undefined
			});
		}
		expect(await rows('SELECT role FROM memberships WHERE user_id = ?', sam.id)).toEqual([{ role: 'member' }]);
	});

	it('answers not found when acting on someone from another circle', async () => {
		const { owner, accessOf } = await circleOf(testDb.db, ['Sam']);
		const other = await circleOf(testDb.db, ['Ana']);
		const ana = other.people[1];
		const access = await accessOf(owner);
		expect((await refusalOf(changeMemberRole(testDb.db, access, ana.id, 'admin'))).reason).toBe('not-found');
		expect((await refusalOf(removeMember(testDb.db, access, ana.id))).reason).toBe('not-found');
		expect((await refusalOf(transferOwnership(testDb.db, access, 'made-up-id'))).reason).toBe('not-found');
		expect(await rows('SELECT COUNT(*) AS n FROM memberships WHERE user_id = ?', ana.id)).toEqual([{ n: 1 }]);
	});

	it('hands ownership over: the new owner is owner, the old one an admin', async () => {
		const {
			owner,
			people: [, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		await transferOwnership(testDb.db, await accessOf(owner), sam.id);
		const members = await listMembers(testDb.db, await accessOf(owner));
		expect(Object.fromEntries(members.map((m) => [m.displayName, m.role]))).toEqual({ Sam: 'owner', Maria: 'admin' });
		// The former owner can no longer do owner things.
		expect(await refused(removeMember(testDb.db, await accessOf(owner), sam.id))).toEqual({
			reason: 'forbidden',
			message: 'Only the circle’s owner can remove someone.',
			field: undefined
		});
	});
});

describe('removing and leaving', () => {
	it('removes a member: they are not found at once', async () => {
		const {
			owner,
			circleId,
			people: [, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		await removeMember(testDb.db, await accessOf(owner), sam.id);
		expect((await refusalOf(requireMember(testDb.db, sam, circleId))).reason).toBe('not-found');
		const { events } = await listCircleEventsAfter(testDb.db, circleId, 0);
		expect(events.at(-1)).toMatchObject({ type: 'member.removed', payload: { userId: sam.id } });
	});

	it('lets a member leave', async () => {
		const {
			circleId,
			people: [, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		expect(await leaveCircle(testDb.db, await accessOf(sam))).toEqual({ left: true });
		expect((await refusalOf(requireMember(testDb.db, sam, circleId))).reason).toBe('not-found');
		const { events } = await listCircleEventsAfter(testDb.db, circleId, 0);
		expect(events.at(-1)).toMatchObject({ type: 'member.left', payload: { userId: sam.id, displayName: 'Sam' } });
	});

	it('keeps the last owner from leaving while others remain, and when alone', async () => {
		const { owner, accessOf } = await circleOf(testDb.db, ['Sam']);
		expect(await refused(leaveCircle(testDb.db, await accessOf(owner)))).toEqual({
			reason: 'invalid',
			message: expect.stringMatching(/hand ownership/),
			field: undefined
		});
		const alone = await circleOf(testDb.db, []);
		expect(await refused(leaveCircle(testDb.db, await alone.accessOf(alone.owner)))).toEqual({
			reason: 'invalid',
			message: expect.stringMatching(/delete it/),
			field: undefined
		});
	});
});

describe('deleting a circle', () => {
	it('needs the exact name typed, then removes all its data', async () => {
		const { owner, accessOf } = await circleOf(testDb.db, ['Sam']);
		expect(await refused(deleteCircle(testDb.db, await accessOf(owner), 'the garcias'))).toEqual({
			reason: 'invalid',
			message: 'Type the circle’s name exactly as shown (“The Garcias”) to delete it.',
			field: 'confirmName'
		});
		expect(await rows('SELECT id FROM circles')).toHaveLength(1);
		expect(await deleteCircle(testDb.db, await accessOf(owner), ' The Garcias ')).toEqual({ deleted: 'The Garcias' });
		for (const table of ['circles', 'memberships', 'invites', 'circle_events']) {
			expect(await rows(`SELECT * FROM ${table}`)).toEqual([]);
		}
	});
});

describe('the event log', () => {
	it('hands out, for catch-up and page positions, only events whose COMMIT has returned', async () => {
		const { owner, circleId } = await circleOf(testDb.db, []);
		const committedBefore = await latestCircleEventSeq(testDb.committed, circleId);
		let seenInside: number[] = [];
		let latestInside = -1;
		let writerSeesIt = false;
		await testDb.db.transaction().execute(async (trx) => {
			await appendCircleEvent(trx, { circleId, actorId: owner.id, type: 'circle.time-zone-changed', payload: { timeZone: 'UTC' }, now: Date.now() });
			// The batch is still open: the writing connection sees the event, the committed reader does not.
			writerSeesIt = (await listCircleEventsAfter(trx, circleId, committedBefore)).events.length === 1;
			seenInside = (await listCircleEventsAfter(testDb.committed, circleId, committedBefore)).events.map((e) => e.seq);
			latestInside = await latestCircleEventSeq(testDb.committed, circleId);
		});
		expect(writerSeesIt).toBe(true);
		expect(seenInside).toEqual([]);
		expect(latestInside).toBe(committedBefore);
		expect((await listCircleEventsAfter(testDb.committed, circleId, committedBefore)).events.map((e) => e.seq)).toEqual([committedBefore + 1]);
	});

	it('numbers each circle’s events 1, 2, 3, … with no gaps, and catch-up after N returns exactly the later events in order', async () => {
		const {
			owner,
			circleId,
			people: [, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		const before = await latestCircleEventSeq(testDb.db, circleId);
		await changeMemberRole(testDb.db, await accessOf(owner), sam.id, 'admin');
		await updateOwnProfile(testDb.db, await accessOf(sam), { relationship: 'Son', inRecovery: false });
		await changeMemberRole(testDb.db, await accessOf(owner), sam.id, 'member');

		const all = await listCircleEventsAfter(testDb.db, circleId, 0);
		const numbers = all.events.map((e) => e.seq);
		expect(numbers).toEqual(numbers.map((_, index) => index + 1));
		// Another circle's events do not take numbers from this one.
		const other = await circleOf(testDb.db, []);
		expect((await listCircleEventsAfter(testDb.db, other.circleId, 0)).events.map((e) => e.seq)).toEqual([1]);
		expect(await latestCircleEventSeq(testDb.db, circleId)).toBe(numbers.length);

		const later = await listCircleEventsAfter(testDb.db, circleId, before);
		expect(later.events.map((e) => e.type)).toEqual(['member.role-changed', 'member.profile-changed', 'member.role-changed']);
		expect(later.complete).toBe(true);
		const limited = await listCircleEventsAfter(testDb.db, circleId, before, 2);
		expect(limited.events).toHaveLength(2);
		expect(limited.complete).toBe(false);
	});

	it('tells the story in words for the circle home page', async () => {
		const {
			owner,
			people: [, sam],
			accessOf
		} = await circleOf(testDb.db, ['Sam']);
		await changeMemberRole(testDb.db, await accessOf(owner), sam.id, 'admin');
		const activity = await loadRecentActivity(testDb.db, await accessOf(owner));
		expect(activity.map((a) => a.text)).toEqual(['Sam is now an admin.', 'Sam joined the circle.', 'Maria started the circle.']);
	});
});
