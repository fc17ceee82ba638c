import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionUser } from '$lib/server/auth/sessions';
import {
	agreementTitle,
	categoryLabel,
	formatDay,
	isoDate,
	isWaitingFor,
	listNames,
	type AgreementView,
	type AnswerKind,
	type PersonRef
} from '$lib/agreements';
import { diffWords, type DiffPart } from '$lib/word-diff';
import { parseForm } from '$lib/server/forms';
import { isRefusal, type RefusalReason } from '$lib/server/refusal';
import { requireMember } from '$lib/server/circles/access';
import { answerSchema, commentSchema, proposalSchema, reasonSchema, revisionSchema, type AgreementInput } from '$lib/server/boundaries/agreement-forms';
import {
	OPEN_PROPOSALS_LIMIT,
	answerProposal,
	commentOnAgreement,
	countAgreementsWaitingFor,
	getAgreement,
	listAgreements,
	proposeAgreement,
	proposeRetirement,
	proposeRevision,
	proposeWithdrawal
} from '$lib/server/boundaries/agreements';
import { createCircle, deleteCircle, leaveCircle, removeMember } from '$lib/server/circles/circles';
import { listCircleEventsAfter } from '$lib/server/circles/events';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf, joinCircle } from './support/circles';
import { addUser } from './support/people';

let testDb: TestDatabase;
beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

const T0 = Date.UTC(2026, 10, 1, 12);
/** A moment n minutes after everyone joined. */
const at = (minutes: number) => T0 + minutes * 60_000;
const TODAY = isoDate(T0);

const groceries: AgreementInput = {
	title: 'Groceries, not cash',
	category: 'money',
	body: 'When money is needed we buy groceries together instead of lending cash.',
	support: 'We shop together on Saturdays.',
	consequence: '',
	reviewOn: '2027-03-01'
};
const revised = (body: string, reason = '') => ({ ...groceries, body, reason });

/** Maria's circle "The Garcias", with everyone named joined through an invite (in that order, just after T0). */
function circle<const N extends readonly string[]>(...names: N) {
	return circleOf(testDb.db, names, { at: T0 });
}

/** Brings a person into the circle through Maria's invite, as in the app. */
function join(circleId: string, owner: SessionUser, person: SessionUser, when: number) {
	return joinCircle(testDb.db, circleId, owner, person, when);
}

/** A person's checked access to the circle, as a route has it (outsiders are not found here already). */
function as(circleId: string, who: SessionUser) {
	return requireMember(testDb.db, who, circleId);
}

/** Expects the domain to say no, for this reason and in these words, and about no one field. */
async function expectRefused(attempt: Promise<unknown>, reason: RefusalReason, message: RegExp) {
	await expect(attempt).rejects.toMatchObject({ name: 'Refusal', reason, message: expect.stringMatching(message), field: undefined });
}

async function expectNotFound(attempt: Promise<unknown>) {
	await expect(attempt).rejects.toMatchObject({ name: 'Refusal', reason: 'not-found' });
}

async function propose(circleId: string, who: SessionUser, when: number, input: AgreementInput = groceries) {
	return (await proposeAgreement(testDb.db, await as(circleId, who), input, when)).agreementId;
}

async function view(circleId: string, who: SessionUser, agreementId: string, now = at(1000)): Promise<AgreementView> {
	return getAgreement(testDb.db, await as(circleId, who), agreementId, now);
}

async function openProposalId(circleId: string, who: SessionUser, agreementId: string) {
	const { openProposal } = await view(circleId, who, agreementId);
	if (!openProposal) throw new Error('nothing is waiting for answers');
	return openProposal.id;
}

async function answer(circleId: string, who: SessionUser, agreementId: string, proposalId: string, when: number, kind: AnswerKind = 'agree', comment = '') {
	return answerProposal(testDb.db, await as(circleId, who), agreementId, proposalId, { answer: kind, comment }, when);
}

/** Answers whatever is open now. */
async function answerOpen(circleId: string, who: SessionUser, agreementId: string, when: number, kind: AnswerKind = 'agree', comment = '') {
	return answer(circleId, who, agreementId, await openProposalId(circleId, who, agreementId), when, kind, comment);
}

/** Everyone named agrees to what is open, one minute apart from `from`. */
async function allAgree(circleId: string, people: SessionUser[], agreementId: string, from: number) {
	for (const [i, person] of people.entries()) await answerOpen(circleId, person, agreementId, from + i * 60_000);
}

/** An agreement the first person proposed and everyone named agreed to. */
async function agreed(circleId: string, people: SessionUser[], when: number) {
	const agreementId = await propose(circleId, people[0]!, when);
	await allAgree(circleId, people, agreementId, when + 60_000);
	expect((await view(circleId, people[0]!, agreementId)).status).toBe('agreed');
	return agreementId;
}

const names = (people: PersonRef[]) => people.map((person) => person.displayName);

async function eventTypes(circleId: string) {
	return (await listCircleEventsAfter(testDb.db, circleId, 0)).events.map((event) => event.type);
}

const HISTORY_TABLES = ['agreement_versions', 'agreement_proposals', 'agreement_answers', 'agreement_comments'] as const;

async function count(table: string): Promise<number> {
	return (await testDb.value(`SELECT COUNT(*) FROM ${table}`)) as number;
}

const counts = async () => Object.fromEntries(await Promise.all(HISTORY_TABLES.map(async (table) => [table, await count(table)])));

describe('agreeing', () => {
	it('lets a member alone in the circle propose and then agree, and logs each step', async () => {
		const {
			circleId,
			people: [maria]
		} = await circle();
		const agreementId = await propose(circleId, maria, at(1));
		const proposed = await view(circleId, maria, agreementId);
		expect(proposed).toMatchObject({ status: 'proposed', inForce: null, latest: { number: 1, title: groceries.title } });
		expect(proposed.openProposal).toMatchObject({ kind: 'version', version: 1, outcome: null, agreedBy: [] });
		expect(names(proposed.openProposal!.notAnswered)).toEqual(['Maria']);
		expect(isWaitingFor(proposed, maria.id)).toBe(true);

		expect(await answerOpen(circleId, maria, agreementId, at(2))).toEqual({ answered: true, decided: true });
		const done = await view(circleId, maria, agreementId);
		expect(done).toMatchObject({ status: 'agreed', inForce: { number: 1, body: groceries.body }, openProposal: null, awaitingAcknowledgement: [] });
		expect(done.proposals).toMatchObject([{ outcome: 'agreed', decidedAt: at(2) }]);
		expect(isWaitingFor(done, maria.id)).toBe(false);

		const { events } = await listCircleEventsAfter(testDb.db, circleId, 0);
		expect(events.filter((event) => event.type.startsWith('agreement.'))).toMatchObject([
			{ type: 'agreement.proposed', actorId: maria.id, payload: { agreementId, title: groceries.title, version: 1 } },
			{ type: 'agreement.answered', actorId: maria.id, payload: { agreementId, answer: 'agree', acknowledgement: false } },
			{ type: 'agreement.agreed', payload: { agreementId, version: 1 } }
		]);
	});

	it('asks the proposer like anyone else', async () => {
		const {
			circleId,
			people: [maria, sam, lee]
		} = await circle('Sam', 'Lee');
		const agreementId = await propose(circleId, sam, at(1));
		await answerOpen(circleId, maria, agreementId, at(2));
		expect(await answerOpen(circleId, lee, agreementId, at(3))).toEqual({ answered: true, decided: false });
		const waiting = await view(circleId, maria, agreementId);
		expect(waiting.status).toBe('proposed');
		expect(names(waiting.openProposal!.notAnswered)).toEqual(['Sam']);
		expect(names(waiting.openProposal!.agreedBy)).toEqual(['Maria', 'Lee']);

		expect(await answerOpen(circleId, sam, agreementId, at(4))).toEqual({ answered: true, decided: true });
		expect((await view(circleId, maria, agreementId)).status).toBe('agreed');
	});
});

describe('answering more than once', () => {
	it('counts only a member’s latest answer, and keeps every answer in order', async () => {
		const {
			circleId,
			people: [maria, sam, lee]
		} = await circle('Sam', 'Lee');
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, sam, agreementId, at(2));
		await answerOpen(circleId, sam, agreementId, at(3), 'changes', 'Saturdays are hard for me.');
		await answerOpen(circleId, maria, agreementId, at(4));
		expect(await answerOpen(circleId, lee, agreementId, at(5))).toEqual({ answered: true, decided: false });
		const waiting = await view(circleId, maria, agreementId);
		expect(waiting.status).toBe('proposed');
		expect(names(waiting.openProposal!.changesFrom)).toEqual(['Sam']);
		expect(waiting.openProposal!.notAnswered).toEqual([]);

		expect(await answerOpen(circleId, sam, agreementId, at(6))).toEqual({ answered: true, decided: true });
		const done = await view(circleId, maria, agreementId);
		expect(done.status).toBe('agreed');
		expect(done.proposals[0]!.answers.map((a) => [a.person.displayName, a.answer, a.comment, a.createdAt])).toEqual([
			['Sam', 'agree', '', at(2)],
			['Sam', 'changes', 'Saturdays are hard for me.', at(3)],
			['Maria', 'agree', '', at(4)],
			['Lee', 'agree', '', at(5)],
			['Sam', 'agree', '', at(6)]
		]);
		expect(done.proposals[0]!.answers.every((a) => !a.acknowledgement)).toBe(true);
	});

	it('lets the last member who wanted changes decide it by agreeing', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, sam, agreementId, at(2), 'changes', 'Add Sundays.');
		expect(await answerOpen(circleId, maria, agreementId, at(3))).toEqual({ answered: true, decided: false });
		expect(await answerOpen(circleId, sam, agreementId, at(4))).toEqual({ answered: true, decided: true });
		expect(await eventTypes(circleId)).toContain('agreement.agreed');
	});

	it('stores nothing for a second plain “I agree”, but keeps one with words', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, maria, agreementId, at(2));
		const eventsBefore = await eventTypes(circleId);
		expect(await answerOpen(circleId, maria, agreementId, at(3))).toEqual({ answered: false, decided: false });
		expect((await view(circleId, sam, agreementId)).openProposal!.answers).toHaveLength(1);
		expect(await eventTypes(circleId)).toEqual(eventsBefore);

		expect(await answerOpen(circleId, maria, agreementId, at(4), 'agree', 'Really glad about this.')).toEqual({ answered: true, decided: false });
		expect((await view(circleId, sam, agreementId)).openProposal!.answers.map((a) => a.comment)).toEqual(['', 'Really glad about this.']);
	});

	it('keeps one member’s answers strictly in order even within one millisecond', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, sam, agreementId, at(2));
		await answerOpen(circleId, sam, agreementId, at(2), 'changes', 'Actually, not yet.');
		await answerOpen(circleId, maria, agreementId, at(3));
		const waiting = await view(circleId, maria, agreementId);
		expect(waiting.status).toBe('proposed');
		expect(names(waiting.openProposal!.changesFrom)).toEqual(['Sam']);
		expect(waiting.openProposal!.answers.filter((a) => a.person.id === sam.id).map((a) => [a.answer, a.createdAt])).toEqual([
			['agree', at(2)],
			['changes', at(2) + 1]
		]);
	});

	it('never shows the answer that decided a proposal as an acknowledgement, even one given in the same millisecond as the previous', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, maria, agreementId, at(2));
		await answerOpen(circleId, sam, agreementId, at(3), 'changes', 'One word.');
		await answerOpen(circleId, sam, agreementId, at(3));
		const { status, proposals } = await view(circleId, maria, agreementId);
		expect(status).toBe('agreed');
		const deciding = proposals[0]!.answers.at(-1)!;
		expect(deciding).toMatchObject({ person: { displayName: 'Sam' }, answer: 'agree', acknowledgement: false });
		expect(proposals[0]!.decidedAt).toBeGreaterThanOrEqual(deciding.createdAt);
	});
});

describe('a new version', () => {
	it('starts afresh: answers to the old version do not count, and answering it stores nothing', async () => {
		const {
			circleId,
			people: [maria, sam, lee]
		} = await circle('Sam', 'Lee');
		const agreementId = await propose(circleId, maria, at(1));
		const v1 = await openProposalId(circleId, maria, agreementId);
		await answerOpen(circleId, sam, agreementId, at(2));
		await answerOpen(circleId, lee, agreementId, at(3));
		await proposeRevision(testDb.db, await as(circleId, maria), agreementId, revised('We buy groceries together.', 'Shorter'), 1, at(4));

		const pending = await view(circleId, maria, agreementId);
		expect(pending.proposals[0]).toMatchObject({ id: v1, outcome: 'replaced', decidedAt: at(4) });
		expect(pending.openProposal).toMatchObject({ kind: 'version', version: 2, reason: 'Shorter', agreedBy: [] });
		expect(names(pending.openProposal!.notAnswered)).toEqual(['Maria', 'Sam', 'Lee']);

		const before = await counts();
		await expectRefused(answer(circleId, sam, agreementId, v1, at(5)), 'conflict', /changed since you opened it/);
		expect(await counts()).toEqual(before);

		await allAgree(circleId, [maria, sam, lee], agreementId, at(6));
		const done = await view(circleId, maria, agreementId);
		expect(done).toMatchObject({ status: 'agreed', inForce: { number: 2, body: 'We buy groceries together.' }, openProposal: null });
		expect(done.versions.map((v) => v.number)).toEqual([1, 2]);
		expect(done.proposals.map((p) => p.outcome)).toEqual(['replaced', 'agreed']);
		expect(await eventTypes(circleId)).toContain('agreement.revision-proposed');
	});
});

describe('revising an agreement in force', () => {
	it('keeps the agreed version in force while a revision waits, with at most one revision open', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		await expectRefused(
			proposeRevision(testDb.db, await as(circleId, sam), agreementId, { ...groceries, reason: '' }, 1, at(5)),
			'invalid',
			/same as version 1/
		);

		await proposeRevision(testDb.db, await as(circleId, sam), agreementId, revised('Groceries only, every week.'), 1, at(6));
		const pending = await view(circleId, maria, agreementId);
		expect(pending).toMatchObject({ status: 'agreed', inForce: { number: 1 }, latest: { number: 2 }, openProposal: { version: 2 } });
		expect(agreementTitle(pending)).toBe(groceries.title);

		await proposeRevision(testDb.db, await as(circleId, maria), agreementId, revised('Groceries only, every other week.'), 2, at(7));
		const second = await view(circleId, maria, agreementId);
		expect(second.proposals.map((p) => [p.version, p.outcome])).toEqual([
			[1, 'agreed'],
			[2, 'replaced'],
			[3, null]
		]);
		expect(second).toMatchObject({ status: 'agreed', inForce: { number: 1 }, openProposal: { version: 3 } });

		const before = await counts();
		await expectRefused(
			proposeRevision(testDb.db, await as(circleId, sam), agreementId, revised('My own idea.'), 2, at(8)),
			'conflict',
			/version 3 was proposed/
		);
		await expectRefused(
			proposeRevision(testDb.db, await as(circleId, sam), agreementId, revised('Groceries only, every other week.', 'again'), 3, at(9)),
			'invalid',
			/same as version 3/
		);
		expect(await counts()).toEqual(before);

		await allAgree(circleId, [maria, sam], agreementId, at(10));
		expect(await view(circleId, maria, agreementId)).toMatchObject({ status: 'agreed', inForce: { number: 3 }, openProposal: null });
	});

	it('is due for review from the review date of the version in force', async () => {
		const {
			circleId,
			people: [maria]
		} = await circle();
		const agreementId = await propose(circleId, maria, at(1), { ...groceries, reviewOn: '2026-12-01' });
		expect((await view(circleId, maria, agreementId, Date.UTC(2026, 11, 2))).reviewDue).toBe(false);
		await answerOpen(circleId, maria, agreementId, at(2));
		expect((await view(circleId, maria, agreementId, Date.UTC(2026, 10, 30, 23))).reviewDue).toBe(false);
		expect((await view(circleId, maria, agreementId, Date.UTC(2026, 11, 1))).reviewDue).toBe(true);
	});
});

describe('members joining', () => {
	it('asks a newcomer too while a proposal waits', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, sam, agreementId, at(2));
		const lee = await join(circleId, maria, await addUser(testDb.db, 'Lee'), at(3));
		expect(names((await view(circleId, lee, agreementId)).openProposal!.notAnswered)).toEqual(['Maria', 'Lee']);
		expect(await answerOpen(circleId, maria, agreementId, at(4))).toEqual({ answered: true, decided: false });
		expect((await view(circleId, lee, agreementId)).status).toBe('proposed');
		expect(await answerOpen(circleId, lee, agreementId, at(5))).toEqual({ answered: true, decided: true });
	});

	it('keeps an agreement in force when someone joins, waiting for their “I agree” as an acknowledgement', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		const inForceId = (await view(circleId, maria, agreementId)).proposals[0]!.id;
		const lee = await join(circleId, maria, await addUser(testDb.db, 'Lee'), at(5));

		const waiting = await view(circleId, lee, agreementId);
		expect(waiting).toMatchObject({ status: 'agreed', inForce: { number: 1 }, openProposal: null });
		expect(names(waiting.awaitingAcknowledgement)).toEqual(['Lee']);
		expect(isWaitingFor(waiting, lee.id)).toBe(true);
		expect(isWaitingFor(waiting, sam.id)).toBe(false);

		const before = await counts();
		await expectRefused(answer(circleId, lee, agreementId, inForceId, at(6), 'changes', 'I’d word it differently.'), 'conflict', /already in force/);
		expect(await answer(circleId, sam, agreementId, inForceId, at(6))).toEqual({ answered: false, decided: false });
		expect(await counts()).toEqual(before);

		expect(await answer(circleId, lee, agreementId, inForceId, at(7))).toEqual({ answered: true, decided: false });
		const done = await view(circleId, lee, agreementId);
		expect(done.awaitingAcknowledgement).toEqual([]);
		expect(done.proposals[0]!.answers.map((a) => [a.person.displayName, a.acknowledgement])).toEqual([
			['Maria', false],
			['Sam', false],
			['Lee', true]
		]);
		const { events } = await listCircleEventsAfter(testDb.db, circleId, 0);
		expect(events.at(-1)).toMatchObject({ type: 'agreement.answered', actorId: lee.id, payload: { acknowledgement: true } });
	});
});

describe('members leaving', () => {
	it('settles a proposal waiting only for someone who leaves', async () => {
		const {
			circleId,
			people: [maria, sam, lee]
		} = await circle('Sam', 'Lee');
		const agreementId = await propose(circleId, sam, at(1));
		await allAgree(circleId, [maria, sam], agreementId, at(2));
		await leaveCircle(testDb.db, await as(circleId, lee), at(5));
		expect(await view(circleId, maria, agreementId)).toMatchObject({ status: 'agreed', inForce: { number: 1 }, proposals: [{ decidedAt: at(5) }] });
		expect((await eventTypes(circleId)).slice(-2)).toEqual(['member.left', 'agreement.agreed']);
	});

	it('settles a proposal waiting only for someone who is removed', async () => {
		const {
			circleId,
			people: [maria, sam, lee]
		} = await circle('Sam', 'Lee');
		const agreementId = await propose(circleId, sam, at(1));
		await allAgree(circleId, [maria, sam], agreementId, at(2));
		await removeMember(testDb.db, await as(circleId, maria), lee.id, at(5));
		expect((await view(circleId, maria, agreementId)).status).toBe('agreed');
		expect((await eventTypes(circleId)).slice(-2)).toEqual(['member.removed', 'agreement.agreed']);
	});

	it('settles a proposal when the only member who asked for changes is removed', async () => {
		const {
			circleId,
			people: [maria, sam, lee]
		} = await circle('Sam', 'Lee');
		const agreementId = await propose(circleId, maria, at(1));
		await allAgree(circleId, [maria, sam], agreementId, at(2));
		await answerOpen(circleId, lee, agreementId, at(4), 'changes', 'No.');
		expect((await view(circleId, maria, agreementId)).status).toBe('proposed');
		await removeMember(testDb.db, await as(circleId, maria), lee.id, at(5));
		const done = await view(circleId, maria, agreementId);
		expect(done.status).toBe('agreed');
		expect(done.proposals[0]!.answers.map((a) => a.person.displayName)).toEqual(['Maria', 'Sam', 'Lee']);
	});

	it('leaves a proposal open when someone else is still missing', async () => {
		const {
			circleId,
			people: [maria, sam, lee]
		} = await circle('Sam', 'Lee');
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, maria, agreementId, at(2));
		await removeMember(testDb.db, await as(circleId, maria), lee.id, at(3));
		expect(names((await view(circleId, sam, agreementId)).openProposal!.notAnswered)).toEqual(['Sam']);
		expect((await eventTypes(circleId)).at(-1)).toBe('member.removed');
	});

	it('forgets the answer of someone who left once they come back', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, sam, agreementId, at(2));
		await leaveCircle(testDb.db, await as(circleId, sam), at(3));
		await join(circleId, maria, sam, at(4));
		await answerOpen(circleId, maria, agreementId, at(5));
		const waiting = await view(circleId, maria, agreementId);
		expect(waiting.status).toBe('proposed');
		expect(names(waiting.openProposal!.notAnswered)).toEqual(['Sam']);
		expect(waiting.openProposal!.answers).toHaveLength(2);

		expect(await answerOpen(circleId, sam, agreementId, at(6))).toEqual({ answered: true, decided: true });
	});

	it('asks someone who comes back to acknowledge the agreement in force again', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		await leaveCircle(testDb.db, await as(circleId, sam), at(5));
		await join(circleId, maria, sam, at(6));
		expect(names((await view(circleId, maria, agreementId)).awaitingAcknowledgement)).toEqual(['Sam']);
	});
});

describe('retiring', () => {
	it('keeps the agreement in force until everyone agrees to retire it', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		await proposeRetirement(testDb.db, await as(circleId, sam), agreementId, 'We don’t need it any more.', at(5));
		const pending = await view(circleId, maria, agreementId);
		expect(pending).toMatchObject({
			status: 'agreed',
			inForce: { number: 1 },
			openProposal: { kind: 'retire', version: 1, reason: 'We don’t need it any more.', createdBy: { displayName: 'Sam' } }
		});
		await expectRefused(proposeRetirement(testDb.db, await as(circleId, maria), agreementId, 'Me too', at(6)), 'conflict', /already proposed/);

		await allAgree(circleId, [maria, sam], agreementId, at(7));
		expect(await view(circleId, maria, agreementId)).toMatchObject({
			status: 'retired',
			inForce: { number: 1 },
			openProposal: null,
			awaitingAcknowledgement: []
		});
		expect((await eventTypes(circleId)).at(-1)).toBe('agreement.retired');
	});

	it('refuses to retire what was never agreed', async () => {
		const {
			circleId,
			people: [maria]
		} = await circle();
		const agreementId = await propose(circleId, maria, at(1));
		const before = await counts();
		await expectRefused(proposeRetirement(testDb.db, await as(circleId, maria), agreementId, 'Changed my mind', at(2)), 'conflict', /propose withdrawing/);
		expect(await counts()).toEqual(before);
	});

	it('closes the agreement: no revision, answer, withdrawal or retirement afterwards', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		const inForceId = (await view(circleId, maria, agreementId)).proposals[0]!.id;
		await proposeRetirement(testDb.db, await as(circleId, sam), agreementId, 'Done with it.', at(5));
		const retireId = await openProposalId(circleId, maria, agreementId);
		await allAgree(circleId, [maria, sam], agreementId, at(6));

		const lee = await join(circleId, maria, await addUser(testDb.db, 'Lee'), at(8));
		const before = await counts();
		await expectRefused(proposeRevision(testDb.db, await as(circleId, maria), agreementId, revised('Back again'), 1, at(9)), 'conflict', /retired/);
		await expectRefused(answer(circleId, lee, agreementId, inForceId, at(9)), 'conflict', /retired/);
		await expectRefused(answer(circleId, lee, agreementId, retireId, at(9)), 'conflict', /retired/);
		await expectRefused(proposeWithdrawal(testDb.db, await as(circleId, maria), agreementId, 'Undo', at(9)), 'conflict', /retired/);
		await expectRefused(proposeRetirement(testDb.db, await as(circleId, maria), agreementId, 'Again', at(9)), 'conflict', /retired/);
		expect(await counts()).toEqual(before);
		expect((await view(circleId, lee, agreementId)).awaitingAcknowledgement).toEqual([]);
	});
});

describe('withdrawing', () => {
	it('withdraws a proposal never agreed, once everyone agrees', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		const v1 = await openProposalId(circleId, maria, agreementId);
		await answerOpen(circleId, maria, agreementId, at(2));
		await proposeWithdrawal(testDb.db, await as(circleId, sam), agreementId, 'Not the right time.', at(3));
		const pending = await view(circleId, maria, agreementId);
		expect(pending.proposals[0]).toMatchObject({ id: v1, outcome: 'replaced' });
		expect(pending).toMatchObject({ status: 'proposed', openProposal: { kind: 'withdraw', version: null, withdrawsProposalId: v1, agreedBy: [] } });

		await allAgree(circleId, [maria, sam], agreementId, at(4));
		expect(await view(circleId, maria, agreementId)).toMatchObject({ status: 'withdrawn', inForce: null, openProposal: null });
		expect((await eventTypes(circleId)).slice(-2)).toEqual(['agreement.answered', 'agreement.withdrawn']);
		await expectRefused(proposeRevision(testDb.db, await as(circleId, maria), agreementId, revised('Try again'), 1, at(9)), 'conflict', /withdrawn/);
	});

	it('withdraws a pending revision and leaves the agreed version in force', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		await expectRefused(proposeWithdrawal(testDb.db, await as(circleId, sam), agreementId, 'Nothing to withdraw', at(4)), 'conflict', /nothing to withdraw/);
		await proposeRevision(testDb.db, await as(circleId, sam), agreementId, revised('Cash is fine sometimes.'), 1, at(5));
		await proposeWithdrawal(testDb.db, await as(circleId, maria), agreementId, 'Let’s keep it as it is.', at(6));

		const before = await counts();
		await expectRefused(proposeWithdrawal(testDb.db, await as(circleId, sam), agreementId, 'Withdraw the withdrawal', at(7)), 'conflict', /already proposed/);
		expect(await counts()).toEqual(before);

		await allAgree(circleId, [maria, sam], agreementId, at(8));
		const done = await view(circleId, maria, agreementId);
		expect(done).toMatchObject({ status: 'agreed', inForce: { number: 1, body: groceries.body }, latest: { number: 2 }, openProposal: null });
		expect(done.proposals.map((p) => [p.kind, p.outcome])).toEqual([
			['version', 'agreed'],
			['version', 'replaced'],
			['withdraw', 'agreed']
		]);
		expect((await eventTypes(circleId)).at(-1)).toBe('agreement.proposal-withdrawn');
	});
});

describe('ids from elsewhere', () => {
	it('finds nothing with another circle’s agreement, another agreement’s proposal, a non-member or a made-up id', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const { circleId: otherCircleId } = await createCircle(testDb.db, maria, { name: 'Work friends', description: '' }, T0);
		const agreementId = await propose(circleId, maria, at(1));
		const proposalId = await openProposalId(circleId, maria, agreementId);
		const otherAgreementId = await propose(circleId, sam, at(2), { ...groceries, title: 'Quiet hours' });
		const otherProposalId = await openProposalId(circleId, sam, otherAgreementId);
		const outsider = await addUser(testDb.db, 'Outsider');
		const before = await counts();
		const agree = { answer: 'agree' as const, comment: '' };
		const everything = (who: SessionUser, inCircle: string, agreement: string, proposal: string) => [
			async () => getAgreement(testDb.db, await as(inCircle, who), agreement, at(3)),
			async () => answerProposal(testDb.db, await as(inCircle, who), agreement, proposal, agree, at(3)),
			async () => proposeRevision(testDb.db, await as(inCircle, who), agreement, revised('Changed'), 1, at(3)),
			async () => proposeWithdrawal(testDb.db, await as(inCircle, who), agreement, 'why', at(3)),
			async () => proposeRetirement(testDb.db, await as(inCircle, who), agreement, 'why', at(3)),
			async () => commentOnAgreement(testDb.db, await as(inCircle, who), agreement, 'Hello', at(3))
		];

		for (const attempt of everything(maria, otherCircleId, agreementId, proposalId)) await expectNotFound(attempt());
		for (const attempt of everything(outsider, circleId, agreementId, proposalId)) await expectNotFound(attempt());
		await expectNotFound((async () => listAgreements(testDb.db, await as(circleId, outsider)))());
		await expectNotFound(answerProposal(testDb.db, await as(circleId, maria), agreementId, otherProposalId, agree, at(3)));
		await expectNotFound(answerProposal(testDb.db, await as(circleId, sam), otherAgreementId, proposalId, agree, at(3)));
		for (const bad of ['../x', "' OR 1=1", '', 'A'.repeat(10)]) {
			for (const attempt of everything(maria, circleId, bad, proposalId)) await expectNotFound(attempt());
			await expectNotFound(answerProposal(testDb.db, await as(circleId, maria), agreementId, bad, agree, at(3)));
			await expectNotFound((async () => getAgreement(testDb.db, await as(bad, maria), agreementId))());
		}
		expect(await counts()).toEqual(before);
		expect(await count('agreement_answers')).toBe(0);
		expect(await listAgreements(testDb.db, await as(otherCircleId, maria))).toEqual([]);
	});

	it('finds nothing for a member once they are removed', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		const proposalId = await openProposalId(circleId, maria, agreementId);
		await removeMember(testDb.db, await as(circleId, maria), sam.id, at(2));
		await expectNotFound((async () => getAgreement(testDb.db, await as(circleId, sam), agreementId))());
		await expectNotFound(answer(circleId, sam, agreementId, proposalId, at(3)));
		expect(await count('agreement_answers')).toBe(0);
	});
});

type Row = Record<string, unknown>;

/**
 * Counts agreement rows inserted from now on, also by transactions rolled back afterwards: SQLite
 * calls back into JavaScript; PostgreSQL bumps a sequence, which no rollback undoes.
 */
async function countInsertedAgreements(): Promise<() => Promise<number>> {
	if (testDb.dialect === 'sqlite') {
		let inserted = 0;
		testDb.sqlite.function('noticed_agreement', (_id: unknown) => {
			inserted++;
			return null;
		});
		await testDb.exec('CREATE TEMP TRIGGER notice_agreement AFTER INSERT ON agreements BEGIN SELECT noticed_agreement(NEW.id); END');
		return async () => inserted;
	}
	await testDb.exec(`
		CREATE SEQUENCE inserted_agreements;
		CREATE FUNCTION count_inserted_agreement() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM nextval('inserted_agreements'); RETURN NEW; END $$;
		CREATE TRIGGER count_inserted_agreement AFTER INSERT ON agreements FOR EACH ROW EXECUTE FUNCTION count_inserted_agreement();`);
	return async () => Number(await testDb.value('SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM inserted_agreements'));
}

/**
 * Every history row, in one fixed order (PostgreSQL has no rowid, so rows are sorted by their
 * contents); of proposals, what never changes, and separately the decisions made.
 */
async function history() {
	const rows = async (table: string, columns = '*') =>
		((await testDb.all(`SELECT ${columns} FROM ${table}`)) as Row[]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
	return {
		versions: await rows('agreement_versions'),
		proposals: await rows('agreement_proposals', 'id, agreement_id, kind, version, withdraws_proposal_id, reason, created_by, created_at'),
		decisions: (await rows('agreement_proposals', 'id, outcome, decided_at')).filter((row) => row.outcome !== null),
		answers: await rows('agreement_answers'),
		comments: await rows('agreement_comments')
	};
}

type History = Awaited<ReturnType<typeof history>>;

/** Every row there was is still there, unchanged (new ones may have come). */
function expectOnlyAppended(before: History, after: History) {
	for (const key of ['versions', 'proposals', 'answers', 'comments', 'decisions'] as const) {
		expect(after[key], key).toEqual(expect.arrayContaining(before[key]));
	}
}

describe('history', () => {
	/** Two agreements with a bit of everything: changes asked, comments, a revision agreed, one pending, a withdrawal open. */
	async function fullFlow() {
		const { circleId, people } = await circle('Sam', 'Lee');
		const [maria, sam, lee] = people;
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, sam, agreementId, at(2), 'changes', 'Saturdays are hard for me.');
		await commentOnAgreement(testDb.db, await as(circleId, maria), agreementId, 'Sundays then?', at(3));
		await proposeRevision(testDb.db, await as(circleId, sam), agreementId, revised('We shop on Sundays.', 'Sundays'), 1, at(4));
		await allAgree(circleId, people, agreementId, at(5));
		await proposeRevision(testDb.db, await as(circleId, lee), agreementId, revised('We shop on Sundays, or Mondays.'), 2, at(8));
		await answerOpen(circleId, maria, agreementId, at(9));
		const secondId = await propose(circleId, maria, at(10), { ...groceries, title: 'Quiet hours', category: 'home' });
		await proposeWithdrawal(testDb.db, await as(circleId, sam), secondId, 'Not needed', at(11));
		return { circleId, maria, sam, lee, people, agreementId, secondId };
	}

	it('cannot be changed through any action, only added to', async () => {
		const { circleId, maria, sam, lee, people, agreementId, secondId } = await fullFlow();
		const original = await history();
		const v3 = await openProposalId(circleId, maria, agreementId);
		let minute = 20;
		const next = () => at((minute += 10));
		let ana: SessionUser | undefined;
		const actions: Array<{ what: string; refused?: true; run: () => Promise<unknown> }> = [
			{
				what: 'revise again',
				run: async () => proposeRevision(testDb.db, await as(circleId, sam), agreementId, revised('Groceries on Sundays.', 'simpler'), 3, next())
			},
			{ what: 'answer the replaced version', refused: true, run: () => answer(circleId, lee, agreementId, v3, next(), 'changes', 'late') },
			{
				what: 'revise from a stale version',
				refused: true,
				run: async () => proposeRevision(testDb.db, await as(circleId, lee), agreementId, revised('Mine'), 3, next())
			},
			{
				what: 'revise to the same words',
				refused: true,
				run: async () => proposeRevision(testDb.db, await as(circleId, lee), agreementId, revised('Groceries on Sundays.'), 4, next())
			},
			{ what: 'ask for changes', run: () => answerOpen(circleId, lee, agreementId, next(), 'changes', 'Too vague') },
			{ what: 'agree after all', run: () => answerOpen(circleId, lee, agreementId, next()) },
			{ what: 'propose a withdrawal', run: async () => proposeWithdrawal(testDb.db, await as(circleId, maria), agreementId, 'Keep version 2', next()) },
			{ what: 'withdraw the withdrawal', refused: true, run: async () => proposeWithdrawal(testDb.db, await as(circleId, sam), agreementId, 'No', next()) },
			{ what: 'comment', run: async () => commentOnAgreement(testDb.db, await as(circleId, lee), agreementId, 'Fine by me.', next()) },
			{ what: 'agree to withdraw', run: () => allAgree(circleId, people, agreementId, next()) },
			{
				what: 'acknowledge as a newcomer',
				run: async () => {
					ana = await join(circleId, maria, await addUser(testDb.db, 'Ana'), next());
					const { proposals, inForce } = await view(circleId, ana, agreementId);
					const inForceId = proposals.find((p) => p.kind === 'version' && p.version === inForce!.number)!.id;
					return answer(circleId, ana, agreementId, inForceId, next());
				}
			},
			{ what: 'propose retirement', run: async () => proposeRetirement(testDb.db, await as(circleId, lee), agreementId, 'Outgrown', next()) },
			{ what: 'agree to retire', run: () => allAgree(circleId, [maria, lee, ana!], agreementId, next()) },
			{ what: 'remove the last one missing', run: async () => removeMember(testDb.db, await as(circleId, maria), sam.id, next()) },
			{ what: 'answer once retired', refused: true, run: () => answer(circleId, lee, agreementId, v3, next()) },
			{
				what: 'revise once retired',
				refused: true,
				run: async () => proposeRevision(testDb.db, await as(circleId, lee), agreementId, revised('Back'), 4, next())
			},
			{ what: 'comment once retired', run: async () => commentOnAgreement(testDb.db, await as(circleId, lee), agreementId, 'Good riddance.', next()) },
			{ what: 'settle the other withdrawal', run: () => allAgree(circleId, [maria, lee, ana!], secondId, next()) }
		];
		let before = original;
		for (const { what, refused, run } of actions) {
			const outcome = await run().then(
				() => 'done',
				(caught: unknown) => {
					if (isRefusal(caught)) return 'refused';
					throw caught;
				}
			);
			const after = await history();
			expectOnlyAppended(before, after);
			expect(outcome, what).toBe(refused ? 'refused' : 'done');
			if (refused) expect(after, what).toEqual(before);
			else expect(after, what).not.toEqual(before);
			before = after;
		}
		expectOnlyAppended(original, before);
		expect((await view(circleId, maria, agreementId)).status).toBe('retired');
		expect((await view(circleId, maria, secondId)).status).toBe('withdrawn');
	});

	it('is refused by the database when edited or deleted directly', async () => {
		const { circleId, maria } = await fullFlow();
		const before = await history();
		const edits: Array<() => Promise<unknown>> = [
			() => testDb.db.updateTable('agreement_versions').set({ body: 'Cash is fine.' }).execute(),
			() => testDb.db.deleteFrom('agreement_versions').execute(),
			() => testDb.db.updateTable('agreement_proposals').set({ reason: 'rewritten' }).where('outcome', 'is', null).execute(),
			() => testDb.db.updateTable('agreement_proposals').set({ outcome: 'replaced' }).where('outcome', '=', 'agreed').execute(),
			() => testDb.db.updateTable('agreement_proposals').set({ decided_at: 0 }).where('outcome', 'is not', null).execute(),
			() => testDb.db.deleteFrom('agreement_proposals').execute(),
			() => testDb.db.updateTable('agreement_answers').set({ answer: 'agree', comment: '' }).where('answer', '=', 'changes').execute(),
			() => testDb.db.updateTable('agreement_answers').set({ created_at: 0 }).execute(),
			() => testDb.db.deleteFrom('agreement_answers').execute(),
			() => testDb.db.updateTable('agreement_comments').set({ body: 'I never said that' }).execute(),
			() => testDb.db.deleteFrom('agreement_comments').execute(),
			() => testDb.db.deleteFrom('agreements').execute()
		];
		for (const edit of edits) await expect(edit()).rejects.toThrow(/append-only/);
		expect(await history()).toEqual(before);
		expect(await count('agreements')).toBe(2);

		await expect(deleteCircle(testDb.db, await as(circleId, maria), 'The Garcia')).rejects.toMatchObject({ name: 'Refusal', reason: 'invalid' });
		expect(await count('agreements')).toBe(2);
		expect(await deleteCircle(testDb.db, await as(circleId, maria), 'The Garcias')).toEqual({ deleted: 'The Garcias' });
		for (const table of ['agreements', ...HISTORY_TABLES]) expect(await count(table), table).toBe(0);
	});
});

describe('comments', () => {
	it('are added beside an agreement, in order, and bring it to the top of the list', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circle('Sam');
		const first = await propose(circleId, maria, at(1));
		const second = await propose(circleId, sam, at(2), { ...groceries, title: 'Quiet hours' });
		expect((await listAgreements(testDb.db, await as(circleId, maria), at(3))).map((a) => a.id)).toEqual([second, first]);

		expect(await commentOnAgreement(testDb.db, await as(circleId, sam), first, 'What about birthdays?', at(4))).toEqual({ commented: true });
		await commentOnAgreement(testDb.db, await as(circleId, maria), first, 'Birthdays are different.', at(5));
		const { comments, updatedAt } = await view(circleId, maria, first);
		expect(comments.map((c) => [c.author.displayName, c.body, c.createdAt])).toEqual([
			['Sam', 'What about birthdays?', at(4)],
			['Maria', 'Birthdays are different.', at(5)]
		]);
		expect(updatedAt).toBe(at(5));
		const list = await listAgreements(testDb.db, await as(circleId, maria), at(6));
		expect(list.map((a) => a.id)).toEqual([first, second]);
		expect((await view(circleId, maria, second)).comments).toEqual([]);
		expect((await eventTypes(circleId)).at(-1)).toBe('agreement.commented');
	});
});

describe('the number of open proposals', () => {
	it(`is limited to ${OPEN_PROPOSALS_LIMIT} per circle`, async () => {
		const {
			circleId,
			people: [maria]
		} = await circle();
		for (let i = 0; i < OPEN_PROPOSALS_LIMIT; i++) await propose(circleId, maria, at(1) + i, { ...groceries, title: `Agreement ${i}` });
		const before = await counts();
		await expectRefused(proposeAgreement(testDb.db, await as(circleId, maria), groceries, at(2)), 'conflict', /already 50 proposals/);
		expect(await counts()).toEqual(before);
		await answerOpen(circleId, maria, (await listAgreements(testDb.db, await as(circleId, maria)))[0]!.id, at(3));
		await propose(circleId, maria, at(4));
	});
});

describe('a refusal inside a transaction', () => {
	it('rolls back what the command had written before it was refused', async () => {
		const {
			circleId,
			people: [maria]
		} = await circle();
		for (let i = 0; i < OPEN_PROPOSALS_LIMIT; i++) await propose(circleId, maria, at(1) + i, { ...groceries, title: `Agreement ${i}` });
		const everything = async () => ({ ...(await counts()), agreements: await count('agreements'), circle_events: await count('circle_events') });
		const before = await everything();
		// Every agreement row written is counted outside the transaction, so a rollback cannot hide it.
		const inserted = await countInsertedAgreements();

		await expectRefused(
			proposeAgreement(testDb.db, await as(circleId, maria), { ...groceries, title: 'One too many' }, at(2)),
			'conflict',
			/already 50 proposals/
		);
		// Written, then rolled back: it is not there, nor anything else it would have brought.
		expect(await inserted()).toBe(1);
		expect(await everything()).toEqual(before);
		expect((await listAgreements(testDb.db, await as(circleId, maria))).map(agreementTitle)).not.toContain('One too many');
	});
});

describe('the count of agreements waiting for an answer', () => {
	/** The home page's count (one query) for each person, checked against the read model's answer. */
	async function waiting(circleId: string, people: SessionUser[], now: number): Promise<Record<string, number>> {
		const result: Record<string, number> = {};
		for (const person of people) {
			const access = await as(circleId, person);
			const counted = await countAgreementsWaitingFor(testDb.db, access);
			const views = await listAgreements(testDb.db, access, now);
			expect(counted, person.displayName).toBe(views.filter((agreement) => isWaitingFor(agreement, person.id)).length);
			result[person.displayName] = counted;
		}
		return result;
	}

	it('gives the read model’s answer in every state an agreement can be in', async () => {
		const { circleId, people } = await circle('Sam', 'Lee');
		const [maria, sam, lee] = people;
		expect(await waiting(circleId, people, at(0))).toEqual({ Maria: 0, Sam: 0, Lee: 0 });

		// Proposed: waiting for everyone, the proposer too; either answer is an answer.
		const open = await propose(circleId, maria, at(1));
		expect(await waiting(circleId, people, at(1))).toEqual({ Maria: 1, Sam: 1, Lee: 1 });
		await answerOpen(circleId, sam, open, at(2));
		await answerOpen(circleId, lee, open, at(3), 'changes', 'Not Saturdays.');
		expect(await waiting(circleId, people, at(3))).toEqual({ Maria: 1, Sam: 0, Lee: 0 });

		// Agreed by everyone: waiting for nobody.
		const inForce = await agreed(circleId, people, at(4));
		expect(await waiting(circleId, people, at(8))).toEqual({ Maria: 1, Sam: 0, Lee: 0 });

		// A withdrawal waits like any proposal; once withdrawn, nothing waits.
		const dropped = await propose(circleId, sam, at(10));
		await proposeWithdrawal(testDb.db, await as(circleId, sam), dropped, 'Not now.', at(11));
		expect(await waiting(circleId, people, at(11))).toEqual({ Maria: 2, Sam: 1, Lee: 1 });
		await allAgree(circleId, people, dropped, at(12));
		expect((await view(circleId, maria, dropped)).status).toBe('withdrawn');
		expect(await waiting(circleId, people, at(15))).toEqual({ Maria: 1, Sam: 0, Lee: 0 });

		// A revision of the agreement in force waits for everyone until they answer it.
		await proposeRevision(testDb.db, await as(circleId, lee), inForce, revised('Groceries on Sundays.'), 1, at(20));
		expect(await waiting(circleId, people, at(20))).toEqual({ Maria: 2, Sam: 1, Lee: 1 });
		await answerOpen(circleId, maria, inForce, at(21));
		expect(await waiting(circleId, people, at(21))).toEqual({ Maria: 1, Sam: 1, Lee: 1 });

		// Retiring waits for everyone; once retired, nothing waits.
		const retired = await agreed(circleId, people, at(30));
		await proposeRetirement(testDb.db, await as(circleId, maria), retired, 'Done with it.', at(40));
		expect(await waiting(circleId, people, at(40))).toEqual({ Maria: 2, Sam: 2, Lee: 2 });
		await allAgree(circleId, people, retired, at(41));
		expect((await view(circleId, maria, retired)).status).toBe('retired');
		expect(await waiting(circleId, people, at(45))).toEqual({ Maria: 1, Sam: 1, Lee: 1 });

		// A member who joins after the proposals: asked about each open one, and to acknowledge
		// the version in force (an agreement counts once, whatever it waits for).
		const ana = await join(circleId, maria, await addUser(testDb.db, 'Ana'), at(50));
		const everyone = [...people, ana];
		expect(await waiting(circleId, everyone, at(50))).toEqual({ Maria: 1, Sam: 1, Lee: 1, Ana: 2 });
		await answerOpen(circleId, ana, inForce, at(51));
		expect(await waiting(circleId, everyone, at(51))).toEqual({ Maria: 1, Sam: 1, Lee: 1, Ana: 2 });
		const inForceId = (await view(circleId, ana, inForce)).proposals.find((p) => p.kind === 'version' && p.outcome === 'agreed')!.id;
		await answer(circleId, ana, inForce, inForceId, at(52));
		expect(await waiting(circleId, everyone, at(52))).toEqual({ Maria: 1, Sam: 1, Lee: 1, Ana: 1 });

		// Someone who leaves and comes back is asked again: their answers from before do not count.
		await leaveCircle(testDb.db, await as(circleId, sam), at(60));
		await join(circleId, maria, sam, at(61));
		expect(await waiting(circleId, everyone, at(61))).toEqual({ Maria: 1, Sam: 2, Lee: 1, Ana: 1 });
		expect(names((await view(circleId, sam, inForce)).awaitingAcknowledgement)).toEqual(['Sam']);
	});
});

function form(fields: Record<string, string>) {
	const data = new FormData();
	for (const [k, v] of Object.entries(fields)) data.set(k, v);
	return data;
}

describe('the agreement forms', () => {
	const filled = { title: groceries.title, category: 'money', body: groceries.body };
	const proposal = (fields: Record<string, string>) => parseForm(proposalSchema(TODAY), form(fields));
	const revision = (fields: Record<string, string>) => parseForm(revisionSchema(TODAY), form(fields));
	const answerForm = (fields: Record<string, string>) => parseForm(answerSchema, form(fields));
	const reasonForm = (fields: Record<string, string>) => parseForm(reasonSchema, form(fields));
	const commentForm = (fields: Record<string, string>) => parseForm(commentSchema, form(fields));
	/** The checked data of a form that passed (fails the test otherwise). */
	function dataOf<T>(parsed: { ok: true; data: T } | { ok: false }): T | undefined {
		expect(parsed.ok).toBe(true);
		return parsed.ok ? parsed.data : undefined;
	}

	it('accepts a complete agreement, tidying its text', () => {
		expect(dataOf(proposal({ ...filled, title: '  Groceries,\n not   cash ', body: 'line one\r\nline two', reviewOn: ' 2027-03-01 ' }))).toEqual({
			title: 'Groceries, not cash',
			category: 'money',
			body: 'line one\nline two',
			support: '',
			consequence: '',
			reviewOn: '2027-03-01'
		});
		expect(revision({ ...filled, reason: 'Shorter', baseVersion: '3' })).toMatchObject({
			ok: true,
			data: { reviewOn: null, reason: 'Shorter', baseVersion: 3 }
		});
		// A new agreement has no "why": anything sent as one is not taken.
		expect(dataOf(proposal({ ...filled, reason: 'ignored' }))).not.toHaveProperty('reason');
		for (const baseVersion of ['', 'two', '1.5', '-1', '1234567']) expect(dataOf(revision({ ...filled, baseVersion }))).toMatchObject({ baseVersion: -1 });
	});

	it('needs a title and the agreement itself, keeping what was typed', () => {
		const empty = proposal({ title: ' ', category: 'home', body: '', support: 'We help.' });
		expect(empty).toMatchObject({
			ok: false,
			errors: { title: 'Please write a short title.', body: 'Please write the agreement itself.' },
			values: { category: 'home', support: 'We help.' }
		});
		const long = 'x'.repeat(121);
		expect(proposal({ ...filled, title: long })).toMatchObject({
			ok: false,
			errors: { title: expect.stringMatching(/120 characters/) },
			values: { title: long, body: groceries.body }
		});
		expect(proposal({ ...filled, title: 'x'.repeat(120) }).ok).toBe(true);
		expect(proposal({ ...filled, body: 'x'.repeat(4001) })).toMatchObject({
			ok: false,
			errors: { body: expect.stringMatching(/4,000/) }
		});
		// Counted as a person sees them: a family emoji is one character.
		expect(proposal({ ...filled, title: '👨‍👩‍👧'.repeat(120) }).ok).toBe(true);
	});

	it('needs one of the categories', () => {
		for (const category of ['bribes', '', 'toString', '__proto__']) {
			expect(proposal({ ...filled, category })).toMatchObject({
				ok: false,
				errors: { category: 'Please choose one of the categories.' },
				values: { category: '', title: groceries.title }
			});
		}
	});

	it('takes a review date that exists, from yesterday to ten years on', () => {
		const reviewError = (reviewOn: string) => {
			const parsed = proposal({ ...filled, reviewOn });
			return parsed.ok ? undefined : [parsed.errors.reviewOn, parsed.values.reviewOn];
		};
		expect(reviewError('2027-02-30')).toEqual([expect.stringMatching(/doesn’t exist/), '2027-02-30']);
		expect(reviewError('31/12/2027')).toEqual([expect.stringMatching(/like 2027-03-01/), '31/12/2027']);
		expect(reviewError('2026-10-30')).toEqual([expect.stringMatching(/future/), '2026-10-30']);
		expect(reviewError('2037-01-01')).toEqual([expect.stringMatching(/ten years/), '2037-01-01']);
		expect(reviewError('2026-10-31')).toBeUndefined();
		expect(reviewError('2027-02-28')).toBeUndefined();
		expect(reviewError('2028-02-29')).toBeUndefined();
	});

	it('needs a comment with “I’d like changes”, and one of the two answers', () => {
		// What was typed comes back as typed (here, two spaces).
		expect(answerForm({ answer: 'changes', comment: '  ' })).toEqual({
			ok: false,
			errors: { comment: expect.stringMatching(/what you’d like changed/) },
			values: { answer: 'changes', comment: '  ' }
		});
		expect(answerForm({ answer: 'maybe', comment: 'hm' })).toMatchObject({
			ok: false,
			errors: { answer: expect.any(String) },
			values: { answer: '', comment: 'hm' }
		});
		expect(dataOf(answerForm({ proposalId: 'p1', answer: 'agree' }))).toEqual({ proposalId: 'p1', answer: 'agree', comment: '' });
		expect(dataOf(answerForm({ answer: 'changes', comment: ' Less strict ' }))).toEqual({ proposalId: '', answer: 'changes', comment: 'Less strict' });
		expect(answerForm({ answer: 'agree', comment: 'x'.repeat(2001) }).ok).toBe(false);
		expect(answerForm({ answer: 'changes', comment: 'x'.repeat(2001) })).toMatchObject({ ok: false, errors: { comment: expect.stringMatching(/2,000/) } });
	});

	it('needs a reason to withdraw or retire, and words in a comment', () => {
		expect(reasonForm({ reason: ' ' })).toMatchObject({ ok: false, errors: { reason: expect.any(String) } });
		expect(reasonForm({ reason: 'x'.repeat(1001) })).toMatchObject({ ok: false, errors: { reason: expect.stringMatching(/1,000/) } });
		expect(dataOf(reasonForm({ reason: ' It served us well. ' }))).toEqual({ reason: 'It served us well.' });
		expect(commentForm({ body: '\n' })).toMatchObject({ ok: false, errors: { body: expect.any(String) } });
		expect(commentForm({ body: 'x'.repeat(2001) }).ok).toBe(false);
		expect(commentForm({ body: 'bad\u0007bell' }).ok).toBe(false);
		expect(dataOf(commentForm({ body: 'Two\r\nlines' }))).toEqual({ body: 'Two\nlines' });
	});
});

describe('shared helpers', () => {
	it('name people, categories and days', () => {
		expect(listNames([])).toBe('');
		expect(listNames(['Ana'])).toBe('Ana');
		expect(listNames(['Ana', 'Sam'])).toBe('Ana and Sam');
		expect(listNames(['Ana', 'Sam', 'Lee'])).toBe('Ana, Sam and Lee');
		expect(categoryLabel('home')).toBe('Home & visits');
		expect(categoryLabel('bribes')).toBe('Other');
		expect(isoDate(Date.UTC(2027, 0, 2, 23, 59))).toBe('2027-01-02');
		expect(formatDay('2027-03-12')).toBe('12 March 2027');
	});
});

/** A small seeded PRNG (mulberry32), so a failing case can be found again. */
function prng(seed: number) {
	return () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const joined = (parts: DiffPart[], keep: DiffPart['kind']) =>
	parts
		.filter((part) => part.kind === 'same' || part.kind === keep)
		.map((part) => part.text)
		.join('');

function expectDiffOf(before: string, after: string) {
	const parts = diffWords(before, after);
	expect(joined(parts, 'removed')).toBe(before);
	expect(joined(parts, 'added')).toBe(after);
	expect(parts.every((part) => part.text !== '')).toBe(true);
	expect(parts.every((part, i) => i === 0 || parts[i - 1]!.kind !== part.kind)).toBe(true);
	return parts;
}

describe('word differences', () => {
	it('finds nothing changed in the same text', () => {
		expect(diffWords('We buy groceries.', 'We buy groceries.')).toEqual([{ kind: 'same', text: 'We buy groceries.' }]);
		expect(diffWords('', '')).toEqual([]);
	});

	it('shows one changed word as removed and added', () => {
		expect(diffWords('We buy groceries together', 'We buy food together')).toEqual([
			{ kind: 'same', text: 'We buy ' },
			{ kind: 'removed', text: 'groceries' },
			{ kind: 'added', text: 'food' },
			{ kind: 'same', text: ' together' }
		]);
		expect(diffWords('', 'All new')).toEqual([{ kind: 'added', text: 'All new' }]);
		expect(diffWords('All gone', '')).toEqual([{ kind: 'removed', text: 'All gone' }]);
	});

	it('gives back both texts exactly, whatever the edit', () => {
		const random = prng(20261101);
		const vocabulary = ['we', 'buy', 'groceries', 'together', 'cash', 'Sunday', 'é', '—', 'no', 'no.', '🙂'];
		const spaces = [' ', ' ', '  ', '\n', '\t', ' \n '];
		const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
		const text = (words: number) =>
			Array.from({ length: words }, (_, i) => (i === 0 && random() < 0.2 ? pick(spaces) : '') + pick(vocabulary) + pick(spaces)).join('');
		for (let round = 0; round < 300; round++) {
			const before = text(Math.floor(random() * 20));
			const tokens = before.match(/\s+|\S+/g) ?? [];
			const edited = tokens.flatMap((token) => {
				const roll = random();
				if (roll < 0.1) return [];
				if (roll < 0.2) return [pick(vocabulary)];
				if (roll < 0.3) return [token, pick(spaces), pick(vocabulary)];
				return [token];
			});
			const after = random() < 0.1 ? text(Math.floor(random() * 20)) : edited.join('');
			expectDiffOf(before, after);
		}
	});

	it('still gives back both texts when they are too long to compare word by word', () => {
		const before = Array.from({ length: 2100 }, (_, i) => `a${i}`).join(' ');
		const after = Array.from({ length: 2100 }, (_, i) => `b${i}`).join(' ');
		expect(expectDiffOf(`Start ${before} end`, `Start ${after} end`).map((part) => part.kind)).toEqual(['same', 'removed', 'added', 'same']);
	});
});
