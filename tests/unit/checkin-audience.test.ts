// Who sees a check-in (issue 20, item 3): the author's choice, enforced by the server on every
// path a check-in is read or counted by: the feed, a member's page, the mood chart, replies and
// reactions, the circles list's "last activity", unread counts, catch-up and live events (real
// socket.io clients), and the export. Narrowing later takes it away, live and on reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '$lib/server/auth/sessions';
import {
	changeCheckInAudience,
	editCheckIn,
	editReply,
	listCheckIns,
	moodTrend,
	postCheckIn,
	postReply,
	removeCheckIn,
	removeReply,
	toggleReaction
} from '$lib/server/checkins/checkins';
import { AUDIENCE_NOT_IN_CIRCLE, EMPTY_AUDIENCE } from '$lib/server/checkins/audience';
import { listMyCircles, removeMember } from '$lib/server/circles/circles';
import { countUnread } from '$lib/server/unread/counts';
import { exportAccountJson } from '$lib/server/account/export';
import { deleteAccount } from '$lib/server/account/deletion';
import { hashPassword } from '$lib/server/auth/passwords';
import { latestCircleEventSeq, listCircleEventsAfter } from '$lib/server/circles/events';
import { startRealtime } from '$lib/server/realtime';
import { parseForm } from '$lib/server/forms';
import { checkInAudienceSchema, editCheckInSchema, postCheckInSchema } from '$lib/server/checkins/checkin-forms';
import { formAction } from '$lib/server/http/respond';
import { applyCheckInEvents, feedFromPage } from '$lib/realtime/live-feed';
import { audienceLabel, EDIT_WINDOW_MS, maySeeCheckIn } from '$lib/checkins';
import { outboxFields } from '$lib/outbox/keys';
import type { CircleEvent, CircleSyncResponse } from '$lib/realtime/events';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf } from './support/circles';
import { addUser } from './support/people';
import { startSocketServer, type TestClient as Client } from './support/socket-server';

let testDb: TestDatabase;
let server: Awaited<ReturnType<typeof startSocketServer>>;

beforeAll(async () => {
	testDb = await createTestDatabase();
	server = await startSocketServer();
	startRealtime(testDb.db, { committed: testDb.committed, generation: testDb.generation });
});

afterAll(async () => {
	await server.close();
	await testDb.dispose();
});

const T0 = Date.now();
const words = (body: string, mood = 2) => ({ mood, craving: null, need: null, body });

/** Sam (in recovery), Ana and Ben with Maria; Sam posts one check-in of each audience. */
async function garcias() {
	const circle = await circleOf(testDb.db, ['Sam', 'Ana', 'Ben']);
	const [maria, sam, ana, ben] = circle.people;
	const samAccess = await circle.accessOf(sam);
	const everyone = await postCheckIn(testDb.db, samAccess, { ...words('For everyone', 4), audience: 'circle' }, T0);
	const journal = await postCheckIn(testDb.db, samAccess, { ...words('Only for me', 1), audience: 'self' }, T0 + 1);
	const forAna = await postCheckIn(testDb.db, samAccess, { ...words('For Ana', 2), audience: 'chosen', audienceMembers: [ana.id] }, T0 + 2);
	return { ...circle, maria, sam, ana, ben, everyone, journal, forAna };
}

async function feedBodies(circle: { accessOf: Awaited<ReturnType<typeof garcias>>['accessOf'] }, reader: SessionUser, authorId?: string) {
	const page = await listCheckIns(testDb.db, await circle.accessOf(reader), { authorId });
	return page.checkins.map((checkin) => checkin.body);
}

async function refusalOf(promise: Promise<unknown> | (() => Promise<unknown>)) {
	try {
		await (typeof promise === 'function' ? promise() : promise);
	} catch (caught) {
		return caught as { reason: string; message: string; field?: string };
	}
	throw new Error('expected a refusal');
}

describe('choosing who sees a check-in', () => {
	it('stores the choice and shows it on the card', async () => {
		const { everyone, journal, forAna, ana, sam } = await garcias();
		expect(everyone.audience).toEqual({ kind: 'circle', members: [] });
		expect(journal.audience).toEqual({ kind: 'self', members: [] });
		expect(forAna.audience).toEqual({ kind: 'chosen', members: [ana.id] });
		const names = (id: string) => (id === ana.id ? 'Ana' : undefined);
		expect(audienceLabel(journal, sam.id, names)).toBe('Only you');
		expect(audienceLabel(forAna, sam.id, names)).toBe('You and Ana');
		expect(audienceLabel(forAna, ana.id, names)).toBe('Sam and you');
		expect(audienceLabel(everyone, ana.id, names)).toBeNull();
	});

	it('is the whole circle when the form says nothing (an older page, a check-in queued before)', async () => {
		const parsed = parseForm(postCheckInSchema, formOf({ mood: '3' }));
		expect(parsed).toMatchObject({ ok: true, data: { audience: null, audienceMembers: [] } });
		const circle = await garcias();
		const posted = await postCheckIn(testDb.db, await circle.accessOf(circle.sam), words('no choice sent'));
		expect(posted.audience.kind).toBe('circle');
		expect(await feedBodies(circle, circle.ben)).toContain('no choice sent');
	});

	it('reads the people ticked, as a form sends them and as the offline outbox keeps them', () => {
		const sent = formOf({ mood: '3', audience: 'chosen', audienceMembers: ['anaid', 'benid', 'anaid'] });
		const asSent = parseForm(postCheckInSchema, sent);
		expect(asSent).toMatchObject({ ok: true, data: { audience: 'chosen', audienceMembers: ['anaid', 'benid'] } });
		const kept = outboxFields(sent);
		expect(kept.audienceMembers).toBe('anaid benid anaid');
		expect(parseForm(postCheckInSchema, formOf(kept))).toMatchObject({ ok: true, data: { audience: 'chosen', audienceMembers: ['anaid', 'benid'] } });
		// A refused form gives back what was ticked, to tick it again.
		expect(parseForm(postCheckInSchema, formOf({ audience: 'chosen', audienceMembers: ['anaid', 'benid'] }))).toMatchObject({
			ok: false,
			values: { audience: 'chosen', audienceMembers: 'anaid benid' }
		});
	});

	it('refuses someone outside the circle, a made-up id and "only some people" with nobody: a clear message, nothing stored', async () => {
		const { sam, accessOf, circleId } = await garcias();
		const outsider = await addUser(testDb.db, 'Eve');
		const before = await latestCircleEventSeq(testDb.db, circleId);
		const access = await accessOf(sam);
		for (const audienceMembers of [[outsider.id], ['made-up-id'], ['<script>alert(1)</script>']]) {
			expect(await refusalOf(postCheckIn(testDb.db, access, { ...words('x'), audience: 'chosen', audienceMembers }))).toMatchObject({
				reason: 'invalid',
				field: 'audienceMembers',
				message: AUDIENCE_NOT_IN_CIRCLE
			});
		}
		for (const audienceMembers of [[], [sam.id]]) {
			expect(await refusalOf(postCheckIn(testDb.db, access, { ...words('x'), audience: 'chosen', audienceMembers }))).toMatchObject({
				reason: 'invalid',
				field: 'audienceMembers',
				message: EMPTY_AUDIENCE
			});
		}
		expect(await latestCircleEventSeq(testDb.db, circleId)).toBe(before);
		expect(await testDb.db.selectFrom('checkins').select('id').where('body', '=', 'x').execute()).toEqual([]);
		// A choice that is not one of the three is the form's own message, next to the field.
		expect(parseForm(postCheckInSchema, formOf({ mood: '3', audience: 'everyone-and-more' }))).toMatchObject({
			ok: false,
			errors: { audience: 'Please choose who can see this.' }
		});
	});
});

describe('changing who sees a check-in (an edit)', () => {
	it('refuses someone outside the circle, one who left it, a made-up id and "only some people" with nobody: nothing changes', async () => {
		const circle = await garcias();
		const { sam, ana, ben, forAna, circleId } = circle;
		const outsider = await addUser(testDb.db, 'Eve');
		await removeMember(testDb.db, await circle.accessOf(circle.maria), ben.id);
		const before = await latestCircleEventSeq(testDb.db, circleId);
		const access = await circle.accessOf(sam);
		const narrowTo = (audienceMembers: string[]) =>
			refusalOf(editCheckIn(testDb.db, access, forAna.id, { ...words('Changed words'), audience: 'chosen', audienceMembers }, T0 + 10));
		for (const audienceMembers of [[outsider.id], [ana.id, outsider.id], [ben.id], ['made-up-id']]) {
			expect(await narrowTo(audienceMembers)).toMatchObject({ reason: 'invalid', field: 'audienceMembers', message: AUDIENCE_NOT_IN_CIRCLE });
		}
		for (const audienceMembers of [[], [sam.id]]) {
			expect(await narrowTo(audienceMembers)).toMatchObject({ reason: 'invalid', field: 'audienceMembers', message: EMPTY_AUDIENCE });
		}
		// Nothing written: no event, the words and the audience as they were.
		expect(await latestCircleEventSeq(testDb.db, circleId)).toBe(before);
		const row = await testDb.db.selectFrom('checkins').select(['body', 'audience', 'edited_at']).where('id', '=', forAna.id).executeTakeFirstOrThrow();
		expect(row).toEqual({ body: 'For Ana', audience: 'chosen', edited_at: null });
		expect(await testDb.db.selectFrom('checkin_audience').select('user_id').where('checkin_id', '=', forAna.id).execute()).toEqual([{ user_id: ana.id }]);
		expect(await feedBodies(circle, ana)).toContain('For Ana');
	});

	it('as a form: a 400 with the message next to the people, and what was typed and ticked given back', async () => {
		const circle = await garcias();
		const outsider = await addUser(testDb.db, 'Eve');
		const access = await circle.accessOf(circle.sam);
		const body = new URLSearchParams([
			['checkinId', circle.everyone.id],
			['mood', '3'],
			['body', 'Only for Ana now'],
			['audience', 'chosen'],
			['audienceMembers', circle.ana.id],
			['audienceMembers', outsider.id]
		]);
		const request = new Request('http://hearth.test/', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
		const answer = await formAction({ request }, 'edit', editCheckInSchema, ({ checkinId, ...input }) =>
			editCheckIn(testDb.db, access, checkinId, input, T0 + 10)
		);
		expect(answer).toMatchObject({
			status: 400,
			data: {
				action: 'edit',
				errors: { audienceMembers: AUDIENCE_NOT_IN_CIRCLE },
				values: { body: 'Only for Ana now', audience: 'chosen', audienceMembers: `${circle.ana.id} ${outsider.id}` }
			}
		});
		expect(await feedBodies(circle, circle.ben)).toEqual(['For everyone']);
	});

	it('after the edit window the words stay as they are, but who sees it is the author’s to change, live, at any time', async () => {
		const circle = await circleOf(testDb.db, ['Sam', 'Ana', 'Ben']);
		const [, sam, ana, ben] = circle.people;
		const samAccess = await circle.accessOf(sam);
		const posted = await postCheckIn(testDb.db, samAccess, words('Shared by mistake'), T0);
		const later = T0 + EDIT_WINDOW_MS + 60 * 60_000;
		expect(await refusalOf(editCheckIn(testDb.db, samAccess, posted.id, { ...words('Shared by mistake'), audience: 'self' }, later))).toMatchObject({
			reason: 'invalid'
		});
		const start = await latestCircleEventSeq(testDb.db, circle.circleId);
		const benSocket = await server.signedIn(testDb.db, ben);
		await sync(benSocket, circle.circleId, start);
		const benSees = collect(benSocket);

		const { checkin } = await changeCheckInAudience(testDb.db, samAccess, posted.id, { audience: 'chosen', audienceMembers: [ana.id] }, later);
		expect(checkin).toMatchObject({ body: 'Shared by mistake', editedAt: null, audience: { kind: 'chosen', members: [ana.id] } });
		await eventually(() => expect(benSees).toEqual([expect.objectContaining({ seq: start + 1, type: 'checkin.hidden' })]));
		expect(await feedBodies(circle, ben)).toEqual([]);
		expect(await feedBodies(circle, ana)).toEqual(['Shared by mistake']);
		// The same choice again writes nothing.
		await changeCheckInAudience(testDb.db, samAccess, posted.id, { audience: 'chosen', audienceMembers: [ana.id, sam.id] }, later + 1);
		expect(await latestCircleEventSeq(testDb.db, circle.circleId)).toBe(start + 1);

		await changeCheckInAudience(testDb.db, samAccess, posted.id, { audience: 'circle' }, later + 2);
		await eventually(() =>
			expect(benSees.at(-1)).toMatchObject({ seq: start + 2, type: 'checkin.edited', payload: { checkin: { body: 'Shared by mistake' } } })
		);
		expect(await feedBodies(circle, ben)).toEqual(['Shared by mistake']);
		const row = await testDb.db.selectFrom('checkins').select(['body', 'edited_at']).where('id', '=', posted.id).executeTakeFirstOrThrow();
		expect(row).toEqual({ body: 'Shared by mistake', edited_at: null });
	});

	it('only its author changes who sees it; the same refusals as posting; not one not shared, nor one removed', async () => {
		const circle = await garcias();
		const { sam, ana, ben, maria, everyone, journal, forAna, circleId } = circle;
		const outsider = await addUser(testDb.db, 'Eve');
		const samAccess = await circle.accessOf(sam);
		const before = await latestCircleEventSeq(testDb.db, circleId);
		expect(await refusalOf(changeCheckInAudience(testDb.db, await circle.accessOf(maria), everyone.id, { audience: 'self' }))).toMatchObject({
			reason: 'forbidden'
		});
		// Someone it is not shared with cannot even tell it is there.
		expect(await refusalOf(changeCheckInAudience(testDb.db, await circle.accessOf(ben), journal.id, { audience: 'circle' }))).toMatchObject({
			reason: 'not-found'
		});
		expect(await refusalOf(changeCheckInAudience(testDb.db, await circle.accessOf(ana), forAna.id, { audience: 'circle' }))).toMatchObject({
			reason: 'forbidden'
		});
		expect(await refusalOf(changeCheckInAudience(testDb.db, samAccess, forAna.id, { audience: 'chosen', audienceMembers: [outsider.id] }))).toMatchObject({
			reason: 'invalid',
			field: 'audienceMembers',
			message: AUDIENCE_NOT_IN_CIRCLE
		});
		expect(await refusalOf(changeCheckInAudience(testDb.db, samAccess, forAna.id, { audience: 'chosen', audienceMembers: [] }))).toMatchObject({
			reason: 'invalid',
			field: 'audienceMembers',
			message: EMPTY_AUDIENCE
		});
		expect(await latestCircleEventSeq(testDb.db, circleId)).toBe(before);
		await removeCheckIn(testDb.db, samAccess, everyone.id);
		expect(await refusalOf(changeCheckInAudience(testDb.db, samAccess, everyone.id, { audience: 'self' }))).toMatchObject({ reason: 'not-found' });
		// The form says which choice is missing.
		expect(parseForm(checkInAudienceSchema, formOf({ checkinId: forAna.id }))).toMatchObject({
			ok: false,
			errors: { audience: 'Please choose who can see this.' }
		});
	});

	it('narrowed, the unread counts and "last activity" of those left out go back; widened, they come again', async () => {
		const circle = await garcias();
		const { sam, ana, ben } = circle;
		const count = async (reader: SessionUser) => (await countUnread(testDb.committed, reader.id)).find((c) => c.circleId === circle.circleId)!.count;
		const lastActivity = async (reader: SessionUser) => (await listMyCircles(testDb.db, reader)).find((c) => c.id === circle.circleId)!.lastActivityAt;
		const [anaBefore, benBefore] = [await count(ana), await count(ben)];
		const benLastBefore = await lastActivity(ben);
		const later = T0 + 60_000;
		const samAccess = await circle.accessOf(sam);
		const posted = await postCheckIn(testDb.db, samAccess, words('Can someone call me?'), later);
		// Ana answers it: a reply counts as new for Ben too.
		await postReply(testDb.db, await circle.accessOf(ana), posted.id, 'Calling now', later + 1);
		expect(await count(ben)).toBe(benBefore + 2);
		expect(await lastActivity(ben)).toBe(later + 1);

		await editCheckIn(testDb.db, samAccess, posted.id, { ...words('Can someone call me?'), audience: 'chosen', audienceMembers: [ana.id] }, later + 2);
		expect(await count(ben)).toBe(benBefore);
		expect(await lastActivity(ben)).toBe(benLastBefore);
		expect(await count(ana)).toBe(anaBefore + 1); // Sam's check-in; her own reply never counted

		await editCheckIn(testDb.db, samAccess, posted.id, { ...words('Can someone call me?'), audience: 'circle' }, later + 3);
		expect(await count(ben)).toBe(benBefore + 2);
		expect(await lastActivity(ben)).toBe(later + 3);
	});
});

function formOf(fields: Record<string, string | string[]>) {
	const data = new FormData();
	for (const [key, value] of Object.entries(fields)) for (const one of [value].flat()) data.append(key, one);
	return data;
}

describe('every read path', () => {
	it('the feed and a member’s page: the author sees all three, a chosen member theirs, the others only the circle’s', async () => {
		const circle = await garcias();
		const { sam, ana, ben, maria } = circle;
		expect(await feedBodies(circle, sam)).toEqual(['For Ana', 'Only for me', 'For everyone']);
		expect(await feedBodies(circle, ana)).toEqual(['For Ana', 'For everyone']);
		expect(await feedBodies(circle, ben)).toEqual(['For everyone']);
		expect(await feedBodies(circle, maria)).toEqual(['For everyone']);
		expect(await feedBodies(circle, ben, sam.id)).toEqual(['For everyone']);
		expect(await feedBodies(circle, ana, sam.id)).toEqual(['For Ana', 'For everyone']);
	});

	it('the mood chart (and so its averages) holds only what the reader may see', async () => {
		const circle = await garcias();
		const moods = async (reader: SessionUser) => (await moodTrend(testDb.db, await circle.accessOf(reader), circle.sam.id, T0 + 10)).map((p) => p.mood);
		expect(await moods(circle.sam)).toEqual([4, 1, 2]);
		expect(await moods(circle.ana)).toEqual([4, 2]);
		expect(await moods(circle.ben)).toEqual([4]);
	});

	it('replies and reactions to a check-in the member may not see are the outsiders’ 404, and write nothing', async () => {
		const circle = await garcias();
		const ben = await circle.accessOf(circle.ben);
		for (const attempt of [
			() => postReply(testDb.db, ben, circle.journal.id, 'Hello'),
			() => toggleReaction(testDb.db, ben, circle.forAna.id, 'love'),
			() => postReply(testDb.db, ben, circle.forAna.id, 'Hello')
		]) {
			expect(await refusalOf(attempt)).toMatchObject({ reason: 'not-found' });
		}
		// Ana may answer hers; once Sam narrows it to himself, her reply is out of her reach too.
		const ana = await circle.accessOf(circle.ana);
		const { replyId } = await postReply(testDb.db, ana, circle.forAna.id, 'I’m here');
		await editCheckIn(testDb.db, await circle.accessOf(circle.sam), circle.forAna.id, { ...words('For Ana', 2), audience: 'self' });
		expect(await refusalOf(editReply(testDb.db, ana, replyId!, 'changed'))).toMatchObject({ reason: 'not-found' });
		expect(await refusalOf(removeReply(testDb.db, ana, replyId!))).toMatchObject({ reason: 'not-found' });
		expect(await refusalOf(toggleReaction(testDb.db, ana, circle.forAna.id, 'love'))).toMatchObject({ reason: 'not-found' });
		expect(await testDb.db.selectFrom('checkin_reactions').select('kind').where('checkin_id', 'in', [circle.journal.id, circle.forAna.id]).execute()).toEqual(
			[]
		);
	});

	it('unread counts and the circles list’s last activity leave out what the member may not see', async () => {
		const circle = await garcias();
		const count = async (reader: SessionUser) => (await countUnread(testDb.committed, reader.id)).find((c) => c.circleId === circle.circleId)!.count;
		const people = [circle.maria, circle.sam, circle.ana, circle.ben];
		const before = await Promise.all(people.map(count));
		const later = T0 + 60_000;
		const sam = await circle.accessOf(circle.sam);
		await postCheckIn(testDb.db, sam, { ...words('late and private'), audience: 'self' }, later - 2);
		await postCheckIn(testDb.db, sam, { ...words('late, for Ana'), audience: 'chosen', audienceMembers: [circle.ana.id] }, later - 1);
		await postCheckIn(testDb.db, sam, { ...words('late, for Ana too'), audience: 'chosen', audienceMembers: [circle.ana.id] }, later);
		const after = await Promise.all(people.map(count));
		// Maria and Ben: nothing new for them; Sam: his own doing; Ana: the two for her.
		expect(after.map((n, i) => n - before[i]!)).toEqual([0, 0, 2, 0]);
		const lastActivity = async (reader: SessionUser) => (await listMyCircles(testDb.db, reader)).find((c) => c.id === circle.circleId)!.lastActivityAt;
		expect(await lastActivity(circle.sam)).toBe(later);
		expect(await lastActivity(circle.ben)).toBeLessThan(later);
	});

	it('the export of another member holds none of it; the author’s own says who it was for', async () => {
		const circle = await garcias();
		const exportOf = async (user: SessionUser) => {
			let text = '';
			for await (const chunk of exportAccountJson(testDb.db, user.id)) text += chunk;
			return text;
		};
		const bens = await exportOf(circle.ben);
		expect(bens).not.toContain('Only for me');
		expect(bens).not.toContain('For Ana');
		const sams = JSON.parse(await exportOf(circle.sam));
		expect(sams.checkIns.map((c: { body: string; audience: string }) => [c.body, c.audience]).sort()).toEqual([
			['For Ana', 'chosen'],
			['For everyone', 'circle'],
			['Only for me', 'self']
		]);
	});

	it('a chosen member who leaves the circle takes their place in the audience with them', async () => {
		const circle = await garcias();
		await removeMember(testDb.db, await circle.accessOf(circle.maria), circle.ana.id);
		expect(await testDb.db.selectFrom('checkin_audience').select('user_id').where('checkin_id', '=', circle.forAna.id).execute()).toEqual([]);
		expect(await feedBodies(circle, circle.sam)).toEqual(['For Ana', 'Only for me', 'For everyone']);
		expect(await feedBodies(circle, circle.ben)).toEqual(['For everyone']);
	});

	it('a chosen member who deletes their account is named in no check-in’s audience, in the tables or the log', async () => {
		const circle = await garcias();
		await testDb.db
			.updateTable('users')
			.set({ password_hash: await hashPassword('ana’s long password') })
			.where('id', '=', circle.ana.id)
			.execute();
		await deleteAccount(testDb.db, circle.ana, 'ana’s long password');
		expect(await testDb.db.selectFrom('checkin_audience').select('user_id').where('user_id', '=', circle.ana.id).execute()).toEqual([]);
		const { events } = await listCircleEventsAfter(testDb.db, circle.circleId, 0);
		expect(JSON.stringify(events)).not.toContain(circle.ana.id);
	});

	it('the shared rule and the SQL agree', async () => {
		const circle = await garcias();
		for (const reader of [circle.maria, circle.sam, circle.ana, circle.ben]) {
			const shown = new Set((await listCheckIns(testDb.db, await circle.accessOf(reader))).checkins.map((c) => c.id));
			for (const checkin of [circle.everyone, circle.journal, circle.forAna]) expect(shown.has(checkin.id)).toBe(maySeeCheckIn(checkin, reader.id));
		}
	});
});

function collect(socket: Client): CircleEvent[] {
	const seen: CircleEvent[] = [];
	socket.on('circle:event', (event) => seen.push(event));
	return seen;
}

function sync(socket: Client, circleId: string, afterSeq: number): Promise<CircleSyncResponse> {
	return new Promise((resolve) => socket.emit('circle:sync', { circleId, afterSeq }, resolve));
}

async function eventually(check: () => void, attempts = 100) {
	for (let i = 0; ; i++) {
		try {
			return check();
		} catch (error) {
			if (i >= attempts) throw error;
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	}
}

/** What a client makes of events: check-in ids it holds, and their bodies. */
function bodiesIn(events: CircleEvent[]) {
	return events.map((event) =>
		event.type === 'checkin.hidden'
			? `hidden:${event.seq}`
			: 'checkin' in event.payload
				? `${event.payload.checkin.body}:${event.seq}`
				: `${event.type}:${event.seq}`
	);
}

describe('live events and catch-up', () => {
	it('reach only the audience whole; everyone else gets a content-free stand-in with the same number, live and on catch-up', async () => {
		const circle = await circleOf(testDb.db, ['Sam', 'Ana', 'Ben']);
		const [, sam, ana, ben] = circle.people;
		const sockets = { sam: await server.signedIn(testDb.db, sam), ana: await server.signedIn(testDb.db, ana), ben: await server.signedIn(testDb.db, ben) };
		const start = await latestCircleEventSeq(testDb.db, circle.circleId);
		for (const socket of Object.values(sockets)) await sync(socket, circle.circleId, start);
		const seen = { sam: collect(sockets.sam), ana: collect(sockets.ana), ben: collect(sockets.ben) };
		const samAccess = await circle.accessOf(sam);
		await postCheckIn(testDb.db, samAccess, { ...words('private words'), audience: 'self' });
		await postCheckIn(testDb.db, samAccess, { ...words('for Ana'), audience: 'chosen', audienceMembers: [ana.id] });
		await postCheckIn(testDb.db, samAccess, words('for all'));
		const [a, b, c] = [start + 1, start + 2, start + 3];
		await eventually(() => {
			expect(bodiesIn(seen.sam)).toEqual([`private words:${a}`, `for Ana:${b}`, `for all:${c}`]);
			expect(bodiesIn(seen.ana)).toEqual([`hidden:${a}`, `for Ana:${b}`, `for all:${c}`]);
			expect(bodiesIn(seen.ben)).toEqual([`hidden:${a}`, `hidden:${b}`, `for all:${c}`]);
		});
		// The stand-in says nothing: no words, no mood, no author, no actor.
		const standIn = seen.ben[0]!;
		expect(standIn).toEqual({
			seq: a,
			circleId: circle.circleId,
			actorId: null,
			type: 'checkin.hidden',
			payload: { checkinId: expect.any(String) },
			createdAt: expect.any(Number)
		});
		expect(JSON.stringify(seen.ben.slice(0, 2))).not.toMatch(/private|Ana|Sam|mood/);

		// After a reconnect, catch-up says the same, with no gap in the numbers.
		for (const [who, expected] of [
			['ben', [`hidden:${a}`, `hidden:${b}`, `for all:${c}`]],
			['ana', [`hidden:${a}`, `for Ana:${b}`, `for all:${c}`]],
			['sam', [`private words:${a}`, `for Ana:${b}`, `for all:${c}`]]
		] as const) {
			const reply = await sync(sockets[who], circle.circleId, start);
			expect(reply.ok).toBe(true);
			if (reply.ok) expect(bodiesIn(reply.events)).toEqual(expected);
		}
	});

	it('a page away while a check-in was narrowed, then widened, catches up: off the page, then back, with no gap and no words while hidden', async () => {
		const circle = await circleOf(testDb.db, ['Sam', 'Ana', 'Ben']);
		const [, sam, ana, ben] = circle.people;
		const samAccess = await circle.accessOf(sam);
		const posted = await postCheckIn(testDb.db, samAccess, words('How is everyone?'));
		const loadedAt = await latestCircleEventSeq(testDb.db, circle.circleId);
		// Ben's page as it was loaded, live, then away (the tab asleep, the train in a tunnel).
		let benFeed = feedFromPage(await listCheckIns(testDb.db, await circle.accessOf(ben)), loadedAt);
		expect(benFeed.items.map((c) => c.body)).toEqual(['How is everyone?']);
		const away = await server.signedIn(testDb.db, ben);
		expect((await sync(away, circle.circleId, loadedAt)).ok).toBe(true);
		away.disconnect();

		// Meanwhile Sam narrows it to Ana, Ana answers it, and Sam posts another for everyone.
		await editCheckIn(testDb.db, samAccess, posted.id, { ...words('How is everyone? (just you, Ana)'), audience: 'chosen', audienceMembers: [ana.id] });
		await postReply(testDb.db, await circle.accessOf(ana), posted.id, 'I’m okay, thank you');
		await postCheckIn(testDb.db, samAccess, words('Dinner on Sunday'));
		const back = await server.signedIn(testDb.db, ben);
		const reply = await sync(back, circle.circleId, loadedAt);
		if (!reply.ok) throw new Error('catch-up refused');
		expect(reply.complete).toBe(true);
		expect(reply.events.map((e) => e.seq)).toEqual([loadedAt + 1, loadedAt + 2, loadedAt + 3]);
		expect(bodiesIn(reply.events)).toEqual([`hidden:${loadedAt + 1}`, `hidden:${loadedAt + 2}`, `Dinner on Sunday:${loadedAt + 3}`]);
		expect(JSON.stringify(reply.events.slice(0, 2))).not.toMatch(/just you|okay|Ana|mood/);
		benFeed = applyCheckInEvents(benFeed, reply.events);
		expect(benFeed.items.map((c) => c.body)).toEqual(['Dinner on Sunday']);
		// Ana, away too, gets all of it.
		const anaSocket = await server.signedIn(testDb.db, ana);
		const anaReply = await sync(anaSocket, circle.circleId, loadedAt);
		expect(anaReply.ok && bodiesIn(anaReply.events)).toEqual([
			`How is everyone? (just you, Ana):${loadedAt + 1}`,
			`How is everyone? (just you, Ana):${loadedAt + 2}`,
			`Dinner on Sunday:${loadedAt + 3}`
		]);

		// Away again; widened back to everyone: the catch-up brings it back, Ana's reply with it.
		back.disconnect();
		await editCheckIn(testDb.db, samAccess, posted.id, { ...words('How is everyone?'), audience: 'circle' });
		const again = await server.signedIn(testDb.db, ben);
		const widened = await sync(again, circle.circleId, loadedAt + 3);
		if (!widened.ok) throw new Error('catch-up refused');
		expect(widened.events).toEqual([expect.objectContaining({ seq: loadedAt + 4, type: 'checkin.edited' })]);
		benFeed = applyCheckInEvents(benFeed, widened.events);
		expect(benFeed.items.map((c) => [c.body, c.replies.map((r) => r.body)])).toEqual([
			['Dinner on Sunday', []],
			['How is everyone?', ['I’m okay, thank you']]
		]);
	});

	it('narrowing later takes it off the pages of those left out, live and on catch-up; widening brings it back', async () => {
		const circle = await circleOf(testDb.db, ['Sam', 'Ana', 'Ben']);
		const [, sam, ana, ben] = circle.people;
		const samAccess = await circle.accessOf(sam);
		const posted = await postCheckIn(testDb.db, samAccess, words('shared at first'));
		const afterPost = await latestCircleEventSeq(testDb.db, circle.circleId);
		const anaSocket = await server.signedIn(testDb.db, ana);
		const benSocket = await server.signedIn(testDb.db, ben);
		await sync(anaSocket, circle.circleId, afterPost);
		await sync(benSocket, circle.circleId, afterPost);
		const anaSees = collect(anaSocket);
		const benSees = collect(benSocket);
		await editCheckIn(testDb.db, samAccess, posted.id, { ...words('shared at first'), audience: 'chosen', audienceMembers: [ana.id] });
		const narrowed = afterPost + 1;
		await eventually(() => {
			expect(anaSees.map((e) => e.type)).toEqual(['checkin.edited']);
			expect(benSees).toEqual([expect.objectContaining({ seq: narrowed, type: 'checkin.hidden', payload: { checkinId: posted.id } })]);
		});
		// On reload it is gone for Ben, there for Ana; catch-up from before it was posted hides every event about it.
		expect(await feedBodies(circle, ben)).toEqual([]);
		expect(await feedBodies(circle, ana)).toEqual(['shared at first']);
		const replay = await sync(benSocket, circle.circleId, afterPost - 1);
		expect(replay.ok && replay.events.map((e) => e.type)).toEqual(['checkin.hidden', 'checkin.hidden']);

		// An edit that says nothing of the audience keeps it (never widens it by accident).
		await editCheckIn(testDb.db, samAccess, posted.id, words('still for Ana'));
		expect(await feedBodies(circle, ben)).toEqual([]);
		await editCheckIn(testDb.db, samAccess, posted.id, { ...words('for all again'), audience: 'circle' });
		expect(await feedBodies(circle, ben)).toEqual(['for all again']);
		await eventually(() => expect(benSees.at(-1)).toMatchObject({ type: 'checkin.edited', payload: { checkin: { body: 'for all again' } } }));
	});
});
