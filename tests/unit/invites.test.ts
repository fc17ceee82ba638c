import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken } from '$lib/server/auth/tokens';
import { inviteSchema } from '$lib/server/circles/circle-forms';
import { changeMemberRole, leaveCircle, removeMember } from '$lib/server/circles/circles';
import { acceptInvite, createInvite, inviteWorked, listActiveInvites, previewInvite, revokeInvite, takeInviteAttempt } from '$lib/server/circles/invites';
import { parseForm } from '$lib/server/forms';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf } from './support/circles';
import { addUser } from './support/people';
import { refused } from './support/refusals';

const DAY = 24 * 3600 * 1000;
const basic = { expiresInDays: 7, maxUses: 1, role: 'member' as const, note: '' };
let testDb: TestDatabase;

beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

/** A circle of Maria's, alone in it; `access` is hers. */
async function ownedCircle() {
	const { owner, circleId, accessOf } = await circleOf(testDb.db, []);
	return { owner, circleId, access: await accessOf(owner), accessOf };
}

const gone = { reason: 'not-found', message: 'That invite was already turned off or has gone.', field: undefined };

async function memberCount(circleId: string): Promise<number> {
	return (await testDb.value('SELECT COUNT(*) FROM memberships WHERE circle_id = ?', circleId)) as number;
}

describe('making an invite', () => {
	it('stores only a hash of a token of at least 128 bits', async () => {
		const { access } = await ownedCircle();
		const { token } = await createInvite(testDb.db, access, basic);
		expect(token.length * 5).toBeGreaterThanOrEqual(128);
		const stored = await testDb.all('SELECT * FROM invites');
		expect(JSON.stringify(stored)).not.toContain(token);
		expect(stored).toMatchObject([{ token_hash: hashToken(token) }]);
	});

	it('enforces the limits on the server: 1 to 30 days, 1 to 20 uses, member or admin', () => {
		const form = (fields: Record<string, string>) => {
			const data = new FormData();
			for (const [k, v] of Object.entries(fields)) data.set(k, v);
			return data;
		};
		const parseInviteForm = (data: FormData) => parseForm(inviteSchema, data);
		expect(parseInviteForm(form({}))).toEqual({ ok: true, data: { expiresInDays: 7, maxUses: 1, role: 'member', note: '' }, values: {} });
		expect(parseInviteForm(form({ expiresInDays: '30', maxUses: '20', role: 'admin' }))).toMatchObject({
			ok: true,
			data: { expiresInDays: 30, maxUses: 20, role: 'admin' }
		});
		for (const bad of [{ expiresInDays: '31' }, { expiresInDays: '0' }, { expiresInDays: '-1' }, { expiresInDays: '2.5' }, { expiresInDays: 'soon' }]) {
			expect(parseInviteForm(form(bad))).toMatchObject({ ok: false, errors: { expiresInDays: 'Choose between 1 and 30 days.' } });
		}
		for (const bad of [{ maxUses: '21' }, { maxUses: '0' }, { maxUses: '1e3' }]) {
			expect(parseInviteForm(form(bad))).toMatchObject({ ok: false, errors: { maxUses: 'Choose between 1 and 20 people.' } });
		}
		expect(parseInviteForm(form({ role: 'owner' }))).toMatchObject({ ok: false, errors: { role: 'Choose “Member” or “Admin”.' } });
		// What was typed comes back to be fixed.
		expect(parseInviteForm(form({ expiresInDays: ' 31 ', note: ' for Ada ', role: 'admin' }))).toEqual({
			ok: false,
			errors: { expiresInDays: 'Choose between 1 and 30 days.' },
			values: { expiresInDays: ' 31 ', note: ' for Ada ', role: 'admin' }
		});
		expect(parseInviteForm(form({ note: 'x'.repeat(81) }))).toMatchObject({ ok: false, errors: { note: 'Please keep the note to 80 characters or fewer.' } });
	});

	it('is for owners and admins; only the owner may invite an admin', async () => {
		const { access, accessOf } = await ownedCircle();
		const sam = await addUser(testDb.db, 'Sam');
		const { token } = await createInvite(testDb.db, access, basic);
		await acceptInvite(testDb.db, sam, token);
		expect(await refused(createInvite(testDb.db, await accessOf(sam), basic))).toEqual({
			reason: 'forbidden',
			message: 'Only the circle’s owner and admins can invite people.',
			field: undefined
		});
		await changeMemberRole(testDb.db, access, sam.id, 'admin');
		await expect(createInvite(testDb.db, await accessOf(sam), basic)).resolves.toMatchObject({ token: expect.any(String) });
		expect(await refused(createInvite(testDb.db, await accessOf(sam), { ...basic, role: 'admin' }))).toEqual({
			reason: 'forbidden',
			message: 'Only the circle’s owner can invite someone as an admin.',
			field: undefined
		});
	});
});

describe('joining with an invite', () => {
	it('shows the circle and inviter for a working link, and nothing otherwise', async () => {
		const { access, circleId } = await ownedCircle();
		const { token } = await createInvite(testDb.db, access, basic);
		expect(await previewInvite(testDb.db, token)).toEqual({ circleId, circleName: 'The Garcias', invitedBy: 'Maria', role: 'member' });
		expect(await previewInvite(testDb.db, 'a'.repeat(32))).toBeNull();
		expect(await previewInvite(testDb.db, '../../etc/passwd')).toBeNull();
	});

	it('joins with the role the invite grants, and counts the use', async () => {
		const { access, circleId } = await ownedCircle();
		const ana = await addUser(testDb.db, 'Ana');
		const { token } = await createInvite(testDb.db, access, { ...basic, role: 'admin', maxUses: 2 });
		expect(await acceptInvite(testDb.db, ana, token)).toEqual({ ok: true, circleId, alreadyMember: false });
		expect(await testDb.value('SELECT role FROM memberships WHERE user_id = ?', ana.id)).toBe('admin');
		expect((await listActiveInvites(testDb.db, access))[0]).toMatchObject({ usesLeft: 1, maxUses: 2 });
	});

	it('lets an existing member through without using the link up', async () => {
		const { owner, circleId, access } = await ownedCircle();
		const { token } = await createInvite(testDb.db, access, basic);
		expect(await acceptInvite(testDb.db, owner, token)).toEqual({ ok: true, circleId, alreadyMember: true });
		expect(await testDb.value('SELECT uses FROM invites')).toBe(0);
	});

	it('refuses an expired link', async () => {
		const { circleId, access } = await ownedCircle();
		const now = Date.now();
		const { token } = await createInvite(testDb.db, access, { ...basic, expiresInDays: 1 }, now);
		const ana = await addUser(testDb.db, 'Ana');
		expect(await previewInvite(testDb.db, token, now + DAY)).toBeNull();
		expect(await acceptInvite(testDb.db, ana, token, now + DAY)).toEqual({ ok: false, reason: 'invalid' });
		expect(await memberCount(circleId)).toBe(1);
	});

	it('refuses a revoked link, and takes it off the active list', async () => {
		const { access } = await ownedCircle();
		const { token, inviteId } = await createInvite(testDb.db, access, basic);
		expect(await revokeInvite(testDb.db, access, inviteId)).toEqual({ revoked: true });
		expect(await refused(revokeInvite(testDb.db, access, inviteId))).toEqual(gone);
		expect(await listActiveInvites(testDb.db, access)).toEqual([]);
		expect(await acceptInvite(testDb.db, await addUser(testDb.db), token)).toEqual({ ok: false, reason: 'invalid' });
	});

	it('cannot revoke another circle’s invite by tampering with the id', async () => {
		const mine = await ownedCircle();
		const theirs = await ownedCircle();
		const { inviteId, token } = await createInvite(testDb.db, theirs.access, basic);
		expect(await refused(revokeInvite(testDb.db, mine.access, inviteId))).toEqual(gone);
		expect(await previewInvite(testDb.db, token)).not.toBeNull();
	});

	it('refuses a used-up link and a wrong token', async () => {
		const { circleId, access } = await ownedCircle();
		const { token } = await createInvite(testDb.db, access, basic);
		expect((await acceptInvite(testDb.db, await addUser(testDb.db), token)).ok).toBe(true);
		expect(await acceptInvite(testDb.db, await addUser(testDb.db), token)).toEqual({ ok: false, reason: 'invalid' });
		expect(
			await acceptInvite(
				testDb.db,
				await addUser(testDb.db),
				token.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'))
			)
		).toEqual({
			ok: false,
			reason: 'invalid'
		});
		expect(await memberCount(circleId)).toBe(2);
	});

	it('lets only one of two people racing for the last use in', async () => {
		const { circleId, access } = await ownedCircle();
		const { token } = await createInvite(testDb.db, access, { ...basic, maxUses: 2 });
		const racers = await Promise.all([1, 2, 3, 4].map((i) => addUser(testDb.db, `Racer ${i}`)));
		const results = await Promise.all(racers.map((person) => acceptInvite(testDb.db, person, token)));
		expect(results.filter((r) => r.ok)).toHaveLength(2);
		expect(await memberCount(circleId)).toBe(3);
		expect(await testDb.value('SELECT uses FROM invites')).toBe(2);
	});

	it('a removed member can come back only with a new link', async () => {
		const { access } = await ownedCircle();
		const sam = await addUser(testDb.db, 'Sam');
		const first = await createInvite(testDb.db, access, { ...basic, maxUses: 1 });
		await acceptInvite(testDb.db, sam, first.token);
		await removeMember(testDb.db, access, sam.id);
		expect(await acceptInvite(testDb.db, sam, first.token)).toEqual({ ok: false, reason: 'invalid' });
		const second = await createInvite(testDb.db, access, basic);
		expect((await acceptInvite(testDb.db, sam, second.token)).ok).toBe(true);
	});

	it('does not let a removed member back in with an old link that still has uses, and shows it to them as a link that stopped working', async () => {
		const { access, circleId } = await ownedCircle();
		const t0 = Date.now();
		const { token } = await createInvite(testDb.db, access, { ...basic, maxUses: 5 }, t0);
		const sam = await addUser(testDb.db, 'Sam');
		expect((await acceptInvite(testDb.db, sam, token, t0 + 1)).ok).toBe(true);
		await removeMember(testDb.db, access, sam.id, t0 + 1000);

		// Exactly the answer for a used-up or unknown link: nothing says why.
		expect(await acceptInvite(testDb.db, sam, token, t0 + 2000)).toEqual({ ok: false, reason: 'invalid' });
		expect(await previewInvite(testDb.db, token, t0 + 2000, sam.id)).toBeNull();
		expect(await memberCount(circleId)).toBe(1);
		expect(await testDb.value('SELECT uses FROM invites')).toBe(1);
		// The link still works for everyone else it was meant for.
		expect(await previewInvite(testDb.db, token, t0 + 2000)).not.toBeNull();
		const ana = await addUser(testDb.db, 'Ana');
		expect(await previewInvite(testDb.db, token, t0 + 2000, ana.id)).not.toBeNull();
		expect(await acceptInvite(testDb.db, ana, token, t0 + 2000)).toEqual({ ok: true, circleId, alreadyMember: false });
	});

	it('lets a removed member back in when someone invites them again with a link made after the removal', async () => {
		const { access, circleId } = await ownedCircle();
		const t0 = Date.now();
		const old = await createInvite(testDb.db, access, { ...basic, maxUses: 5 }, t0);
		const sam = await addUser(testDb.db, 'Sam');
		await acceptInvite(testDb.db, sam, old.token, t0 + 1);
		await removeMember(testDb.db, access, sam.id, t0 + 1000);
		expect(await acceptInvite(testDb.db, sam, old.token, t0 + 1500)).toEqual({ ok: false, reason: 'invalid' });

		const again = await createInvite(testDb.db, access, basic, t0 + 2000);
		expect(await previewInvite(testDb.db, again.token, t0 + 3000, sam.id)).toMatchObject({ circleId });
		expect(await acceptInvite(testDb.db, sam, again.token, t0 + 3000)).toEqual({ ok: true, circleId, alreadyMember: false });
		// Back in, the removal is over: nothing of it is kept.
		expect(await testDb.value('SELECT COUNT(*) FROM circle_removals')).toBe(0);
	});

	it('stops only someone who was removed: whoever left by themselves comes back with the same link', async () => {
		const { access, circleId, accessOf } = await ownedCircle();
		const t0 = Date.now();
		const { token } = await createInvite(testDb.db, access, { ...basic, maxUses: 10 }, t0);
		const ben = await addUser(testDb.db, 'Ben');
		const sam = await addUser(testDb.db, 'Sam');
		await acceptInvite(testDb.db, ben, token, t0 + 1);
		await acceptInvite(testDb.db, sam, token, t0 + 2);
		await leaveCircle(testDb.db, await accessOf(ben), t0 + 1000);
		await removeMember(testDb.db, access, sam.id, t0 + 1000);

		expect(await acceptInvite(testDb.db, ben, token, t0 + 2000)).toEqual({ ok: true, circleId, alreadyMember: false });
		expect(await acceptInvite(testDb.db, sam, token, t0 + 2000)).toEqual({ ok: false, reason: 'invalid' });
	});
});

describe('invite throttling', () => {
	// invite-throttle.test.ts runs this limit through the invite page in parallel.
	it('refuses an address after 30 tries that did not work, and counts nothing for one that did', async () => {
		const now = Date.now();
		const worked = await takeInviteAttempt(testDb.db, '203.0.113.5', now);
		if (!worked.allowed) throw new Error('refused');
		await inviteWorked(testDb.db, worked.taken);
		for (let i = 0; i < 30; i++) expect(await takeInviteAttempt(testDb.db, '203.0.113.5', now)).toMatchObject({ allowed: true });
		expect(await takeInviteAttempt(testDb.db, '203.0.113.5', now)).toMatchObject({ allowed: false });
		expect(await takeInviteAttempt(testDb.db, '198.51.100.5', now)).toMatchObject({ allowed: true });
	});
});
