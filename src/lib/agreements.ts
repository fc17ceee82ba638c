// Boundary agreements: the words and shapes shared by the server and the browser.

export const AGREEMENT_CATEGORIES = {
	communication: 'Communication',
	money: 'Money',
	home: 'Home & visits',
	'substance-use': 'Substance use',
	responsibilities: 'Responsibilities',
	'self-care': 'Self-care',
	other: 'Other'
} as const;
export type AgreementCategory = keyof typeof AGREEMENT_CATEGORIES;

export const AGREEMENT_TITLE_MAX = 120;
export const AGREEMENT_BODY_MAX = 4000;
/** "How we'll support this" and "If it isn't kept". */
export const AGREEMENT_SIDE_MAX = 2000;
export const AGREEMENT_COMMENT_MAX = 2000;
/** Why a revision, withdrawal or retirement is proposed. */
export const AGREEMENT_REASON_MAX = 1000;

/** proposed: never agreed yet; agreed: a version is in force; withdrawn and retired are closed. */
export type AgreementStatus = 'proposed' | 'agreed' | 'withdrawn' | 'retired';
/** What a proposal asks everyone: adopt a version, withdraw the open proposal, or retire the agreement. */
export type ProposalKind = 'version' | 'withdraw' | 'retire';
export type AnswerKind = 'agree' | 'changes';

export interface PersonRef {
	id: string;
	displayName: string;
}

/**
 * Whoever wrote a part of an agreement's record. The records are kept for the circle when
 * someone deletes their account; in them that person becomes a former member (id null).
 */
export interface RecordAuthor {
	id: string | null;
	displayName: string;
}

export const FORMER_MEMBER: RecordAuthor = { id: null, displayName: 'a former member' };

/** The record's author, or a former member when the account is gone. */
export function recordAuthor(id: string | null, displayName: string | null): RecordAuthor {
	return id === null || displayName === null ? FORMER_MEMBER : { id, displayName };
}

/** One version of an agreement's words. Versions are never changed once written. */
export interface AgreementVersionView {
	number: number;
	title: string;
	category: AgreementCategory;
	body: string;
	support: string;
	consequence: string;
	/** YYYY-MM-DD */
	reviewOn: string | null;
	createdBy: RecordAuthor;
	createdAt: number;
}

export interface AnswerView {
	id: string;
	person: RecordAuthor;
	answer: AnswerKind;
	comment: string;
	createdAt: number;
	/** Given after the proposal was already agreed: a newcomer's "I've read this and agree". */
	acknowledgement: boolean;
}

export interface ProposalView {
	id: string;
	kind: ProposalKind;
	/** The version proposed (version), or the version in force (retire); null to withdraw. */
	version: number | null;
	/** The proposal a withdrawal would withdraw. */
	withdrawsProposalId: string | null;
	reason: string;
	createdBy: RecordAuthor;
	createdAt: number;
	outcome: 'agreed' | 'replaced' | null;
	decidedAt: number | null;
	/** Every answer ever given, oldest first (the history). */
	answers: AnswerView[];
	/** Current members whose answer that counts is "I agree". */
	agreedBy: PersonRef[];
	/** Current members whose answer that counts is "I'd like changes". */
	changesFrom: PersonRef[];
	/** Current members who have not answered (since they joined). */
	notAnswered: PersonRef[];
}

export interface AgreementCommentView {
	id: string;
	author: RecordAuthor;
	body: string;
	createdAt: number;
}

export interface AgreementView {
	id: string;
	circleId: string;
	status: AgreementStatus;
	createdBy: RecordAuthor;
	createdAt: number;
	updatedAt: number;
	/** The version everyone agreed to (for a retired agreement, the last one that was in force). */
	inForce: AgreementVersionView | null;
	/** The newest version written, agreed or not: its title names the agreement. */
	latest: AgreementVersionView;
	/** Oldest first. */
	versions: AgreementVersionView[];
	/** Oldest first. */
	proposals: ProposalView[];
	openProposal: ProposalView | null;
	/** Current members who have not yet said they agree with the version in force (newcomers). */
	awaitingAcknowledgement: PersonRef[];
	comments: AgreementCommentView[];
	/** The review date of the version in force has come. */
	reviewDue: boolean;
}

export function categoryLabel(category: string): string {
	return AGREEMENT_CATEGORIES[category as AgreementCategory] ?? 'Other';
}

/** The agreement's name: the words in force while they are, else the newest proposed. */
export function agreementTitle(agreement: Pick<AgreementView, 'inForce' | 'latest' | 'status'>): string {
	return agreement.status === 'agreed' && agreement.inForce ? agreement.inForce.title : agreement.latest.title;
}

/** Whether this member's answer is what the agreement is waiting for. */
export function isWaitingFor(agreement: AgreementView, userId: string): boolean {
	if (agreement.openProposal?.notAnswered.some((person) => person.id === userId)) return true;
	return agreement.awaitingAcknowledgement.some((person) => person.id === userId);
}

/** "Ana", "Ana and Sam", "Ana, Sam and Lee". */
export function listNames(names: string[]): string {
	if (names.length <= 1) return names.join('');
	return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Today's date as YYYY-MM-DD (UTC). */
export function isoDate(at: number): string {
	return new Date(at).toISOString().slice(0, 10);
}

const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** "12 March 2027" for a YYYY-MM-DD date, whatever the reader's time zone. */
export function formatDay(isoDay: string): string {
	const [year, month, day] = isoDay.split('-').map(Number);
	return dayFormat.format(Date.UTC(year!, month! - 1, day!));
}

/** How a proposal is named: "Version 2", "Withdraw the proposal", "Retire the agreement". */
export function proposalName(proposal: Pick<ProposalView, 'kind' | 'version'>, agreementEverAgreed: boolean): string {
	if (proposal.kind === 'version') return proposal.version === 1 ? 'Version 1 (the first proposal)' : `Version ${proposal.version}`;
	if (proposal.kind === 'retire') return 'Retire this agreement';
	return agreementEverAgreed ? 'Withdraw the proposed change' : 'Withdraw this proposal';
}

/** Where an agreement stands, in one line, never by colour alone. */
export function statusLine(agreement: AgreementView): string {
	const open = agreement.openProposal;
	if (agreement.status === 'withdrawn') return 'Withdrawn with everyone’s agreement';
	if (agreement.status === 'retired') return 'Retired with everyone’s agreement';
	if (agreement.status === 'proposed') {
		if (!open) return 'Not agreed yet';
		const total = open.agreedBy.length + open.changesFrom.length + open.notAnswered.length;
		const what = open.kind === 'withdraw' ? 'Withdrawing it is proposed' : 'Waiting for answers';
		return `${what}: ${open.agreedBy.length} of ${total} agreed`;
	}
	if (agreement.awaitingAcknowledgement.length > 0) {
		return `Agreed by everyone else, waiting for ${listNames(agreement.awaitingAcknowledgement.map((person) => person.displayName))}`;
	}
	if (open?.kind === 'version') return `Agreed · version ${open.version} is proposed`;
	if (open?.kind === 'retire') return 'Agreed · retiring it is proposed';
	if (open?.kind === 'withdraw') return 'Agreed · withdrawing the proposed change is proposed';
	return 'Agreed by everyone';
}
