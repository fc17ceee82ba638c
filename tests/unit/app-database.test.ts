// support/app-database.ts, which the route tests stand on: the app's database is of this
// project's dialect, and restore() puts back every row as it was at snapshot(), the append-only
// agreement history and where the event log's numbering stood included, in a database opened anew.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAppDialect, getDb, type Database } from '$lib/server/db';
import { requireMember } from '$lib/server/circles/access';
import { deleteCircle } from '$lib/server/circles/circles';
import { postCheckIn } from '$lib/server/checkins/checkins';
import { proposeAgreement } from '$lib/server/boundaries/agreements';
import { TEST_DIALECT } from './support/database';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';
import { circleOf } from './support/circles';
import { addUser } from './support/people';

let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
});

afterAll(async () => {
	await app?.dispose();
});

/** Every row of every table, in an order that does not depend on how they were stored. */
async function everything(db: Database): Promise<Record<string, string[]>> {
	const all: Record<string, string[]> = {};
	for (const { name } of await db.introspection.getTables()) {
		const rows = await db
			.selectFrom(name as 'users')
			.selectAll()
			.execute();
		all[name] = rows.map((row) => JSON.stringify(row)).sort();
	}
	return all;
}

const lastEvent = async (db: Database) =>
	(
		await db
			.selectFrom('circle_events')
			.select((eb) => eb.fn.max('id').as('id'))
			.executeTakeFirstOrThrow()
	).id;

describe('the app’s database in a test', () => {
	it('is of this project’s dialect', () => {
		expect(getAppDialect()).toBe(TEST_DIALECT);
	});

	it('is put back by restore() exactly as it was at snapshot(), and opened anew', async () => {
		const { circleId, owner } = await circleOf(getDb(), ['Sam']);
		// The owner's access, checked on the app's database as it is open now.
		const asOwner = () => requireMember(getDb(), owner, circleId);
		const words = { category: 'money' as const, body: 'No loans for now.', support: '', consequence: '', reviewOn: null };
		await proposeAgreement(getDb(), await asOwner(), { title: 'Loans', ...words });
		await postCheckIn(getDb(), await asOwner(), { mood: 3, craving: null, need: null, body: 'Before.' });
		await app.snapshot();
		const before = await everything(getDb());
		const openedBefore = getDb();

		// Changes everywhere: a new person, a check-in, and the circle deleted with its history.
		await addUser(getDb(), 'Ana');
		await postCheckIn(getDb(), await asOwner(), { mood: 4, craving: null, need: null, body: 'After.' });
		const eventAfterSnapshot = await lastEvent(getDb());
		await deleteCircle(getDb(), await asOwner(), 'The Garcias');
		expect(await everything(getDb())).not.toEqual(before);

		await app.restore();
		expect(getDb()).not.toBe(openedBefore);
		expect(await everything(getDb())).toEqual(before);
		// The circle events number on from where they stood: the same check-in gets the same number again.
		await postCheckIn(getDb(), await asOwner(), { mood: 4, craving: null, need: null, body: 'After.' });
		expect(await lastEvent(getDb())).toBe(eventAfterSnapshot);
	});
});
