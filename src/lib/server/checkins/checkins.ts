// Check-ins, their reactions and replies: every command takes the member's checked access, says
// no by throwing a Refusal (so nothing it wrote before stays), and returns the check-in as it now
// is, for the page and for the live event alike.
import type { Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { idList, inIds, prepared, type IdList } from '$lib/server/db/prepared';
import { isRowId, newId } from '$lib/server/ids';
import { lockCircleFor, requireCan, type CircleAccess } from '$lib/server/circles/access';
import { forbidden, invalid, notFound } from '$lib/server/refusal';
import { appendCircleEvent } from '$lib/server/circles/events';
import { publishCircleEvents } from '$lib/server/realtime/publish';
import { EDIT_WINDOW_MS, FEED_PAGE_SIZE, REACTIONS, type AudienceKind, type CheckInView, type Need, type ReactionKind, type ReplyView } from '$lib/checkins';
import type { CheckInEventType } from '$lib/realtime/events';
import { UNKNOWN_REACTION, type CheckInInput } from './checkin-forms';
import { earlierPost, forgetWords, keepPostKey, wordsHash } from './post-keys';
import { loadAudiences, resolveAudience, visibleTo, writeAudience } from './audience';

type Reader = Database | Transaction<DB>;

/** Check-ins with their authors, as loadCheckInViews and the feed read them. */
function checkInRows(db: Reader) {
	return db
		.selectFrom('checkins')
		.innerJoin('users', 'users.id', 'checkins.author_id')
		.leftJoin('memberships', (join) => join.onRef('memberships.circle_id', '=', 'checkins.circle_id').onRef('memberships.user_id', '=', 'checkins.author_id'))
		.select([
			'checkins.id',
			'checkins.circle_id',
			'checkins.author_id',
			'users.display_name',
			'memberships.relationship',
			'checkins.mood',
			'checkins.craving',
			'checkins.need',
			'checkins.body',
			'checkins.created_at',
			'checkins.edited_at',
			'checkins.deleted_at',
			'checkins.audience'
		]);
}

type CheckInRow = Awaited<ReturnType<ReturnType<typeof checkInRows>['execute']>>[number];

/** Builds what readers see of these check-ins (in the order given), with reactions and replies. */
export async function loadCheckInViews(db: Reader, ids: string[]): Promise<CheckInView[]> {
	if (ids.length === 0) return [];
	const rows = await checkInsById(db, idList(db, ids));
	const byId = new Map(rows.map((row) => [row.id, row]));
	return withResponses(
		db,
		ids.flatMap((id) => byId.get(id) ?? [])
	);
}

// What every opening of a circle and every change of a check-in reads: built once (db/prepared.ts).
const checkInsById = prepared((db, ids: IdList) => checkInRows(db).where(inIds(db, 'checkins.id', ids)));

const reactionsOf = prepared((db, checkinIds: IdList) =>
	db
		.selectFrom('checkin_reactions')
		.select(['checkin_id', 'user_id', 'kind'])
		.where(inIds(db, 'checkin_id', checkinIds))
		.orderBy('created_at')
);

const repliesOf = prepared((db, checkinIds: IdList) =>
	db
		.selectFrom('checkin_replies')
		.innerJoin('users', 'users.id', 'checkin_replies.author_id')
		.select([
			'checkin_replies.id',
			'checkin_replies.checkin_id',
			'checkin_replies.author_id',
			'users.display_name',
			'checkin_replies.body',
			'checkin_replies.created_at',
			'checkin_replies.edited_at'
		])
		.where(inIds(db, 'checkin_replies.checkin_id', checkinIds))
		.orderBy('checkin_replies.created_at')
		.orderBy('checkin_replies.id')
);

/** The views of these check-in rows, in their order, with reactions and replies. */
async function withResponses(db: Reader, rows: CheckInRow[]): Promise<CheckInView[]> {
	if (rows.length === 0) return [];
	const ids = rows.map((row) => row.id);
	const audiences = await loadAudiences(db, rows);
	const list = idList(db, ids);
	const reactions = await reactionsOf(db, list);
	const replies = await repliesOf(db, list);

	const views = new Map<string, CheckInView>();
	// One object per author, shared by their check-ins: the page's data then names each author once
	// (devalue keeps shared objects shared), not once per check-in.
	const authors = new Map<string, CheckInView['author']>();
	for (const row of rows) {
		const removed = row.deleted_at !== null;
		let author = authors.get(row.author_id);
		if (!author) authors.set(row.author_id, (author = { id: row.author_id, displayName: row.display_name, relationship: row.relationship ?? '' }));
		views.set(row.id, {
			id: row.id,
			circleId: row.circle_id,
			author,
			mood: removed ? null : row.mood,
			craving: removed ? null : row.craving,
			need: removed ? null : (row.need as Need | null),
			body: removed ? '' : row.body,
			createdAt: row.created_at,
			editedAt: row.edited_at,
			removed,
			audience: audiences.get(row.id)!,
			reactions: { love: [], proud: [], here: [] },
			replies: []
		});
	}
	for (const reaction of reactions) views.get(reaction.checkin_id)?.reactions[reaction.kind as ReactionKind]?.push(reaction.user_id);
	for (const reply of replies) {
		const view: ReplyView = {
			id: reply.id,
			checkinId: reply.checkin_id,
			author: { id: reply.author_id, displayName: reply.display_name },
			body: reply.body,
			createdAt: reply.created_at,
			editedAt: reply.edited_at
		};
		views.get(reply.checkin_id)?.replies.push(view);
	}
	return [...views.values()];
}

/**
 * Writes the event for a changed check-in (as it now is) in the same transaction; returns the
 * event to publish once committed and the check-in it carries.
 */
async function recordChange(trx: Transaction<DB>, access: CircleAccess, checkinId: string, type: CheckInEventType, now: number) {
	const [checkin] = await loadCheckInViews(trx, [checkinId]);
	const event = await appendCircleEvent(trx, { circleId: access.circle.id, actorId: access.userId, type, payload: { checkin: checkin! }, now });
	return { event, checkin: checkin! };
}

/**
 * A check-in of this circle the member may see, or not found: ids of other circles, and check-ins
 * not shared with them, are answered as outsiders are (audience.ts).
 */
async function requireCheckIn(db: Reader, access: CircleAccess, checkinId: string) {
	if (!isRowId(checkinId)) throw notFound();
	const row = await db
		.selectFrom('checkins')
		.selectAll()
		.where('id', '=', checkinId)
		.where('circle_id', '=', access.circle.id)
		.where(visibleTo(access.userId))
		.executeTakeFirst();
	if (!row) throw notFound();
	return row;
}

/** requireCheckIn, for what only a check-in that was not removed can take. */
async function requireStandingCheckIn(db: Reader, access: CircleAccess, checkinId: string) {
	const row = await requireCheckIn(db, access, checkinId);
	if (row.deleted_at !== null) throw notFound();
	return row;
}

/** Only the author changes their words, and only for a while after posting them. */
function requireOwnWithinWindow(access: CircleAccess, authorId: string, createdAt: number, now: number, noun: string): void {
	if (authorId !== access.userId) throw forbidden(`You can only change your own ${noun}.`);
	if (now - createdAt > EDIT_WINDOW_MS) throw invalid(`A ${noun} can be changed for 15 minutes after it’s posted. You can still remove it.`);
}

/** The hottest write there is, so it is built once (see db/prepared.ts). */
const insertCheckIn = prepared(
	(
		db,
		id: string,
		circleId: string,
		authorId: string,
		mood: number | null,
		craving: number | null,
		need: string | null,
		body: string,
		createdAt: number,
		audience: string
	) =>
		db.insertInto('checkins').values({
			id,
			circle_id: circleId,
			author_id: authorId,
			mood,
			craving,
			need,
			body,
			created_at: createdAt,
			edited_at: null,
			deleted_at: null,
			audience
		})
);

/**
 * Posts a check-in. With a `clientKey` (the sender's device made it), the same key sent again with
 * the same words is answered with the check-in it posted the first time, as it now is, and posts
 * nothing (post-keys.ts); with other words it is refused.
 */
export async function postCheckIn(
	db: Database,
	access: CircleAccess,
	input: CheckInInput & { clientKey?: string | null },
	now = Date.now()
): Promise<CheckInView> {
	requireCan(access, 'postCheckIn');
	const circleId = access.circle.id;
	const id = newId();
	const clientKey = input.clientKey ?? null;
	// The audience is part of what was sent (added only when narrowed: keys of before it still match).
	const chosen = { audience: input.audience ?? 'circle', audienceMembers: input.audienceMembers ?? [] };
	const audienceSent = chosen.audience === 'circle' ? [] : [chosen.audience, ...[...chosen.audienceMembers].sort()];
	const hash = clientKey ? wordsHash('checkin', [input.mood, input.craving, input.need, input.body, ...audienceSent]) : '';
	const { event, checkin } = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'postCheckIn');
		const earlier = clientKey ? await earlierPost(trx, member, clientKey, 'checkin', hash) : null;
		if (earlier) return { event: null, checkin: (await loadCheckInViews(trx, [earlier.checkinId]))[0]! };
		const audience = await resolveAudience(trx, member, chosen);
		// A new check-in has no reactions or replies yet, so its view is built from what is written
		// rather than read back (this is the hottest write path: see BENCHMARKS.md).
		const checkin: CheckInView = {
			id,
			circleId,
			author: { id: member.userId, displayName: member.displayName, relationship: member.relationship },
			mood: input.mood,
			// Craving is asked of, and kept for, a person in recovery only.
			craving: member.inRecovery ? input.craving : null,
			need: input.need,
			body: input.body,
			createdAt: now,
			editedAt: null,
			removed: false,
			audience,
			reactions: { love: [], proud: [], here: [] },
			replies: []
		};
		await insertCheckIn(trx, id, circleId, member.userId, checkin.mood, checkin.craving, checkin.need, checkin.body, now, audience.kind);
		await writeAudience(trx, circleId, id, audience, false);
		if (clientKey) await keepPostKey(trx, member, { clientKey, kind: 'checkin', hash, checkinId: id, replyId: null }, now);
		const event = await appendCircleEvent(trx, { circleId, actorId: member.userId, type: 'checkin.posted' as CheckInEventType, payload: { checkin }, now });
		return { event, checkin };
	});
	if (event) publishCircleEvents([event]);
	return checkin;
}

/** The author changes their check-in within the edit window. */
export async function editCheckIn(
	db: Database,
	access: CircleAccess,
	checkinId: string,
	input: CheckInInput,
	now = Date.now()
): Promise<{ checkin: CheckInView }> {
	requireCan(access, 'postCheckIn');
	const change = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'postCheckIn');
		// Read under the lock: words removed a moment ago are not written back.
		const row = await requireStandingCheckIn(trx, member, checkinId);
		requireOwnWithinWindow(member, row.author_id, row.created_at, now, 'check-in');
		// Narrowed, the event's stand-in takes it off the pages of those left out (realtime/publish.ts).
		if (input.audience) {
			const audience = await resolveAudience(trx, member, { audience: input.audience, audienceMembers: input.audienceMembers ?? [] });
			await writeAudience(trx, member.circle.id, checkinId, audience, true);
		}
		await trx
			.updateTable('checkins')
			.set({ mood: input.mood, craving: member.inRecovery ? input.craving : null, need: input.need, body: input.body, edited_at: now })
			.where('id', '=', checkinId)
			.execute();
		await forgetWords(trx, { checkinId, kind: 'checkin' });
		return recordChange(trx, member, checkinId, 'checkin.edited', now);
	});
	publishCircleEvents([change.event]);
	return { checkin: change.checkin };
}

/**
 * The author changes who sees their check-in, at any time (issue 20): its words are theirs to
 * change for 15 minutes after posting (editCheckIn), what they share is theirs to decide always.
 * Narrowed, its event's stand-in takes it off the pages of those left out (realtime/publish.ts);
 * widened, the event brings it to those let in. The same choice again changes nothing.
 */
export async function changeCheckInAudience(
	db: Database,
	access: CircleAccess,
	checkinId: string,
	input: { audience: AudienceKind; audienceMembers?: string[] },
	now = Date.now()
): Promise<{ checkin: CheckInView }> {
	requireCan(access, 'postCheckIn');
	const change = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'postCheckIn');
		const row = await requireStandingCheckIn(trx, member, checkinId);
		if (row.author_id !== member.userId) throw forbidden('Only the person who wrote a check-in chooses who sees it.');
		const audience = await resolveAudience(trx, member, { audience: input.audience, audienceMembers: input.audienceMembers ?? [] });
		const before = (await loadAudiences(trx, [row])).get(checkinId)!;
		if (before.kind === audience.kind && before.members.join(' ') === audience.members.join(' ')) {
			return { event: null, checkin: (await loadCheckInViews(trx, [checkinId]))[0]! };
		}
		await writeAudience(trx, member.circle.id, checkinId, audience, true);
		// Its words are as they were: an edit of who sees it, not of what it says (edited_at stays).
		return recordChange(trx, member, checkinId, 'checkin.edited', now);
	});
	if (change.event) publishCircleEvents([change.event]);
	return { checkin: change.checkin };
}

/** The author removes a check-in: its words, reactions and replies go; a note keeps its place. */
export async function removeCheckIn(db: Database, access: CircleAccess, checkinId: string, now = Date.now()): Promise<{ checkin: CheckInView }> {
	requireCan(access, 'postCheckIn');
	const change = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'postCheckIn');
		const row = await requireCheckIn(trx, member, checkinId);
		if (row.author_id !== member.userId) throw forbidden('You can only remove your own check-ins.');
		if (row.deleted_at !== null) return { event: null, checkin: (await loadCheckInViews(trx, [checkinId]))[0]! };
		await trx.updateTable('checkins').set({ deleted_at: now, mood: null, craving: null, need: null, body: '' }).where('id', '=', checkinId).execute();
		await trx.deleteFrom('checkin_reactions').where('checkin_id', '=', checkinId).execute();
		await trx.deleteFrom('checkin_replies').where('checkin_id', '=', checkinId).execute();
		// Its words and its replies' are gone: so are their hashes (the keys stay, posted once).
		await forgetWords(trx, { checkinId });
		return recordChange(trx, member, checkinId, 'checkin.removed', now);
	});
	if (change.event) publishCircleEvents([change.event]);
	return { checkin: change.checkin };
}

/** One reaction of each kind per person: the same button adds it or takes it back. */
export async function toggleReaction(db: Database, access: CircleAccess, checkinId: string, kind: string, now = Date.now()): Promise<{ checkin: CheckInView }> {
	requireCan(access, 'respond');
	const change = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'respond');
		await requireStandingCheckIn(trx, member, checkinId);
		if (!Object.hasOwn(REACTIONS, kind)) throw invalid(UNKNOWN_REACTION, 'kind');
		const removed = await trx
			.deleteFrom('checkin_reactions')
			.where('checkin_id', '=', checkinId)
			.where('user_id', '=', member.userId)
			.where('kind', '=', kind)
			.executeTakeFirst();
		if (removed.numDeletedRows === 0n) {
			await trx.insertInto('checkin_reactions').values({ checkin_id: checkinId, user_id: member.userId, kind, created_at: now }).execute();
		}
		return recordChange(trx, member, checkinId, 'checkin.reacted', now);
	});
	publishCircleEvents([change.event]);
	return { checkin: change.checkin };
}

/**
 * Replies to a check-in. With a `clientKey`, the same key sent again with the same words answers
 * with the check-in as it now is and the first reply's id, posting nothing (post-keys.ts).
 */
export async function postReply(
	db: Database,
	access: CircleAccess,
	checkinId: string,
	body: string,
	now = Date.now(),
	clientKey: string | null = null
): Promise<{ checkin: CheckInView; replyId: string | null }> {
	requireCan(access, 'respond');
	const hash = clientKey ? wordsHash('reply', [checkinId, body]) : '';
	const change = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'respond');
		const earlier = clientKey ? await earlierPost(trx, member, clientKey, 'reply', hash) : null;
		if (earlier) {
			const [checkin] = await loadCheckInViews(trx, [earlier.checkinId]);
			if (!checkin) throw notFound();
			return { event: null, checkin, replyId: earlier.replyId };
		}
		await requireStandingCheckIn(trx, member, checkinId);
		const replyId = newId();
		await trx
			.insertInto('checkin_replies')
			.values({ id: replyId, checkin_id: checkinId, author_id: member.userId, body, created_at: now, edited_at: null })
			.execute();
		if (clientKey) await keepPostKey(trx, member, { clientKey, kind: 'reply', hash, checkinId, replyId }, now);
		return { ...(await recordChange(trx, member, checkinId, 'checkin.replied', now)), replyId };
	});
	if (change.event) publishCircleEvents([change.event]);
	return { checkin: change.checkin, replyId: change.replyId };
}

/** A reply of a check-in in this circle, or not found. */
async function requireReply(db: Reader, access: CircleAccess, replyId: string) {
	if (!isRowId(replyId)) throw notFound();
	const row = await db
		.selectFrom('checkin_replies')
		.innerJoin('checkins', 'checkins.id', 'checkin_replies.checkin_id')
		.select(['checkin_replies.id', 'checkin_replies.checkin_id', 'checkin_replies.author_id', 'checkin_replies.created_at'])
		.where('checkin_replies.id', '=', replyId)
		.where('checkins.circle_id', '=', access.circle.id)
		.where(visibleTo(access.userId))
		.executeTakeFirst();
	if (!row) throw notFound();
	return row;
}

export async function editReply(db: Database, access: CircleAccess, replyId: string, body: string, now = Date.now()): Promise<{ checkin: CheckInView }> {
	requireCan(access, 'respond');
	const change = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'respond');
		const reply = await requireReply(trx, member, replyId);
		requireOwnWithinWindow(member, reply.author_id, reply.created_at, now, 'reply');
		await trx.updateTable('checkin_replies').set({ body, edited_at: now }).where('id', '=', replyId).execute();
		await forgetWords(trx, { replyId });
		return recordChange(trx, member, reply.checkin_id, 'checkin.reply-edited', now);
	});
	publishCircleEvents([change.event]);
	return { checkin: change.checkin };
}

export async function removeReply(db: Database, access: CircleAccess, replyId: string, now = Date.now()): Promise<{ checkin: CheckInView }> {
	requireCan(access, 'respond');
	const change = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'respond');
		const reply = await requireReply(trx, member, replyId);
		if (reply.author_id !== member.userId) throw forbidden('You can only remove your own replies.');
		// Before the reply goes (its key then keeps no reply id): no hash of words that are gone.
		await forgetWords(trx, { replyId });
		await trx.deleteFrom('checkin_replies').where('id', '=', replyId).execute();
		return recordChange(trx, member, reply.checkin_id, 'checkin.reply-removed', now);
	});
	publishCircleEvents([change.event]);
	return { checkin: change.checkin };
}

function encodeCursor(createdAt: number, id: string): string {
	return `${createdAt.toString(36)}.${id}`;
}

function decodeCursor(cursor: string | null | undefined): { createdAt: number; id: string } | null {
	const match = cursor ? /^([0-9a-z]{1,12})\.([a-z2-7]{1,64})$/.exec(cursor) : null;
	if (!match) return null;
	return { createdAt: parseInt(match[1]!, 36), id: match[2]! };
}

export interface FeedPage {
	checkins: CheckInView[];
	/** Where the next (older) page starts; null at the end. Stable while new check-ins arrive. */
	nextCursor: string | null;
}

export interface FeedOptions {
	/** Where the page starts (a page's nextCursor); a cursor that is not one starts at the newest. */
	cursor?: string | null;
	authorId?: string;
	limit?: number;
}

/** Newest first, a page at a time; `authorId` narrows it to one member's check-ins. */
export async function listCheckIns(db: Database, access: CircleAccess, options: FeedOptions = {}): Promise<FeedPage> {
	requireCan(access, 'view');
	return loadFeedPage(db, access, options);
}

/** A circle's check-ins this reader may see, newest first: the feed's query, before its page. */
function feedInOrder(db: Reader, circleId: string, readerId: string) {
	return checkInRows(db)
		.where('checkins.circle_id', '=', circleId)
		.where(visibleTo(readerId))
		.orderBy('checkins.created_at', 'desc')
		.orderBy('checkins.id', 'desc');
}

// The feed's first page, what every opening of a circle reads: built once (db/prepared.ts).
const newestInFeed = prepared((db, circleId: string, readerId: string, limit: number) => feedInOrder(db, circleId, readerId).limit(limit));

/** listCheckIns as part of a page whose loader has checked `access` already (circles/home.ts). */
export async function loadFeedPage(db: Database, access: CircleAccess, options: FeedOptions = {}): Promise<FeedPage> {
	const limit = Math.min(options.limit ?? FEED_PAGE_SIZE, 100);
	const after = decodeCursor(options.cursor);
	// The page's rows in one read, newest first, rather than their ids first and the rows after.
	let rows: CheckInRow[];
	if (!options.authorId && !after) rows = await newestInFeed(db, access.circle.id, access.userId, limit + 1);
	else {
		let query = feedInOrder(db, access.circle.id, access.userId);
		if (options.authorId) query = query.where('checkins.author_id', '=', options.authorId);
		if (after) {
			query = query.where((eb) =>
				eb.or([eb('checkins.created_at', '<', after.createdAt), eb.and([eb('checkins.created_at', '=', after.createdAt), eb('checkins.id', '<', after.id)])])
			);
		}
		rows = await query.limit(limit + 1).execute();
	}
	const page = rows.slice(0, limit);
	const last = page[page.length - 1];
	return {
		checkins: await withResponses(db, page),
		nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null
	};
}

export interface MoodPoint {
	at: number;
	mood: number;
	craving: number | null;
}

/** A member's moods (and cravings, where shared) over the last `days` days, oldest first. */
export async function moodTrend(db: Database, access: CircleAccess, memberId: string, now = Date.now(), days = 30): Promise<MoodPoint[]> {
	requireCan(access, 'view');
	const rows = await db
		.selectFrom('checkins')
		.select(['created_at', 'mood', 'craving'])
		.where('circle_id', '=', access.circle.id)
		.where('author_id', '=', memberId)
		.where('deleted_at', 'is', null)
		// The chart, and the averages drawn from it, hold only what the reader may see.
		.where(visibleTo(access.userId))
		.where('created_at', '>=', now - days * 24 * 3600 * 1000)
		.orderBy('created_at', 'asc')
		.execute();
	return rows.flatMap((row) => (row.mood === null ? [] : [{ at: row.created_at, mood: row.mood, craving: row.craving }]));
}
