// The forms of recovery dates, lapses, small victories and cheers, as valibot schemas with
// Hearth's messages (see server/forms.ts). The domain checks dates again against the circle's
// own today; these are for the message next to the field.
import * as v from 'valibot';
import { CHEER_MESSAGE_MAX, EARLIEST_DAY, LAPSE_NOTE_MAX, MILESTONE_NOTE_MAX, MILESTONE_TITLE_MAX } from '$lib/milestones';
import { isIsoDay, type IsoDay } from '$lib/recovery-days';
import { choice, field, text, yesNo } from '$lib/server/forms';

/** The message for a day that is not a past or present calendar day, or undefined. */
function pastDayProblem(day: string, today: IsoDay, what: string): string | undefined {
	if (!day) return `Please give ${what}.`;
	if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return `Please give ${what} as a date, like 2026-03-01.`;
	if (!isIsoDay(day)) return 'That date doesn’t exist; please check the day and month.';
	if (day < EARLIEST_DAY) return 'Please check the year: that’s before 1900.';
	if (day > today) return 'That day hasn’t come yet. Please choose today or an earlier day.';
	return undefined;
}

/** A past or present calendar day; `today` is the circle's today. */
export function pastDay(today: IsoDay, what: string) {
	return v.pipe(
		field(40),
		v.rawCheck(({ dataset, addIssue }) => {
			if (!dataset.typed) return;
			const problem = pastDayProblem(dataset.value, today, what);
			if (problem) addIssue({ message: problem });
		}),
		v.transform((day) => day as IsoDay)
	);
}

export const recoveryDateSchema = (today: IsoDay) => v.object({ startedOn: pastDay(today, 'the day your recovery began') });

export const lapseSchema = (today: IsoDay) =>
	v.object({
		on: pastDay(today, 'the day it happened'),
		note: text('your note', LAPSE_NOTE_MAX),
		share: yesNo('Please choose whether to tell the circle.')
	});
export type LapseInput = v.InferOutput<ReturnType<typeof lapseSchema>>;

export const victorySchema = (today: IsoDay) =>
	v.pipe(
		v.object({
			title: text('what you’re celebrating', MILESTONE_TITLE_MAX, { required: true, multiline: false, collapseSpaces: true }),
			reachedOn: pastDay(today, 'the day it happened'),
			note: text('the note', MILESTONE_NOTE_MAX),
			forWhom: choice(['me', 'circle'], 'Please choose whose milestone it is.')
		}),
		// A milestone of the whole circle rather than of the person adding it.
		v.transform(({ forWhom, ...rest }) => ({ ...rest, forCircle: forWhom === 'circle' }))
	);
export type VictoryInput = v.InferOutput<ReturnType<typeof victorySchema>>;

export const cheerSchema = v.object({ milestoneId: field(), message: text('your message', CHEER_MESSAGE_MAX) });

export const milestoneIdSchema = v.object({ milestoneId: field() });

export const stretchIdSchema = v.object({ stretchId: field() });
