import { CHECKIN_BODY_MAX, CRAVING_MAX, NEEDS, REACTIONS, REPLY_BODY_MAX, type Need, type ReactionKind } from '$lib/checkins';
import { characterCount, hasControlCharacters, keepForRedisplay, readText, type FieldErrors, type Parsed } from '$lib/server/validation';

export type CheckInField = 'mood' | 'craving' | 'need' | 'body';
export interface CheckInInput {
	mood: number;
	craving: number | null;
	need: Need | null;
	body: string;
}

/** Line breaks and tabs are kept; other control characters have no place in what people write. */
function cleanBody(text: string): string {
	return text.normalize('NFC').replace(/\r\n?/g, '\n').trim();
}

function checkBody(body: string, max: number, noun: string): string | undefined {
	if (characterCount(body) > max)
		return `Please keep ${noun} to ${max.toLocaleString('en')} characters or fewer (you have ${characterCount(body).toLocaleString('en')}).`;
	if (hasControlCharacters(body.replace(/[\n\t]/g, ''))) return 'There are invisible control characters in the text; please type it again.';
	return undefined;
}

export function parseCheckInForm(form: FormData): Parsed<CheckInField, CheckInInput> {
	const moodText = readText(form, 'mood');
	const cravingText = readText(form, 'craving').trim();
	const needText = readText(form, 'need');
	const body = cleanBody(readText(form, 'body'));
	const errors: FieldErrors<CheckInField> = {};

	const mood = /^[1-5]$/.test(moodText) ? Number(moodText) : null;
	if (mood === null) errors.mood = 'Please choose how you’re feeling.';
	let craving: number | null = null;
	if (cravingText !== '') {
		if (/^\d{1,2}$/.test(cravingText) && Number(cravingText) <= CRAVING_MAX) craving = Number(cravingText);
		else errors.craving = `Craving is a number from 0 to ${CRAVING_MAX}.`;
	}
	let need: Need | null = null;
	if (needText !== '') {
		if (Object.hasOwn(NEEDS, needText)) need = needText as Need;
		else errors.need = 'Please choose one of the options.';
	}
	const bodyError = checkBody(body, CHECKIN_BODY_MAX, 'your words');
	if (bodyError) errors.body = bodyError;

	if (Object.keys(errors).length > 0) {
		return {
			ok: false,
			errors,
			values: {
				mood: mood ? String(mood) : '',
				craving: craving === null ? '' : String(craving),
				need: need ?? '',
				body: keepForRedisplay(body, CHECKIN_BODY_MAX)
			}
		};
	}
	return { ok: true, data: { mood: mood!, craving, need, body } };
}

export function parseReplyForm(form: FormData): Parsed<'body', { body: string }> {
	const body = cleanBody(readText(form, 'body'));
	const error = body ? checkBody(body, REPLY_BODY_MAX, 'a reply') : 'Please write a few words first.';
	if (error) return { ok: false, errors: { body: error }, values: { body: keepForRedisplay(body, REPLY_BODY_MAX) } };
	return { ok: true, data: { body } };
}

export function parseReactionKind(value: string): ReactionKind | null {
	return Object.hasOwn(REACTIONS, value) ? (value as ReactionKind) : null;
}
