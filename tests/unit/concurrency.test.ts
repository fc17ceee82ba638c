// Every rule that SQLite's one transaction at a time used to keep, raced on PostgreSQL with real
// parallel connections (issue 17, point 3). Why each one holds is written once, at the top of
// src/lib/server/db/dialect.ts: every transaction that changes a circle takes the circle's lock
// first and reads what it decides on after it.
//
// Each race starts all its calls at once (one promise resolved for all), on a pool with a
// connection for each. Where the window between a read and a write is too short to be hit on
// every run, a test-only trigger pauses inside it (pg_sleep), so the interleaving that used to
// break the rule happens every time. Every race also checks that nothing failed with anything but
// a Refusal: a deadlock, a duplicate key or a foreign key error would be a 500 for someone.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createSession, invalidateUserSessions, validateSessionToken, writeSessionVisits, type SessionUser } from '$lib/server/auth/sessions';
import { hashPassword } from '$lib/server/auth/passwords';
import { changeDisplayName } from '$lib/server/auth/profile';
import { changePassword, logIn, type ChangePasswordResult } from '$lib/server/auth/accounts';
import { confirmEmail } from '$lib/server/auth/email-confirmation';
import { issueEmailToken } from '$lib/server/auth/email-tokens';
import { resetPassword } from '$lib/server/auth/password-reset';
import { finishSignUp } from '$lib/server/auth/pending-signups';
import { generateSessionToken, hashToken } from '$lib/server/auth/tokens';
import { forgetLoginCounts, takeLoginAttempt, PAIR_LIMIT } from '$lib/server/auth/login-throttle';
import { deleteAccount } from '$lib/server/account/deletion';
import { answerProposal, proposeAgreement, proposeRetirement, proposeRevision, proposeWithdrawal } from '$lib/server/boundaries/agreements';
import { OPEN_PROPOSALS_LIMIT } from '$lib/server/boundaries/agreement-rules';
import type { AgreementInput } from '$lib/server/boundaries/agreement-forms';
import { editCheckIn, postCheckIn, postReply, removeCheckIn, toggleReaction } from '$lib/server/checkins/checkins';
import { requireMember, type CircleAccess } from '$lib/server/circles/access';
import { changeMemberRole, deleteCircle, leaveCircle, removeMember, transferOwnership } from '$lib/server/circles/circles';
import { listCircleEventsAfter } from '$lib/server/circles/events';
import { acceptInvite, createInvite, takeInviteAttempt, INVITE_ADDRESS_LIMIT, type AcceptInviteResult } from '$lib/server/circles/invites';
import { checkMilestoneClock, cheerMilestone, addVictory, reachMilestones, reachMilestonesOnNewDay } from '$lib/server/milestones/milestones';
import { setRecoveryDate } from '$lib/server/milestones/recovery';
import { createPostgresKysely, createPostgresPool } from '$lib/server/db/postgres';
import { newId } from '$lib/server/ids';
import { isRefusal, type RefusalReason } from '$lib/server/refusal';
import { isoDate } from '$lib/agreements';
import type { CircleEvent } from '$lib/realtime/events';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from './support/database';
import { circleOf, joinCircle } from './support/circles';
import { addUser } from './support/people';

/** Calls at once in the biggest race; the pool has a connection for each (and the checks one more). */
const PARALLEL = 16;
const PASSWORD = 'a long enough password';
const DAY = 24 * 60 * 60 * 1000;

let testDb: TestDatabase;
let passwordHash: string;
const db = () => testDb.db;

/** What every race must never end with: a failure that is not a Refusal (a 500 for someone). */
function notRefusals(outcomes: PromiseSettledResult<unknown>[]): string[] {
	return outcomes.flatMap((outcome) => {
		if (outcome.status === 'fulfilled' || isRefusal(outcome.reason)) return [];
		const error = outcome.reason as { code?: string; message?: string };
		return [`${error.code ?? ''} ${error.message ?? String(error)}`];
	});
}

/** Starts every call at the same moment and waits for all; fails the test if one failed with anything but a Refusal. */
async function race<T>(calls: ReadonlyArray<() => Promise<T>>): Promise<PromiseSettledResult<T>[]> {
	let go!: () => void;
	const start = new Promise<void>((resolve) => (go = resolve));
	const running = calls.map(async (call) => {
		await start;
		return call();
	});
	go();
	const outcomes = await Promise.allSettled(running);
	expect(notRefusals(outcomes)).toEqual([]);
	return outcomes;
}

/** The reason each call was refused with, or 'ok'. */
function reasons(outcomes: PromiseSettledResult<unknown>[]): Array<RefusalReason | 'ok'> {
	return outcomes.map((outcome) => (outcome.status === 'fulfilled' ? 'ok' : (outcome.reason as { reason: RefusalReason }).reason));
}

let triggers = 0;

/**
 * A test-only trigger that pauses `seconds` in each matching row's write (pg_sleep), until the
 * test ends: it holds a transaction inside the window where another one used to slip in.
 */
async function pause(table: string, when: 'BEFORE' | 'AFTER', event: 'INSERT' | 'UPDATE' | 'DELETE', seconds: number, condition = ''): Promise<void> {
	const name = `test_pause_${++triggers}`;
	await testDb.exec(
		`CREATE TRIGGER ${name} ${when} ${event} ON ${table} FOR EACH ROW ${condition ? `WHEN (${condition})` : ''} EXECUTE FUNCTION test_pause('${seconds}')`
	);
	paused.push(`DROP TRIGGER ${name} ON ${table}`);
}
const paused: string[] = [];

async function eventsOf(circleId: string): Promise<CircleEvent[]> {
	return (await listCircleEventsAfter(testDb.committed, circleId, 0, 1_000_000)).events;
}

/** Every circle's log is numbered 1, 2, 3, … with no gap and no number twice. */
async function expectUnbrokenLogs(): Promise<void> {
	const broken = await testDb.all(
		`SELECT circle_id, count(*) AS n, max(seq) AS top, count(DISTINCT seq) AS distinct_seqs FROM circle_events
		 GROUP BY circle_id HAVING count(*) <> max(seq) OR count(DISTINCT seq) <> count(*) OR min(seq) <> 1`
	);
	expect(broken).toEqual([]);
}

async function access(person: SessionUser, circleId: string): Promise<CircleAccess> {
	return requireMember(db(), person, circleId);
}

/** Someone with PASSWORD as their password (hashed once for the file). */
async function withPassword(person: SessionUser): Promise<SessionUser> {
	await db().updateTable('users').set({ password_hash: passwordHash }).where('id', '=', person.id).execute();
	return person;
}

const agreement = (title: string): AgreementInput => ({ title, category: 'other', body: 'We talk it over first.', support: '', consequence: '', reviewOn: '' });

describe.skipIf(TEST_DIALECT !== 'postgres')('every rule holds with concurrent transactions (PostgreSQL)', () => {
	beforeAll(async () => {
		testDb = await createTestDatabase({ poolSize: PARALLEL + 4 });
		await testDb.exec(`CREATE FUNCTION test_pause() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				PERFORM pg_sleep(TG_ARGV[0]::float8);
				IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
				RETURN NEW;
			END $$`);
		// Every connection of the pool opened before the first race, so the calls start together.
		await Promise.all(Array.from({ length: PARALLEL + 4 }, () => sql`SELECT pg_sleep(0.05)`.execute(db())));
		passwordHash = await hashPassword(PASSWORD);
	});
	afterEach(async () => {
		for (const drop of paused.splice(0)) await testDb.exec(drop);
	});
	afterAll(async () => {
		await testDb?.dispose();
	});

	describe('the event log', () => {
		it('never lets a reader skip an event: 16 writers × 200 check-ins, a reader catching up by number through its own connection', async () => {
			const names = Array.from({ length: PARALLEL }, (_, i) => `Writer ${i + 1}`);
			const { circleId, people } = await circleOf(db(), names);
			const writers = await Promise.all(people.slice(1).map((person) => access(person, circleId)));
			const before = (await eventsOf(circleId)).length;
			const POSTS = 200;

			const readerPool = createPostgresPool(testDb.file, { max: 1 });
			const reader = createPostgresKysely(readerPool);
			let last = 0;
			let batches = 0;
			const gaps: string[] = [];
			let writing = true;
			const reading = (async () => {
				while (writing || last < before + PARALLEL * POSTS) {
					// An empty answer ends the reading only if the read began after the writers were
					// done: one begun before may not see the last commit yet.
					const readAfterWriting = !writing;
					const { events } = await listCircleEventsAfter(reader, circleId, last);
					if (events.length > 0) {
						batches++;
						events.forEach((event, i) => {
							if (event.seq !== last + 1 + i) gaps.push(`after ${last}: ${events.map((e) => e.seq).join(',')}`);
						});
						last = events.at(-1)!.seq;
					} else if (readAfterWriting) {
						break;
					} else {
						await new Promise((resolve) => setTimeout(resolve, 1));
					}
				}
			})();
			try {
				const outcomes = await race(
					writers.map((writer, w) => async () => {
						for (let i = 0; i < POSTS; i++) await postCheckIn(db(), writer, { mood: 3, craving: null, need: null, body: `post ${w}.${i}` });
					})
				);
				expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
			} finally {
				writing = false;
				await reading;
				await reader.destroy();
			}

			expect(gaps).toEqual([]);
			expect(last).toBe(before + PARALLEL * POSTS);
			// It really caught up while the writers wrote, not once at the end.
			expect(batches).toBeGreaterThan(10);
			const log = await eventsOf(circleId);
			expect(log.map((event) => event.seq)).toEqual(log.map((_, i) => i + 1));
			expect(log.filter((event) => event.type === 'checkin.posted')).toHaveLength(PARALLEL * POSTS);
		}, 90_000); // 3,200 posts through one circle's lock: 13–15 s on a quiet 2-core machine, far longer under load

		it('carries every earlier change in an event’s payload: 10 members react to one check-in at once', async () => {
			const { circleId, people } = await circleOf(
				db(),
				Array.from({ length: 10 }, (_, i) => `Reactor ${i}`)
			);
			const checkin = await postCheckIn(db(), await access(people[0], circleId), { mood: 4, craving: null, need: null, body: 'A good day' });
			const reactors = await Promise.all(people.slice(1).map((person) => access(person, circleId)));
			await pause('checkin_reactions', 'AFTER', 'INSERT', 0.02);
			await race(reactors.map((reactor) => () => toggleReaction(db(), reactor, checkin.id, 'love')));
			const reacted = (await eventsOf(circleId)).filter((event) => event.type === 'checkin.reacted');
			const newest = reacted.at(-1)!;
			expect(newest.type === 'checkin.reacted' && [...newest.payload.checkin.reactions.love].sort()).toEqual(reactors.map((r) => r.userId).sort());
		});

		it('never deadlocks two transactions writing to the same circles in opposite orders (display names)', async () => {
			const { circleId: first, owner } = await circleOf(db(), [], { name: 'First' });
			const { circleId: second, owner: secondOwner } = await circleOf(db(), [], { name: 'Second' });
			const people = await Promise.all(Array.from({ length: 8 }, (_, i) => addUser(db(), `Namer ${i}`)));
			// Half join the first circle first, half the second: their memberships come back in opposite orders.
			for (const [i, person] of people.entries()) {
				const order = i % 2 === 0 ? [first, second] : [second, first];
				for (const circleId of order) await joinCircle(db(), circleId, circleId === first ? owner : secondOwner, person);
			}
			await pause('circle_events', 'AFTER', 'INSERT', 0.01);
			for (let round = 0; round < 3; round++) {
				await race(people.map((person, i) => () => changeDisplayName(db(), person, `Namer ${i} (${round})`)));
			}
			for (const circleId of [first, second]) {
				const changed = (await eventsOf(circleId)).filter((event) => event.type === 'member.profile-changed');
				expect(changed).toHaveLength(3 * people.length);
			}
			await expectUnbrokenLogs();
		});

		it('never deadlocks an account deletion with a name change in the same circles, locked in opposite orders before', async () => {
			// Long enough for the name change to still hold its first circle when the deletion (after its password check) writes.
			await pause('circle_events', 'AFTER', 'INSERT', 0.15);
			for (let round = 0; round < 3; round++) {
				// The deletion used to go by circle name (Aster, Zinnia), the name change by when they joined (Zinnia first).
				const zinnia = await circleOf(db(), [], { name: 'Zinnia' });
				const aster = await circleOf(db(), [], { name: 'Aster' });
				const leaving = await withPassword(await addUser(db(), 'Leaving'));
				const staying = await addUser(db(), 'Staying');
				for (const person of [leaving, staying]) {
					await joinCircle(db(), zinnia.circleId, zinnia.owner, person);
					await joinCircle(db(), aster.circleId, aster.owner, person);
				}
				const outcomes = await race<unknown>([() => deleteAccount(db(), leaving, PASSWORD), () => changeDisplayName(db(), staying, `Staying ${round}`)]);
				expect(reasons(outcomes)).toEqual(['ok', 'ok']);
			}
			await expectUnbrokenLogs();
		});
	});

	describe('invites', () => {
		it('lets exactly one of 20 people in with the last use of a link', async () => {
			const { circleId, owner } = await circleOf(db(), []);
			const { token } = await createInvite(db(), await access(owner, circleId), { expiresInDays: 7, maxUses: 1, role: 'member', note: '' });
			const joiners = await Promise.all(Array.from({ length: 20 }, (_, i) => addUser(db(), `Joiner ${i}`)));
			await pause('memberships', 'AFTER', 'INSERT', 0.02);
			const outcomes = await race(joiners.map((person) => () => acceptInvite(db(), person, token)));
			const answers = outcomes.map((outcome) => outcome.status === 'fulfilled' && outcome.value.ok);
			expect(answers.filter(Boolean)).toHaveLength(1);
			expect(await testDb.value('SELECT uses FROM invites WHERE circle_id = ?', circleId)).toBe(1);
			expect(await testDb.value('SELECT count(*) FROM memberships WHERE circle_id = ?', circleId)).toBe(2);
		});

		it('lets one person pressing “Join” ten times at once in once, using one use', async () => {
			const { circleId, owner } = await circleOf(db(), []);
			const { token } = await createInvite(db(), await access(owner, circleId), { expiresInDays: 7, maxUses: 5, role: 'member', note: '' });
			const joiner = await addUser(db(), 'Eager');
			await pause('memberships', 'AFTER', 'INSERT', 0.02);
			const outcomes = await race(Array.from({ length: 10 }, () => () => acceptInvite(db(), joiner, token)));
			expect(outcomes.map((outcome) => outcome.status === 'fulfilled' && outcome.value.ok)).toEqual(Array(10).fill(true));
			expect(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.ok && !outcome.value.alreadyMember)).toHaveLength(1);
			expect(await testDb.value('SELECT uses FROM invites WHERE circle_id = ?', circleId)).toBe(1);
			expect((await eventsOf(circleId)).filter((event) => event.type === 'member.joined')).toHaveLength(1);
		});
	});

	describe('agreements', () => {
		/** A proposal in a fresh circle of five that everyone but the last `waiting` has agreed to. */
		async function proposalAgreedByAllBut(waiting: number) {
			const circle = await circleOf(db(), ['Sam', 'Ana', 'Lee', 'Kim']);
			const { circleId, people } = circle;
			const accesses = await Promise.all(people.map((person) => access(person, circleId)));
			const { agreementId } = await proposeAgreement(db(), accesses[0]!, agreement('Dinner on Sundays'));
			const proposalId = (await testDb.value<string>('SELECT open_proposal_id FROM agreements WHERE id = ?', agreementId))!;
			for (const member of accesses.slice(0, accesses.length - waiting)) {
				await answerProposal(db(), member, agreementId, proposalId, { answer: 'agree', comment: '' });
			}
			return { circleId, agreementId, proposalId, accesses };
		}

		async function settledEvents(circleId: string, agreementId: string) {
			return (await eventsOf(circleId)).filter((event) => event.type === 'agreement.agreed' && event.payload.agreementId === agreementId);
		}

		it('decides once when the last two answers arrive together', async () => {
			await pause('agreement_answers', 'AFTER', 'INSERT', 0.03);
			for (let round = 0; round < 5; round++) {
				const { circleId, agreementId, proposalId, accesses } = await proposalAgreedByAllBut(2);
				const outcomes = await race(
					accesses.slice(-2).map((member) => () => answerProposal(db(), member, agreementId, proposalId, { answer: 'agree', comment: '' }))
				);
				expect(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.decided)).toHaveLength(1);
				expect(await testDb.row('SELECT outcome FROM agreement_proposals WHERE id = ?', proposalId)).toEqual({ outcome: 'agreed' });
				expect(await testDb.row('SELECT status, open_proposal_id FROM agreements WHERE id = ?', agreementId)).toEqual({
					status: 'agreed',
					open_proposal_id: null
				});
				expect(await settledEvents(circleId, agreementId)).toHaveLength(1);
			}
		});

		it('decides once when the last answer and the departure of the only other one waited for come together', async () => {
			await pause('agreement_answers', 'AFTER', 'INSERT', 0.03);
			await pause('memberships', 'AFTER', 'DELETE', 0.03);
			for (let round = 0; round < 5; round++) {
				const { circleId, agreementId, proposalId, accesses } = await proposalAgreedByAllBut(2);
				const [answering, leaving] = accesses.slice(-2) as [CircleAccess, CircleAccess];
				await race<unknown>([
					() => answerProposal(db(), answering, agreementId, proposalId, { answer: 'agree', comment: '' }),
					() => leaveCircle(db(), leaving)
				]);
				expect(await testDb.row('SELECT outcome FROM agreement_proposals WHERE id = ?', proposalId)).toEqual({ outcome: 'agreed' });
				expect(await settledEvents(circleId, agreementId)).toHaveLength(1);
			}
		});

		it('keeps one open proposal per agreement when a withdrawal and a retirement are proposed together', async () => {
			await pause('agreement_proposals', 'AFTER', 'UPDATE', 0.03);
			for (let round = 0; round < 5; round++) {
				const { agreementId, accesses } = await proposalAgreedByAllBut(0);
				const revision = await proposeRevision(db(), accesses[1]!, agreementId, { ...agreement('Dinner on Sundays'), body: 'Or on Saturdays.', reason: '' }, 1);
				expect(revision).toEqual({ agreementId });
				await race([
					() => proposeWithdrawal(db(), accesses[2]!, agreementId, 'Not now'),
					() => proposeRetirement(db(), accesses[3]!, agreementId, 'We don’t need it')
				]);
				const open = await testDb.column<string>('SELECT id FROM agreement_proposals WHERE agreement_id = ? AND outcome IS NULL', agreementId);
				expect(open).toHaveLength(1);
				expect(await testDb.value('SELECT open_proposal_id FROM agreements WHERE id = ?', agreementId)).toBe(open[0]);
			}
		});

		it('holds the cap on open proposals when ten are proposed at once', async () => {
			const { circleId, people } = await circleOf(
				db(),
				Array.from({ length: 10 }, (_, i) => `Proposer ${i}`)
			);
			const proposers = await Promise.all(people.map((person) => access(person, circleId)));
			for (let i = 0; i < OPEN_PROPOSALS_LIMIT - 1; i++) await proposeAgreement(db(), proposers[0]!, agreement(`Agreement ${i}`));
			// Each pauses between counting and committing, so the others count before it has committed.
			await pause('circle_events', 'BEFORE', 'INSERT', 0.1, "NEW.type = 'agreement.proposed'");
			const outcomes = await race(proposers.slice(1).map((proposer, i) => () => proposeAgreement(db(), proposer, agreement(`At once ${i}`))));
			expect(reasons(outcomes).sort()).toEqual(['ok', ...Array(9).fill('conflict')].sort());
			expect(await testDb.value('SELECT count(*) FROM agreements WHERE circle_id = ? AND open_proposal_id IS NOT NULL', circleId)).toBe(OPEN_PROPOSALS_LIMIT);
		});
	});

	describe('milestones and recovery', () => {
		/** A member in recovery whose stretch began `daysAgo` days ago, written directly (so no milestone is written yet). */
		async function inRecoverySince(daysAgo: number, now: number) {
			const { circleId, people } = await circleOf(db(), ['Sam']);
			const sam = people[1];
			const startedOn = isoDate(now - daysAgo * DAY);
			await testDb.all('UPDATE memberships SET in_recovery = 1 WHERE circle_id = ? AND user_id = ?', circleId, sam.id);
			await testDb.all(
				`INSERT INTO recovery_stretches (id, circle_id, user_id, started_on, ended_on, lapse_note, lapse_shared, created_at) VALUES (?, ?, ?, ?, NULL, '', 0, ?)`,
				newId(),
				circleId,
				sam.id,
				startedOn,
				now
			);
			return { circleId, sam, startedOn, owner: people[0] };
		}

		it('writes and announces each automatic milestone once, whatever runs at the same moment', async () => {
			const now = Date.now();
			const { circleId, sam } = await inRecoverySince(400, now);
			const page = await access(sam, circleId);
			await pause('milestones', 'BEFORE', 'INSERT', 0.02, "NEW.auto_key = 'day-1'");
			await race<unknown>([
				...Array.from({ length: 8 }, () => () => reachMilestones(db(), circleId, now)),
				...Array.from({ length: 4 }, () => () => reachMilestonesOnNewDay(db(), page, now)),
				() => checkMilestoneClock(db())
			]);
			const keys = await testDb.column<string>('SELECT auto_key FROM milestones WHERE circle_id = ? ORDER BY auto_key', circleId);
			expect(keys.length).toBeGreaterThan(5);
			expect(new Set(keys).size).toBe(keys.length);
			const announced = (await eventsOf(circleId)).filter((event) => event.type === 'milestone.reached');
			expect(announced).toHaveLength(keys.length);
		});

		it('never writes a milestone for a stretch whose start was corrected meanwhile', async () => {
			const now = Date.now();
			const { circleId, sam } = await inRecoverySince(400, now);
			const samAccess = await access(sam, circleId);
			await reachMilestones(db(), circleId, now);
			// The milestone check reads the stretches, then pauses in its first write; the correction lands in that pause.
			await pause('milestones', 'BEFORE', 'INSERT', 0.05, "NEW.auto_key = 'day-1'");
			await pause('recovery_stretches', 'BEFORE', 'UPDATE', 0.01);
			for (let round = 0; round < 4; round++) {
				const current = (await testDb.value<string>('SELECT started_on FROM recovery_stretches WHERE circle_id = ? AND ended_on IS NULL', circleId))!;
				// Due again: as if the check had not run yet today.
				await testDb.all('DELETE FROM milestones WHERE circle_id = ?', circleId);
				const corrected = isoDate(Date.parse(current) + (round % 2 === 0 ? -DAY : DAY));
				await race<unknown>([
					() => setRecoveryDate(db(), samAccess, corrected, now),
					...Array.from({ length: 3 }, () => () => reachMilestones(db(), circleId, now))
				]);
				const stale = await testDb.all(
					`SELECT m.auto_key, m.stretch_started_on FROM milestones m WHERE m.circle_id = ? AND m.kind = 'automatic'
					 AND NOT EXISTS (SELECT 1 FROM recovery_stretches s WHERE s.circle_id = m.circle_id AND s.user_id = m.subject_id AND s.started_on = m.stretch_started_on)`,
					circleId
				);
				expect(stale).toEqual([]);
			}
		});

		it('keeps one current stretch when a first recovery date is set ten times at once', async () => {
			const now = Date.now();
			const { circleId, sam } = await inRecoverySince(10, now);
			await testDb.all('DELETE FROM recovery_stretches WHERE circle_id = ?', circleId);
			const samAccess = await access(sam, circleId);
			await pause('recovery_stretches', 'AFTER', 'INSERT', 0.02);
			await race(Array.from({ length: 10 }, (_, i) => () => setRecoveryDate(db(), samAccess, isoDate(now - (20 + i) * DAY), now)));
			expect(await testDb.value('SELECT count(*) FROM recovery_stretches WHERE circle_id = ? AND ended_on IS NULL', circleId)).toBe(1);
		});

		it('takes one cheer per member, however many are sent at once', async () => {
			const { circleId, people } = await circleOf(db(), ['Sam']);
			const sam = await access(people[1], circleId);
			const { milestone } = await addVictory(db(), await access(people[0], circleId), {
				title: 'A month of Sundays',
				note: '',
				reachedOn: isoDate(Date.now()),
				forCircle: true
			});
			await pause('milestone_cheers', 'AFTER', 'INSERT', 0.02);
			const outcomes = await race(Array.from({ length: 10 }, (_, i) => () => cheerMilestone(db(), sam, milestone!.id, `Well done ${i}`)));
			expect(reasons(outcomes).sort()).toEqual(['ok', ...Array(9).fill('conflict')].sort());
			expect((await eventsOf(circleId)).filter((event) => event.type === 'milestone.cheered')).toHaveLength(1);
		});
	});

	describe('throttle counts', () => {
		it('lets exactly the limit through of 50 log-in attempts at once', async () => {
			const subject = { email: `${newId()}@example.org`, address: '198.51.100.7', knownDevice: null };
			const outcomes = await race(Array.from({ length: 50 }, () => () => takeLoginAttempt(db(), subject)));
			const allowed = outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.allowed);
			expect(allowed).toHaveLength(PAIR_LIMIT.limit);
		});

		it('never deadlocks forgetting an email’s counts (a reset, an account deletion) with a log-in attempt counted on them', async () => {
			// The counters lie in the table in the opposite of key order, as a plain DELETE then takes
			// them; the attempt takes them in key order and pauses holding the email's count, while
			// the DELETE, slowed on each row, comes to that count from the other end: on main it
			// waited first, so PostgreSQL broke the deadlock by failing it (a 500 for the reset).
			const email = `${newId()}@example.org`;
			const address = '198.51.100.20';
			const part = hashToken(`email:${email}`);
			const now = Date.now();
			const keys = [...['198.51.100.23', '198.51.100.22', address].map((ip) => `login-pair:${part}:${ip}`), `login-email:${part}`];
			for (const key of keys) {
				await db()
					.insertInto('attempt_throttles')
					.values({ key, failures: 1, window_started_at: now, window_ms: 15 * 60_000, blocked_until: 0 })
					.execute();
			}
			await pause('attempt_throttles', 'AFTER', 'UPDATE', 0.5, `NEW.key = 'login-email:${part}'`);
			await pause('attempt_throttles', 'BEFORE', 'DELETE', 0.05);
			const [attempt] = await race<unknown>([
				() => takeLoginAttempt(db(), { email, address, knownDevice: null }, now),
				() => forgetLoginCounts(db(), email, [])
			]);
			expect(attempt!.status === 'fulfilled' && (attempt!.value as { allowed: boolean }).allowed).toBe(true);
		});

		it('lets exactly the limit through of 50 invite-link tries at once from one address', async () => {
			const outcomes = await race(Array.from({ length: 50 }, () => () => takeInviteAttempt(db(), '198.51.100.8')));
			const allowed = outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.allowed);
			expect(allowed).toHaveLength(INVITE_ADDRESS_LIMIT.limit);
		});
	});

	describe('ownership', () => {
		/** A fresh circle: Maria owns it, Sam, Ana and Lee are members. */
		async function garcias() {
			const { circleId, people } = await circleOf(db(), ['Sam', 'Ana', 'Lee']);
			const [maria, sam, ana] = await Promise.all(people.slice(0, 3).map((person) => access(person, circleId)));
			return { circleId, maria: maria!, sam: sam!, ana: ana! };
		}

		async function owners(circleId: string): Promise<number> {
			return testDb.value<number>(`SELECT count(*) FROM memberships WHERE circle_id = ? AND role = 'owner'`, circleId);
		}

		const pairs: Array<[string, (circle: Awaited<ReturnType<typeof garcias>>) => Array<() => Promise<unknown>>]> = [
			['another transfer', ({ maria, sam, ana }) => [() => transferOwnership(db(), maria, sam.userId), () => transferOwnership(db(), maria, ana.userId)]],
			['the new owner leaving', ({ maria, sam }) => [() => transferOwnership(db(), maria, sam.userId), () => leaveCircle(db(), sam)]],
			[
				'a role change of the new owner',
				({ maria, sam }) => [() => transferOwnership(db(), maria, sam.userId), () => changeMemberRole(db(), maria, sam.userId, 'admin')]
			],
			['a removal of the new owner', ({ maria, sam }) => [() => transferOwnership(db(), maria, sam.userId), () => removeMember(db(), maria, sam.userId)]]
		];

		it.each(pairs)('keeps exactly one owner when a handover races %s', async (_, calls) => {
			await pause('memberships', 'AFTER', 'UPDATE', 0.02);
			await pause('memberships', 'AFTER', 'DELETE', 0.02);
			for (let round = 0; round < 4; round++) {
				const circle = await garcias();
				const outcomes = await race(calls(circle));
				expect(reasons(outcomes)).toContain('ok');
				expect(await owners(circle.circleId)).toBe(1);
			}
		});
	});

	describe('deleting an account', () => {
		it('never tells someone they joined a circle that then goes with its owner’s account', async () => {
			// The join pauses in its membership's write, while the deletion checks the password and looks who is in the circle.
			const setUp = async () => {
				const { circleId, owner } = await circleOf(db(), []);
				await withPassword(owner);
				const { token } = await createInvite(db(), await access(owner, circleId), { expiresInDays: 7, maxUses: 1, role: 'member', note: '' });
				return { circleId, owner, token, joiner: await addUser(db(), 'Joiner') };
			};
			const rounds = [await setUp(), await setUp(), await setUp()];
			await pause('memberships', 'BEFORE', 'INSERT', 0.4);
			for (const { circleId, owner, token, joiner } of rounds) {
				const [joined, deleted] = await race<unknown>([() => acceptInvite(db(), joiner, token), () => deleteAccount(db(), owner, PASSWORD)]);
				const joinedOk = joined!.status === 'fulfilled' && (joined!.value as AcceptInviteResult).ok;
				const circleLeft = Number(await testDb.value('SELECT count(*) FROM circles WHERE id = ?', circleId));
				if (joinedOk) {
					expect(reasons([deleted!])).toEqual(['conflict']);
					expect(circleLeft).toBe(1);
				} else {
					expect(deleted!.status).toBe('fulfilled');
					expect(circleLeft).toBe(0);
				}
			}
		});

		it('leaves no copy of them in any event, whatever the others post about their check-ins meanwhile', async () => {
			const zebedee = await withPassword(await addUser(db(), 'Zebedee'));
			const circles = [];
			for (let i = 0; i < 3; i++) {
				const circle = await circleOf(db(), ['Friend A', 'Friend B']);
				await joinCircle(db(), circle.circleId, circle.owner, zebedee);
				const checkin = await postCheckIn(db(), await access(zebedee, circle.circleId), { mood: 2, craving: null, need: null, body: 'Hard week' });
				circles.push({ ...circle, checkin, friends: await Promise.all(circle.people.map((person) => access(person, circle.circleId))) });
			}
			await pause('checkin_reactions', 'AFTER', 'INSERT', 0.01);
			let deleting = true;
			const busy = circles.flatMap(({ checkin, friends }) =>
				friends.map((friend, i) => async () => {
					// They keep answering until the account has gone (then the check-in is not found).
					for (let n = 0; deleting && n < 200; n++) {
						await (i === 0 ? postReply(db(), friend, checkin.id, `Thinking of you ${n}`) : toggleReaction(db(), friend, checkin.id, 'here'));
					}
				})
			);
			const outcomes = await race([
				...busy,
				async () => {
					await new Promise((resolve) => setTimeout(resolve, 30));
					await deleteAccount(db(), zebedee, PASSWORD).finally(() => (deleting = false));
				}
			]);
			expect(outcomes.at(-1)!.status).toBe('fulfilled');
			expect(reasons(outcomes).filter((reason) => reason !== 'ok' && reason !== 'not-found')).toEqual([]);
			expect(await testDb.value(`SELECT count(*) FROM circle_events WHERE strpos(payload, ?) > 0 OR strpos(payload, 'Zebedee') > 0`, zebedee.id)).toBe(0);
			expect(await testDb.value('SELECT count(*) FROM circle_events WHERE actor_id = ?', zebedee.id)).toBe(0);
		});
	});

	describe('accounts', () => {
		it('never keeps a session logged in with the old password once the password changed', async () => {
			// The login checks the password, then pauses before writing its session; the change lands in that pause.
			await pause('sessions', 'BEFORE', 'INSERT', 0.3, "NEW.user_agent = 'late login'");
			for (let round = 0; round < 2; round++) {
				const person = await withPassword(await addUser(db(), 'Changer'));
				const [, changed] = await race<unknown>([
					() => logIn(db(), { email: person.email, password: PASSWORD }, { address: '203.0.113.9', userAgent: 'late login' }),
					() =>
						changePassword(db(), person, { currentPassword: PASSWORD, newPassword: 'another long password' }, { address: '203.0.113.9', userAgent: 'changer' })
				]);
				const result = changed!.status === 'fulfilled' ? (changed!.value as ChangePasswordResult) : null;
				expect(result?.ok).toBe(true);
				const sessions = await testDb.column<string>('SELECT id FROM sessions WHERE user_id = ?', person.id);
				expect(sessions).toEqual([result?.ok && result.signedIn.session.id]);
			}
		});

		it('never deadlocks two servers writing their visits of the same sessions', async () => {
			const person = await addUser(db(), 'Visitor');
			const signedIn = Date.now() - 10 * 60_000;
			const tokens: string[] = [];
			for (let i = 0; i < 100; i++) tokens.push((await createSession(db(), person.id, { now: signedIn })).token);
			// Another server: its own pool, its own visits noted, the same sessions in the opposite order.
			const otherPool = createPostgresPool(testDb.file, { max: 2 });
			const other = createPostgresKysely(otherPool);
			try {
				for (const token of tokens) await validateSessionToken(db(), token, { now: signedIn + 2 * 60_000 });
				for (const token of [...tokens].reverse()) await validateSessionToken(other, token, { now: signedIn + 3 * 60_000 });
				await pause('sessions', 'AFTER', 'UPDATE', 0.002);
				const written = await race([() => writeSessionVisits(db()), () => writeSessionVisits(other)]);
				expect(written.map((outcome) => outcome.status === 'fulfilled' && outcome.value)).toEqual([100, 100]);
			} finally {
				await other.destroy();
			}
			expect(await testDb.column('SELECT DISTINCT last_seen_at FROM sessions WHERE user_id = ?', person.id)).toEqual([signedIn + 3 * 60_000]);
		});

		it('never deadlocks “log out of all devices” with the visits of those sessions being written', async () => {
			const person = await addUser(db(), 'Everywhere');
			const signedIn = Date.now() - 10 * 60_000;
			const tokens: string[] = [];
			for (let i = 0; i < 12; i++) tokens.push((await createSession(db(), person.id, { now: signedIn })).token);
			// The rows in the table in the opposite of id order: a plain DELETE by user takes them so,
			// the visit writer in id order.
			await testDb.exec(
				`CREATE TEMP TABLE reordered AS SELECT * FROM sessions WHERE user_id = '${person.id}';
				 DELETE FROM sessions WHERE user_id = '${person.id}';
				 INSERT INTO sessions SELECT * FROM reordered ORDER BY id DESC;
				 DROP TABLE reordered;`
			);
			for (const token of tokens) await validateSessionToken(db(), token, { now: signedIn + 2 * 60_000 });
			// Each write and each delete of a row pauses with the row held.
			await pause('sessions', 'AFTER', 'UPDATE', 0.05);
			await pause('sessions', 'BEFORE', 'DELETE', 0.05);
			const [, ended] = await race<unknown>([() => writeSessionVisits(db()), () => invalidateUserSessions(db(), person.id)]);
			expect((ended as PromiseFulfilledResult<string[]>).value).toHaveLength(tokens.length);
			expect(await testDb.value('SELECT count(*) FROM sessions WHERE user_id = ?', person.id)).toBe(0);
		});

		it('never deadlocks a password reset with an email confirmation of the same account', async () => {
			// The confirmation pauses after changing the address, holding the account's row, while the reset takes its link.
			await pause('users', 'AFTER', 'UPDATE', 0.2);
			for (let round = 0; round < 2; round++) {
				const person = await addUser(db(), 'Mover');
				const now = Date.now();
				const reset = await issueEmailToken(db(), { userId: person.id, purpose: 'reset-password', email: person.email, lifetimeMs: 30 * 60_000, now });
				const movedTo = `${newId()}@example.org`;
				const confirm = await issueEmailToken(db(), { userId: person.id, purpose: 'confirm-email', email: movedTo, lifetimeMs: 30 * 60_000, now });
				const [confirmed, wasReset] = await race<unknown>([() => confirmEmail(db(), confirm), () => resetPassword(db(), reset, 'a brand new password')]);
				expect(confirmed!.status).toBe('fulfilled');
				expect(await testDb.value('SELECT email FROM users WHERE id = ?', person.id)).toBe(movedTo);
				// A reset that came second was for the old address: it is refused.
				expect(['ok', 'not-found']).toContain(reasons([wasReset!])[0]);
			}
		});
	});

	describe('sign-ups', () => {
		it('makes one account when two sign-up links for one address are followed at once, and tells the other it is used (never a 500)', async () => {
			// Each link's delete pauses on every row it takes, so both hold a row while wanting the other's:
			// taken one by one (this link's row, then the address's others) that was a deadlock (audit §9).
			await pause('pending_signups', 'BEFORE', 'DELETE', 0.05);
			for (let round = 0; round < 6; round++) {
				const email = `twice-${newId()}@example.org`;
				const now = Date.now();
				const tokens = [generateSessionToken(), generateSessionToken()];
				for (const token of tokens) {
					await db()
						.insertInto('pending_signups')
						.values({
							id: hashToken(token),
							email,
							display_name: 'Twice',
							password_hash: passwordHash,
							redirect_sealed: '',
							created_at: now,
							expires_at: now + DAY
						})
						.execute();
				}
				const outcomes = await race(tokens.map((token) => () => finishSignUp(db(), token, PASSWORD, { userAgent: 'twice', now })));
				expect(reasons(outcomes).sort(), `round ${round}`).toEqual(['not-found', 'ok']);
				expect(await testDb.value('SELECT count(*) FROM users WHERE email = ?', email)).toBe(1);
				expect(await testDb.value('SELECT count(*) FROM pending_signups WHERE email = ?', email)).toBe(0);
			}
		});
	});

	describe('check-ins', () => {
		it('toggles a reaction pressed ten times at once like ten presses one after another', async () => {
			const { circleId, people } = await circleOf(db(), ['Sam']);
			const checkin = await postCheckIn(db(), await access(people[0], circleId), { mood: 3, craving: null, need: null, body: 'Hello' });
			const sam = await access(people[1], circleId);
			await pause('checkin_reactions', 'AFTER', 'INSERT', 0.01);
			await pause('checkin_reactions', 'AFTER', 'DELETE', 0.01);
			await race(Array.from({ length: 10 }, () => () => toggleReaction(db(), sam, checkin.id, 'proud')));
			expect(await testDb.value('SELECT count(*) FROM checkin_reactions WHERE checkin_id = ?', checkin.id)).toBe(0);
			const newest = (await eventsOf(circleId)).at(-1)!;
			expect(newest.type === 'checkin.reacted' && newest.payload.checkin.reactions.proud).toEqual([]);
		});

		it('never writes removed words back, or keeps a reply, when an edit or replies race the removal', async () => {
			const { circleId, people } = await circleOf(db(), ['Sam', 'Ana']);
			const [maria, sam, ana] = await Promise.all(people.map((person) => access(person, circleId)));
			await pause('checkins', 'AFTER', 'UPDATE', 0.02);
			for (let round = 0; round < 5; round++) {
				const checkin = await postCheckIn(db(), maria!, { mood: 3, craving: null, need: null, body: `Round ${round}` });
				await race([
					() => editCheckIn(db(), maria!, checkin.id, { mood: 4, craving: null, need: null, body: `Edited ${round}` }),
					() => postReply(db(), sam!, checkin.id, 'Here for you'),
					() => postReply(db(), ana!, checkin.id, 'Me too'),
					() => removeCheckIn(db(), maria!, checkin.id)
				]);
				expect(await testDb.row('SELECT body, mood FROM checkins WHERE id = ?', checkin.id)).toEqual({ body: '', mood: null });
				expect(await testDb.value('SELECT count(*) FROM checkin_replies WHERE checkin_id = ?', checkin.id)).toBe(0);
			}
		});

		it('answers every post racing the circle’s deletion either saved or not found, never an error', async () => {
			const { circleId, people } = await circleOf(
				db(),
				Array.from({ length: 10 }, (_, i) => `Poster ${i}`)
			);
			const [owner, ...posters] = await Promise.all(people.map((person) => access(person, circleId)));
			await pause('checkins', 'AFTER', 'INSERT', 0.01);
			const outcomes = await race<unknown>([
				...posters.flatMap((poster) => [1, 2].map(() => () => postCheckIn(db(), poster, { mood: 3, craving: null, need: null, body: 'Still here' }))),
				() => deleteCircle(db(), owner!, 'The Garcias')
			]);
			expect(outcomes.at(-1)!.status).toBe('fulfilled');
			expect(reasons(outcomes).filter((reason) => reason !== 'ok' && reason !== 'not-found')).toEqual([]);
			expect(await testDb.value('SELECT count(*) FROM circles WHERE id = ?', circleId)).toBe(0);
		});
	});
});
