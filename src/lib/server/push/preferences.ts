// A member's choices: per circle, how much they hear and whether the circle is named; for all
// their circles, quiet hours and the daily check-in reminder, in the time zone they chose. The
// zone is the device's when they save (the page sends it; it is shown with the times): an
// account has no zone of its own, and a circle's is the family's, not necessarily the member's.
import * as v from 'valibot';
import type { Database } from '$lib/server/db';
import type { SessionUser } from '$lib/server/auth/sessions';
import { requireMember } from '$lib/server/circles/access';
import { choice, field } from '$lib/server/forms';
import { invalid } from '$lib/server/refusal';
import { isTimeZone } from '$lib/recovery-days';
import { DEFAULT_PUSH_LEVEL, PUSH_LEVELS, minutesOf, timeOf, type PushLevel } from '$lib/push';

export const CHOOSE_LEVEL = 'Please choose what you want to hear of this circle.';
export const TIME_FORMAT = 'Please give a time like 07:00 or 22:30.';
export const QUIET_BOTH = 'Please give both times, or leave both empty for no quiet hours.';
export const QUIET_SAME = 'Quiet hours need to end at another time than they start.';
export const BAD_TIME_ZONE = 'We couldn’t tell your time zone. Please choose it from the list.';

const time = () =>
	v.pipe(
		field(8),
		v.check((value) => value === '' || minutesOf(value) !== null, TIME_FORMAT)
	);

export const circlePushSchema = v.object({
	circleId: field(),
	level: choice(PUSH_LEVELS, CHOOSE_LEVEL),
	hideName: v.optional(v.string(), '')
});

export const pushTimesSchema = v.object({
	timeZone: v.pipe(
		field(),
		v.check((value) => isTimeZone(value), BAD_TIME_ZONE)
	),
	quietStart: time(),
	quietEnd: time(),
	reminder: v.optional(v.string(), ''),
	reminderAt: time()
});

export interface CirclePushChoice {
	circleId: string;
	name: string;
	level: PushLevel;
	hideName: boolean;
}

export interface PushTimes {
	timeZone: string | null;
	quietStart: string;
	quietEnd: string;
	reminderAt: string;
}

/** Every circle of the member with what they chose (the default where they chose nothing). */
export async function loadPushChoices(db: Database, userId: string): Promise<{ circles: CirclePushChoice[]; times: PushTimes }> {
	const rows = await db
		.selectFrom('memberships')
		.innerJoin('circles', 'circles.id', 'memberships.circle_id')
		.leftJoin('push_preferences', (join) =>
			join.onRef('push_preferences.circle_id', '=', 'memberships.circle_id').onRef('push_preferences.user_id', '=', 'memberships.user_id')
		)
		.select(['circles.id', 'circles.name', 'push_preferences.level', 'push_preferences.hide_name'])
		.where('memberships.user_id', '=', userId)
		.orderBy('circles.name')
		.orderBy('circles.id')
		.execute();
	const settings = await db.selectFrom('push_settings').selectAll().where('user_id', '=', userId).executeTakeFirst();
	return {
		circles: rows.map((row) => ({ circleId: row.id, name: row.name, level: row.level ?? DEFAULT_PUSH_LEVEL, hideName: row.hide_name === 1 })),
		times: {
			timeZone: settings?.time_zone ?? null,
			quietStart: timeOf(settings?.quiet_start ?? null),
			quietEnd: timeOf(settings?.quiet_end ?? null),
			reminderAt: timeOf(settings?.reminder_at ?? null)
		}
	};
}

/** What a member hears of one of their circles. Another circle is not found. */
export async function saveCirclePush(db: Database, user: Pick<SessionUser, 'id'>, input: v.InferOutput<typeof circlePushSchema>): Promise<void> {
	const access = await requireMember(db, user, input.circleId);
	const values = { circle_id: access.circle.id, user_id: user.id, level: input.level, hide_name: input.hideName ? 1 : 0 };
	await db
		.insertInto('push_preferences')
		.values(values)
		.onConflict((conflict) => conflict.columns(['circle_id', 'user_id']).doUpdateSet({ level: values.level, hide_name: values.hide_name }))
		.execute();
}

/** Quiet hours (both times or neither, not the same) and the daily reminder (off unless asked). */
export async function savePushTimes(db: Database, user: Pick<SessionUser, 'id'>, input: v.InferOutput<typeof pushTimesSchema>): Promise<void> {
	const quietStart = minutesOf(input.quietStart);
	const quietEnd = minutesOf(input.quietEnd);
	if ((quietStart === null) !== (quietEnd === null)) throw invalid(QUIET_BOTH, quietStart === null ? 'quietStart' : 'quietEnd');
	if (quietStart !== null && quietStart === quietEnd) throw invalid(QUIET_SAME, 'quietEnd');
	const reminderOn = input.reminder !== '';
	const reminderAt = minutesOf(input.reminderAt);
	if (reminderOn && reminderAt === null) throw invalid('Please give the time for your reminder, like 20:00.', 'reminderAt');
	const values = {
		user_id: user.id,
		time_zone: input.timeZone,
		quiet_start: quietStart,
		quiet_end: quietEnd,
		reminder_at: reminderOn ? reminderAt : null
	};
	await db
		.insertInto('push_settings')
		.values(values)
		.onConflict((conflict) =>
			conflict
				.column('user_id')
				.doUpdateSet({ time_zone: values.time_zone, quiet_start: values.quiet_start, quiet_end: values.quiet_end, reminder_at: values.reminder_at })
		)
		.execute();
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes after midnight at instant `at` in `timeZone`. */
export function minutesIn(timeZone: string, at: number): number {
	let format = clockFormats.get(timeZone);
	if (!format) clockFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
	const parts = Object.fromEntries(format.formatToParts(at).map((part) => [part.type, part.value]));
	return Number(parts.hour) * 60 + Number(parts.minute);
}

/** Whether `at` falls in quiet hours from `start` until `end` (across midnight when end < start). */
export function isQuiet(settings: { time_zone: string | null; quiet_start: number | null; quiet_end: number | null }, at: number): boolean {
	const { time_zone: zone, quiet_start: start, quiet_end: end } = settings;
	if (zone === null || start === null || end === null) return false;
	const now = minutesIn(zone, at);
	return start < end ? now >= start && now < end : now >= start || now < end;
}
