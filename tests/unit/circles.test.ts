import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHttpError, isActionFailure } from '@sveltejs/kit';
import type { SessionUser } from '$lib/server/auth/sessions';
import { parseCircleForm, parseProfileForm } from '$lib/server/circles/circle-forms';
import {
	changeMemberRole,
	createCircle,
	deleteCircle,
	leaveCircle,
	listMembers,
	listMyCircles,
	recentActivity,
	removeMember,
	transferOwnership,
	updateOwnProfile
} from '$lib/server/circles/circles';
import { acceptInvite, createInvite } from '$lib/server/circles/invites';
import { postCheckIn } from '$lib/server/checkins/checkins';
import { appendCircleEvent, latestCircleEventSeq, listCircleEventsAfter } from '$lib/server/circles/events';
import { createTestDatabase, type TestDatabase } from './support/database';
import { addUser } from './support/people';

let testDb: TestDatabase;
beforeEach(() => {
	testDb = createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

async function expectStatus(promise: Promise<unknown>, status: number) {
	try {
		await promise;
	} catch (error) {
		expect(isHttpError(error) && error.status).toBe(status);
		return;
	}
	throw new Error(`expected an HTTP ${status}`);
}

/** A circle owned by Maria, with Sam (and anyone else named) joined through an invite. */
async function circleWith(...names: string[]) {
	const owner = await addUser(testDb.db, 'Maria');
	const { circleId } = await createCircle(testDb.db, owner, { name: 'The Garcias', description: '' });
	const members: SessionUser[] = [];
	for (const name of names) {
		const person = await addUser(testDb.db, name);
		const { token } = await createInvite(testDb.db, owner, circleId, { expiresInDays: 7, maxUses: 1, role: 'member', note: '' });
		await acceptInvite(testDb.db, person, token);
		members.push(person);
	}
	return { owner, circleId, members };
}

function rows(sql: string, ...params: unknown[]) {
	return testDb.sqlite.prepare(sql).all(...params);
}

describe('creating a circle', () => {
	it('makes the creator its owner and logs the event', async () => {
		const { owner, circleId } = await circleWith();
		const { members } = await listMembers(testDb.db, owner, circleId);
		expect(members).toMatchObject([{ userId: owner.id, role: 'owner', displayName: 'Maria' }]);
		const { events } = await listCircleEventsAfter(testDb.db, circleId, 0);
		expect(events.map((e) => e.type)).toEqual(['circle.created']);
	});

	it('lists the user’s circles with their member count, newest activity first', async () => {
		const { owner, circleId } = await circleWith('Sam', 'Ana');
		await createCircle(testDb.db, owner, { name: 'Just me', description: '' }, Date.now() - 60_000);
		const circles = await listMyCircles(testDb.db, owner);
		expect(circles.map((c) => [c.name, c.memberCount, c.role])).toEqual([
			['The Garcias', 3, 'owner'],
			['Just me', 1, 'owner']
		]);
		expect(circles[0]!.id).toBe(circleId);
	});

	it('a check-in counts as activity: its circle moves to the top, with the check-in’s time', async () => {
		const { owner, circleId } = await circleWith('Sam');
		const later = Date.now() + 60_000;
		const { circleId: quiet } = await createCircle(testDb.db, owner, { name: 'Just me', description: '' }, later);
		expect((await listMyCircles(testDb.db, owner)).map((c) => c.id)).toEqual([quiet, circleId]);
		await postCheckIn(testDb.db, owner, circleId, { mood: 4, craving: null, need: null, body: 'A good day.' }, later + 5_000);
		const circles = await listMyCircles(testDb.db, owner);
		expect(circles.map((c) => [c.id, c.lastActivityAt])).toEqual([
			[circleId, later + 5_000],
			[quiet, later]
		]);
	});

	it('checks the name: required, at most 80 characters, HTML kept as text', () => {
		const form = (name: string) => {
			const data = new FormData();
			data.set('name', name);
			return data;
		};
		expect(parseCircleForm(form('   '))).toMatchObject({ ok: false, errors: { name: 'Please give the circle a name.' } });
		expect(parseCircleForm(form('x'.repeat(81)))).toMatchObject({ ok: false, errors: { name: expect.stringMatching(/80/) } });
		expect(parseCircleForm(form('<b>Us</b>'))).toMatchObject({ ok: true, data: { name: '<b>Us</b>' } });
	});
});

describe('who members are in the circle', () => {
	it('lets each member set their own relationship and recovery mark', async () => {
		const {
			circleId,
			members: [sam]
		} = await circleWith('Sam');
		await updateOwnProfile(testDb.db, sam!, circleId, { relationship: 'Son', inRecovery: true });
		const { members } = await listMembers(testDb.db, sam!, circleId);
		expect(members.find((m) => m.userId === sam!.id)).toMatchObject({ relationship: 'Son', inRecovery: true });
	});

	it('limits the relationship label to 40 characters', () => {
		const data = new FormData();
		data.set('relationship', 'x'.repeat(41));
		expect(parseProfileForm(data)).toMatchObject({ ok: false, errors: { relationship: expect.stringMatching(/40/) } });
	});
});

describe('roles', () => {
	it('lets the owner make a member admin and back', async () => {
		const {
			owner,
			circleId,
			members: [sam]
		} = await circleWith('Sam');
		expect(await changeMemberRole(testDb.db, owner, circleId, sam!.id, 'admin')).toEqual({ changed: true });
		expect(rows('SELECT role FROM memberships WHERE user_id = ?', sam!.id)).toEqual([{ role: 'admin' }]);
		await changeMemberRole(testDb.db, owner, circleId, sam!.id, 'member');
		expect(rows('SELECT role FROM memberships WHERE user_id = ?', sam!.id)).toEqual([{ role: 'member' }]);
	});

	it('refuses a role that does not exist, and leaves things as they were', async () => {
		const {
			owner,
			circleId,
			members: [sam]
		} = await circleWith('Sam');
		for (const role of ['owner', 'superuser', '']) {
			expect(isActionFailure(await changeMemberRole(testDb.db, owner, circleId, sam!.id, role))).toBe(true);
		}
		expect(rows('SELECT role FROM memberships WHERE user_id = ?', sam!.id)).toEqual([{ role: 'member' }]);
	});

	it('answers 404 when acting on someone from another circle', async () => {
		const { owner, circleId } = await circleWith('Sam');
		const other = await circleWith('Ana');
		const ana = other.members[0]!;
		await expectStatus(changeMemberRole(testDb.db, owner, circleId, ana.id, 'admin'), 404);
		await expectStatus(removeMember(testDb.db, owner, circleId, ana.id), 404);
		await expectStatus(transferOwnership(testDb.db, owner, circleId, 'made-up-id'), 404);
		expect(rows('SELECT COUNT(*) AS n FROM memberships WHERE user_id = ?', ana.id)).toEqual([{ n: 1 }]);
	});

	it('hands ownership over: the new owner is owner, the old one an admin', async () => {
		const {
			owner,
			circleId,
			members: [sam]
		} = await circleWith('Sam');
		await transferOwnership(testDb.db, owner, circleId, sam!.id);
		const { members } = await listMembers(testDb.db, owner, circleId);
		expect(Object.fromEntries(members.map((m) => [m.displayName, m.role]))).toEqual({ Sam: 'owner', Maria: 'admin' });
		// The former owner can no longer do owner things.
		await expectStatus(removeMember(testDb.db, owner, circleId, sam!.id), 403);
	});
});

describe('removing and leaving', () => {
	it('removes a member: they get 404 at once', async () => {
		const {
			owner,
			circleId,
			members: [sam]
		} = await circleWith('Sam');
		await removeMember(testDb.db, owner, circleId, sam!.id);
		await expectStatus(listMembers(testDb.db, sam!, circleId), 404);
		const { events } = await listCircleEventsAfter(testDb.db, circleId, 0);
		expect(events.at(-1)).toMatchObject({ type: 'member.removed', payload: { userId: sam!.id } });
	});

	it('lets a member leave', async () => {
		const {
			circleId,
			members: [sam]
		} = await circleWith('Sam');
		expect(await leaveCircle(testDb.db, sam!, circleId)).toEqual({ left: true });
		await expectStatus(listMembers(testDb.db, sam!, circleId), 404);
	});

	it('keeps the last owner from leaving while others remain, and when alone', async () => {
		const { owner, circleId } = await circleWith('Sam');
		const result = await leaveCircle(testDb.db, owner, circleId);
		expect(isActionFailure(result) && result.data).toEqual({ message: expect.stringMatching(/hand ownership/) });
		const alone = await circleWith();
		const aloneResult = await leaveCircle(testDb.db, alone.owner, alone.circleId);
		expect(isActionFailure(aloneResult) && aloneResult.data).toEqual({ message: expect.stringMatching(/delete it/) });
	});
});

describe('deleting a circle', () => {
	it('needs the exact name typed, then removes all its data', async () => {
		const { owner, circleId } = await circleWith('Sam');
		expect(isActionFailure(await deleteCircle(testDb.db, owner, circleId, 'the garcias'))).toBe(true);
		expect(rows('SELECT id FROM circles')).toHaveLength(1);
		expect(await deleteCircle(testDb.db, owner, circleId, ' The Garcias ')).toEqual({ deleted: 'The Garcias' });
		for (const table of ['circles', 'memberships', 'invites', 'circle_events']) {
			expect(rows(`SELECT * FROM ${table}`)).toEqual([]);
		}
	});
});

describe('the event log', () => {
	it('hands out, for catch-up and page positions, only events whose COMMIT has returned', async () => {
		const { owner, circleId } = await circleWith();
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
			members: [sam]
		} = await circleWith('Sam');
		const before = await latestCircleEventSeq(testDb.db, circleId);
		await changeMemberRole(testDb.db, owner, circleId, sam!.id, 'admin');
		await updateOwnProfile(testDb.db, sam!, circleId, { relationship: 'Son', inRecovery: false });
		await changeMemberRole(testDb.db, owner, circleId, sam!.id, 'member');

		const all = await listCircleEventsAfter(testDb.db, circleId, 0);
		const numbers = all.events.map((e) => e.seq);
		expect(numbers).toEqual(numbers.map((_, index) => index + 1));
		// Another circle's events do not take numbers from this one.
		const other = await circleWith();
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
			circleId,
			members: [sam]
		} = await circleWith('Sam');
		await changeMemberRole(testDb.db, owner, circleId, sam!.id, 'admin');
		const activity = await recentActivity(testDb.db, owner, circleId);
		expect(activity.map((a) => a.text)).toEqual(['Sam is now an admin.', 'Sam joined the circle.', 'Maria started the circle.']);
	});
});
