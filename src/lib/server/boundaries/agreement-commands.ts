// What members do with agreements: propose one, propose new words, propose withdrawing or
// retiring it, answer, and discuss. Each command checks its permission, writes in one transaction
// with the circle's event, and publishes the events once committed. A refusal is thrown (see
// refusal.ts), so whatever the transaction wrote before it is rolled back.
import type { Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { lockCircleFor, requireCan, type CircleAccess, type CircleAction } from '$lib/server/circles/access';
import { isUniqueViolation } from '$lib/server/db/errors';
import { appendCircleEvent } from '$lib/server/circles/events';
import { newId } from '$lib/server/ids';
import { conflict, invalid } from '$lib/server/refusal';
import { publishCircleEvents } from '$lib/server/realtime/publish';
import type { CircleEvent } from '$lib/realtime/events';
import type { AnswerKind } from '$lib/agreements';
import type { AgreementInput } from './agreement-forms';
import {
	OPEN_PROPOSALS_LIMIT,
	TOO_MANY_OPEN_PROPOSALS,
	answerChangesNothing,
	answerTime,
	comparedVersion,
	isInForceProposal,
	requireAnswerable,
	requireLatestBase,
	requireOpenAgreement,
	requireRetirable,
	requireWithdrawable,
	sameWords,
	standingAnswer,
	type AgreementRow
} from './agreement-rules';
import {
	countOpenProposals,
	insertVersion,
	latestAnswerOf,
	latestVersion,
	openProposalOf,
	replaceOpenProposal,
	requireAgreement,
	requireJoinedAt,
	requireProposal,
	settleOpenProposal,
	versionOf,
	versionTitle
} from './agreement-records';

/**
 * Runs the writes in one transaction under the circle's lock, as the member is now (lockCircleFor:
 * what the agreement's rows say is read after it, so the one open proposal, its answers and the
 * members it waits for stay as read until the decision commits), then tells the circle's open
 * pages what happened.
 */
async function committed<T>(
	db: Database,
	access: CircleAccess,
	action: CircleAction,
	work: (trx: Transaction<DB>, member: CircleAccess) => Promise<{ events: CircleEvent[]; result: T }>
): Promise<T> {
	requireCan(access, action);
	const { events, result } = await db.transaction().execute(async (trx) => work(trx, await lockCircleFor(trx, access, action)));
	publishCircleEvents(events);
	return result;
}

/** Any member proposes a new agreement; it takes effect once everyone, the proposer too, agrees. */
export async function proposeAgreement(db: Database, access: CircleAccess, input: AgreementInput, now = Date.now()): Promise<{ agreementId: string }> {
	const circleId = access.circle.id;
	const agreementId = newId();
	return committed(db, access, 'proposeAgreement', async (trx, member) => {
		const agreement: AgreementRow = {
			id: agreementId,
			circle_id: circleId,
			created_by: member.userId,
			created_at: now,
			status: 'proposed',
			in_force_version: null,
			open_proposal_id: null,
			updated_at: now
		};
		await trx.insertInto('agreements').values(agreement).execute();
		await insertVersion(trx, agreementId, 1, input, member.userId, now);
		await replaceOpenProposal(trx, agreement, { kind: 'version', version: 1, withdraws_proposal_id: null, reason: '', created_by: member.userId }, now);
		// Counted with this one written: past the limit, the refusal rolls all of it back.
		if ((await countOpenProposals(trx, circleId)) > OPEN_PROPOSALS_LIMIT) throw conflict(TOO_MANY_OPEN_PROPOSALS);
		const event = await appendCircleEvent(trx, {
			circleId,
			actorId: member.userId,
			type: 'agreement.proposed',
			payload: { agreementId, title: input.title, version: 1 },
			now
		});
		return { events: [event], result: { agreementId } };
	});
}

/**
 * Any member proposes new words for an agreement. `baseVersion` is the version the writer was
 * looking at: if another was proposed meanwhile, nothing is stored and they are asked to look first.
 */
export async function proposeRevision(
	db: Database,
	access: CircleAccess,
	agreementId: string,
	input: AgreementInput & { reason: string },
	baseVersion: number,
	now = Date.now()
): Promise<{ agreementId: string }> {
	return committed(db, access, 'proposeAgreement', async (trx, member) => {
		const agreement = await requireAgreement(trx, member, agreementId);
		requireOpenAgreement(agreement);
		const latest = await latestVersion(trx, agreement.id);
		requireLatestBase(latest.number, baseVersion);
		const compareWith = comparedVersion(agreement, await openProposalOf(trx, agreement));
		if (compareWith !== null && sameWords(await versionOf(trx, agreement.id, compareWith), input)) {
			throw invalid(`This is the same as version ${compareWith}. Change something to propose a new version.`);
		}
		const number = latest.number + 1;
		try {
			await insertVersion(trx, agreement.id, number, input, member.userId, now);
		} catch (error) {
			// Only a writer that skipped the circle's lock could get here: the same answer as above.
			if (isUniqueViolation(error)) requireLatestBase(number, baseVersion);
			throw error;
		}
		await replaceOpenProposal(
			trx,
			agreement,
			{ kind: 'version', version: number, withdraws_proposal_id: null, reason: input.reason, created_by: member.userId },
			now
		);
		const event = await appendCircleEvent(trx, {
			circleId: agreement.circle_id,
			actorId: member.userId,
			type: 'agreement.revision-proposed',
			payload: { agreementId: agreement.id, title: input.title, version: number },
			now
		});
		return { events: [event], result: { agreementId: agreement.id } };
	});
}

/** Withdrawing what is waiting for answers is itself a proposal that needs everyone. */
export async function proposeWithdrawal(
	db: Database,
	access: CircleAccess,
	agreementId: string,
	reason: string,
	now = Date.now()
): Promise<{ agreementId: string }> {
	return committed(db, access, 'proposeAgreement', async (trx, member) => {
		const agreement = await requireAgreement(trx, member, agreementId);
		requireOpenAgreement(agreement);
		const open = await openProposalOf(trx, agreement);
		requireWithdrawable(open);
		await replaceOpenProposal(trx, agreement, { kind: 'withdraw', version: null, withdraws_proposal_id: open.id, reason, created_by: member.userId }, now);
		const title = await versionTitle(trx, agreement.id, agreement.in_force_version);
		const event = await appendCircleEvent(trx, {
			circleId: agreement.circle_id,
			actorId: member.userId,
			type: 'agreement.withdrawal-proposed',
			payload: { agreementId: agreement.id, title },
			now
		});
		return { events: [event], result: { agreementId: agreement.id } };
	});
}

/** Ending an agreement in force is a proposal too; it stays in force until everyone agrees. */
export async function proposeRetirement(
	db: Database,
	access: CircleAccess,
	agreementId: string,
	reason: string,
	now = Date.now()
): Promise<{ agreementId: string }> {
	return committed(db, access, 'proposeAgreement', async (trx, member) => {
		const agreement = await requireAgreement(trx, member, agreementId);
		requireOpenAgreement(agreement);
		requireRetirable(agreement, await openProposalOf(trx, agreement));
		await replaceOpenProposal(
			trx,
			agreement,
			{ kind: 'retire', version: agreement.in_force_version, withdraws_proposal_id: null, reason, created_by: member.userId },
			now
		);
		const title = await versionTitle(trx, agreement.id, agreement.in_force_version);
		const event = await appendCircleEvent(trx, {
			circleId: agreement.circle_id,
			actorId: member.userId,
			type: 'agreement.retirement-proposed',
			payload: { agreementId: agreement.id, title },
			now
		});
		return { events: [event], result: { agreementId: agreement.id } };
	});
}

/**
 * A member answers the open proposal ("I agree" or "I'd like changes", with a comment), or, as a
 * newcomer, acknowledges the version in force. Answering anything else (an older version, a
 * replaced proposal) stores nothing and says what changed. `answered` is false when the answer
 * changed nothing (a second plain "I agree"); `decided` when it was the answer everyone waited for.
 */
export async function answerProposal(
	db: Database,
	access: CircleAccess,
	agreementId: string,
	proposalId: string,
	input: { answer: AnswerKind; comment: string },
	now = Date.now()
): Promise<{ answered: boolean; decided: boolean }> {
	const events = await committed(db, access, 'answerAgreement', async (trx, member) => {
		const agreement = await requireAgreement(trx, member, agreementId);
		const proposal = await requireProposal(trx, agreement, proposalId);
		const isOpen = agreement.open_proposal_id === proposal.id;
		requireAnswerable(agreement, { isOpen, isInForce: isInForceProposal(agreement, proposal) }, input.answer);

		const joinedAt = await requireJoinedAt(trx, member);
		const previous = await latestAnswerOf(trx, proposal.id, member.userId);
		if (answerChangesNothing(standingAnswer(previous, joinedAt), input, isOpen)) return { events: [], result: [] };

		const answeredAt = answerTime(previous, now);
		await trx
			.insertInto('agreement_answers')
			.values({ id: newId(), proposal_id: proposal.id, user_id: member.userId, answer: input.answer, comment: input.comment, created_at: answeredAt })
			.execute();
		await trx.updateTable('agreements').set({ updated_at: now }).where('id', '=', agreement.id).execute();
		const title = await versionTitle(trx, agreement.id, proposal.kind === 'version' ? proposal.version : agreement.in_force_version);
		const events: CircleEvent[] = [
			await appendCircleEvent(trx, {
				circleId: agreement.circle_id,
				actorId: member.userId,
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
			const decided = await settleOpenProposal(trx, agreement.id, member.userId, answeredAt);
			if (decided) events.push(decided);
		}
		return { events, result: events };
	});
	return { answered: events.length > 0, decided: events.length > 1 };
}

/** The discussion beside an agreement: open to every member, kept like the rest of its history. */
export async function commentOnAgreement(
	db: Database,
	access: CircleAccess,
	agreementId: string,
	body: string,
	now = Date.now()
): Promise<{ commented: true }> {
	return committed(db, access, 'discussAgreement', async (trx, member) => {
		const agreement = await requireAgreement(trx, member, agreementId);
		await trx.insertInto('agreement_comments').values({ id: newId(), agreement_id: agreement.id, author_id: member.userId, body, created_at: now }).execute();
		await trx.updateTable('agreements').set({ updated_at: now }).where('id', '=', agreement.id).execute();
		const title = await versionTitle(trx, agreement.id, agreement.status === 'agreed' ? agreement.in_force_version : null);
		const event = await appendCircleEvent(trx, {
			circleId: agreement.circle_id,
			actorId: member.userId,
			type: 'agreement.commented',
			payload: { agreementId: agreement.id, title },
			now
		});
		return { events: [event], result: { commented: true as const } };
	});
}
