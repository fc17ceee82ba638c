// What members see of their circle's agreements: each one with its versions, proposals, answers
// and (on its own page) its discussion, built from the append-only history. And the home page's
// count of agreements waiting for the reader's answer, asked of the database in one query.
import { sql } from 'kysely';
import type { DB } from '$lib/server/db';
import { requireCan, type CircleAccess } from '$lib/server/circles/access';
import { todayFor } from '$lib/server/circles/today';
import { isRowId } from '$lib/server/ids';
import { notFound } from '$lib/server/refusal';
import {
	recordAuthor,
	type AgreementCategory,
	type AgreementCommentView,
	type AgreementVersionView,
	type AgreementView,
	type AnswerView,
	type ProposalView
} from '$lib/agreements';
import { isInForceProposal, tallyAnswers, type CurrentMember, type ProposalRow } from './agreement-rules';
import { currentMembers, type Reader } from './agreement-records';
import { prepared } from '$lib/server/db/prepared';

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
		.leftJoin('users', 'users.id', 'agreements.created_by')
		.selectAll('agreements')
		.select('users.display_name as creator_name')
		.where('agreements.circle_id', '=', circleId);
	if (options.agreementId) query = query.where('agreements.id', '=', options.agreementId);
	const rows = await query.orderBy('agreements.updated_at', 'desc').orderBy('agreements.id').execute();
	if (rows.length === 0) return [];
	const ids = rows.map((row) => row.id);

	const versionRows = await db
		.selectFrom('agreement_versions')
		.leftJoin('users', 'users.id', 'agreement_versions.created_by')
		.selectAll('agreement_versions')
		.select('users.display_name as author_name')
		.where('agreement_versions.agreement_id', 'in', ids)
		.orderBy('agreement_versions.number')
		.execute();
	const proposalRows = await db
		.selectFrom('agreement_proposals')
		.leftJoin('users', 'users.id', 'agreement_proposals.created_by')
		.selectAll('agreement_proposals')
		.select('users.display_name as author_name')
		.where('agreement_proposals.agreement_id', 'in', ids)
		.orderBy('agreement_proposals.created_at')
		.execute();
	const answerRows = await db
		.selectFrom('agreement_answers')
		.innerJoin('agreement_proposals', 'agreement_proposals.id', 'agreement_answers.proposal_id')
		.leftJoin('users', 'users.id', 'agreement_answers.user_id')
		.selectAll('agreement_answers')
		.select('users.display_name as author_name')
		.where('agreement_proposals.agreement_id', 'in', ids)
		.orderBy('agreement_answers.created_at')
		.execute();
	const commentRows = options.withComments
		? await db
				.selectFrom('agreement_comments')
				.leftJoin('users', 'users.id', 'agreement_comments.author_id')
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
			createdBy: recordAuthor(row.created_by, row.author_name),
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
			author: recordAuthor(row.author_id, row.author_name),
			body: row.body,
			createdAt: row.created_at
		})),
		(comment) => comment.agreementId
	);

	return rows.map((row) => {
		const versions = (versionsOf.get(row.id) ?? []).map(({ agreementId: _, ...version }) => version);
		const proposals = (proposalsOf.get(row.id) ?? []).map(({ agreementId: _, ...proposal }) => proposal);
		const inForce = versions.find((version) => version.number === row.in_force_version) ?? null;
		const inForceProposal = proposals.find((proposal) => isInForceProposal(row, proposal));
		const awaitingAcknowledgement = inForceProposal ? [...inForceProposal.notAnswered, ...inForceProposal.changesFrom] : [];
		return {
			id: row.id,
			circleId: row.circle_id,
			status: row.status,
			createdBy: recordAuthor(row.created_by, row.creator_name),
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
	row: ProposalRow & { author_name: string | null },
	answers: Array<DB['agreement_answers'] & { author_name: string | null }>,
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
		createdBy: recordAuthor(row.created_by, row.author_name),
		createdAt: row.created_at,
		outcome: row.outcome,
		decidedAt: row.decided_at,
		answers: answers.map((answer): AnswerView => ({
			id: answer.id,
			person: recordAuthor(answer.user_id, answer.author_name),
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
export async function listAgreements(db: Reader, access: CircleAccess, now = Date.now()): Promise<AgreementView[]> {
	requireCan(access, 'view');
	return loadAgreementViews(db, access, { now });
}

/** One agreement with its whole history and discussion, or not found. */
export async function getAgreement(db: Reader, access: CircleAccess, agreementId: string, now = Date.now()): Promise<AgreementView> {
	requireCan(access, 'view');
	if (!isRowId(agreementId)) throw notFound();
	const [agreement] = await loadAgreementViews(db, access, { agreementId, withComments: true, now });
	if (!agreement) throw notFound();
	return agreement;
}

// Every opening of a circle asks it: built once (db/prepared.ts).
const agreementsWaitingFor = prepared((db, circleId: string, me: string) =>
	db
		.selectFrom('agreements as a')
		.innerJoin('memberships as m', (join) => join.onRef('m.circle_id', '=', 'a.circle_id').on('m.user_id', '=', me))
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('a.circle_id', '=', circleId)
		.where((eb) =>
			eb.or([
				eb.and([
					eb('a.open_proposal_id', 'is not', null),
					eb.not(
						eb.exists(
							eb
								.selectFrom('agreement_answers as answered')
								.select(sql.lit(1).as('one'))
								.whereRef('answered.proposal_id', '=', 'a.open_proposal_id')
								.where('answered.user_id', '=', me)
								.whereRef('answered.created_at', '>=', 'm.joined_at')
						)
					)
				]),
				eb.and([
					eb('a.status', '=', 'agreed'),
					eb.exists(
						eb
							.selectFrom('agreement_proposals as in_force')
							.select(sql.lit(1).as('one'))
							.whereRef('in_force.agreement_id', '=', 'a.id')
							.where('in_force.kind', '=', 'version')
							.where('in_force.outcome', '=', 'agreed')
							.whereRef('in_force.version', '=', 'a.in_force_version')
							.where((inner) =>
								inner(
									inner.fn.coalesce(
										inner
											.selectFrom('agreement_answers as latest')
											.select('latest.answer')
											.whereRef('latest.proposal_id', '=', 'in_force.id')
											.where('latest.user_id', '=', me)
											.whereRef('latest.created_at', '>=', 'm.joined_at')
											.orderBy('latest.created_at', 'desc')
											.limit(1),
										sql.lit('none')
									),
									'<>',
									'agree'
								)
							)
					)
				])
			])
		)
);

/**
 * How many agreements wait for this member's answer (the home page's count): the same rule as
 * `isWaitingFor` on the views above, asked of the database in one query instead of building them.
 * An agreement waits for a member when
 * - something is open and they have not answered it since they joined (either answer counts), or
 * - a version is in force and their latest answer to it since they joined is not "I agree"
 *   (a newcomer, or someone who came back, has not acknowledged it yet).
 */
export async function countAgreementsWaitingFor(db: Reader, access: CircleAccess): Promise<number> {
	const [row] = await agreementsWaitingFor(db, access.circle.id, access.userId);
	return Number(row?.count ?? 0);
}
