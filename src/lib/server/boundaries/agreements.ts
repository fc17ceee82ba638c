// Boundary agreements: proposed by anyone, in force only when every current member has agreed to
// that exact version, changed, withdrawn or retired only the same way. The rules:
//
// - An agreement has at most one open proposal: a version of its words, a withdrawal of the open
//   proposal, or a retirement. Proposing something new while one is open replaces it: the earlier
//   one stays on record as "replaced", and its answers no longer count.
// - A proposal is agreed when the latest answer of every current member, given since they
//   joined, is "I agree". The proposer is asked like anyone else. A member leaving or being
//   removed settles whatever was waiting only for them.
// - While a revision waits, the agreed version stays in force.
// - A newcomer's "I agree" to the version in force is an acknowledgement; until they give it the
//   agreement shows as "agreed by everyone else, waiting for …".
// - Versions, proposals, answers and comments are append-only (the database refuses edits too).
import { error, fail } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import type { SessionUser } from '$lib/server/auth/sessions';
import { isRowId, newId } from '$lib/server/ids';
import { requireCircleAction, type CircleAccess } from '$lib/server/circles/access';
import { appendCircleEvent } from '$lib/server/circles/events';
import { todayFor } from '$lib/server/circles/today';
import { publishCircleEvents } from '$lib/server/realtime/publish';
import type { CircleEvent } from '$lib/realtime/events';
import {
	isWaitingFor,
	type AgreementCategory,
	type AgreementCommentView,
	type AgreementVersionView,
	type AgreementView,
	type AnswerKind,
	type AnswerView,
	type PersonRef,
	type ProposalView
} from '$lib/agreements';
import type { AgreementInput } from './agreement-forms';

type Reader = Database | Transaction<DB>;
type AgreementRow = DB['agreements'];
type ProposalRow = DB['agreement_proposals'];

/** More open proposals than this in one circle is a sign something is wrong, not a family talking. */
export const OPEN_PROPOSALS_LIMIT = 50;

interface CurrentMember extends PersonRef {
	joinedAt: number;
}

async function currentMembers(db: Reader, circleId: string): Promise<CurrentMember[]> {
	const rows = await db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select(['users.id', 'users.display_name', 'memberships.joined_at'])
		.where('memberships.circle_id', '=', circleId)
		.orderBy('memberships.joined_at', 'asc')
		.execute();
	return rows.map((row) => ({ id: row.id, displayName: row.display_name, joinedAt: row.joined_at }));
}

export interface Tally {
	agreedBy: PersonRef[];
	changesFrom: PersonRef[];
	notAnswered: PersonRef[];
	everyoneAgreed: boolean;
}

/**
 * Where each current member stands on one proposal: their latest answer given since they joined
 * (an answer from before they left and came back does not count). `answers` are oldest first.
 */
export function tallyAnswers(members: CurrentMember[], answers: Array<{ userId: string; answer: AnswerKind; createdAt: number }>): Tally {
	const latest = new Map<string, AnswerKind>();
	const joinedAt = new Map(members.map((member) => [member.id, member.joinedAt]));
	for (const answer of answers) {
		const joined = joinedAt.get(answer.userId);
		if (joined !== undefined && answer.createdAt >= joined) latest.set(answer.userId, answer.answer);
	}
	const person = ({ id, displayName }: CurrentMember): PersonRef => ({ id, displayName });
	const agreedBy = members.filter((member) => latest.get(member.id) === 'agree').map(person);
	const changesFrom = members.filter((member) => latest.get(member.id) === 'changes').map(person);
	const notAnswered = members.filter((member) => !latest.has(member.id)).map(person);
	return { agreedBy, changesFrom, notAnswered, everyoneAgreed: members.length > 0 && agreedBy.length === members.length };
}

/**
 * Builds what members see of a circle's agreements (one, when `agreementId` is given), newest
 * activity first, for a reader whose membership is checked (`access`, which also gives the day).
 */
export async function loadAgreementViews(
	db: Reader,
	access: CircleAccess,
	options: { agreementId?: string; withComments?: boolean; now: number; members?: CurrentMember[] }
): Promise<AgreementView[]> {
	const circleId = access.circle.id;
	let query = db
		.selectFrom('agreements')
		.innerJoin('users', 'users.id', 'agreements.created_by')
		.selectAll('agreements')
		.select('users.display_name as creator_name')
		.where('agreements.circle_id', '=', circleId);
	if (options.agreementId) query = query.where('agreements.id', '=', options.agreementId);
	const rows = await query.orderBy('agreements.updated_at', 'desc').orderBy('agreements.id').execute();
	if (rows.length === 0) return [];
	const ids = rows.map((row) => row.id);

	const versionRows = await db
		.selectFrom('agreement_versions')
		.innerJoin('users', 'users.id', 'agreement_versions.created_by')
		.selectAll('agreement_versions')
		.select('users.display_name as author_name')
		.where('agreement_versions.agreement_id', 'in', ids)
		.orderBy('agreement_versions.number')
		.execute();
	const proposalRows = await db
		.selectFrom('agreement_proposals')
		.innerJoin('users', 'users.id', 'agreement_proposals.created_by')
		.selectAll('agreement_proposals')
		.select('users.display_name as author_name')
		.where('agreement_proposals.agreement_id', 'in', ids)
		.orderBy('agreement_proposals.created_at')
		.execute();
	const answerRows = await db
		.selectFrom('agreement_answers')
		.innerJoin('agreement_proposals', 'agreement_proposals.id', 'agreement_answers.proposal_id')
		.innerJoin('users', 'users.id', 'agreement_answers.user_id')
		.selectAll('agreement_answers')
		.select('users.display_name as author_name')
		.where('agreement_proposals.agreement_id', 'in', ids)
		.orderBy('agreement_answers.created_at')
		.execute();
	const commentRows = options.withComments
		? await db
				.selectFrom('agreement_comments')
				.innerJoin('users', 'users.id', 'agreement_comments.author_id')
				.selectAll('agreement_comments')
				.select('users.display_name as author_name')
				.where('agreement_comments.agreement_id', 'in', ids)
				.orderBy('agreement_comments.created_at')
				.orderBy('agreement_comments.id')
				.execute()
		: [];
	const members = options.members ?? (await currentMembers(db, circleId));
	const today = todayFor(access, options.now);

	const versionsOf = groupBy(
		versionRows.map((row): AgreementVersionView & { agreementId: string } => ({
			agreementId: row.agreement_id,
			number: row.number,
			title: row.title,
			category: row.category as AgreementCategory,
			body: row.body,
			support: row.support,
			consequence: row.consequence,
			reviewOn: row.review_on,
			createdBy: { id: row.created_by, displayName: row.author_name },
			createdAt: row.created_at
		})),
		(version) => version.agreementId
	);
	const answersOf = groupBy(answerRows, (row) => row.proposal_id);
	const proposalsOf = groupBy(
		proposalRows.map((row) => buildProposal(row, answersOf.get(row.id) ?? [], members)),
		(proposal) => proposal.agreementId
	);
	const commentsOf = groupBy(
		commentRows.map((row): AgreementCommentView & { agreementId: string } => ({
			agreementId: row.agreement_id,
			id: row.id,
			author: { id: row.author_id, displayName: row.author_name },
			body: row.body,
			createdAt: row.created_at
		})),
		(comment) => comment.agreementId
	);

	return rows.map((row) => {
		const versions = (versionsOf.get(row.id) ?? []).map(({ agreementId: _, ...version }) => version);
		const proposals = (proposalsOf.get(row.id) ?? []).map(({ agreementId: _, ...proposal }) => proposal);
		const inForce = versions.find((version) => version.number === row.in_force_version) ?? null;
		const inForceProposal = proposals.find((p) => p.kind === 'version' && p.outcome === 'agreed' && p.version === row.in_force_version);
		const awaitingAcknowledgement = row.status === 'agreed' && inForceProposal ? [...inForceProposal.notAnswered, ...inForceProposal.changesFrom] : [];
		return {
			id: row.id,
			circleId: row.circle_id,
			status: row.status,
			createdBy: { id: row.created_by, displayName: row.creator_name },
			createdAt: row.created_at,
			updatedAt: row.updated_at,
			inForce,
			latest: versions[versions.length - 1]!,
			versions,
			proposals,
			openProposal: proposals.find((proposal) => proposal.id === row.open_proposal_id) ?? null,
			awaitingAcknowledgement,
			comments: (commentsOf.get(row.id) ?? []).map(({ agreementId: _, ...comment }) => comment),
			reviewDue: row.status === 'agreed' && inForce?.reviewOn != null && inForce.reviewOn <= today
		};
	});
}

function buildProposal(
	row: ProposalRow & { author_name: string },
	answers: Array<DB['agreement_answers'] & { author_name: string }>,
	members: CurrentMember[]
): ProposalView & { agreementId: string } {
	const tally = tallyAnswers(
		members,
		answers.map((answer) => ({ userId: answer.user_id, answer: answer.answer, createdAt: answer.created_at }))
	);
	return {
		agreementId: row.agreement_id,
		id: row.id,
		kind: row.kind,
		version: row.version,
		withdrawsProposalId: row.withdraws_proposal_id,
		reason: row.reason,
		createdBy: { id: row.created_by, displayName: row.author_name },
		createdAt: row.created_at,
		outcome: row.outcome,
		decidedAt: row.decided_at,
		answers: answers.map((answer): AnswerView => ({
			id: answer.id,
			person: { id: answer.user_id, displayName: answer.author_name },
			answer: answer.answer,
			comment: answer.comment,
			createdAt: answer.created_at,
			acknowledgement: row.outcome === 'agreed' && row.decided_at !== null && answer.created_at > row.decided_at
		})),
		agreedBy: tally.agreedBy,
		changesFrom: tally.changesFrom,
		notAnswered: tally.notAnswered
	};
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const item of items) {
		const group = groups.get(key(item));
		if (group) group.push(item);
		else groups.set(key(item), [item]);
	}
	return groups;
}

/** Every agreement of the circle, newest activity first. */
export async function listAgreements(db: Database, user: SessionUser | null, circleId: string, now = Date.now()): Promise<AgreementView[]> {
	return loadAgreementViews(db, await requireCircleAction(db, user, circleId, 'view'), { now });
}

/**
 * How many agreements wait for this member's answer (the home page's count), for a reader whose
 * membership is already checked. `members` are the circle's members, as loadMembers gives them.
 */
export async function countAgreementsWaitingFor(
	db: Database,
	access: CircleAccess,
	members: Array<{ userId: string; displayName: string; joinedAt: number }>,
	now = Date.now()
): Promise<number> {
	const current = [...members]
		.sort((a, b) => a.joinedAt - b.joinedAt)
		.map((member) => ({ id: member.userId, displayName: member.displayName, joinedAt: member.joinedAt }));
	const agreements = await loadAgreementViews(db, access, { now, members: current });
	return agreements.filter((agreement) => isWaitingFor(agreement, access.userId)).length;
}

/** One agreement with its whole history and discussion, or 404. */
export async function getAgreement(db: Database, user: SessionUser | null, circleId: string, agreementId: string, now = Date.now()): Promise<AgreementView> {
	const access = await requireCircleAction(db, user, circleId, 'view');
	if (!isRowId(agreementId)) error(404, 'Not found');
	const [agreement] = await loadAgreementViews(db, access, { agreementId, withComments: true, now });
	if (!agreement) error(404, 'Not found');
	return agreement;
}

/** An agreement of this circle, or 404 (ids of other circles are not found here). */
async function requireAgreement(db: Reader, access: CircleAccess, agreementId: string): Promise<AgreementRow> {
	if (!isRowId(agreementId)) error(404, 'Not found');
	const row = await db.selectFrom('agreements').selectAll().where('id', '=', agreementId).where('circle_id', '=', access.circle.id).executeTakeFirst();
	if (!row) error(404, 'Not found');
	return row;
}

function closedMessage(agreement: AgreementRow): string | null {
	if (agreement.status === 'withdrawn') return 'This proposal was withdrawn. To bring it back, propose it again as a new agreement.';
	if (agreement.status === 'retired') return 'This agreement was retired. To bring it back, propose it again as a new agreement.';
	return null;
}

async function latestVersion(db: Reader, agreementId: string) {
	return db.selectFrom('agreement_versions').selectAll().where('agreement_id', '=', agreementId).orderBy('number', 'desc').limit(1).executeTakeFirstOrThrow();
}

async function versionTitle(db: Reader, agreementId: string, number: number | null): Promise<string> {
	const query = db.selectFrom('agreement_versions').select('title').where('agreement_id', '=', agreementId);
	const row = await (number === null ? query.orderBy('number', 'desc').limit(1) : query.where('number', '=', number)).executeTakeFirst();
	return row?.title ?? '';
}

async function openProposalOf(db: Reader, agreement: AgreementRow): Promise<ProposalRow | null> {
	if (!agreement.open_proposal_id) return null;
	return (await db.selectFrom('agreement_proposals').selectAll().where('id', '=', agreement.open_proposal_id).executeTakeFirst()) ?? null;
}

/** Puts a new proposal in place of the open one (kept on record as replaced). */
async function openProposal(
	trx: Transaction<DB>,
	agreement: AgreementRow,
	proposal: Pick<ProposalRow, 'kind' | 'version' | 'withdraws_proposal_id' | 'reason' | 'created_by'>,
	now: number
): Promise<string> {
	if (agreement.open_proposal_id) {
		await trx
			.updateTable('agreement_proposals')
			.set({ outcome: 'replaced', decided_at: now })
			.where('id', '=', agreement.open_proposal_id)
			.where('outcome', 'is', null)
			.execute();
	}
	const id = newId();
	await trx
		.insertInto('agreement_proposals')
		.values({ id, agreement_id: agreement.id, ...proposal, created_at: now, outcome: null, decided_at: null })
		.execute();
	await trx.updateTable('agreements').set({ open_proposal_id: id, updated_at: now }).where('id', '=', agreement.id).execute();
	return id;
}

async function insertVersion(trx: Transaction<DB>, agreementId: string, number: number, input: AgreementInput, authorId: string, now: number) {
	await trx
		.insertInto('agreement_versions')
		.values({
			agreement_id: agreementId,
			number,
			title: input.title,
			category: input.category,
			body: input.body,
			support: input.support,
			consequence: input.consequence,
			review_on: input.reviewOn,
			created_by: authorId,
			created_at: now
		})
		.execute();
}

/**
 * Decides the agreement's open proposal if every current member has agreed to it; returns the
 * event that says so, or null when answers are still missing.
 */
async function settleOpenProposal(trx: Transaction<DB>, agreementId: string, actorId: string | null, now: number): Promise<CircleEvent | null> {
	const agreement = await trx.selectFrom('agreements').selectAll().where('id', '=', agreementId).executeTakeFirstOrThrow();
	const proposal = await openProposalOf(trx, agreement);
	if (!proposal) return null;
	const answers = await trx
		.selectFrom('agreement_answers')
		.select(['user_id', 'answer', 'created_at'])
		.where('proposal_id', '=', proposal.id)
		.orderBy('created_at')
		.execute();
	const members = await currentMembers(trx, agreement.circle_id);
	const tally = tallyAnswers(
		members,
		answers.map((answer) => ({ userId: answer.user_id, answer: answer.answer, createdAt: answer.created_at }))
	);
	if (!tally.everyoneAgreed) return null;

	await trx.updateTable('agreement_proposals').set({ outcome: 'agreed', decided_at: now }).where('id', '=', proposal.id).execute();
	const base = { circleId: agreement.circle_id, actorId, now };
	if (proposal.kind === 'version') {
		await trx
			.updateTable('agreements')
			.set({ status: 'agreed', in_force_version: proposal.version, open_proposal_id: null, updated_at: now })
			.where('id', '=', agreement.id)
			.execute();
		const title = await versionTitle(trx, agreement.id, proposal.version);
		return appendCircleEvent(trx, { ...base, type: 'agreement.agreed', payload: { agreementId: agreement.id, title, version: proposal.version! } });
	}
	if (proposal.kind === 'retire') {
		await trx.updateTable('agreements').set({ status: 'retired', open_proposal_id: null, updated_at: now }).where('id', '=', agreement.id).execute();
		const title = await versionTitle(trx, agreement.id, agreement.in_force_version);
		return appendCircleEvent(trx, { ...base, type: 'agreement.retired', payload: { agreementId: agreement.id, title } });
	}
	// A withdrawal: of the whole proposal when nothing was ever agreed, else of the pending change.
	const neverAgreed = agreement.in_force_version === null;
	await trx
		.updateTable('agreements')
		.set({ status: neverAgreed ? 'withdrawn' : agreement.status, open_proposal_id: null, updated_at: now })
		.where('id', '=', agreement.id)
		.execute();
	const title = await versionTitle(trx, agreement.id, agreement.in_force_version);
	return appendCircleEvent(trx, {
		...base,
		type: neverAgreed ? 'agreement.withdrawn' : 'agreement.proposal-withdrawn',
		payload: { agreementId: agreement.id, title }
	});
}

/**
 * After someone leaves or is removed (in the same transaction): every open proposal in the
 * circle is settled again, since the one still missing may have been theirs.
 */
export async function settleAgreementsAfterMemberLeft(trx: Transaction<DB>, circleId: string, now: number): Promise<CircleEvent[]> {
	const open = await trx.selectFrom('agreements').select('id').where('circle_id', '=', circleId).where('open_proposal_id', 'is not', null).execute();
	const events: CircleEvent[] = [];
	for (const { id } of open) {
		const event = await settleOpenProposal(trx, id, null, now);
		if (event) events.push(event);
	}
	return events;
}

/** Any member proposes a new agreement; it takes effect once everyone, the proposer too, agrees. */
export async function proposeAgreement(db: Database, user: SessionUser | null, circleId: string, input: AgreementInput, now = Date.now()) {
	const access = await requireCircleAction(db, user, circleId, 'proposeAgreement');
	const agreementId = newId();
	const outcome = await db.transaction().execute(async (trx) => {
		const open = await trx
			.selectFrom('agreements')
			.select((eb) => eb.fn.countAll<number>().as('count'))
			.where('circle_id', '=', circleId)
			.where('open_proposal_id', 'is not', null)
			.executeTakeFirst();
		if (Number(open?.count ?? 0) >= OPEN_PROPOSALS_LIMIT) {
			return fail(400, { message: `There are already ${OPEN_PROPOSALS_LIMIT} proposals waiting for answers here. Please settle some of those first.` });
		}
		const agreement: AgreementRow = {
			id: agreementId,
			circle_id: circleId,
			created_by: access.userId,
			created_at: now,
			status: 'proposed',
			in_force_version: null,
			open_proposal_id: null,
			updated_at: now
		};
		await trx.insertInto('agreements').values(agreement).execute();
		await insertVersion(trx, agreementId, 1, input, access.userId, now);
		await openProposal(trx, agreement, { kind: 'version', version: 1, withdraws_proposal_id: null, reason: '', created_by: access.userId }, now);
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'agreement.proposed',
				payload: { agreementId, title: input.title, version: 1 },
				now
			})
		];
	});
	if (!Array.isArray(outcome)) return outcome;
	publishCircleEvents(outcome);
	return { agreementId };
}

function sameWords(version: DB['agreement_versions'], input: AgreementInput): boolean {
	return (
		version.title === input.title &&
		version.category === input.category &&
		version.body === input.body &&
		version.support === input.support &&
		version.consequence === input.consequence &&
		version.review_on === input.reviewOn
	);
}

/**
 * Any member proposes new words for an agreement. `baseVersion` is the version the writer was
 * looking at: if another was proposed meanwhile, nothing is stored and they are asked to look first.
 */
export async function proposeRevision(
	db: Database,
	user: SessionUser | null,
	circleId: string,
	agreementId: string,
	input: AgreementInput & { reason: string },
	baseVersion: number,
	now = Date.now()
) {
	const access = await requireCircleAction(db, user, circleId, 'proposeAgreement');
	const outcome = await db.transaction().execute(async (trx) => {
		const agreement = await requireAgreement(trx, access, agreementId);
		const closed = closedMessage(agreement);
		if (closed) return fail(400, { message: closed });
		const latest = await latestVersion(trx, agreement.id);
		if (latest.number !== baseVersion) {
			return fail(400, {
				message: `While you were writing, ${latest.number === 1 ? 'the agreement' : `version ${latest.number}`} was proposed. Your words are still here: have a look at it before you propose yours.`
			});
		}
		const open = await openProposalOf(trx, agreement);
		// What the new words are measured against: the version waiting for answers, else the one in force.
		const compareWith = open?.kind === 'version' ? open.version : agreement.in_force_version;
		if (compareWith !== null && compareWith !== undefined) {
			const base = await trx
				.selectFrom('agreement_versions')
				.selectAll()
				.where('agreement_id', '=', agreement.id)
				.where('number', '=', compareWith)
				.executeTakeFirstOrThrow();
			if (sameWords(base, input)) return fail(400, { message: `This is the same as version ${compareWith}. Change something to propose a new version.` });
		}
		const number = latest.number + 1;
		await insertVersion(trx, agreement.id, number, input, access.userId, now);
		await openProposal(trx, agreement, { kind: 'version', version: number, withdraws_proposal_id: null, reason: input.reason, created_by: access.userId }, now);
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'agreement.revision-proposed',
				payload: { agreementId: agreement.id, title: input.title, version: number },
				now
			})
		];
	});
	if (!Array.isArray(outcome)) return outcome;
	publishCircleEvents(outcome);
	return { agreementId };
}

/** Withdrawing what is waiting for answers is itself a proposal that needs everyone. */
export async function proposeWithdrawal(db: Database, user: SessionUser | null, circleId: string, agreementId: string, reason: string, now = Date.now()) {
	const access = await requireCircleAction(db, user, circleId, 'proposeAgreement');
	const outcome = await db.transaction().execute(async (trx) => {
		const agreement = await requireAgreement(trx, access, agreementId);
		const closed = closedMessage(agreement);
		if (closed) return fail(400, { message: closed });
		const open = await openProposalOf(trx, agreement);
		if (!open) return fail(400, { message: 'Nothing is waiting for answers here, so there is nothing to withdraw.' });
		if (open.kind === 'withdraw') return fail(400, { message: 'Withdrawing it is already proposed; answer that proposal instead.' });
		await openProposal(trx, agreement, { kind: 'withdraw', version: null, withdraws_proposal_id: open.id, reason, created_by: access.userId }, now);
		const title = await versionTitle(trx, agreement.id, agreement.in_force_version);
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'agreement.withdrawal-proposed',
				payload: { agreementId: agreement.id, title },
				now
			})
		];
	});
	if (!Array.isArray(outcome)) return outcome;
	publishCircleEvents(outcome);
	return { agreementId };
}

/** Ending an agreement in force is a proposal too; it stays in force until everyone agrees. */
export async function proposeRetirement(db: Database, user: SessionUser | null, circleId: string, agreementId: string, reason: string, now = Date.now()) {
	const access = await requireCircleAction(db, user, circleId, 'proposeAgreement');
	const outcome = await db.transaction().execute(async (trx) => {
		const agreement = await requireAgreement(trx, access, agreementId);
		const closed = closedMessage(agreement);
		if (closed) return fail(400, { message: closed });
		if (agreement.status !== 'agreed') {
			return fail(400, { message: 'Only an agreement everyone has agreed to can be retired. To drop a proposal, propose withdrawing it.' });
		}
		const open = await openProposalOf(trx, agreement);
		if (open?.kind === 'retire') return fail(400, { message: 'Retiring it is already proposed; answer that proposal instead.' });
		await openProposal(
			trx,
			agreement,
			{ kind: 'retire', version: agreement.in_force_version, withdraws_proposal_id: null, reason, created_by: access.userId },
			now
		);
		const title = await versionTitle(trx, agreement.id, agreement.in_force_version);
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'agreement.retirement-proposed',
				payload: { agreementId: agreement.id, title },
				now
			})
		];
	});
	if (!Array.isArray(outcome)) return outcome;
	publishCircleEvents(outcome);
	return { agreementId };
}

/**
 * A member answers the open proposal ("I agree" or "I'd like changes", with a comment), or, as a
 * newcomer, acknowledges the version in force. Answering anything else (an older version, a
 * replaced proposal) stores nothing and says what changed.
 */
export async function answerProposal(
	db: Database,
	user: SessionUser | null,
	circleId: string,
	agreementId: string,
	proposalId: string,
	input: { answer: AnswerKind; comment: string },
	now = Date.now()
) {
	const access = await requireCircleAction(db, user, circleId, 'answerAgreement');
	const outcome = await db.transaction().execute(async (trx) => {
		const agreement = await requireAgreement(trx, access, agreementId);
		if (!isRowId(proposalId)) error(404, 'Not found');
		const proposal = await trx
			.selectFrom('agreement_proposals')
			.selectAll()
			.where('id', '=', proposalId)
			.where('agreement_id', '=', agreement.id)
			.executeTakeFirst();
		if (!proposal) error(404, 'Not found');

		const isOpen = agreement.open_proposal_id === proposal.id;
		const isInForce =
			agreement.status === 'agreed' && proposal.kind === 'version' && proposal.outcome === 'agreed' && proposal.version === agreement.in_force_version;
		if (!isOpen && !isInForce) {
			const closed = closedMessage(agreement);
			return fail(400, {
				message: closed ?? 'This has changed since you opened it, so your answer wasn’t saved. Please read what is proposed now and answer that.'
			});
		}
		if (!isOpen && input.answer === 'changes') {
			return fail(400, { message: 'This agreement is already in force. To suggest a change, propose a revision, or add a comment below.' });
		}

		const membership = await trx
			.selectFrom('memberships')
			.select('joined_at')
			.where('circle_id', '=', circleId)
			.where('user_id', '=', access.userId)
			.executeTakeFirst();
		if (!membership) error(404, 'Not found');
		const previous = await trx
			.selectFrom('agreement_answers')
			.select(['answer', 'created_at'])
			.where('proposal_id', '=', proposal.id)
			.where('user_id', '=', access.userId)
			.orderBy('created_at', 'desc')
			.limit(1)
			.executeTakeFirst();
		const standing = previous && previous.created_at >= membership.joined_at ? previous.answer : null;
		// Saying "I agree" again without words changes nothing; every other answer is kept. An
		// agreement in force is acknowledged once; later words about it belong in the discussion.
		if (standing === 'agree' && input.answer === 'agree' && (!input.comment || !isOpen)) return [];

		// The latest answer is the one that counts, so a member's answers must be strictly ordered.
		const answeredAt = previous ? Math.max(now, previous.created_at + 1) : now;
		await trx
			.insertInto('agreement_answers')
			.values({ id: newId(), proposal_id: proposal.id, user_id: access.userId, answer: input.answer, comment: input.comment, created_at: answeredAt })
			.execute();
		await trx.updateTable('agreements').set({ updated_at: now }).where('id', '=', agreement.id).execute();
		const title =
			proposal.kind === 'version' ? await versionTitle(trx, agreement.id, proposal.version) : await versionTitle(trx, agreement.id, agreement.in_force_version);
		const events: CircleEvent[] = [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'agreement.answered',
				payload: {
					agreementId: agreement.id,
					title,
					answer: input.answer,
					acknowledgement: !isOpen,
					...(proposal.version ? { version: proposal.version } : {})
				},
				now
			})
		];
		if (isOpen) {
			// Decided at the moment of the answer that decided it, never before it.
			const decided = await settleOpenProposal(trx, agreement.id, access.userId, answeredAt);
			if (decided) events.push(decided);
		}
		return events;
	});
	if (!Array.isArray(outcome)) return outcome;
	publishCircleEvents(outcome);
	return { answered: outcome.length > 0, decided: outcome.length > 1 };
}

/** The discussion beside an agreement: open to every member, kept like the rest of its history. */
export async function commentOnAgreement(db: Database, user: SessionUser | null, circleId: string, agreementId: string, body: string, now = Date.now()) {
	const access = await requireCircleAction(db, user, circleId, 'discussAgreement');
	const events = await db.transaction().execute(async (trx) => {
		const agreement = await requireAgreement(trx, access, agreementId);
		await trx.insertInto('agreement_comments').values({ id: newId(), agreement_id: agreement.id, author_id: access.userId, body, created_at: now }).execute();
		await trx.updateTable('agreements').set({ updated_at: now }).where('id', '=', agreement.id).execute();
		const title = await versionTitle(trx, agreement.id, agreement.status === 'agreed' ? agreement.in_force_version : null);
		return [
			await appendCircleEvent(trx, { circleId, actorId: access.userId, type: 'agreement.commented', payload: { agreementId: agreement.id, title }, now })
		];
	});
	publishCircleEvents(events);
	return { commented: true as const };
}
