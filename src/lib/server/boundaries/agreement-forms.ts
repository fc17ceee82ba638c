// The agreement forms as valibot schemas (see server/forms.ts), with Hearth's own words for every
// problem. Each route passes its schema to formAction; what was typed comes back with any failure.
import * as v from 'valibot';
import {
	AGREEMENT_BODY_MAX,
	AGREEMENT_CATEGORIES,
	AGREEMENT_COMMENT_MAX,
	AGREEMENT_REASON_MAX,
	AGREEMENT_SIDE_MAX,
	AGREEMENT_TITLE_MAX,
	type AgreementCategory
} from '$lib/agreements';
import { isIsoDay } from '$lib/recovery-days';
import { choice, field, text } from '$lib/server/forms';

/** The words of an agreement, as proposed or revised. */
export interface AgreementInput {
	title: string;
	category: AgreementCategory;
	body: string;
	support: string;
	consequence: string;
	/** YYYY-MM-DD or null */
	reviewOn: string | null;
}

const CATEGORIES = Object.keys(AGREEMENT_CATEGORIES) as [AgreementCategory, ...AgreementCategory[]];

/** The review date must be a real calendar day, from yesterday (time zones differ) to ten years on. */
export function checkReviewDate(text: string, today: string): string | undefined {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return 'Please give the review date as a date, like 2027-03-01.';
	if (!isIsoDay(text)) return 'That date doesn’t exist; please check the day and month.';
	const date = new Date(`${text}T00:00:00Z`);
	const todayAt = Date.parse(`${today}T00:00:00Z`);
	if (date.getTime() < todayAt - 86_400_000) return 'A review date is in the future; please choose a later day.';
	const [todayYear, todayMonth, todayDay] = today.split('-').map(Number);
	if (date.getTime() > Date.UTC(todayYear! + 10, todayMonth! - 1, todayDay!)) return 'Please choose a review date within the next ten years.';
	return undefined;
}

/** An optional review date (null when left empty), checked against `today` (YYYY-MM-DD). */
function reviewDate(today: string) {
	return v.pipe(
		field(40),
		v.rawCheck(({ dataset, addIssue }) => {
			if (!dataset.typed || dataset.value === '') return;
			const problem = checkReviewDate(dataset.value, today);
			if (problem) addIssue({ message: problem });
		}),
		v.transform((value): string | null => value || null)
	);
}

function agreementEntries(today: string) {
	return {
		title: text('a short title', AGREEMENT_TITLE_MAX, { required: true, multiline: false, collapseSpaces: true }),
		category: choice(CATEGORIES, 'Please choose one of the categories.'),
		body: text('the agreement itself', AGREEMENT_BODY_MAX, { required: true }),
		support: text('how you’ll support it', AGREEMENT_SIDE_MAX),
		consequence: text('what happens if it isn’t kept', AGREEMENT_SIDE_MAX),
		reviewOn: reviewDate(today)
	};
}

/** A new agreement's words. `today` is the day review dates are measured from. */
export function proposalSchema(today: string) {
	return v.object(agreementEntries(today));
}

/**
 * New words for an agreement, with why (optional), and the version the writer started from
 * (`baseVersion`, -1 when it is not a version number, so it never matches).
 */
export function revisionSchema(today: string) {
	return v.object({
		...agreementEntries(today),
		reason: text('why', AGREEMENT_REASON_MAX),
		baseVersion: v.pipe(
			field(16),
			v.transform((value) => (/^\d{1,6}$/.test(value) ? Number(value) : -1))
		)
	});
}

/** "I agree" or "I'd like changes" to one proposal; changes need a comment saying which. */
export const answerSchema = v.pipe(
	v.object({
		proposalId: field(),
		answer: choice(['agree', 'changes'], 'Please choose “I agree” or “I’d like changes”.'),
		comment: text('your comment', AGREEMENT_COMMENT_MAX)
	}),
	v.forward(
		v.partialCheck(
			[['answer'], ['comment']],
			(input) => input.answer !== 'changes' || input.comment !== '',
			'Please say what you’d like changed, so everyone can work on it.'
		),
		['comment']
	)
);

/** Why someone proposes to withdraw or retire: required, so everyone knows what they're agreeing to. */
export const reasonSchema = v.object({
	reason: text('a few words on why', AGREEMENT_REASON_MAX, { required: true })
});

export const commentSchema = v.object({
	body: text('a comment', AGREEMENT_COMMENT_MAX, { required: true })
});
