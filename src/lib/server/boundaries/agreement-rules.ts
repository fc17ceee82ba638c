// Boundary agreements: proposed by anyone, in force only when every current member has agreed to
// that exact version, changed, withdrawn or retired only the same way. The rules, as plain
// functions of what is stored (no database here; agreement-records.ts and agreement-commands.ts
// apply them):
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
import type { DB } from '$lib/server/db';
import { conflict } from '$lib/server/refusal';
import type { AnswerKind, PersonRef } from '$lib/agreements';
import type { AgreementInput } from './agreement-forms';

export type AgreementRow = DB['agreements'];
export type ProposalRow = DB['agreement_proposals'];
export type VersionRow = DB['agreement_versions'];

/** More open proposals than this in one circle is a sign something is wrong, not a family talking. */
export const OPEN_PROPOSALS_LIMIT = 50;

export const TOO_MANY_OPEN_PROPOSALS = `There are already ${OPEN_PROPOSALS_LIMIT} proposals waiting for answers here. Please settle some of those first.`;

export interface CurrentMember extends PersonRef {
	joinedAt: number;
}

export interface Tally {
	agreedBy: PersonRef[];
	changesFrom: PersonRef[];
	notAnswered: PersonRef[];
	everyoneAgreed: boolean;
}

/**
 * Where each current member stands on one proposal: their latest answer given since they joined
 * (an answer from before they left and came back does not count). `answers` are oldest first; a
 * former member's (userId null) is kept on record and counts for nobody.
 */
export function tallyAnswers(members: CurrentMember[], answers: Array<{ userId: string | null; answer: AnswerKind; createdAt: number }>): Tally {
	const latest = new Map<string, AnswerKind>();
	const joinedAt = new Map(members.map((member) => [member.id, member.joinedAt]));
	for (const answer of answers) {
		if (answer.userId === null) continue;
		const joined = joinedAt.get(answer.userId);
		if (joined !== undefined && answer.createdAt >= joined) latest.set(answer.userId, answer.answer);
	}
	const person = ({ id, displayName }: CurrentMember): PersonRef => ({ id, displayName });
	const agreedBy = members.filter((member) => latest.get(member.id) === 'agree').map(person);
	const changesFrom = members.filter((member) => latest.get(member.id) === 'changes').map(person);
	const notAnswered = members.filter((member) => !latest.has(member.id)).map(person);
	return { agreedBy, changesFrom, notAnswered, everyoneAgreed: members.length > 0 && agreedBy.length === members.length };
}

/** Whether this proposal is the one that put the version in force (what newcomers acknowledge). */
export function isInForceProposal(
	agreement: Pick<AgreementRow, 'status' | 'in_force_version'>,
	proposal: Pick<ProposalRow, 'kind' | 'outcome' | 'version'>
): boolean {
	return agreement.status === 'agreed' && proposal.kind === 'version' && proposal.outcome === 'agreed' && proposal.version === agreement.in_force_version;
}

/** Why nothing more can be proposed or answered here, or null while the agreement is open. */
export function closedMessage(agreement: Pick<AgreementRow, 'status'>): string | null {
	if (agreement.status === 'withdrawn') return 'This proposal was withdrawn. To bring it back, propose it again as a new agreement.';
	if (agreement.status === 'retired') return 'This agreement was retired. To bring it back, propose it again as a new agreement.';
	return null;
}

/** Refuses anything but a comment on a withdrawn or retired agreement. */
export function requireOpenAgreement(agreement: Pick<AgreementRow, 'status'>): void {
	const closed = closedMessage(agreement);
	if (closed) throw conflict(closed);
}

/** A revision must start from the newest version: someone may have proposed another meanwhile. */
export function requireLatestBase(latestNumber: number, baseVersion: number): void {
	if (latestNumber === baseVersion) return;
	throw conflict(
		`While you were writing, ${latestNumber === 1 ? 'the agreement' : `version ${latestNumber}`} was proposed. Your words are still here: have a look at it before you propose yours.`
	);
}

/** What new words are measured against: the version waiting for answers, else the one in force. */
export function comparedVersion(agreement: Pick<AgreementRow, 'in_force_version'>, open: Pick<ProposalRow, 'kind' | 'version'> | null): number | null {
	return open?.kind === 'version' ? open.version : agreement.in_force_version;
}

export function sameWords(version: Pick<VersionRow, 'title' | 'category' | 'body' | 'support' | 'consequence' | 'review_on'>, input: AgreementInput): boolean {
	return (
		version.title === input.title &&
		version.category === input.category &&
		version.body === input.body &&
		version.support === input.support &&
		version.consequence === input.consequence &&
		version.review_on === input.reviewOn
	);
}

/** Withdrawing needs something waiting for answers, and not already a withdrawal. */
export function requireWithdrawable(open: Pick<ProposalRow, 'kind'> | null): asserts open is NonNullable<typeof open> {
	if (!open) throw conflict('Nothing is waiting for answers here, so there is nothing to withdraw.');
	if (open.kind === 'withdraw') throw conflict('Withdrawing it is already proposed; answer that proposal instead.');
}

/** Retiring needs an agreement in force, and not already a retirement waiting. */
export function requireRetirable(agreement: Pick<AgreementRow, 'status'>, open: Pick<ProposalRow, 'kind'> | null): void {
	if (agreement.status !== 'agreed') {
		throw conflict('Only an agreement everyone has agreed to can be retired. To drop a proposal, propose withdrawing it.');
	}
	if (open?.kind === 'retire') throw conflict('Retiring it is already proposed; answer that proposal instead.');
}

/**
 * What a member may answer: the open proposal (either answer), or, as a newcomer, the version in
 * force ("I agree" only). Anything else (an older version, a replaced proposal) has changed.
 */
export function requireAnswerable(
	agreement: Pick<AgreementRow, 'status'>,
	{ isOpen, isInForce }: { isOpen: boolean; isInForce: boolean },
	answer: AnswerKind
): void {
	if (!isOpen && !isInForce) {
		throw conflict(
			closedMessage(agreement) ?? 'This has changed since you opened it, so your answer wasn’t saved. Please read what is proposed now and answer that.'
		);
	}
	if (!isOpen && answer === 'changes') {
		throw conflict('This agreement is already in force. To suggest a change, propose a revision, or add a comment below.');
	}
}

/** The member's answer that counts now: their latest, if given since they joined. */
export function standingAnswer(previous: { answer: AnswerKind; created_at: number } | undefined, joinedAt: number): AnswerKind | null {
	return previous && previous.created_at >= joinedAt ? previous.answer : null;
}

/**
 * Saying "I agree" again without words changes nothing; every other answer is kept. An agreement
 * in force is acknowledged once; later words about it belong in the discussion.
 */
export function answerChangesNothing(standing: AnswerKind | null, input: { answer: AnswerKind; comment: string }, isOpen: boolean): boolean {
	return standing === 'agree' && input.answer === 'agree' && (!input.comment || !isOpen);
}

/** The latest answer is the one that counts, so a member's answers must be strictly ordered. */
export function answerTime(previous: { created_at: number } | undefined, now: number): number {
	return previous ? Math.max(now, previous.created_at + 1) : now;
}

export interface Settlement {
	status: AgreementRow['status'];
	inForceVersion: number | null;
	type: 'agreement.agreed' | 'agreement.retired' | 'agreement.withdrawn' | 'agreement.proposal-withdrawn';
	/** The version whose title names the agreement in the event (null: the newest). */
	titleVersion: number | null;
	/** The version the event names (only when one was agreed). */
	agreedVersion?: number;
}

/** What an agreed proposal does to its agreement. */
export function settlementOf(agreement: Pick<AgreementRow, 'status' | 'in_force_version'>, proposal: Pick<ProposalRow, 'kind' | 'version'>): Settlement {
	if (proposal.kind === 'version') {
		return { status: 'agreed', inForceVersion: proposal.version, type: 'agreement.agreed', titleVersion: proposal.version, agreedVersion: proposal.version! };
	}
	if (proposal.kind === 'retire') {
		return { status: 'retired', inForceVersion: agreement.in_force_version, type: 'agreement.retired', titleVersion: agreement.in_force_version };
	}
	// A withdrawal: of the whole proposal when nothing was ever agreed, else of the pending change.
	const neverAgreed = agreement.in_force_version === null;
	return {
		status: neverAgreed ? 'withdrawn' : agreement.status,
		inForceVersion: agreement.in_force_version,
		type: neverAgreed ? 'agreement.withdrawn' : 'agreement.proposal-withdrawn',
		titleVersion: agreement.in_force_version
	};
}
