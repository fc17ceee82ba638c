// The agreement rows as the commands read and write them, inside their transactions, and the
// one step every answer and every departure ends with: settling the open proposal.
import type { Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import type { CircleAccess } from '$lib/server/circles/access';
import { appendCircleEvent } from '$lib/server/circles/events';
import { isRowId, newId } from '$lib/server/ids';
import { notFound } from '$lib/server/refusal';
import type { CircleEvent } from '$lib/realtime/events';
import type { AgreementInput } from './agreement-forms';
import { settlementOf, tallyAnswers, type AgreementRow, type CurrentMember, type ProposalRow, type VersionRow } from './agreement-rules';

export type Reader = Database | Transaction<DB>;

/** The circle's members now, longest-standing first. */
export async function currentMembers(db: Reader, circleId: string): Promise<CurrentMember[]> {
	const rows = await db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select(['users.id', 'users.display_name', 'memberships.joined_at'])
		.where('memberships.circle_id', '=', circleId)
		.orderBy('memberships.joined_at', 'asc')
		.execute();
	return rows.map((row) => ({ id: row.id, displayName: row.display_name, joinedAt: row.joined_at }));
}

/** An agreement of this circle, or not found (ids of other circles are not found here). */
export async function requireAgreement(db: Reader, access: CircleAccess, agreementId: string): Promise<AgreementRow> {
	if (!isRowId(agreementId)) throw notFound();
	const row = await db.selectFrom('agreements').selectAll().where('id', '=', agreementId).where('circle_id', '=', access.circle.id).executeTakeFirst();
	if (!row) throw notFound();
	return row;
}

/** A proposal about this agreement, or not found. */
export async function requireProposal(db: Reader, agreement: AgreementRow, proposalId: string): Promise<ProposalRow> {
	if (!isRowId(proposalId)) throw notFound();
	const row = await db.selectFrom('agreement_proposals').selectAll().where('id', '=', proposalId).where('agreement_id', '=', agreement.id).executeTakeFirst();
	if (!row) throw notFound();
	return row;
}

/** When the member joined the circle (the answers that count are the ones given since), or not found. */
export async function requireJoinedAt(db: Reader, access: CircleAccess): Promise<number> {
	const membership = await db
		.selectFrom('memberships')
		.select('joined_at')
		.where('circle_id', '=', access.circle.id)
		.where('user_id', '=', access.userId)
		.executeTakeFirst();
	if (!membership) throw notFound();
	return membership.joined_at;
}

/** The member's latest answer to a proposal, whenever it was given. */
export async function latestAnswerOf(db: Reader, proposalId: string, userId: string) {
	return db
		.selectFrom('agreement_answers')
		.select(['answer', 'created_at'])
		.where('proposal_id', '=', proposalId)
		.where('user_id', '=', userId)
		.orderBy('created_at', 'desc')
		.limit(1)
		.executeTakeFirst();
}

/** How many agreements of the circle have something waiting for answers. */
export async function countOpenProposals(db: Reader, circleId: string): Promise<number> {
	const open = await db
		.selectFrom('agreements')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('circle_id', '=', circleId)
		.where('open_proposal_id', 'is not', null)
		.executeTakeFirst();
	return Number(open?.count ?? 0);
}

export async function latestVersion(db: Reader, agreementId: string): Promise<VersionRow> {
	return db.selectFrom('agreement_versions').selectAll().where('agreement_id', '=', agreementId).orderBy('number', 'desc').limit(1).executeTakeFirstOrThrow();
}

export async function versionOf(db: Reader, agreementId: string, number: number): Promise<VersionRow> {
	return db.selectFrom('agreement_versions').selectAll().where('agreement_id', '=', agreementId).where('number', '=', number).executeTakeFirstOrThrow();
}

/** The title of a version (null: the newest), to name the agreement in an event. */
export async function versionTitle(db: Reader, agreementId: string, number: number | null): Promise<string> {
	const query = db.selectFrom('agreement_versions').select('title').where('agreement_id', '=', agreementId);
	const row = await (number === null ? query.orderBy('number', 'desc').limit(1) : query.where('number', '=', number)).executeTakeFirst();
	return row?.title ?? '';
}

export async function openProposalOf(db: Reader, agreement: AgreementRow): Promise<ProposalRow | null> {
	if (!agreement.open_proposal_id) return null;
	return (await db.selectFrom('agreement_proposals').selectAll().where('id', '=', agreement.open_proposal_id).executeTakeFirst()) ?? null;
}

/** Puts a new proposal in place of the open one (kept on record as replaced). */
export async function replaceOpenProposal(
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

export async function insertVersion(trx: Transaction<DB>, agreementId: string, number: number, input: AgreementInput, authorId: string, now: number) {
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
 * event that says so, or null when answers are still missing. The caller holds the circle's
 * lock (lockCircleFor), so the answers and members read here are all there are until it commits.
 */
export async function settleOpenProposal(trx: Transaction<DB>, agreementId: string, actorId: string | null, now: number): Promise<CircleEvent | null> {
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

	const settlement = settlementOf(agreement, proposal);
	// Decided once: whoever settles it first (every caller holds the circle's lock, so that is the
	// one before, whose commit this transaction sees); anyone later changes nothing and tells nothing.
	const decided = await trx
		.updateTable('agreement_proposals')
		.set({ outcome: 'agreed', decided_at: now })
		.where('id', '=', proposal.id)
		.where('outcome', 'is', null)
		.executeTakeFirst();
	if (Number(decided.numUpdatedRows) !== 1) return null;
	await trx
		.updateTable('agreements')
		.set({ status: settlement.status, in_force_version: settlement.inForceVersion, open_proposal_id: null, updated_at: now })
		.where('id', '=', agreement.id)
		.execute();
	const title = await versionTitle(trx, agreement.id, settlement.titleVersion);
	return appendCircleEvent(trx, {
		circleId: agreement.circle_id,
		actorId,
		type: settlement.type,
		payload: { agreementId: agreement.id, title, ...(settlement.agreedVersion === undefined ? {} : { version: settlement.agreedVersion }) },
		now
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
