// The daily check-in reminder (issue 18, item 5): off unless a member turns it on, at the time they
// chose in their time zone (push_settings), a push that says only "Time for your check-in", and
// only on a day they have not checked in yet (in any circle). The background leader runs it on one
// server, once a minute (background/leader.ts, CHECKIN_REMINDER_JOB). The day it was sent is kept
// (reminder_sent_on), and taken with one conditional UPDATE before the push: however many servers
// or restarts, a member gets it at most once a day. A server that was down at the time still sends
// it within REMINDER_WINDOW_MINUTES afterwards, never later (no reminder at midnight for 20:00).
import type { Database } from '$lib/server/db';
import { dayIn } from '$lib/recovery-days';
import { REMINDER_TAG, type PushMessage } from '$lib/push';
import { minutesIn } from './preferences';
import type { PushService } from './index';

export const CHECKIN_REMINDER_JOB = 'checkin-reminder';
export const REMINDER_INTERVAL = 60 * 1000;
export const REMINDER_WINDOW_MINUTES = 120;

export const REMINDER_TEXT = 'Time for your check-in';

/** Sends the reminders due now. Returns the ids of the members reminded. */
export async function sendCheckInReminders(db: Database, push: Pick<PushService, 'pushToMembers'>, now = Date.now()): Promise<string[]> {
	const rows = await db
		.selectFrom('push_settings')
		.select(['user_id', 'time_zone', 'reminder_at', 'reminder_sent_on'])
		.where('reminder_at', 'is not', null)
		.where((eb) => eb.exists(eb.selectFrom('push_subscriptions').select('endpoint').whereRef('push_subscriptions.user_id', '=', 'push_settings.user_id')))
		.execute();
	const reminded: string[] = [];
	for (const row of rows) {
		// How long ago the reminder's time was, in the member's zone (across midnight too).
		const late = (minutesIn(row.time_zone, now) - row.reminder_at! + 1440) % 1440;
		if (late >= REMINDER_WINDOW_MINUTES) continue;
		// The member's day of that time: at 00:30 a reminder set for 23:00 is still yesterday's.
		const day = dayIn(row.time_zone, now - late * 60_000);
		if (row.reminder_sent_on === day) continue;
		const latest = await db
			.selectFrom('checkins')
			.select((eb) => eb.fn.max('created_at').as('at'))
			.where('author_id', '=', row.user_id)
			.where('deleted_at', 'is', null)
			.executeTakeFirst();
		if (latest?.at != null && dayIn(row.time_zone, Number(latest.at)) === day) continue;
		const taken = await db
			.updateTable('push_settings')
			.set({ reminder_sent_on: day })
			.where('user_id', '=', row.user_id)
			.where((eb) => eb.or([eb('reminder_sent_on', 'is', null), eb('reminder_sent_on', '<>', day)]))
			.returning('user_id')
			.executeTakeFirst();
		if (!taken) continue; // another server sent it a moment ago
		const circles = await db.selectFrom('memberships').select('circle_id').where('user_id', '=', row.user_id).limit(2).execute();
		const message: PushMessage = {
			title: 'Hearth',
			body: REMINDER_TEXT,
			url: circles.length === 1 ? `/circles/${circles[0]!.circle_id}` : '/circles',
			tag: REMINDER_TAG
		};
		await push.pushToMembers([row.user_id], message);
		reminded.push(row.user_id);
	}
	return reminded;
}
