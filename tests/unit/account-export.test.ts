// "Take my data": one person's export holds every kind of row Hearth keeps about them, nothing of
// anyone else's private data, comes out a page of rows per chunk, and is answered as a download.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRedirect } from '@sveltejs/kit';
import type { Database } from '$lib/server/db';
import type { SessionUser } from '$lib/server/auth/sessions';
import { newId } from '$lib/server/ids';
import { samAndAna } from './support/sam-and-ana';
import * as plans from '$lib/server/plans/plans';
import { requireMember } from '$lib/server/circles/access';
import { leaveCircle } from '$lib/server/circles/circles';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';

let dbModule: typeof import('$lib/server/db');
let exporting: typeof import('$lib/server/account/export');
let endpoint: typeof import('../../src/routes/account/export/+server');
let db: Database;
let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
	dbModule = await import('$lib/server/db');
	exporting = await import('$lib/server/account/export');
	endpoint = await import('../../src/routes/account/export/+server');
	db = dbModule.getDb();
});

afterAll(async () => {
	await app?.dispose();
});

/** A check-in row of `authorId`'s, written straight to the table. */
function checkInRow(authorId: string, circleId: string, body: string, createdAt: number, mood = 3) {
	return {
		id: newId(),
		circle_id: circleId,
		author_id: authorId,
		mood,
		craving: null,
		need: null,
		body,
		created_at: createdAt,
		edited_at: null,
		deleted_at: null
	};
}

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
	const all: string[] = [];
	for await (const chunk of chunks) all.push(chunk);
	return all;
}

describe('the export', () => {
	it('holds every kind of row of a person who has each, as one JSON document', async () => {
		const { sam } = await samAndAna(db);
		const text = (await collect(exporting.exportAccountJson(db, sam.id))).join('');
		const data = JSON.parse(text);
		expect(data).toMatchObject({ format: 'hearth-export', version: 1, account: { id: sam.id, name: 'Sam', email: sam.email, emailConfirmed: false } });
		expect(Object.keys(data)).toEqual(['format', 'version', 'exportedAt', 'account', ...exporting.EXPORT_KINDS.map((kind) => kind.key)]);
		expect(data.sessions).toEqual([expect.objectContaining({ device: expect.stringContaining('Firefox') })]);
		expect(data.memberships).toEqual([expect.objectContaining({ circle: 'The Lees', role: 'member', relationship: 'Son', inRecovery: true })]);
		expect(data.checkIns).toEqual([expect.objectContaining({ body: 'SAM-CHECKIN', mood: 4, craving: 2, circle: 'The Lees' })]);
		expect(data.replies).toEqual([expect.objectContaining({ body: 'SAM-REPLY' })]);
		expect(data.reactions).toEqual([expect.objectContaining({ reaction: 'love' })]);
		expect(data.agreementProposals).toEqual([expect.objectContaining({ proposal: 'version', wording: expect.objectContaining({ title: 'SAM-PROPOSAL' }) })]);
		expect(data.agreementAnswers).toEqual([expect.objectContaining({ answer: 'changes', comment: 'SAM-ANSWER' })]);
		expect(data.agreementComments).toEqual([expect.objectContaining({ body: 'SAM-COMMENT' })]);
		expect(data.recovery).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ recoveryDate: '2026-01-01', lapse: { on: '2026-02-01', note: 'SAM-OWN-PRIVATE-NOTE', sharedWithCircle: false } })
			])
		);
		expect(data.milestones).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'victory', title: 'SAM-VICTORY' })]));
		expect(data.victories).toEqual([expect.objectContaining({ title: 'SAM-VICTORY', forWhom: 'person' })]);
		expect(data.cheers).toEqual([expect.objectContaining({ message: 'SAM-CHEER', circle: 'The Lees' })]);
		// Whom a plan chose from the circle: by name, as the person chose them.
		expect(data.safetyPlan).toEqual([
			expect.objectContaining({ version: 1, circle: 'The Lees', sections: expect.objectContaining({ warningSigns: 'SAM-PLAN', helperMembers: ['Ana'] }) })
		]);
		expect(data.overdosePlanChanges).toEqual([
			expect.objectContaining({ version: 1, sections: expect.objectContaining({ naloxoneWhere: 'SAM-NALOXONE', carrierMembers: ['Maria', 'Sam'] }) })
		]);
		expect(data.planSuggestions).toEqual([expect.objectContaining({ body: 'SAM-SUGGESTION', section: 'helpers', status: 'accepted' })]);
	});

	it('never holds another member’s private lapse, note, words or email, and never a session’s token hash', async () => {
		const { sam, ana, maria, circleId } = await samAndAna(db);
		const text = (await collect(exporting.exportAccountJson(db, sam.id))).join('');
		for (const theirs of ['ANA-PRIVATE-NOTE', '2026-03-03', 'ANA-CHECKIN', 'ANA-PLAN', 'ANA-SUGGESTION', ana.email, ana.id, maria.email, maria.id])
			expect(text).not.toContain(theirs);
		// Nor the references a plan version keeps for whom it chose.
		for (const person of [ana, maria, sam]) expect(text).not.toContain(plans.memberRef(circleId, person.id));
		const anaLapse = await db.selectFrom('recovery_stretches').select('id').where('user_id', '=', ana.id).where('circle_id', '=', circleId).execute();
		for (const { id } of anaLapse) expect(text).not.toContain(id);
		const tokenHashes = await db.selectFrom('sessions').select('id').where('user_id', '=', sam.id).execute();
		expect(tokenHashes.length).toBeGreaterThan(0);
		for (const { id } of tokenHashes) expect(text).not.toContain(id);
		// And Ana's own export does hold her private note: it is hers.
		expect((await collect(exporting.exportAccountJson(db, ana.id))).join('')).toContain('ANA-PRIVATE-NOTE');
	});

	it('names whom a plan chose only while the person is in that circle with them', async () => {
		const { sam, circleId } = await samAndAna(db);
		await leaveCircle(db, await requireMember(db, sam, circleId));
		const data = JSON.parse((await collect(exporting.exportAccountJson(db, sam.id))).join(''));
		expect(data.safetyPlan).toEqual([expect.objectContaining({ sections: expect.objectContaining({ helperMembers: [plans.FORMER_IN_EXPORT] }) })]);
		expect(data.overdosePlanChanges).toEqual([
			expect.objectContaining({ sections: expect.objectContaining({ carrierMembers: [plans.FORMER_IN_EXPORT, plans.FORMER_IN_EXPORT] }) })
		]);
		// The printable page shows the same.
		const summary = await exporting.summarizeAccountData(db, sam.id);
		expect(summary.kinds.find((kind) => kind.key === 'safetyPlan')!.rows).toEqual([
			expect.objectContaining({ sections: expect.objectContaining({ helperMembers: [plans.FORMER_IN_EXPORT] }) })
		]);
	});

	it('comes out a page of rows per chunk: a long history is never read at once', async () => {
		const { sam, circleId } = await samAndAna(db);
		const rows = 1_234;
		await db.transaction().execute(async (trx) => {
			for (let i = 0; i < rows; i++) {
				await trx
					.insertInto('checkins')
					.values(checkInRow(sam.id, circleId, `Day ${i}`, i))
					.execute();
			}
		});
		const pageSize = 100;
		const chunks = await collect(exporting.exportAccountJson(db, sam.id, { pageSize }));
		const start = chunks.indexOf(',"checkIns":[');
		const end = chunks.indexOf(']', start);
		const pages = chunks.slice(start + 1, end).map((chunk) => JSON.parse(`[${chunk.replace(/^,/, '')}]`) as unknown[]);
		expect(pages.length).toBe(Math.ceil((rows + 1) / pageSize));
		for (const page of pages) expect(page.length).toBeLessThanOrEqual(pageSize);
		expect(pages.flat()).toHaveLength(rows + 1);
		expect(new Set(pages.flat().map((row) => (row as { id: string }).id)).size).toBe(rows + 1);
		expect(JSON.parse(chunks.join('')).checkIns).toHaveLength(rows + 1);
	});

	it('reads one snapshot: a change committed from another connection while it streams is wholly in it or not at all', async () => {
		const { sam, circleId } = await samAndAna(db);
		const now = Date.UTC(2026, 11, 1, 12);
		const before = (await collect(exporting.exportAccountJson(db, sam.id, { now }))).join('');
		// The export has read the account (its first chunk) and nothing else yet…
		const chunks = exporting.exportAccountJson(db, sam.id, { now, pageSize: 1 });
		const head = await chunks.next();
		expect(head.value).toContain('"name":"Sam"');
		// …when Sam renames themself and posts a check-in, in one transaction that commits at once
		// (PostgreSQL: on another of the pool's connections; SQLite: on the writing connection).
		await db.transaction().execute(async (trx) => {
			await trx.updateTable('users').set({ display_name: 'Samuel' }).where('id', '=', sam.id).execute();
			await trx
				.insertInto('checkins')
				.values(checkInRow(sam.id, circleId, 'POSTED-DURING-EXPORT', now, 5))
				.execute();
		});
		const rest = await collect({ [Symbol.asyncIterator]: () => chunks });
		// Neither half of it: the export is the moment it began, not the old name with the new check-in.
		expect(JSON.parse(head.value + rest.join(''))).toEqual(JSON.parse(before));
		const after = JSON.parse((await collect(exporting.exportAccountJson(db, sam.id, { now }))).join(''));
		expect(after.account.name).toBe('Samuel');
		expect(after.checkIns.map((checkIn: { body: string }) => checkIn.body)).toContain('POSTED-DURING-EXPORT');
	});
});

function fakeEvent(user: SessionUser | null) {
	const url = new URL('http://hearth.test/account/export');
	return {
		locals: { user, session: user ? { id: 'test', userId: user.id, createdAt: 0, expiresAt: Infinity } : null },
		url,
		params: {},
		request: new Request(url)
	} as unknown as Parameters<typeof endpoint.GET>[0];
}

describe('GET /account/export', () => {
	it('answers the signed-in person’s own export as a JSON file that is never cached', async () => {
		const { sam, ana } = await samAndAna(db);
		const response = await endpoint.GET(fakeEvent(sam));
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^application\/json/);
		expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="hearth-\d{4}-\d{2}-\d{2}\.json"$/);
		expect(response.headers.get('cache-control')).toBe('no-store');
		expect(response.body).toBeInstanceOf(ReadableStream);
		const text = await response.text();
		expect(JSON.parse(text).account).toMatchObject({ id: sam.id, email: sam.email });
		expect(text).not.toContain(ana.email);
	});

	it('sends a signed-out browser to log in, and back here afterwards', async () => {
		try {
			await endpoint.GET(fakeEvent(null));
			expect.unreachable('a signed-out request got an answer');
		} catch (caught) {
			expect(isRedirect(caught)).toBe(true);
			if (isRedirect(caught)) expect(caught.location).toBe('/login?redirectTo=%2Faccount%2Fexport');
		}
	});
});
