import type { Transaction } from 'kysely';
import type { CircleAccess } from './access';
import type { Database, DB } from '$lib/server/db';
import { dayIn, type IsoDay } from '$lib/recovery-days';

/** The circle's time zone and what day it is there: days are counted where the family lives. */
export async function circleToday(db: Database | Transaction<DB>, circleId: string, now: number): Promise<{ timeZone: string; today: IsoDay }> {
	const row = await db.selectFrom('circles').select('time_zone').where('id', '=', circleId).executeTakeFirst();
	const timeZone = row?.time_zone ?? 'UTC';
	return { timeZone, today: dayIn(timeZone, now) };
}

/** What day it is in the circle of a checked membership: its time zone came with the check. */
export function todayFor(access: CircleAccess, now: number): IsoDay {
	return dayIn(access.timeZone, now);
}
