// "Delete my account": asked first with what will go; then everything the person shared goes at
// once, agreement records keep their part as "a former member", the others' views update live,
// and no row in any table still holds their id, name or email.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIn, signUp } from '$lib/server/auth/accounts';
import { hashPassword } from '$lib/server/auth/passwords';
import type { SessionUser } from '$lib/server/auth/sessions';
import { hashToken } from '$lib/server/auth/tokens';
import { deleteAccount, previewAccountDeletion, PASSWORD_TRIES, WRONG_PASSWORD } from '$lib/server/account/deletion';
import { ERASED_EVENT } from '$lib/server/account/erase-from-log';
import * as agreements from '$lib/server/boundaries/agreements';
import * as plans from '$lib/server/plans/plans';
import * as checkins from '$lib/server/checkins/checkins';
import * as circles from '$lib/server/circles/circles';
import * as milestones from '$lib/server/milestones/milestones';
import { createInvite } from '$lib/server/circles/invites';
import { listCircleEventsAfter } from '$lib/server/circles/events';
import { requireMember } from '$lib/server/circles/access';
import { newId } from '$lib/server/ids';
import { startRealtime } from '$lib/server/realtime';
import type { CircleEvent, CircleSyncResponse } from '$lib/realtime/events';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf, joinCircle } from './support/circles';
import { addUser } from './support/people';
import { asMember } from './support/as-member';
import { samAndAna } from './support/sam-and-ana';
import { startSocketServer, type TestClient } from './support/socket-server';

const PASSWORD = 'sam’s long password';
const context = { address: '203.0.113.7', userAgent: 'Mozilla/5.0 (Android 14; Mobile; rv:120.0) Gecko/120.0 Firefox/120.0' };

let testDb: TestDatabase;
let server: Awaited<ReturnType<typeof startSocketServer>>;
const db = () => testDb.db;

beforeAll(async () => {
	server = await startSocketServer();
});

afterAll(async () => {
	await server.close();
	await testDb?.dispose();
});

// Each test its own database: the every-table check must see only what this test made.
async function freshDatabase() {
	await testDb?.dispose();
	testDb = await createTestDatabase();
}

/** Sockets for this test's database (the realtime wiring is started once, so by one test only). */
function startSockets() {
	startRealtime(testDb.db, { committed: testDb.committed, generation: testDb.generation });
}

/** Gives a fixture person a real password, as if they had signed up. */
async function withPassword(person: SessionUser): Promise<SessionUser> {
	await db()
		.updateTable('users')
		.set({ password_hash: await hashPassword(PASSWORD) })
		.where('id', '=', person.id)
		.execute();
	return person;
}

/** Every value in every table that holds `needle` (a table name and the row). */
async function rowsHolding(needles: string[]): Promise<Array<{ table: string; row: unknown }>> {
	const tables = (await testDb.all(
		testDb.dialect === 'sqlite'
			? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
			: "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
	)) as Array<{ name: string }>;
	const found: Array<{ table: string; row: unknown }> = [];
	for (const { name } of tables) {
		for (const row of (await testDb.all(`SELECT * FROM "${name}"`)) as Array<Record<string, unknown>>) {
			const values = Object.values(row).map((value) => String(value));
			if (needles.some((needle) => values.some((value) => value.includes(needle)))) found.push({ table: name, row });
		}
	}
	return found;
}

function connectAs(user: SessionUser): Promise<TestClient> {
	return server.signedIn(db(), user);
}

async function eventually(check: () => void, attempts = 200) {
	for (let i = 0; ; i++) {
		try {
			return check();
		} catch (error) {
			if (i >= attempts) throw error;
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	}
}

const words = { category: 'money' as const, body: 'Rent is paid first.', support: '', consequence: '', reviewOn: null };

/**
 * Sam with every kind of row (samAndAna), and also: a login from his phone (session, known device),
 * wrong guesses against his email (attempt counters), an email link, a removal from another
 * circle, an invite link he made, a circle he owns alone, and a handover to him and away again.
 */
async function samWithEverything() {
	const lees = await samAndAna(db());
	const sam = await withPassword(lees.sam);
	const phone = await logIn(db(), { email: sam.email, password: PASSWORD }, { ...context, deviceToken: 'sam-phone-device-token' });
	expect(phone.ok).toBe(true);
	for (let i = 0; i < 3; i++) await logIn(db(), { email: sam.email, password: 'a wrong guess' }, { ...context, address: '198.51.100.9' });
	await db()
		.insertInto('email_tokens')
		.values({ id: hashToken(newId()), user_id: sam.id, purpose: 'confirm-email', email: sam.email, created_at: Date.now(), expires_at: Date.now() + 60_000 })
		.execute();
	// Someone began a sign-up with his address (email set up), which waits for its link.
	await db()
		.insertInto('pending_signups')
		.values({
			id: hashToken(newId()),
			email: sam.email,
			display_name: 'Sam',
			password_hash: 'x',
			redirect_sealed: '',
			created_at: Date.now(),
			expires_at: Date.now() + 60_000
		})
		.execute();

	const other = await circleOf(db(), ['Bo'], { name: 'The Parks' });
	await joinCircle(db(), other.circleId, other.owner, sam);
	await circles.removeMember(db(), await other.accessOf(other.owner), sam.id);

	const own = await circles.createCircle(db(), sam, { name: 'Just me', description: '' });
	await createInvite(db(), await requireMember(db(), sam, own.circleId), { expiresInDays: 7, maxUses: 2, role: 'member', note: '' });

	// Sam was the owner of a third circle once, and handed it to Bo.
	const handed = await circles.createCircle(db(), sam, { name: 'The Kims', description: '' });
	const bo = await addUser(db(), 'Bo');
	await joinCircle(db(), handed.circleId, sam, bo);
	await circles.transferOwnership(db(), await requireMember(db(), sam, handed.circleId), bo.id);
	return { ...lees, sam, ownCircleId: own.circleId, handedCircleId: handed.circleId, bo };
}

describe('asking first', () => {
	it('lists exactly what goes, what stays in agreements, and what happens to each circle', async () => {
		await freshDatabase();
		const { sam } = await samWithEverything();
		const preview = await previewAccountDeletion(db(), sam);
		const counts = Object.fromEntries(preview.deleted.map(({ label, count }) => [label, count]));
		expect(counts).toMatchObject({ 'Check-ins': 1, Replies: 1, Reactions: 1, 'Small victories you added': 1, 'Cheers you gave': 1 });
		expect(counts['Recovery dates and lapses']).toBeGreaterThan(0);
		expect(preview.kept.map(({ label }) => label)).toEqual([
			'Agreement proposals',
			'Answers to agreement proposals',
			'Comments on agreements',
			'Changes you made to overdose plans'
		]);
		expect(counts).toMatchObject({ 'Versions of your safety plan': 1, 'Suggestions you made for safety plans': 1 });
		expect(preview.leaving.map((circle) => circle.name)).toEqual(['The Kims', 'The Lees']);
		expect(preview.deletedWithAccount.map((circle) => circle.name)).toEqual(['Just me']);
		expect(preview.mustHandOver).toEqual([]);
		expect(preview.devices).toBe(2);
	});

	it('refuses while they own a circle others are in, and changes nothing', async () => {
		await freshDatabase();
		const circle = await circleOf(db(), ['Ana']);
		const maria = await withPassword(circle.owner);
		expect((await previewAccountDeletion(db(), maria)).mustHandOver).toEqual([{ id: circle.circleId, name: 'The Garcias', others: 1 }]);
		await expect(deleteAccount(db(), maria, PASSWORD)).rejects.toMatchObject({ reason: 'conflict', message: expect.stringContaining('The Garcias') });
		expect(await db().selectFrom('users').select('id').where('id', '=', maria.id).executeTakeFirst()).toBeDefined();
		expect(await circle.accessOf(maria)).toMatchObject({ role: 'owner' });

		// Once it is handed over, it goes.
		await circles.transferOwnership(db(), await circle.accessOf(maria), circle.people[1].id);
		await deleteAccount(db(), maria, PASSWORD);
		expect(await db().selectFrom('users').select('id').where('id', '=', maria.id).executeTakeFirst()).toBeUndefined();
	});

	it('refuses a wrong password on its field with nothing deleted, and only a few tries, also in parallel', async () => {
		await freshDatabase();
		const { sam } = await samWithEverything();
		const before = await rowsHolding([sam.id]);
		await expect(deleteAccount(db(), sam, 'not it')).rejects.toMatchObject({ reason: 'invalid', field: 'password', message: WRONG_PASSWORD });
		expect(await rowsHolding([sam.id])).toEqual(before);

		const tries = await Promise.allSettled(Array.from({ length: 12 }, () => deleteAccount(db(), sam, 'still not it')));
		const reasons = tries.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as { reason: string }).reason : 'deleted'));
		expect(reasons.filter((reason) => reason === 'invalid')).toHaveLength(PASSWORD_TRIES - 1);
		expect(reasons.filter((reason) => reason === 'throttled')).toHaveLength(12 - (PASSWORD_TRIES - 1));
		// Even the right password waits now.
		await expect(deleteAccount(db(), sam, PASSWORD)).rejects.toMatchObject({ reason: 'throttled' });
	});
});

describe('deleting', () => {
	it('leaves no row in any table holding their id, name or email (or the hashes the counters use)', async () => {
		await freshDatabase();
		const { sam } = await samWithEverything();
		const traces = [sam.id, sam.email, 'Sam', hashToken(`email:${sam.email}`), hashToken(`user:${sam.id}`)];
		expect((await rowsHolding(traces)).length).toBeGreaterThan(20);
		const tablesBefore = new Set((await rowsHolding(traces)).map(({ table }) => table));
		// The check looks where Sam really was: every kind of row is among them.
		for (const table of [
			'users',
			'sessions',
			'known_devices',
			'attempt_throttles',
			'email_tokens',
			'pending_signups',
			'circle_removals',
			'memberships',
			'checkins'
		]) {
			expect(tablesBefore).toContain(table);
		}
		for (const table of [
			'checkin_replies',
			'checkin_reactions',
			'recovery_stretches',
			'milestones',
			'milestone_cheers',
			'invites',
			'circles',
			'circle_events'
		]) {
			expect(tablesBefore).toContain(table);
		}
		for (const table of ['agreements', 'agreement_versions', 'agreement_proposals', 'agreement_answers', 'agreement_comments']) {
			expect(tablesBefore).toContain(table);
		}
		for (const table of ['plan_versions', 'plan_suggestions']) expect(tablesBefore).toContain(table);

		expect(await deleteAccount(db(), sam, PASSWORD)).toEqual({ circlesDeleted: 1 });
		expect(await rowsHolding(traces)).toEqual([]);
	});

	it('takes what they shared out of the others’ views, and keeps the others’ own words', async () => {
		await freshDatabase();
		const { sam, ana, maria, circleId, ownCircleId } = await samWithEverything();
		await deleteAccount(db(), sam, PASSWORD);
		const access = await requireMember(db(), maria, circleId);

		const home = await circles.loadMembers(db(), access);
		expect(home.map((member) => member.displayName)).toEqual(['Maria', 'Ana']);
		const feed = await db().selectFrom('checkins').select(['body', 'author_id']).where('circle_id', '=', circleId).execute();
		expect(feed).toEqual([{ body: 'ANA-CHECKIN', author_id: ana.id }]);
		expect(await db().selectFrom('checkin_replies').selectAll().execute()).toEqual([]);
		expect(await db().selectFrom('checkin_reactions').selectAll().execute()).toEqual([]);
		const victories = await db().selectFrom('milestones').select('title').where('circle_id', '=', circleId).where('kind', '=', 'victory').execute();
		expect(victories).toEqual([{ title: 'Family dinner' }]);
		expect(await db().selectFrom('milestone_cheers').selectAll().execute()).toEqual([]);
		// Their own circle went with them.
		expect(await db().selectFrom('circles').select('id').where('id', '=', ownCircleId).executeTakeFirst()).toBeUndefined();
	});

	it('takes their own safety plan and their suggestions, and keeps the overdose plan’s history with “a former member”', async () => {
		await freshDatabase();
		const { sam, ana, circleId } = await samWithEverything();
		await deleteAccount(db(), sam, PASSWORD);
		const view = await plans.getPlans(db(), await requireMember(db(), ana, circleId));
		expect(view.people.map((plan) => plan.owner.displayName)).toEqual(['Ana']);
		expect(view.family.sections.naloxoneWhere).toBe('SAM-NALOXONE');
		// Where he was chosen (someone Ana can ask; a carrier of naloxone), nobody is named now:
		// the versions keep a reference that nothing left can turn back into him.
		expect(view.people[0]!.helpers).toEqual({ members: [], former: 1 });
		expect(view.family.carriers).toEqual({ members: [expect.objectContaining({ displayName: 'Maria' })], former: 1 });
		expect(JSON.stringify(view)).not.toContain(sam.id);
		expect(view.family.history).toEqual([expect.objectContaining({ number: 1, createdBy: null })]);
		// Ana took his suggestion into her plan: the words are hers now; whose it was is not kept.
		expect(view.people[0]!.sections.helpers).toBe('SAM-SUGGESTION');
		expect(view.people[0]!.history[0]).toMatchObject({ createdBy: { id: ana.id }, suggestedBy: null });
		expect(await db().selectFrom('plan_versions').select('id').where('owner_id', '=', sam.id).execute()).toEqual([]);
		expect(await db().selectFrom('plan_suggestions').selectAll().execute()).toEqual([]);
	});

	it('keeps agreement records for the circle, with “a former member” in their place', async () => {
		await freshDatabase();
		const { sam, maria, circleId } = await samWithEverything();
		await deleteAccount(db(), sam, PASSWORD);
		const list = await asMember(agreements.listAgreements)(db(), maria, circleId);
		const theirs = list.find((agreement) => agreement.latest.title === 'SAM-PROPOSAL')!;
		expect(theirs.createdBy).toEqual({ id: null, displayName: 'a former member' });
		expect(theirs.latest.createdBy).toEqual({ id: null, displayName: 'a former member' });
		const groceries = await asMember(agreements.getAgreement)(db(), maria, circleId, list.find((a) => a.latest.title === 'Groceries')!.id);
		expect(groceries.openProposal!.answers).toEqual([
			expect.objectContaining({ person: { id: null, displayName: 'a former member' }, answer: 'changes', comment: 'SAM-ANSWER' })
		]);
		expect(groceries.comments).toEqual([expect.objectContaining({ author: { id: null, displayName: 'a former member' }, body: 'SAM-COMMENT' })]);
		// Nobody waits for a former member's answer.
		expect(groceries.openProposal!.notAnswered.map((person) => person.displayName)).toEqual(['Maria', 'Ana']);
	});

	it('decides a proposal that was waiting only for them', async () => {
		await freshDatabase();
		const circle = await circleOf(db(), ['Sam']);
		const [maria, sam] = circle.people;
		await withPassword(sam);
		const { agreementId } = await asMember(agreements.proposeAgreement)(db(), maria, circle.circleId, { title: 'Phones off at dinner', ...words });
		const proposalId = (await asMember(agreements.getAgreement)(db(), maria, circle.circleId, agreementId)).openProposal!.id;
		await asMember(agreements.answerProposal)(db(), maria, circle.circleId, agreementId, proposalId, { answer: 'agree', comment: '' });
		await deleteAccount(db(), sam, PASSWORD);
		expect(await asMember(agreements.getAgreement)(db(), maria, circle.circleId, agreementId)).toMatchObject({ status: 'agreed' });
	});

	it('lets the email sign up again, as a new account with nothing of the old one', async () => {
		await freshDatabase();
		const { sam, circleId } = await samWithEverything();
		await deleteAccount(db(), sam, PASSWORD);
		const again = await signUp(db(), { email: sam.email, password: PASSWORD, displayName: 'Sam' }, context);
		expect(again.ok).toBe(true);
		const newSam = (again as Extract<typeof again, { ok: true }>).signedIn.user;
		expect(newSam.id).not.toBe(sam.id);
		await expect(requireMember(db(), newSam, circleId)).rejects.toMatchObject({ reason: 'not-found' });
		expect(await previewAccountDeletion(db(), newSam)).toMatchObject({ deleted: [], kept: [], leaving: [] });
	});

	it('is all or nothing: a failure part way leaves everything as it was', async () => {
		await freshDatabase();
		const { sam } = await samWithEverything();
		const before = await rowsHolding([sam.id]);
		// A trigger that fails the last step (deleting the account row) stands in for a crash there.
		await testDb.exec(
			testDb.dialect === 'sqlite'
				? `CREATE TRIGGER fail_user_delete BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'disk full'); END;`
				: `CREATE FUNCTION fail_user_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
				   CREATE TRIGGER fail_user_delete BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION fail_user_delete();`
		);
		await expect(deleteAccount(db(), sam, PASSWORD)).rejects.toThrow('disk full');
		expect(await rowsHolding([sam.id])).toEqual(before);
	});
});

describe('the circle’s log and live views', () => {
	it('tells every open view at once, and a catch-up from the start names them nowhere, in unbroken order', async () => {
		await freshDatabase();
		startSockets();
		const { sam, ana, circleId } = await samWithEverything();
		const samSocket = await connectAs(sam);
		const anaSocket = await connectAs(ana);
		const seen: CircleEvent[] = [];
		anaSocket.on('circle:event', (event) => seen.push(event));
		const samEnded = new Promise((resolve) => samSocket.once('session:ended', resolve));

		await deleteAccount(db(), sam, PASSWORD);
		await eventually(() => expect(seen.map((event) => event.type)).toContain('member.account-deleted'));
		expect(await samEnded).toEqual({ reason: 'account-deleted' });
		expect(JSON.stringify(seen)).not.toContain(sam.id);

		const reply = await new Promise<CircleSyncResponse>((resolve) => anaSocket.emit('circle:sync', { circleId, afterSeq: 0 }, resolve));
		if (!reply.ok) throw new Error('catch-up refused');
		expect(reply.events.map((event) => event.seq)).toEqual(reply.events.map((_, i) => i + 1));
		const text = JSON.stringify(reply.events);
		for (const trace of [sam.id, sam.email, '"Sam"', 'SAM-CHECKIN', 'SAM-REPLY', 'SAM-CHEER', 'SAM-VICTORY']) expect(text).not.toContain(trace);
		// The others' events stay, with Sam's part taken out: Ana's check-in, Maria's victory.
		expect(
			reply.events.filter((event) => event.type === 'checkin.posted').map((event) => (event.payload as { checkin: { body: string } }).checkin.body)
		).toEqual(['ANA-CHECKIN']);
		expect(reply.events.some((event) => event.type === 'milestone.added')).toBe(true);
		expect(reply.events.filter((event) => event.type === ERASED_EVENT).length).toBeGreaterThan(0);
	});

	it('keeps the log readable for the activity list: erased events are not told', async () => {
		await freshDatabase();
		const { sam, maria, circleId, handedCircleId, bo } = await samWithEverything();
		await deleteAccount(db(), sam, PASSWORD);
		const activity = await circles.loadRecentActivity(db(), await requireMember(db(), maria, circleId), 50);
		expect(activity[0]!.text).toMatch(/^Someone deleted their Hearth account/);
		expect(activity.map((line) => line.text).join('\n')).not.toMatch(/Sam|went with an account/);
		// In the circle Sam handed over, the handover itself names him: it is erased, Bo's joining stays.
		const log = await listCircleEventsAfter(testDb.committed, handedCircleId, 0);
		expect(log.events.map((event) => event.type)).toEqual(['circle.created', 'invite.created', 'member.joined', ERASED_EVENT, 'member.account-deleted']);
		expect(JSON.stringify(log.events)).toContain(bo.id);
	});
});

describe('the others’ parallel work', () => {
	it('never leaves a trace, whatever the others do while the account goes', async () => {
		await freshDatabase();
		const { sam, ana, maria, circleId } = await samWithEverything();
		const anaCheckIn = await asMember(checkins.postCheckIn)(db(), ana, circleId, { mood: 3, craving: null, need: null, body: 'busy' });
		const busy = Array.from({ length: 20 }, (_, i) =>
			i % 2 === 0
				? asMember(checkins.postReply)(db(), maria, circleId, anaCheckIn.id, `reply ${i}`)
				: asMember(milestones.addVictory)(db(), ana, circleId, { title: `victory ${i}`, reachedOn: '2026-01-07', note: '', forCircle: true })
		);
		// Sam's own posts race his deletion: each either lands before it (and goes) or is refused.
		const his = Array.from({ length: 10 }, (_, i) =>
			asMember(checkins.postCheckIn)(db(), sam, circleId, { mood: 4, craving: null, need: null, body: `late ${i}` })
		);
		const outcomes = await Promise.allSettled([...busy, ...his, deleteAccount(db(), sam, PASSWORD)]);
		expect(outcomes.slice(0, 20).every((outcome) => outcome.status === 'fulfilled')).toBe(true);
		expect(outcomes.at(-1)!.status).toBe('fulfilled');
		expect(await rowsHolding([sam.id, sam.email, 'Sam'])).toEqual([]);
		const log = await listCircleEventsAfter(testDb.committed, circleId, 0);
		expect(log.events.map((event) => event.seq)).toEqual(log.events.map((_, i) => i + 1));
	});
});
