// "Take my data": one person's export holds every kind of row Hearth keeps about them, nothing of
// anyone else's private data, comes out a page of rows per chunk, and is answered as a download.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRedirect } from '@sveltejs/kit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from '$lib/server/db';
import type { SessionUser } from '$lib/server/auth/sessions';
import { createSession } from '$lib/server/auth/sessions';
import * as checkins from '$lib/server/checkins/checkins';
import * as agreements from '$lib/server/boundaries/agreements';
import * as milestones from '$lib/server/milestones/milestones';
import * as recovery from '$lib/server/milestones/recovery';
import * as circles from '$lib/server/circles/circles';
import { newId } from '$lib/server/ids';
import { circleOf } from './support/circles';
import { asMember } from './support/as-member';

const dir = mkdtempSync(path.join(tmpdir(), 'hearth-export-'));
process.env.DATABASE_PATH = path.join(dir, 'hearth.db');

const postCheckIn = asMember(checkins.postCheckIn);
const postReply = asMember(checkins.postReply);
const toggleReaction = asMember(checkins.toggleReaction);
const proposeAgreement = asMember(agreements.proposeAgreement);
const answerProposal = asMember(agreements.answerProposal);
const commentOnAgreement = asMember(agreements.commentOnAgreement);
const getAgreement = asMember(agreements.getAgreement);
const addVictory = asMember(milestones.addVictory);
const cheerMilestone = asMember(milestones.cheerMilestone);
const setRecoveryDate = asMember(recovery.setRecoveryDate);
const recordLapse = asMember(recovery.recordLapse);
const updateOwnProfile = asMember(circles.updateOwnProfile);

let dbModule: typeof import('$lib/server/db');
let exporting: typeof import('$lib/server/account/export');
let endpoint: typeof import('../../src/routes/account/export/+server');
let db: Database;

beforeAll(async () => {
	dbModule = await import('$lib/server/db');
	exporting = await import('$lib/server/account/export');
	endpoint = await import('../../src/routes/account/export/+server');
	db = dbModule.getDb();
});

afterAll(async () => {
	await dbModule.closeAppDatabase();
	rmSync(dir, { recursive: true, force: true });
});

const words = { category: 'money' as const, body: 'No loans for now.', support: '', consequence: '', reviewOn: null };

/** Sam, who has one of every kind of row, and Ana in the same circle, who keeps a lapse private. */
async function samAndAna() {
	const circle = await circleOf(db, ['Sam', 'Ana'], { name: 'The Lees' });
	const [maria, sam, ana] = circle.people;
	const { circleId } = circle;
	await createSession(db, sam.id, { userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' });
	for (const person of [sam, ana]) await updateOwnProfile(db, person, circleId, { relationship: 'Son', inRecovery: true });
	await setRecoveryDate(db, sam, circleId, '2026-01-01');
	await recordLapse(db, sam, circleId, { on: '2026-02-01', note: 'SAM-OWN-PRIVATE-NOTE', share: false });
	await setRecoveryDate(db, ana, circleId, '2026-01-01');
	await recordLapse(db, ana, circleId, { on: '2026-03-03', note: 'ANA-PRIVATE-NOTE', share: false });

	await postCheckIn(db, sam, circleId, { mood: 4, craving: 2, need: null, body: 'SAM-CHECKIN' });
	const anaCheckIn = await postCheckIn(db, ana, circleId, { mood: 2, craving: null, need: null, body: 'ANA-CHECKIN' });
	await postReply(db, sam, circleId, anaCheckIn.id, 'SAM-REPLY');
	await toggleReaction(db, sam, circleId, anaCheckIn.id, 'love');

	await proposeAgreement(db, sam, circleId, { title: 'SAM-PROPOSAL', ...words });
	const maria_s = await proposeAgreement(db, maria, circleId, { title: 'Groceries', ...words });
	const proposalId = (await getAgreement(db, sam, circleId, maria_s.agreementId)).openProposal!.id;
	await answerProposal(db, sam, circleId, maria_s.agreementId, proposalId, { answer: 'changes', comment: 'SAM-ANSWER' });
	await commentOnAgreement(db, sam, circleId, maria_s.agreementId, 'SAM-COMMENT');

	await addVictory(db, sam, circleId, { title: 'SAM-VICTORY', reachedOn: '2026-01-05', note: '', forCircle: false });
	const circleVictory = await addVictory(db, maria, circleId, { title: 'Family dinner', reachedOn: '2026-01-06', note: '', forCircle: true });
	await cheerMilestone(db, sam, circleId, circleVictory.milestone!.id, 'SAM-CHEER');
	return { circleId, maria, sam, ana };
}

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
	const all: string[] = [];
	for await (const chunk of chunks) all.push(chunk);
	return all;
}

describe('the export', () => {
	it('holds every kind of row of a person who has each, as one JSON document', async () => {
		const { sam } = await samAndAna();
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
	});

	it('never holds another member’s private lapse, note, words or email, and never a session’s token hash', async () => {
		const { sam, ana, maria, circleId } = await samAndAna();
		const text = (await collect(exporting.exportAccountJson(db, sam.id))).join('');
		for (const theirs of ['ANA-PRIVATE-NOTE', '2026-03-03', 'ANA-CHECKIN', ana.email, ana.id, maria.email, maria.id]) expect(text).not.toContain(theirs);
		const anaLapse = await db.selectFrom('recovery_stretches').select('id').where('user_id', '=', ana.id).where('circle_id', '=', circleId).execute();
		for (const { id } of anaLapse) expect(text).not.toContain(id);
		const tokenHashes = await db.selectFrom('sessions').select('id').where('user_id', '=', sam.id).execute();
		expect(tokenHashes.length).toBeGreaterThan(0);
		for (const { id } of tokenHashes) expect(text).not.toContain(id);
		// And Ana's own export does hold her private note: it is hers.
		expect((await collect(exporting.exportAccountJson(db, ana.id))).join('')).toContain('ANA-PRIVATE-NOTE');
	});

	it('comes out a page of rows per chunk: a long history is never read at once', async () => {
		const { sam, circleId } = await samAndAna();
		const rows = 1_234;
		await db.transaction().execute(async (trx) => {
			for (let i = 0; i < rows; i++) {
				await trx
					.insertInto('checkins')
					.values({
						id: newId(),
						circle_id: circleId,
						author_id: sam.id,
						mood: 3,
						craving: null,
						need: null,
						body: `Day ${i}`,
						created_at: i,
						edited_at: null,
						deleted_at: null
					})
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
		const { sam, ana } = await samAndAna();
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
