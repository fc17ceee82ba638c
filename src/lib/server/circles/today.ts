import type { Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { dayIn, type IsoDay } from '$lib/recovery-days';

/** The circle's time zone and what day it is there: days are counted where the family lives. */
export async function circleToday(db: Database | Transaction<DB>, circleId: string, now: number): Promise<{ timeZone: string; today: IsoDay }> {
	const row = await db.selectFrom('circles').select('time_zone').where('id', '=', circleId).executeTakeFirst();
	const timeZone = row?.time_zone ?? 'UTC';
	return { timeZone, today: dayIn(timeZone, now) };
}
