import {
	AGREEMENT_BODY_MAX,
	AGREEMENT_CATEGORIES,
	AGREEMENT_COMMENT_MAX,
	AGREEMENT_REASON_MAX,
	AGREEMENT_SIDE_MAX,
	AGREEMENT_TITLE_MAX,
	type AgreementCategory,
	type AnswerKind
} from '$lib/agreements';
import { isIsoDay } from '$lib/recovery-days';
import { checkText, cleanText, keepForRedisplay, readText, type FieldErrors, type Parsed } from '$lib/server/validation';

export type AgreementField = 'title' | 'category' | 'body' | 'support' | 'consequence' | 'reviewOn' | 'reason';

export interface AgreementInput {
	title: string;
	category: AgreementCategory;
	body: string;
	support: string;
	consequence: string;
	/** YYYY-MM-DD or null */
	reviewOn: string | null;
}

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

export function parseAgreementForm(form: FormData, today: string, { withReason = false } = {}): Parsed<AgreementField, AgreementInput & { reason: string }> {
	const title = cleanText(readText(form, 'title')).replace(/\s+/g, ' ');
	const categoryText = readText(form, 'category');
	const body = cleanText(readText(form, 'body'));
	const support = cleanText(readText(form, 'support'));
	const consequence = cleanText(readText(form, 'consequence'));
	const reviewText = readText(form, 'reviewOn').trim();
	const reason = withReason ? cleanText(readText(form, 'reason')) : '';
	const errors: FieldErrors<AgreementField> = {};

	const titleError = checkText(title, AGREEMENT_TITLE_MAX, 'a short title', { required: true, multiline: false });
	if (titleError) errors.title = titleError;
	const category = Object.hasOwn(AGREEMENT_CATEGORIES, categoryText) ? (categoryText as AgreementCategory) : null;
	if (!category) errors.category = 'Please choose one of the categories.';
	const bodyError = checkText(body, AGREEMENT_BODY_MAX, 'the agreement itself', { required: true });
	if (bodyError) errors.body = bodyError;
	const supportError = checkText(support, AGREEMENT_SIDE_MAX, 'how you’ll support it');
	if (supportError) errors.support = supportError;
	const consequenceError = checkText(consequence, AGREEMENT_SIDE_MAX, 'what happens if it isn’t kept');
	if (consequenceError) errors.consequence = consequenceError;
	const reviewError = reviewText ? checkReviewDate(reviewText, today) : undefined;
	if (reviewError) errors.reviewOn = reviewError;
	const reasonError = checkText(reason, AGREEMENT_REASON_MAX, 'why');
	if (reasonError) errors.reason = reasonError;

	if (Object.keys(errors).length > 0 || !category) {
		return {
			ok: false,
			errors,
			values: {
				title: keepForRedisplay(title, AGREEMENT_TITLE_MAX),
				category: category ?? '',
				body: keepForRedisplay(body, AGREEMENT_BODY_MAX),
				support: keepForRedisplay(support, AGREEMENT_SIDE_MAX),
				consequence: keepForRedisplay(consequence, AGREEMENT_SIDE_MAX),
				reviewOn: reviewText.slice(0, 40),
				reason: keepForRedisplay(reason, AGREEMENT_REASON_MAX)
			}
		};
	}
	return { ok: true, data: { title, category, body, support, consequence, reviewOn: reviewText || null, reason } };
}

export function parseAnswerForm(form: FormData): Parsed<'answer' | 'comment', { answer: AnswerKind; comment: string }> {
	const answerText = readText(form, 'answer');
	const comment = cleanText(readText(form, 'comment'));
	const answer = answerText === 'agree' || answerText === 'changes' ? answerText : null;
	const errors: FieldErrors<'answer' | 'comment'> = {};
	if (!answer) errors.answer = 'Please choose “I agree” or “I’d like changes”.';
	const commentError = checkText(comment, AGREEMENT_COMMENT_MAX, 'your comment', { required: answer === 'changes' });
	if (commentError) errors.comment = answer === 'changes' && !comment ? 'Please say what you’d like changed, so everyone can work on it.' : commentError;
	if (!answer || Object.keys(errors).length > 0) {
		return { ok: false, errors, values: { answer: answer ?? '', comment: keepForRedisplay(comment, AGREEMENT_COMMENT_MAX) } };
	}
	return { ok: true, data: { answer, comment } };
}

/** Why someone proposes to withdraw or retire: required, so everyone knows what they're agreeing to. */
export function parseReasonForm(form: FormData): Parsed<'reason', { reason: string }> {
	const reason = cleanText(readText(form, 'reason'));
	const error = checkText(reason, AGREEMENT_REASON_MAX, 'a few words on why', { required: true });
	if (error) return { ok: false, errors: { reason: error }, values: { reason: keepForRedisplay(reason, AGREEMENT_REASON_MAX) } };
	return { ok: true, data: { reason } };
}

export function parseCommentForm(form: FormData): Parsed<'body', { body: string }> {
	const body = cleanText(readText(form, 'body'));
	const error = checkText(body, AGREEMENT_COMMENT_MAX, 'a comment', { required: true });
	if (error) return { ok: false, errors: { body: error }, values: { body: keepForRedisplay(body, AGREEMENT_COMMENT_MAX) } };
	return { ok: true, data: { body } };
}

/** Parsed input back as form values, for showing it again when the domain refuses it. */
export function agreementFormValues(input: AgreementInput & { reason?: string }): Partial<Record<AgreementField, string>> {
	return { ...input, reviewOn: input.reviewOn ?? '', reason: input.reason ?? '' };
}
