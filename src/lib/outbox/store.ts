// The outbox's place on the device (issue 18, item 2): IndexedDB through idb. A check-in or reply
// that could not reach the server is kept here with its key until it is sent; one the server
// refused is kept as "returned", with the reason, until the person has seen its words. No DOM use
// here or in send.ts: a service worker can use both.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export type OutboxKind = 'checkin' | 'reply';

export interface OutboxPost {
	/** The order it was written in on this device (IndexedDB's own counter). */
	id: number;
	/** Whose words these are: only that person's session ever sends them. */
	userId: string;
	circleId: string;
	/** For saying where it was going ("your check-in to The Garcias"). */
	circleName: string;
	kind: OutboxKind;
	/** The check-in a reply answers (null for a check-in). */
	checkinId: string | null;
	/** Whom a reply answers, for saying so (null for a check-in). */
	replyingTo: string | null;
	/** Exactly the form's fields, its key (`clientKey`) among them. */
	fields: Record<string, string>;
	clientKey: string;
	writtenAt: number;
	/** Waiting to be sent, or returned by the server (not sent: `message` says why). */
	state: 'waiting' | 'returned';
	message: string | null;
}

export type NewOutboxPost = Omit<OutboxPost, 'id' | 'state' | 'message'>;

interface OutboxSchema extends DBSchema {
	posts: { key: number; value: OutboxPost; indexes: { 'by-user': string } };
	/** Small records: who is signed in on this device, the sender's lease where Web Locks are missing. */
	meta: { key: string; value: { name: string; value: string; until?: number } };
}

const DB_NAME = 'hearth-outbox';
/** Tabs (and a service worker) hear each other's changes here. */
export const OUTBOX_CHANNEL = 'hearth-outbox';

let opening: Promise<IDBPDatabase<OutboxSchema>> | null = null;

/** Whether this browser (or worker) can keep an outbox at all. */
export function outboxAvailable(): boolean {
	return typeof indexedDB !== 'undefined';
}

export function openOutbox(): Promise<IDBPDatabase<OutboxSchema>> {
	opening ??= openDB<OutboxSchema>(DB_NAME, 1, {
		upgrade(db) {
			const posts = db.createObjectStore('posts', { keyPath: 'id', autoIncrement: true });
			posts.createIndex('by-user', 'userId');
			db.createObjectStore('meta', { keyPath: 'name' });
		},
		// Another version wants the database: let it (this tab opens it again next time).
		blocking() {
			void opening?.then((db) => db.close());
			opening = null;
		},
		terminated() {
			opening = null;
		}
	}).catch((error: unknown) => {
		opening = null;
		throw error;
	});
	return opening;
}

/** Tells the other tabs (and this one) that the outbox changed. */
export function announceChange(): void {
	if (typeof BroadcastChannel === 'undefined') return;
	const channel = new BroadcastChannel(OUTBOX_CHANNEL);
	channel.postMessage('changed');
	channel.close();
}

/** Keeps a post on the device, last in the order; its id. */
export async function keepPost(post: NewOutboxPost): Promise<number> {
	const db = await openOutbox();
	const id = await db.add('posts', { ...post, state: 'waiting', message: null } as OutboxPost);
	announceChange();
	return id;
}

export interface OutboxFilter {
	userId?: string;
	circleId?: string;
}

function matches(post: OutboxPost, filter: OutboxFilter): boolean {
	return (filter.userId === undefined || post.userId === filter.userId) && (filter.circleId === undefined || post.circleId === filter.circleId);
}

/** Every post kept (waiting and returned), in the order written. */
export async function listPosts(filter: OutboxFilter = {}): Promise<OutboxPost[]> {
	if (!outboxAvailable()) return [];
	const db = await openOutbox();
	const posts = filter.userId === undefined ? await db.getAll('posts') : await db.getAllFromIndex('posts', 'by-user', filter.userId);
	return posts.filter((post) => matches(post, filter)).sort((a, b) => a.id - b.id);
}

/**
 * What is waiting to be sent, in the order written (for the offline page, a badge…). Without a
 * filter: the signed-in person's (see setOwner), none when nobody is.
 */
export async function listWaiting(filter?: OutboxFilter): Promise<OutboxPost[]> {
	const owner = filter ?? (await ownerFilter());
	if (!owner) return [];
	return (await listPosts(owner)).filter((post) => post.state === 'waiting');
}

/** The post as it is now (undefined once sent or removed). */
export async function getPost(id: number): Promise<OutboxPost | undefined> {
	return (await openOutbox()).get('posts', id);
}

/** Sent: it leaves the outbox. */
export async function removePost(id: number): Promise<void> {
	await (await openOutbox()).delete('posts', id);
	announceChange();
}

/** Refused by the server: kept, not to be sent again, with why, until the person has seen its words. */
export async function returnPost(id: number, message: string): Promise<void> {
	const db = await openOutbox();
	const tx = db.transaction('posts', 'readwrite');
	const post = await tx.store.get(id);
	if (post) await tx.store.put({ ...post, state: 'returned', message });
	await tx.done;
	announceChange();
}

/** Takes every post matching `keep === false` out of the outbox; returns what was taken. */
export async function emptyOutbox(remove: (post: OutboxPost) => boolean): Promise<OutboxPost[]> {
	if (!outboxAvailable()) return [];
	const db = await openOutbox();
	const tx = db.transaction('posts', 'readwrite');
	const removed: OutboxPost[] = [];
	for (const post of await tx.store.getAll()) {
		if (!remove(post)) continue;
		removed.push(post);
		await tx.store.delete(post.id);
	}
	await tx.done;
	if (removed.length > 0) announceChange();
	return removed;
}

const OWNER = 'owner';

/** Who is signed in on this device (null: nobody), so a worker's flush() knows whose posts to send. */
export async function setOwner(userId: string | null): Promise<void> {
	if (!outboxAvailable()) return;
	const db = await openOutbox();
	if (userId === null) await db.delete('meta', OWNER);
	else await db.put('meta', { name: OWNER, value: userId });
}

async function ownerFilter(): Promise<OutboxFilter | null> {
	if (!outboxAvailable()) return null;
	const owner = await (await openOutbox()).get('meta', OWNER);
	return owner ? { userId: owner.value } : null;
}

/** The signed-in person's id as the pages last said it (see setOwner). */
export async function ownerId(): Promise<string | null> {
	return (await ownerFilter())?.userId ?? null;
}

const LEASE = 'sender';

/**
 * Where Web Locks are missing: a lease row, taken in one read-write transaction (IndexedDB runs
 * those one at a time across tabs), free when nobody holds it or its holder's time ran out.
 */
export async function takeLease(holder: string, forMs: number, now = Date.now()): Promise<boolean> {
	const db = await openOutbox();
	const tx = db.transaction('meta', 'readwrite');
	const lease = await tx.store.get(LEASE);
	const free = !lease || lease.value === holder || (lease.until ?? 0) < now;
	if (free) await tx.store.put({ name: LEASE, value: holder, until: now + forMs });
	await tx.done;
	return free;
}

export async function giveUpLease(holder: string): Promise<void> {
	const db = await openOutbox();
	const tx = db.transaction('meta', 'readwrite');
	const lease = await tx.store.get(LEASE);
	if (lease?.value === holder) await tx.store.delete(LEASE);
	await tx.done;
}
