// Unread counts and read positions (issue 18, item 4), on both dialects: what counts as new (the
// one rule in $lib/unread.ts, and its SQL), the cap, the position that only moves forward (raced on
// real parallel connections on PostgreSQL), and the position going with the membership.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { SessionUser } from '$lib/server/auth/sessions';
import { requireMember } from '$lib/server/circles/access';
import { deleteCircle, leaveCircle, removeMember, updateOwnProfile } from '$lib/server/circles/circles';
import { appendCircleEvent, latestCircleEventSeq } from '$lib/server/circles/events';
import { createInvite, revokeInvite } from '$lib/server/circles/invites';
import { postCheckIn, postReply, toggleReaction } from '$lib/server/checkins/checkins';
import { proposeAgreement } from '$lib/server/boundaries/agreements';
import { addVictory, cheerMilestone } from '$lib/server/milestones/milestones';
import { recordLapse, setRecoveryDate } from '$lib/server/milestones/recovery';
import { deleteAccount } from '$lib/server/account/deletion';
import { hashPassword } from '$lib/server/auth/passwords';
import { countUnread, unreadCountsQuery } from '$lib/server/unread/counts';
import { markCircleRead, readPositionOf } from '$lib/server/unread/positions';
import { countsAsNew, NEW_EVENT_TYPES, UNREAD_CAP, unreadLabel } from '$lib/unread';
import type { CircleEventType } from '$lib/realtime/events';
import { isRefusal } from '$lib/server/refusal';
import { AGREEMENT_CATEGORIES, type AgreementCategory } from '$lib/agreements';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from './support/database';
import { circleOf, joinCircle } from './support/circles';

/** Marks at once in the race below; the pool has a connection for each. */
const PARALLEL = 12;

let testDb: TestDatabase;
const db = () => testDb.db;

beforeAll(async () => {
	testDb = await createTestDatabase({ poolSize: PARALLEL + 2 });
});
afterAll(async () => {
	await testDb.dispose();
});

const okay = { mood: 3, craving: null, need: null, body: 'Long day, but okay.' };
const category = Object.keys(AGREEMENT_CATEGORIES)[0] as AgreementCategory;
const access = (user: SessionUser, circleId: string) => requireMember(db(), user, circleId);

async function countOf(user: SessionUser, circleId: string): Promise<number> {
	const found = (await countUnread(db(), user.id)).find((count) => count.circleId === circleId);
	if (!found) throw new Error('no count for that circle');
	return found.count;
}

async function readRows(circleId: string): Promise<unknown[]> {
	return testDb.all('SELECT user_id FROM read_positions WHERE circle_id = ?', circleId);
}

describe('what counts as new', () => {
	it('is what the others shared since the last read: check-ins, replies, milestones, proposals, joinings, a shared lapse', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf(db(), ['Sam']);
		// Joining, and creating the circle, start at the member's own event: the history is not news.
		expect(await countOf(maria, circleId)).toBe(1); // Sam joined
		expect(await countOf(sam, circleId)).toBe(0);

		const checkin = await postCheckIn(db(), await access(sam, circleId), okay);
		await postReply(db(), await access(sam, circleId), checkin.id, 'And a little more.');
		await proposeAgreement(db(), await access(sam, circleId), {
			title: 'Rent first',
			category,
			body: 'We agree: rent first.',
			support: '',
			consequence: '',
			reviewOn: null
		});
		const { milestone } = await addVictory(db(), await access(sam, circleId), { title: 'A good week', reachedOn: '2026-01-01', note: '', forCircle: true });
		await updateOwnProfile(db(), await access(sam, circleId), { relationship: 'Son', inRecovery: true });
		await setRecoveryDate(db(), await access(sam, circleId), '2025-12-01');
		await recordLapse(db(), await access(sam, circleId), { on: '2026-01-05', note: 'A hard night.', share: false });
		// Milestones the clock reached for him are nobody's doing: they count for everyone.
		const reached = async () => Number(await testDb.value("SELECT COUNT(*) FROM circle_events WHERE circle_id = ? AND type = 'milestone.reached'", circleId));
		// Joined, check-in, reply, proposal, victory; not the profile, the date, the private lapse.
		expect(await countOf(maria, circleId)).toBe(5 + (await reached()));
		expect(await countOf(sam, circleId)).toBe(await reached()); // nothing he did himself counts for him

		await markCircleRead(db(), await access(sam, circleId), Number.MAX_SAFE_INTEGER);
		await cheerMilestone(db(), await access(maria, circleId), milestone!.id, 'So proud of you.');
		await markCircleRead(db(), await access(maria, circleId), Number.MAX_SAFE_INTEGER);
		const before = await reached();
		await recordLapse(db(), await access(sam, circleId), { on: '2026-01-10', note: '', share: true });
		expect(await countOf(sam, circleId)).toBe(1 + (await reached()) - before); // Maria's cheer
		expect(await countOf(maria, circleId)).toBe(1 + (await reached()) - before); // the lapse he chose to share
	});

	it('leaves out housekeeping: invites, profiles, reactions, erased events', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf(db(), ['Sam'], { roles: { Sam: 'admin' } });
		const checkin = await postCheckIn(db(), await access(maria, circleId), okay);
		const before = await countOf(maria, circleId);
		const { inviteId } = await createInvite(db(), await access(sam, circleId), { expiresInDays: 7, maxUses: 1, role: 'member', note: '' });
		await revokeInvite(db(), await access(sam, circleId), inviteId);
		await updateOwnProfile(db(), await access(sam, circleId), { relationship: 'Son', inRecovery: false });
		await toggleReaction(db(), await access(sam, circleId), checkin.id, Object.keys((await import('$lib/checkins')).REACTIONS)[0]!);
		await db()
			.transaction()
			.execute((trx) => appendCircleEvent(trx, { circleId, actorId: null, type: 'event.erased', payload: {}, now: Date.now() }));
		expect(await countOf(maria, circleId)).toBe(before);
	});

	it('is the same rule in SQL as in the browser, for every kind of event, someone else’s and one’s own', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf(db(), ['Sam']);
		const types: CircleEventType[] = [
			...NEW_EVENT_TYPES,
			...(['circle.created', 'member.left', 'member.removed', 'member.role-changed', 'member.profile-changed', 'circle.ownership-transferred'] as const),
			...([
				'invite.created',
				'invite.revoked',
				'checkin.edited',
				'checkin.removed',
				'checkin.reacted',
				'checkin.reply-edited',
				'checkin.reply-removed'
			] as const),
			...([
				'agreement.answered',
				'agreement.commented',
				'agreement.agreed',
				'agreement.withdrawn',
				'agreement.proposal-withdrawn',
				'agreement.retired'
			] as const),
			...(['milestone.cheer-edited', 'milestone.removed', 'recovery.date-set', 'circle.time-zone-changed', 'member.account-deleted', 'event.erased'] as const)
		];
		for (const type of types) {
			for (const actorId of [sam.id, maria.id, null]) {
				await markCircleRead(db(), await access(maria, circleId), Number.MAX_SAFE_INTEGER);
				await db()
					.transaction()
					.execute((trx) => appendCircleEvent(trx, { circleId, actorId, type, payload: {} as never, now: Date.now() }));
				const expected = countsAsNew({ type, actorId }, maria.id) ? 1 : 0;
				expect(await countOf(maria, circleId), `${type} by ${actorId === maria.id ? 'herself' : (actorId ?? 'nobody')}`).toBe(expected);
			}
		}
	});

	it('stops at the cap, for each circle in the one query', async () => {
		const { circleId, owner: maria } = await circleOf(db(), []);
		const other = await circleOf(db(), ['Sam'], { name: 'The Lees' });
		await joinCircle(db(), circleId, maria, other.owner);
		const sam = other.people[1];
		await joinCircle(db(), circleId, maria, sam);
		await db()
			.transaction()
			.execute(async (trx) => {
				for (let i = 0; i < UNREAD_CAP + 30; i++) {
					await appendCircleEvent(trx, { circleId, actorId: maria.id, type: 'member.joined', payload: {} as never, now: Date.now() });
				}
			});
		const counts = await countUnread(db(), sam.id);
		expect(counts.map((count) => count.circleId).sort()).toEqual([circleId, other.circleId].sort());
		const capped = counts.find((count) => count.circleId === circleId)!;
		expect(capped.count).toBe(UNREAD_CAP + 1);
		expect(unreadLabel(capped.count)).toBe('99+');
		expect(capped.latestSeq).toBe(await latestCircleEventSeq(db(), circleId));
		expect(unreadLabel(3)).toBe('3');
	});

	it('reads each circle’s log through the index on (circle_id, seq), from the read position on', async () => {
		const { owner: maria } = await circleOf(db(), ['Sam']);
		const compiled = unreadCountsQuery(maria.id).compile(db());
		if (TEST_DIALECT === 'sqlite') {
			const plan = await testDb.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${compiled.sql}`, ...compiled.parameters);
			const details = plan.map((row) => row.detail).join('\n');
			expect(details).toMatch(/SEARCH e USING (COVERING )?INDEX sqlite_autoindex_circle_events_\d+ \(circle_id=\? AND seq>\?\)/);
			expect(details).not.toMatch(/SCAN (e|latest)\b/);
		} else {
			// A test's tables are tiny, so a sequential scan would be cheapest: this asks whether the
			// statement can use the index at all (it could not, were seq wrapped in an expression).
			const plan = await db()
				.transaction()
				.execute(async (trx) => {
					await sql`SET LOCAL enable_seqscan = off`.execute(trx);
					const text = compiled.sql.replace(/\$(\d+)/g, (_, n) => `'${String(compiled.parameters[Number(n) - 1])}'`);
					return (await sql.raw<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`).execute(trx)).rows.map((row) => row['QUERY PLAN']).join('\n');
				});
			expect(plan).toMatch(
				/Index (Only )?Scan .*using circle_events_circle_id_seq_key on circle_events e[\s\S]*Index Cond: \(\(circle_id = m\.circle_id\) AND \(seq > COALESCE\(r\.read_seq/
			);
			expect(plan).not.toMatch(/Seq Scan on circle_events/);
		}
	});
});

describe('the read position', () => {
	it('moves forward only, and never past the newest event', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf(db(), ['Sam']);
		for (let i = 0; i < 3; i++) await postCheckIn(db(), await access(sam, circleId), okay);
		const newest = await latestCircleEventSeq(db(), circleId);
		expect(await countOf(maria, circleId)).toBe(4);

		expect(await markCircleRead(db(), await access(maria, circleId), newest - 1)).toEqual({ readSeq: newest - 1, moved: true });
		expect(await countOf(maria, circleId)).toBe(1);
		expect(await markCircleRead(db(), await access(maria, circleId), 1)).toMatchObject({ moved: false });
		expect((await readPositionOf(db(), await access(maria, circleId))).readSeq).toBe(newest - 1);
		// A number from the future is clamped to the newest event, so the next one still counts.
		expect(await markCircleRead(db(), await access(maria, circleId), 10_000_000)).toEqual({ readSeq: newest, moved: true });
		await postCheckIn(db(), await access(sam, circleId), okay);
		expect(await countOf(maria, circleId)).toBe(1);
	});

	it('keeps the largest of many marks made at once (real parallel connections on PostgreSQL)', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf(db(), ['Sam']);
		for (let i = 0; i < PARALLEL; i++) await postCheckIn(db(), await access(sam, circleId), okay);
		const newest = await latestCircleEventSeq(db(), circleId);
		const mariaAccess = await access(maria, circleId);
		for (let round = 0; round < 5; round++) {
			// Each round starts lower than the last ended; the largest is in the middle of the race.
			await testDb.all('UPDATE read_positions SET read_seq = 0 WHERE circle_id = ? AND user_id = ?', circleId, maria.id);
			const seqs = Array.from({ length: PARALLEL }, (_, i) => newest - Math.abs(i - (PARALLEL >> 1)));
			let go!: () => void;
			const start = new Promise<void>((resolve) => (go = resolve));
			const running = seqs.map(async (seq) => {
				await start;
				return markCircleRead(db(), mariaAccess, seq);
			});
			go();
			const outcomes = await Promise.allSettled(running);
			expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
			expect(await testDb.value('SELECT read_seq FROM read_positions WHERE circle_id = ? AND user_id = ?', circleId, maria.id)).toBe(newest);
		}
	});

	it('goes with the membership: leaving, removal, account deletion, circle deletion', async () => {
		const {
			circleId,
			people: [maria, sam, ana, ben]
		} = await circleOf(db(), ['Sam', 'Ana', 'Ben']);
		const passwordHash = await hashPassword('a long enough password');
		await testDb.all('UPDATE users SET password_hash = ? WHERE id = ?', passwordHash, ben.id);
		expect(await readRows(circleId)).toHaveLength(4);

		const samAccess = await access(sam, circleId);
		await leaveCircle(db(), samAccess);
		await removeMember(db(), await access(maria, circleId), ana.id);
		await deleteAccount(db(), ben, 'a long enough password');
		expect(await testDb.column('SELECT user_id FROM read_positions WHERE circle_id = ?', circleId)).toEqual([maria.id]);
		// A mark from a page still open after leaving is not found, as for any outsider, and stores nothing.
		const refused = await markCircleRead(db(), samAccess, 1).catch((caught: unknown) => caught);
		expect(isRefusal(refused) && refused.reason).toBe('not-found');
		expect(await readRows(circleId)).toHaveLength(1);

		await deleteCircle(db(), await access(maria, circleId), 'The Garcias');
		expect(await readRows(circleId)).toEqual([]);
	});
});
