import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isActionFailure, isHttpError } from '@sveltejs/kit';
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
import { parseAgreementForm, parseAnswerForm, parseCommentForm, parseReasonForm, type AgreementInput } from '$lib/server/boundaries/agreement-forms';
import {
	OPEN_PROPOSALS_LIMIT,
	answerProposal,
	commentOnAgreement,
	getAgreement,
	listAgreements,
	proposeAgreement,
	proposeRetirement,
	proposeRevision,
	proposeWithdrawal
} from '$lib/server/boundaries/agreements';
import { createCircle, deleteCircle, leaveCircle, removeMember } from '$lib/server/circles/circles';
import { acceptInvite, createInvite } from '$lib/server/circles/invites';
import { listCircleEventsAfter } from '$lib/server/circles/events';
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

/** One person for each name (and Maria): a tuple, so destructured people are never undefined. */
type PeopleOf<Names extends unknown[]> = { [K in keyof Names]: SessionUser };

/** Maria's circle "The Garcias", with everyone named joined through an invite (in that order, just after T0). */
async function circleOf<N extends string[]>(...names: N) {
	const maria = await addUser(testDb.db, 'Maria');
	const { circleId } = await createCircle(testDb.db, maria, { name: 'The Garcias', description: '' }, T0);
	const people: SessionUser[] = [maria];
	for (const [i, name] of names.entries()) people.push(await join(circleId, maria, await addUser(testDb.db, name), T0 + i + 1));
	return { circleId, people: people as PeopleOf<['Maria', ...N]> };
}

async function join(circleId: string, owner: SessionUser, person: SessionUser, when: number) {
	const { token } = await createInvite(testDb.db, owner, circleId, { expiresInDays: 7, maxUses: 1, role: 'member', note: '' }, when);
	expect(await acceptInvite(testDb.db, person, token, when)).toMatchObject({ ok: true, alreadyMember: false });
	return person;
}

/** What a successful action returns (fails the test on a refusal). */
function succeeded<T extends object>(result: T): Exclude<T, { status: number }> {
	if (isActionFailure(result)) throw new Error(`refused: ${JSON.stringify(result.data)}`);
	return result as Exclude<T, { status: number }>;
}

function expectRefused(result: unknown, message: RegExp) {
	expect(isActionFailure(result)).toBe(true);
	if (!isActionFailure(result)) return;
	expect(result.status).toBe(400);
	expect(result.data).toEqual({ message: expect.stringMatching(message) });
}

async function expectStatus(promise: Promise<unknown>, status: number) {
	const thrown = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(isHttpError(thrown) ? thrown.status : thrown).toBe(status);
}

async function propose(circleId: string, who: SessionUser, when: number, input: AgreementInput = groceries) {
	return succeeded(await proposeAgreement(testDb.db, who, circleId, input, when)).agreementId;
}

function view(circleId: string, who: SessionUser, agreementId: string, now = at(1000)): Promise<AgreementView> {
	return getAgreement(testDb.db, who, circleId, agreementId, now);
}

async function openProposalId(circleId: string, who: SessionUser, agreementId: string) {
	const { openProposal } = await view(circleId, who, agreementId);
	if (!openProposal) throw new Error('nothing is waiting for answers');
	return openProposal.id;
}

function answer(circleId: string, who: SessionUser, agreementId: string, proposalId: string, when: number, kind: AnswerKind = 'agree', comment = '') {
	return answerProposal(testDb.db, who, circleId, agreementId, proposalId, { answer: kind, comment }, when);
}

/** Answers whatever is open now. */
async function answerOpen(circleId: string, who: SessionUser, agreementId: string, when: number, kind: AnswerKind = 'agree', comment = '') {
	return succeeded(await answer(circleId, who, agreementId, await openProposalId(circleId, who, agreementId), when, kind, comment));
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

function count(table: string): number {
	return testDb.sqlite.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
}

const counts = () => Object.fromEntries(HISTORY_TABLES.map((table) => [table, count(table)]));

describe('agreeing', () => {
	it('lets a member alone in the circle propose and then agree, and logs each step', async () => {
		const {
			circleId,
			people: [maria]
		} = await circleOf();
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
		} = await circleOf('Sam', 'Lee');
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
		} = await circleOf('Sam', 'Lee');
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
		} = await circleOf('Sam');
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
		} = await circleOf('Sam');
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
		} = await circleOf('Sam');
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
		} = await circleOf('Sam');
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
		} = await circleOf('Sam', 'Lee');
		const agreementId = await propose(circleId, maria, at(1));
		const v1 = await openProposalId(circleId, maria, agreementId);
		await answerOpen(circleId, sam, agreementId, at(2));
		await answerOpen(circleId, lee, agreementId, at(3));
		succeeded(await proposeRevision(testDb.db, maria, circleId, agreementId, revised('We buy groceries together.', 'Shorter'), 1, at(4)));

		const pending = await view(circleId, maria, agreementId);
		expect(pending.proposals[0]).toMatchObject({ id: v1, outcome: 'replaced', decidedAt: at(4) });
		expect(pending.openProposal).toMatchObject({ kind: 'version', version: 2, reason: 'Shorter', agreedBy: [] });
		expect(names(pending.openProposal!.notAnswered)).toEqual(['Maria', 'Sam', 'Lee']);

		const before = counts();
		expectRefused(await answer(circleId, sam, agreementId, v1, at(5)), /changed since you opened it/);
		expect(counts()).toEqual(before);

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
		} = await circleOf('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		expectRefused(await proposeRevision(testDb.db, sam, circleId, agreementId, { ...groceries, reason: '' }, 1, at(5)), /same as version 1/);

		succeeded(await proposeRevision(testDb.db, sam, circleId, agreementId, revised('Groceries only, every week.'), 1, at(6)));
		const pending = await view(circleId, maria, agreementId);
		expect(pending).toMatchObject({ status: 'agreed', inForce: { number: 1 }, latest: { number: 2 }, openProposal: { version: 2 } });
		expect(agreementTitle(pending)).toBe(groceries.title);

		succeeded(await proposeRevision(testDb.db, maria, circleId, agreementId, revised('Groceries only, every other week.'), 2, at(7)));
		const second = await view(circleId, maria, agreementId);
		expect(second.proposals.map((p) => [p.version, p.outcome])).toEqual([
			[1, 'agreed'],
			[2, 'replaced'],
			[3, null]
		]);
		expect(second).toMatchObject({ status: 'agreed', inForce: { number: 1 }, openProposal: { version: 3 } });

		const before = counts();
		expectRefused(await proposeRevision(testDb.db, sam, circleId, agreementId, revised('My own idea.'), 2, at(8)), /version 3 was proposed/);
		expectRefused(
			await proposeRevision(testDb.db, sam, circleId, agreementId, revised('Groceries only, every other week.', 'again'), 3, at(9)),
			/same as version 3/
		);
		expect(counts()).toEqual(before);

		await allAgree(circleId, [maria, sam], agreementId, at(10));
		expect(await view(circleId, maria, agreementId)).toMatchObject({ status: 'agreed', inForce: { number: 3 }, openProposal: null });
	});

	it('is due for review from the review date of the version in force', async () => {
		const {
			circleId,
			people: [maria]
		} = await circleOf();
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
		} = await circleOf('Sam');
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
		} = await circleOf('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		const inForceId = (await view(circleId, maria, agreementId)).proposals[0]!.id;
		const lee = await join(circleId, maria, await addUser(testDb.db, 'Lee'), at(5));

		const waiting = await view(circleId, lee, agreementId);
		expect(waiting).toMatchObject({ status: 'agreed', inForce: { number: 1 }, openProposal: null });
		expect(names(waiting.awaitingAcknowledgement)).toEqual(['Lee']);
		expect(isWaitingFor(waiting, lee.id)).toBe(true);
		expect(isWaitingFor(waiting, sam.id)).toBe(false);

		const before = counts();
		expectRefused(await answer(circleId, lee, agreementId, inForceId, at(6), 'changes', 'I’d word it differently.'), /already in force/);
		expect(await answer(circleId, sam, agreementId, inForceId, at(6))).toEqual({ answered: false, decided: false });
		expect(counts()).toEqual(before);

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
		} = await circleOf('Sam', 'Lee');
		const agreementId = await propose(circleId, sam, at(1));
		await allAgree(circleId, [maria, sam], agreementId, at(2));
		succeeded(await leaveCircle(testDb.db, lee, circleId, at(5)));
		expect(await view(circleId, maria, agreementId)).toMatchObject({ status: 'agreed', inForce: { number: 1 }, proposals: [{ decidedAt: at(5) }] });
		expect((await eventTypes(circleId)).slice(-2)).toEqual(['member.left', 'agreement.agreed']);
	});

	it('settles a proposal waiting only for someone who is removed', async () => {
		const {
			circleId,
			people: [maria, sam, lee]
		} = await circleOf('Sam', 'Lee');
		const agreementId = await propose(circleId, sam, at(1));
		await allAgree(circleId, [maria, sam], agreementId, at(2));
		await removeMember(testDb.db, maria, circleId, lee.id, at(5));
		expect((await view(circleId, maria, agreementId)).status).toBe('agreed');
		expect((await eventTypes(circleId)).slice(-2)).toEqual(['member.removed', 'agreement.agreed']);
	});

	it('settles a proposal when the only member who asked for changes is removed', async () => {
		const {
			circleId,
			people: [maria, sam, lee]
		} = await circleOf('Sam', 'Lee');
		const agreementId = await propose(circleId, maria, at(1));
		await allAgree(circleId, [maria, sam], agreementId, at(2));
		await answerOpen(circleId, lee, agreementId, at(4), 'changes', 'No.');
		expect((await view(circleId, maria, agreementId)).status).toBe('proposed');
		await removeMember(testDb.db, maria, circleId, lee.id, at(5));
		const done = await view(circleId, maria, agreementId);
		expect(done.status).toBe('agreed');
		expect(done.proposals[0]!.answers.map((a) => a.person.displayName)).toEqual(['Maria', 'Sam', 'Lee']);
	});

	it('leaves a proposal open when someone else is still missing', async () => {
		const {
			circleId,
			people: [maria, sam, lee]
		} = await circleOf('Sam', 'Lee');
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, maria, agreementId, at(2));
		await removeMember(testDb.db, maria, circleId, lee.id, at(3));
		expect(names((await view(circleId, sam, agreementId)).openProposal!.notAnswered)).toEqual(['Sam']);
		expect((await eventTypes(circleId)).at(-1)).toBe('member.removed');
	});

	it('forgets the answer of someone who left once they come back', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, sam, agreementId, at(2));
		succeeded(await leaveCircle(testDb.db, sam, circleId, at(3)));
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
		} = await circleOf('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		succeeded(await leaveCircle(testDb.db, sam, circleId, at(5)));
		await join(circleId, maria, sam, at(6));
		expect(names((await view(circleId, maria, agreementId)).awaitingAcknowledgement)).toEqual(['Sam']);
	});
});

describe('retiring', () => {
	it('keeps the agreement in force until everyone agrees to retire it', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		succeeded(await proposeRetirement(testDb.db, sam, circleId, agreementId, 'We don’t need it any more.', at(5)));
		const pending = await view(circleId, maria, agreementId);
		expect(pending).toMatchObject({
			status: 'agreed',
			inForce: { number: 1 },
			openProposal: { kind: 'retire', version: 1, reason: 'We don’t need it any more.', createdBy: { displayName: 'Sam' } }
		});
		expectRefused(await proposeRetirement(testDb.db, maria, circleId, agreementId, 'Me too', at(6)), /already proposed/);

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
		} = await circleOf();
		const agreementId = await propose(circleId, maria, at(1));
		const before = counts();
		expectRefused(await proposeRetirement(testDb.db, maria, circleId, agreementId, 'Changed my mind', at(2)), /propose withdrawing/);
		expect(counts()).toEqual(before);
	});

	it('closes the agreement: no revision, answer, withdrawal or retirement afterwards', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		const inForceId = (await view(circleId, maria, agreementId)).proposals[0]!.id;
		succeeded(await proposeRetirement(testDb.db, sam, circleId, agreementId, 'Done with it.', at(5)));
		const retireId = await openProposalId(circleId, maria, agreementId);
		await allAgree(circleId, [maria, sam], agreementId, at(6));

		const lee = await join(circleId, maria, await addUser(testDb.db, 'Lee'), at(8));
		const before = counts();
		expectRefused(await proposeRevision(testDb.db, maria, circleId, agreementId, revised('Back again'), 1, at(9)), /retired/);
		expectRefused(await answer(circleId, lee, agreementId, inForceId, at(9)), /retired/);
		expectRefused(await answer(circleId, lee, agreementId, retireId, at(9)), /retired/);
		expectRefused(await proposeWithdrawal(testDb.db, maria, circleId, agreementId, 'Undo', at(9)), /retired/);
		expectRefused(await proposeRetirement(testDb.db, maria, circleId, agreementId, 'Again', at(9)), /retired/);
		expect(counts()).toEqual(before);
		expect((await view(circleId, lee, agreementId)).awaitingAcknowledgement).toEqual([]);
	});
});

describe('withdrawing', () => {
	it('withdraws a proposal never agreed, once everyone agrees', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		const v1 = await openProposalId(circleId, maria, agreementId);
		await answerOpen(circleId, maria, agreementId, at(2));
		succeeded(await proposeWithdrawal(testDb.db, sam, circleId, agreementId, 'Not the right time.', at(3)));
		const pending = await view(circleId, maria, agreementId);
		expect(pending.proposals[0]).toMatchObject({ id: v1, outcome: 'replaced' });
		expect(pending).toMatchObject({ status: 'proposed', openProposal: { kind: 'withdraw', version: null, withdrawsProposalId: v1, agreedBy: [] } });

		await allAgree(circleId, [maria, sam], agreementId, at(4));
		expect(await view(circleId, maria, agreementId)).toMatchObject({ status: 'withdrawn', inForce: null, openProposal: null });
		expect((await eventTypes(circleId)).slice(-2)).toEqual(['agreement.answered', 'agreement.withdrawn']);
		expectRefused(await proposeRevision(testDb.db, maria, circleId, agreementId, revised('Try again'), 1, at(9)), /withdrawn/);
	});

	it('withdraws a pending revision and leaves the agreed version in force', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const agreementId = await agreed(circleId, [maria, sam], at(1));
		expectRefused(await proposeWithdrawal(testDb.db, sam, circleId, agreementId, 'Nothing to withdraw', at(4)), /nothing to withdraw/);
		succeeded(await proposeRevision(testDb.db, sam, circleId, agreementId, revised('Cash is fine sometimes.'), 1, at(5)));
		succeeded(await proposeWithdrawal(testDb.db, maria, circleId, agreementId, 'Let’s keep it as it is.', at(6)));

		const before = counts();
		expectRefused(await proposeWithdrawal(testDb.db, sam, circleId, agreementId, 'Withdraw the withdrawal', at(7)), /already proposed/);
		expect(counts()).toEqual(before);

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
		} = await circleOf('Sam');
		const { circleId: otherCircleId } = await createCircle(testDb.db, maria, { name: 'Work friends', description: '' }, T0);
		const agreementId = await propose(circleId, maria, at(1));
		const proposalId = await openProposalId(circleId, maria, agreementId);
		const otherAgreementId = await propose(circleId, sam, at(2), { ...groceries, title: 'Quiet hours' });
		const otherProposalId = await openProposalId(circleId, sam, otherAgreementId);
		const outsider = await addUser(testDb.db, 'Outsider');
		const before = counts();
		const agree = { answer: 'agree' as const, comment: '' };
		const everything = (who: SessionUser, inCircle: string, agreement: string, proposal: string) => [
			() => getAgreement(testDb.db, who, inCircle, agreement, at(3)),
			() => answerProposal(testDb.db, who, inCircle, agreement, proposal, agree, at(3)),
			() => proposeRevision(testDb.db, who, inCircle, agreement, revised('Changed'), 1, at(3)),
			() => proposeWithdrawal(testDb.db, who, inCircle, agreement, 'why', at(3)),
			() => proposeRetirement(testDb.db, who, inCircle, agreement, 'why', at(3)),
			() => commentOnAgreement(testDb.db, who, inCircle, agreement, 'Hello', at(3))
		];

		for (const attempt of everything(maria, otherCircleId, agreementId, proposalId)) await expectStatus(attempt(), 404);
		for (const attempt of everything(outsider, circleId, agreementId, proposalId)) await expectStatus(attempt(), 404);
		await expectStatus(listAgreements(testDb.db, outsider, circleId), 404);
		await expectStatus(answerProposal(testDb.db, maria, circleId, agreementId, otherProposalId, agree, at(3)), 404);
		await expectStatus(answerProposal(testDb.db, sam, circleId, otherAgreementId, proposalId, agree, at(3)), 404);
		for (const bad of ['../x', "' OR 1=1", '', 'A'.repeat(10)]) {
			for (const attempt of everything(maria, circleId, bad, proposalId)) await expectStatus(attempt(), 404);
			await expectStatus(answerProposal(testDb.db, maria, circleId, agreementId, bad, agree, at(3)), 404);
			await expectStatus(getAgreement(testDb.db, maria, bad, agreementId), 404);
		}
		expect(counts()).toEqual(before);
		expect(count('agreement_answers')).toBe(0);
		expect(await listAgreements(testDb.db, maria, otherCircleId)).toEqual([]);
	});

	it('finds nothing for a member once they are removed', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const agreementId = await propose(circleId, maria, at(1));
		const proposalId = await openProposalId(circleId, maria, agreementId);
		await removeMember(testDb.db, maria, circleId, sam.id, at(2));
		await expectStatus(getAgreement(testDb.db, sam, circleId, agreementId), 404);
		await expectStatus(answer(circleId, sam, agreementId, proposalId, at(3)), 404);
		expect(count('agreement_answers')).toBe(0);
	});
});

type Row = Record<string, unknown>;

/** Every history row, oldest first; of proposals, what never changes, and separately the decisions made. */
function history() {
	const rows = (table: string, columns = '*') => testDb.sqlite.prepare(`SELECT ${columns} FROM ${table} ORDER BY rowid`).all() as Row[];
	return {
		versions: rows('agreement_versions'),
		proposals: rows('agreement_proposals', 'id, agreement_id, kind, version, withdraws_proposal_id, reason, created_by, created_at'),
		decisions: rows('agreement_proposals', 'id, outcome, decided_at').filter((row) => row.outcome !== null),
		answers: rows('agreement_answers'),
		comments: rows('agreement_comments')
	};
}

function expectOnlyAppended(before: ReturnType<typeof history>, after: ReturnType<typeof history>) {
	for (const key of ['versions', 'proposals', 'answers', 'comments'] as const) {
		expect(after[key].slice(0, before[key].length), key).toEqual(before[key]);
	}
	expect(after.decisions).toEqual(expect.arrayContaining(before.decisions));
}

describe('history', () => {
	/** Two agreements with a bit of everything: changes asked, comments, a revision agreed, one pending, a withdrawal open. */
	async function fullFlow() {
		const { circleId, people } = await circleOf('Sam', 'Lee');
		const [maria, sam, lee] = people;
		const agreementId = await propose(circleId, maria, at(1));
		await answerOpen(circleId, sam, agreementId, at(2), 'changes', 'Saturdays are hard for me.');
		succeeded(await commentOnAgreement(testDb.db, maria, circleId, agreementId, 'Sundays then?', at(3)));
		succeeded(await proposeRevision(testDb.db, sam, circleId, agreementId, revised('We shop on Sundays.', 'Sundays'), 1, at(4)));
		await allAgree(circleId, people, agreementId, at(5));
		succeeded(await proposeRevision(testDb.db, lee, circleId, agreementId, revised('We shop on Sundays, or Mondays.'), 2, at(8)));
		await answerOpen(circleId, maria, agreementId, at(9));
		const secondId = await propose(circleId, maria, at(10), { ...groceries, title: 'Quiet hours', category: 'home' });
		succeeded(await proposeWithdrawal(testDb.db, sam, circleId, secondId, 'Not needed', at(11)));
		return { circleId, maria, sam, lee, people, agreementId, secondId };
	}

	it('cannot be changed through any action, only added to', async () => {
		const { circleId, maria, sam, lee, people, agreementId, secondId } = await fullFlow();
		const original = history();
		const v3 = await openProposalId(circleId, maria, agreementId);
		let minute = 20;
		const next = () => at((minute += 10));
		let ana: SessionUser | undefined;
		const actions: Array<{ what: string; refused?: true; run: () => Promise<unknown> }> = [
			{ what: 'revise again', run: () => proposeRevision(testDb.db, sam, circleId, agreementId, revised('Groceries on Sundays.', 'simpler'), 3, next()) },
			{ what: 'answer the replaced version', refused: true, run: () => answer(circleId, lee, agreementId, v3, next(), 'changes', 'late') },
			{ what: 'revise from a stale version', refused: true, run: () => proposeRevision(testDb.db, lee, circleId, agreementId, revised('Mine'), 3, next()) },
			{
				what: 'revise to the same words',
				refused: true,
				run: () => proposeRevision(testDb.db, lee, circleId, agreementId, revised('Groceries on Sundays.'), 4, next())
			},
			{ what: 'ask for changes', run: () => answerOpen(circleId, lee, agreementId, next(), 'changes', 'Too vague') },
			{ what: 'agree after all', run: () => answerOpen(circleId, lee, agreementId, next()) },
			{ what: 'propose a withdrawal', run: () => proposeWithdrawal(testDb.db, maria, circleId, agreementId, 'Keep version 2', next()) },
			{ what: 'withdraw the withdrawal', refused: true, run: () => proposeWithdrawal(testDb.db, sam, circleId, agreementId, 'No', next()) },
			{ what: 'comment', run: () => commentOnAgreement(testDb.db, lee, circleId, agreementId, 'Fine by me.', next()) },
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
			{ what: 'propose retirement', run: () => proposeRetirement(testDb.db, lee, circleId, agreementId, 'Outgrown', next()) },
			{ what: 'agree to retire', run: () => allAgree(circleId, [maria, lee, ana!], agreementId, next()) },
			{ what: 'remove the last one missing', run: () => removeMember(testDb.db, maria, circleId, sam.id, next()) },
			{ what: 'answer once retired', refused: true, run: () => answer(circleId, lee, agreementId, v3, next()) },
			{ what: 'revise once retired', refused: true, run: () => proposeRevision(testDb.db, lee, circleId, agreementId, revised('Back'), 4, next()) },
			{ what: 'comment once retired', run: () => commentOnAgreement(testDb.db, lee, circleId, agreementId, 'Good riddance.', next()) },
			{ what: 'settle the other withdrawal', run: () => allAgree(circleId, [maria, lee, ana!], secondId, next()) }
		];
		let before = original;
		for (const { what, refused, run } of actions) {
			const result = await run();
			const after = history();
			expectOnlyAppended(before, after);
			expect(isActionFailure(result), what).toBe(Boolean(refused));
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
		const before = history();
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
		expect(history()).toEqual(before);
		expect(count('agreements')).toBe(2);

		expect(isActionFailure(await deleteCircle(testDb.db, maria, circleId, 'The Garcia'))).toBe(true);
		expect(count('agreements')).toBe(2);
		expect(await deleteCircle(testDb.db, maria, circleId, 'The Garcias')).toEqual({ deleted: 'The Garcias' });
		for (const table of ['agreements', ...HISTORY_TABLES]) expect(count(table), table).toBe(0);
	});
});

describe('comments', () => {
	it('are added beside an agreement, in order, and bring it to the top of the list', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('Sam');
		const first = await propose(circleId, maria, at(1));
		const second = await propose(circleId, sam, at(2), { ...groceries, title: 'Quiet hours' });
		expect((await listAgreements(testDb.db, maria, circleId, at(3))).map((a) => a.id)).toEqual([second, first]);

		expect(await commentOnAgreement(testDb.db, sam, circleId, first, 'What about birthdays?', at(4))).toEqual({ commented: true });
		await commentOnAgreement(testDb.db, maria, circleId, first, 'Birthdays are different.', at(5));
		const { comments, updatedAt } = await view(circleId, maria, first);
		expect(comments.map((c) => [c.author.displayName, c.body, c.createdAt])).toEqual([
			['Sam', 'What about birthdays?', at(4)],
			['Maria', 'Birthdays are different.', at(5)]
		]);
		expect(updatedAt).toBe(at(5));
		const list = await listAgreements(testDb.db, maria, circleId, at(6));
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
		} = await circleOf();
		for (let i = 0; i < OPEN_PROPOSALS_LIMIT; i++) await propose(circleId, maria, at(1) + i, { ...groceries, title: `Agreement ${i}` });
		const before = counts();
		expectRefused(await proposeAgreement(testDb.db, maria, circleId, groceries, at(2)), /already 50 proposals/);
		expect(counts()).toEqual(before);
		await answerOpen(circleId, maria, (await listAgreements(testDb.db, maria, circleId))[0]!.id, at(3));
		await propose(circleId, maria, at(4));
	});
});

function form(fields: Record<string, string>) {
	const data = new FormData();
	for (const [k, v] of Object.entries(fields)) data.set(k, v);
	return data;
}

describe('the agreement forms', () => {
	const filled = { title: groceries.title, category: 'money', body: groceries.body };

	it('accepts a complete agreement, tidying its text', () => {
		expect(parseAgreementForm(form({ ...filled, title: '  Groceries,\n not   cash ', body: 'line one\r\nline two', reviewOn: ' 2027-03-01 ' }), TODAY)).toEqual(
			{
				ok: true,
				data: { title: 'Groceries, not cash', category: 'money', body: 'line one\nline two', support: '', consequence: '', reviewOn: '2027-03-01', reason: '' }
			}
		);
		expect(parseAgreementForm(form({ ...filled, reason: 'Shorter' }), TODAY, { withReason: true })).toMatchObject({
			ok: true,
			data: { reviewOn: null, reason: 'Shorter' }
		});
		expect(parseAgreementForm(form({ ...filled, reason: 'ignored' }), TODAY)).toMatchObject({ ok: true, data: { reason: '' } });
	});

	it('needs a title and the agreement itself, keeping what was typed', () => {
		const empty = parseAgreementForm(form({ title: ' ', category: 'home', body: '', support: 'We help.' }), TODAY);
		expect(empty).toMatchObject({
			ok: false,
			errors: { title: expect.any(String), body: expect.any(String) },
			values: { category: 'home', support: 'We help.' }
		});
		const long = 'x'.repeat(121);
		expect(parseAgreementForm(form({ ...filled, title: long }), TODAY)).toMatchObject({
			ok: false,
			errors: { title: expect.stringMatching(/120 characters/) },
			values: { title: long, body: groceries.body }
		});
		expect(parseAgreementForm(form({ ...filled, title: 'x'.repeat(120) }), TODAY).ok).toBe(true);
		expect(parseAgreementForm(form({ ...filled, body: 'x'.repeat(4001) }), TODAY)).toMatchObject({
			ok: false,
			errors: { body: expect.stringMatching(/4,000/) }
		});
	});

	it('needs one of the categories', () => {
		for (const category of ['bribes', '', 'toString', '__proto__']) {
			expect(parseAgreementForm(form({ ...filled, category }), TODAY)).toMatchObject({
				ok: false,
				errors: { category: expect.any(String) },
				values: { category: '', title: groceries.title }
			});
		}
	});

	it('takes a review date that exists, from yesterday to ten years on', () => {
		const reviewError = (reviewOn: string) => {
			const parsed = parseAgreementForm(form({ ...filled, reviewOn }), TODAY);
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
		expect(parseAnswerForm(form({ answer: 'changes', comment: '  ' }))).toEqual({
			ok: false,
			errors: { comment: expect.stringMatching(/what you’d like changed/) },
			values: { answer: 'changes', comment: '' }
		});
		expect(parseAnswerForm(form({ answer: 'maybe', comment: 'hm' }))).toMatchObject({
			ok: false,
			errors: { answer: expect.any(String) },
			values: { answer: '', comment: 'hm' }
		});
		expect(parseAnswerForm(form({ answer: 'agree' }))).toEqual({ ok: true, data: { answer: 'agree', comment: '' } });
		expect(parseAnswerForm(form({ answer: 'changes', comment: ' Less strict ' }))).toEqual({ ok: true, data: { answer: 'changes', comment: 'Less strict' } });
		expect(parseAnswerForm(form({ answer: 'agree', comment: 'x'.repeat(2001) })).ok).toBe(false);
	});

	it('needs a reason to withdraw or retire, and words in a comment', () => {
		expect(parseReasonForm(form({ reason: ' ' }))).toMatchObject({ ok: false, errors: { reason: expect.any(String) } });
		expect(parseReasonForm(form({ reason: 'x'.repeat(1001) }))).toMatchObject({ ok: false, errors: { reason: expect.stringMatching(/1,000/) } });
		expect(parseReasonForm(form({ reason: ' It served us well. ' }))).toEqual({ ok: true, data: { reason: 'It served us well.' } });
		expect(parseCommentForm(form({ body: '\n' }))).toMatchObject({ ok: false, errors: { body: expect.any(String) } });
		expect(parseCommentForm(form({ body: 'x'.repeat(2001) })).ok).toBe(false);
		expect(parseCommentForm(form({ body: 'bad\u0007bell' })).ok).toBe(false);
		expect(parseCommentForm(form({ body: 'Two\r\nlines' }))).toEqual({ ok: true, data: { body: 'Two\nlines' } });
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
