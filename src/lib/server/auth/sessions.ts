import { sql, type ExpressionOrFactory, type SqlBool } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { dialectOf, rowLock } from '$lib/server/db/dialect';
import { prepared } from '$lib/server/db/prepared';
import { describeDevice } from './device';
import { generateSessionToken, hashToken } from './tokens';

const DAY = 24 * 60 * 60 * 1000;
/** A session lasts 30 days from its last use... */
export const SESSION_IDLE_LIFETIME = 30 * DAY;
/** ...is renewed when fewer than 15 days are left... */
export const SESSION_RENEW_WHEN_LEFT = 15 * DAY;
/** ...and never outlives 90 days from sign-in, however active. */
export const SESSION_ABSOLUTE_LIFETIME = 90 * DAY;
/** last_seen_at is written at most this often, so reading pages does not mean writing the disk. */
const LAST_SEEN_RESOLUTION = 60 * 1000;
/** Visits are kept in memory and written together this often (see writeSessionVisits). */
export const SESSION_VISIT_WRITE_INTERVAL = 30 * 1000;
const MAX_USER_AGENT_LENGTH = 400;

export interface SessionUser {
	id: string;
	email: string;
	displayName: string;
}

export interface Session {
	id: string;
	userId: string;
	createdAt: number;
	expiresAt: number;
}

export interface AccountPreferences {
	/** Kind-words help while writing (src/lib/kind-words.ts); on unless turned off. */
	kindWordsHelp: boolean;
}

export interface ValidatedSession {
	session: Session;
	user: SessionUser;
	/** The account's own choices that every page needs (read with the session at no extra cost). */
	preferences: AccountPreferences;
	/** True when the expiry moved, so the cookie must be sent again with the new date. */
	renewed: boolean;
}

function expiryFrom(now: number, createdAt: number): number {
	return Math.min(now + SESSION_IDLE_LIFETIME, createdAt + SESSION_ABSOLUTE_LIFETIME);
}

/** Starts a new session (a new token at every login) and returns the token for the cookie. */
export async function createSession(
	db: Database,
	userId: string,
	options: { userAgent?: string; now?: number } = {}
): Promise<{ token: string; session: Session }> {
	const now = options.now ?? Date.now();
	const token = generateSessionToken();
	const session: Session = { id: hashToken(token), userId, createdAt: now, expiresAt: expiryFrom(now, now) };
	await db
		.insertInto('sessions')
		.values({
			id: session.id,
			user_id: userId,
			created_at: now,
			expires_at: session.expiresAt,
			last_seen_at: now,
			user_agent: (options.userAgent ?? '').slice(0, MAX_USER_AGENT_LENGTH)
		})
		.execute();
	return { token, session };
}

/** Every request with a cookie runs this, so it is built once (see db/prepared.ts). */
const findSession = prepared((db, id: string) =>
	db
		.selectFrom('sessions')
		.innerJoin('users', 'users.id', 'sessions.user_id')
		.select([
			'sessions.id',
			'sessions.user_id',
			'sessions.created_at',
			'sessions.expires_at',
			'sessions.last_seen_at',
			'users.email',
			'users.display_name',
			'users.kind_words_help'
		])
		.where('sessions.id', '=', id)
);

/**
 * The session and user behind a token, or null. With `touch` (page requests), it notes the
 * visit (written in the background by writeSessionVisits) and slides the expiry forward; the
 * socket handshake only reads.
 */
export async function validateSessionToken(db: Database, token: string, options: { now?: number; touch?: boolean } = {}): Promise<ValidatedSession | null> {
	const now = options.now ?? Date.now();
	const touch = options.touch ?? true;
	const id = hashToken(token);
	const [row] = await findSession(db, id);
	if (!row) return null;
	if (now >= row.expires_at) {
		await db.deleteFrom('sessions').where('id', '=', id).execute();
		return null;
	}
	const session: Session = { id, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at };
	let renewed = false;
	if (touch) {
		if (now - row.last_seen_at >= LAST_SEEN_RESOLUTION) noteVisit(db, id, now);
		if (row.expires_at - now < SESSION_RENEW_WHEN_LEFT) {
			const next = expiryFrom(now, row.created_at);
			if (next > row.expires_at) {
				// The new expiry goes out in the cookie of this very response, so it is written now.
				await db.updateTable('sessions').set({ expires_at: next }).where('id', '=', id).execute();
				session.expiresAt = next;
				renewed = true;
			}
		}
	}
	return {
		session,
		user: { id: row.user_id, email: row.email, displayName: row.display_name },
		preferences: { kindWordsHelp: row.kind_words_help === 1 },
		renewed
	};
}

/**
 * Visits not written yet, per database: session id → when it was last used. last_seen_at only
 * tells people when a device was last active (the expiry slides separately), so writing it on
 * the request path, one write per session a minute, cost more than it is worth (BENCHMARKS.md).
 */
const pendingVisits = new WeakMap<Database, Map<string, number>>();

function noteVisit(db: Database, sessionId: string, at: number): void {
	let visits = pendingVisits.get(db);
	if (!visits) pendingVisits.set(db, (visits = new Map()));
	visits.set(sessionId, at);
}

const recordVisit = prepared((db, at: number, sessionId: string) =>
	db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', sessionId).where('last_seen_at', '<', at)
);

/**
 * PostgreSQL: a batch in one statement, not one round trip per visit (at 10,000 members that
 * is about 170 UPDATEs a second otherwise). The rows are locked in id order first, as the
 * per-visit loop did, so two servers writing visits of the same sessions never deadlock.
 */
const recordVisitsAtOnce = prepared((db, ids: string[], ats: number[]) => ({
	compile: () =>
		sql`WITH visits AS (SELECT * FROM unnest(${ids}::text[], ${ats}::bigint[]) AS v(id, at)),
			locked AS (SELECT s.id FROM sessions s JOIN visits v ON v.id = s.id WHERE s.last_seen_at < v.at ORDER BY s.id FOR UPDATE OF s)
			UPDATE sessions SET last_seen_at = visits.at FROM locked JOIN visits ON visits.id = locked.id
			WHERE sessions.id = locked.id AND sessions.last_seen_at < visits.at`.compile(db)
}));

/** Visits written per transaction (or statement): thousands at once would hold up live updates for tens of ms. */
const VISITS_PER_WRITE = 100;

/** Writes the visits noted since the last call, a hundred at a time. Returns how many. */
export async function writeSessionVisits(db: Database): Promise<number> {
	const visits = pendingVisits.get(db);
	if (!visits || visits.size === 0) return 0;
	pendingVisits.delete(db);
	// In session id order: another server writing its own visits of the same sessions takes the
	// rows in the same order, so the two never deadlock (PostgreSQL).
	const all = [...visits].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	for (let start = 0; start < all.length; start += VISITS_PER_WRITE) {
		if (start > 0) await new Promise((resolve) => setImmediate(resolve)); // let requests in between
		const batch = all.slice(start, start + VISITS_PER_WRITE);
		try {
			if (dialectOf(db) === 'postgres')
				await recordVisitsAtOnce(
					db,
					batch.map(([id]) => id),
					batch.map(([, at]) => at)
				);
			else
				await db.transaction().execute(async (trx) => {
					for (const [sessionId, at] of batch) await recordVisit(trx, at, sessionId);
				});
		} catch (error) {
			// Not written: kept for the next round (unless a newer visit was noted meanwhile).
			for (const [sessionId, at] of all.slice(start)) if ((pendingVisits.get(db)?.get(sessionId) ?? 0) < at) noteVisit(db, sessionId, at);
			throw error;
		}
	}
	return all.length;
}

/** Writes visits every SESSION_VISIT_WRITE_INTERVAL; a crash loses at most that much of them. */
export function startSessionVisitWriter(db: Database): void {
	setInterval(() => {
		writeSessionVisits(db).catch((e) => console.error('Writing session visits failed', e));
	}, SESSION_VISIT_WRITE_INTERVAL).unref();
}

export async function invalidateSession(db: Database, sessionId: string): Promise<void> {
	await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/**
 * The sessions `which` picks, locked in id order (FOR UPDATE on PostgreSQL), for a DELETE of many:
 * writeSessionVisits takes its rows in id order too, so the two never each hold a row the other
 * waits for (a deadlock, and a 500 for whichever PostgreSQL fails to break it).
 */
function sessionsInIdOrder(db: Database, which: ExpressionOrFactory<DB, 'sessions', SqlBool>) {
	return db.selectFrom('sessions').select('id').where(which).orderBy('id').$call(rowLock(db, 'update'));
}

/** Ends every session of a user (log out everywhere, password change). Returns the ids ended. */
export async function invalidateUserSessions(db: Database, userId: string): Promise<string[]> {
	const ended = await db
		.deleteFrom('sessions')
		.where(
			'id',
			'in',
			sessionsInIdOrder(db, (eb) => eb('user_id', '=', userId))
		)
		.returning('id')
		.execute();
	return ended.map((row) => row.id);
}

/** Ends one of the user's own sessions. False when it is not theirs (or already gone). */
export async function endOwnSession(db: Database, userId: string, sessionId: string): Promise<boolean> {
	const result = await db.deleteFrom('sessions').where('id', '=', sessionId).where('user_id', '=', userId).executeTakeFirst();
	return result.numDeletedRows > 0n;
}

export interface ActiveSession {
	id: string;
	device: string;
	createdAt: number;
	lastSeenAt: number;
	current: boolean;
}

/** The user's sessions that are still valid, most recently used first. */
export async function listActiveSessions(db: Database, userId: string, currentSessionId: string | null, now = Date.now()): Promise<ActiveSession[]> {
	await writeSessionVisits(db); // so "last active" is up to date
	const rows = await db
		.selectFrom('sessions')
		.select(['id', 'user_agent', 'created_at', 'last_seen_at'])
		.where('user_id', '=', userId)
		.where('expires_at', '>', now)
		.orderBy('last_seen_at', 'desc')
		.execute();
	return rows.map((row) => ({
		id: row.id,
		device: describeDevice(row.user_agent),
		createdAt: row.created_at,
		lastSeenAt: row.last_seen_at,
		current: row.id === currentSessionId
	}));
}

/** Removes sessions past their expiry; run now and then so the table does not grow forever. */
export async function deleteExpiredSessions(db: Database, now = Date.now()): Promise<void> {
	await db
		.deleteFrom('sessions')
		.where(
			'id',
			'in',
			sessionsInIdOrder(db, (eb) => eb('expires_at', '<=', now))
		)
		.execute();
}
