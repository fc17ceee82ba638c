import { CHEER_MESSAGE_MAX, EARLIEST_DAY, LAPSE_NOTE_MAX, MILESTONE_NOTE_MAX, MILESTONE_TITLE_MAX } from '$lib/milestones';
import { isIsoDay, isTimeZone, type IsoDay } from '$lib/recovery-days';
import { checkText, cleanText, keepForRedisplay, readText, type FieldErrors, type Parsed } from '$lib/server/validation';

/**
 * A past or present calendar day. `today` is the circle's today; the domain checks again against
 * it, this is for the message next to the field.
 */
export function checkPastDay(text: string, today: IsoDay, what: string): string | undefined {
	if (!text) return `Please give ${what}.`;
	if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return `Please give ${what} as a date, like 2026-03-01.`;
	if (!isIsoDay(text)) return 'That date doesn’t exist; please check the day and month.';
	if (text < EARLIEST_DAY) return 'Please check the year: that’s before 1900.';
	if (text > today) return 'That day hasn’t come yet. Please choose today or an earlier day.';
	return undefined;
}

export function parseRecoveryDateForm(form: FormData, today: IsoDay): Parsed<'startedOn', { startedOn: IsoDay }> {
	const startedOn = readText(form, 'startedOn').trim();
	const error = checkPastDay(startedOn, today, 'the day your recovery began');
	if (error) return { ok: false, errors: { startedOn: error }, values: { startedOn: startedOn.slice(0, 40) } };
	return { ok: true, data: { startedOn } };
}

export type LapseField = 'on' | 'note' | 'share';
export interface LapseInput {
	on: IsoDay;
	note: string;
	share: boolean;
}

export function parseLapseForm(form: FormData, today: IsoDay): Parsed<LapseField, LapseInput> {
	const on = readText(form, 'on').trim();
	const note = cleanText(readText(form, 'note'));
	const shareText = readText(form, 'share');
	const errors: FieldErrors<LapseField> = {};
	const dayError = checkPastDay(on, today, 'the day it happened');
	if (dayError) errors.on = dayError;
	const noteError = checkText(note, LAPSE_NOTE_MAX, 'your note');
	if (noteError) errors.note = noteError;
	if (shareText !== 'yes' && shareText !== 'no') errors.share = 'Please choose whether to tell the circle.';
	if (Object.keys(errors).length > 0) {
		return {
			ok: false,
			errors,
			values: { on: on.slice(0, 40), note: keepForRedisplay(note, LAPSE_NOTE_MAX), share: shareText === 'yes' || shareText === 'no' ? shareText : '' }
		};
	}
	return { ok: true, data: { on, note, share: shareText === 'yes' } };
}

export type VictoryField = 'title' | 'reachedOn' | 'note' | 'forWhom';
export interface VictoryInput {
	title: string;
	reachedOn: IsoDay;
	note: string;
	/** A milestone of the whole circle rather than of the person adding it. */
	forCircle: boolean;
}

export function parseVictoryForm(form: FormData, today: IsoDay): Parsed<VictoryField, VictoryInput> {
	const title = cleanText(readText(form, 'title')).replace(/\s+/g, ' ');
	const reachedOn = readText(form, 'reachedOn').trim();
	const note = cleanText(readText(form, 'note'));
	const forWhom = readText(form, 'forWhom');
	const errors: FieldErrors<VictoryField> = {};
	const titleError = checkText(title, MILESTONE_TITLE_MAX, 'what you’re celebrating', { required: true, multiline: false });
	if (titleError) errors.title = titleError;
	const dayError = checkPastDay(reachedOn, today, 'the day it happened');
	if (dayError) errors.reachedOn = dayError;
	const noteError = checkText(note, MILESTONE_NOTE_MAX, 'the note');
	if (noteError) errors.note = noteError;
	if (forWhom !== 'me' && forWhom !== 'circle') errors.forWhom = 'Please choose whose milestone it is.';
	if (Object.keys(errors).length > 0) {
		return {
			ok: false,
			errors,
			values: {
				title: keepForRedisplay(title, MILESTONE_TITLE_MAX),
				reachedOn: reachedOn.slice(0, 40),
				note: keepForRedisplay(note, MILESTONE_NOTE_MAX),
				forWhom: forWhom === 'me' || forWhom === 'circle' ? forWhom : ''
			}
		};
	}
	return { ok: true, data: { title, reachedOn, note, forCircle: forWhom === 'circle' } };
}

export function parseCheerForm(form: FormData): Parsed<'message', { message: string }> {
	const message = cleanText(readText(form, 'message'));
	const error = checkText(message, CHEER_MESSAGE_MAX, 'your message');
	if (error) return { ok: false, errors: { message: error }, values: { message: keepForRedisplay(message, CHEER_MESSAGE_MAX) } };
	return { ok: true, data: { message } };
}

export function parseTimeZoneForm(form: FormData): Parsed<'timeZone', { timeZone: string }> {
	const timeZone = readText(form, 'timeZone').trim();
	if (!isTimeZone(timeZone))
		return { ok: false, errors: { timeZone: 'Please choose a time zone from the list.' }, values: { timeZone: timeZone.slice(0, 64) } };
	return { ok: true, data: { timeZone } };
}
