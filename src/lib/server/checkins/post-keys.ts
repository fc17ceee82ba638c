// Posted once (issue 18, item 2). A check-in or reply may carry a key its sender's device made (a
// random UUID, the form's hidden `clientKey`): a retry, a double tap, an offline outbox sending
// again after an answer was lost, all carry the same key, and the post is stored once. The key is
// looked up and written inside the post's own transaction, after the circle's lock
// (lockCircleFor), so two attempts at once are one after the other, on SQLite and PostgreSQL
// alike: the second finds the first's key and answers with the first's post (same ids, no new
// event). The same key with other words is refused and stores nothing. A key belongs to one
// circle and one author (the table's key is all three), so another member's key, or one used in
// another circle, is another key and tells nothing.
//
// What was sent is kept as a SHA-256 only, and only while those words stand: an edit or a removal
// forgets it (words_hash NULL), so no trace of words that are gone is kept. A retry after that
// (an outbox that never heard its answer) is taken as the same post: nothing is posted again.
import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { DB } from '$lib/server/db';
import type { CircleAccess } from '$lib/server/circles/access';
import { conflict } from '$lib/server/refusal';

export const SENT_WITH_OTHER_WORDS =
	'This was already sent with different words, so this wasn’t posted. Your words are kept: reload the page and send them again.';

export type PostKind = 'checkin' | 'reply';

/** What a post was, as a hash: its kind and each value sent, in a fixed order. */
export function wordsHash(kind: PostKind, sent: ReadonlyArray<string | number | null>): string {
	return createHash('sha256')
		.update(JSON.stringify([kind, ...sent]))
		.digest('hex');
}

export interface EarlierPost {
	checkinId: string;
	replyId: string | null;
}

/**
 * The post sent before with this key, in this circle by this member (null: none); a conflict when
 * it was another kind of post or other words. Call under the circle's lock.
 */
export async function earlierPost(trx: Transaction<DB>, access: CircleAccess, clientKey: string, kind: PostKind, hash: string): Promise<EarlierPost | null> {
	const row = await trx
		.selectFrom('post_keys')
		.select(['kind', 'words_hash', 'checkin_id', 'reply_id'])
		.where('circle_id', '=', access.circle.id)
		.where('author_id', '=', access.userId)
		.where('client_key', '=', clientKey)
		.executeTakeFirst();
	if (!row) return null;
	if (row.kind !== kind || (row.words_hash !== null && row.words_hash !== hash)) throw conflict(SENT_WITH_OTHER_WORDS);
	return { checkinId: row.checkin_id, replyId: row.reply_id };
}

/** Keeps the key of a post just written, in the same transaction. */
export async function keepPostKey(
	trx: Transaction<DB>,
	access: CircleAccess,
	post: { clientKey: string; kind: PostKind; hash: string; checkinId: string; replyId: string | null },
	now: number
): Promise<void> {
	await trx
		.insertInto('post_keys')
		.values({
			circle_id: access.circle.id,
			author_id: access.userId,
			client_key: post.clientKey,
			kind: post.kind,
			words_hash: post.hash,
			checkin_id: post.checkinId,
			reply_id: post.replyId,
			created_at: now
		})
		.execute();
}

/** The words a key was sent with are gone (edited or removed): forget their hash. */
export async function forgetWords(trx: Transaction<DB>, of: { checkinId: string; kind?: PostKind } | { replyId: string }): Promise<void> {
	let query = trx.updateTable('post_keys').set({ words_hash: null });
	if ('replyId' in of) query = query.where('reply_id', '=', of.replyId);
	else {
		query = query.where('checkin_id', '=', of.checkinId);
		if (of.kind) query = query.where('kind', '=', of.kind);
	}
	await query.where('words_hash', 'is not', null).execute();
}
