import type { Database } from '$lib/server/db';
import { newId } from '$lib/server/ids';
import type { ChangePasswordInput, LogInInput, SignUpInput } from './account-forms';
import { knownDeviceFor, rememberDevice } from './known-devices';
import { loginSucceeded, takeLoginAttempt } from './login-throttle';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './passwords';
import { takeSignUpAttempt } from './signup-throttle';
import { createSession, invalidateUserSessions, type Session, type SessionUser } from './sessions';
import { isUniqueViolation } from '$lib/server/db/errors';
import { rowLock } from '$lib/server/db/dialect';

export interface RequestContext {
	address: string;
	userAgent: string;
	/** The browser's known-device token (its hearth_device cookie), if it has one. */
	deviceToken?: string;
	now?: number;
}

/** A new session: its token goes in the session cookie. */
export interface SessionStarted {
	user: SessionUser;
	token: string;
	session: Session;
}

/** Signed in by sign-up or log-in: a new session, and this browser remembered as a known device. */
export interface SignedIn extends SessionStarted {
	/** The known-device token for this browser's cookie, and when the cookie should expire. */
	device: { token: string; expiresAt: number };
}

export const INCORRECT_LOGIN = 'Email or password is incorrect.';

export type SignUpResult = { ok: true; signedIn: SignedIn } | { ok: false; reason: 'email-taken' } | { ok: false; reason: 'throttled'; retryAfterMs: number };

/**
 * Creates an account and its first session, and remembers the browser. The email must be new
 * (case-insensitively). Every sign-up counts against its address first, whatever its outcome,
 * so a flood from one address stops before any password is hashed.
 */
export async function signUp(db: Database, input: SignUpInput, context: RequestContext): Promise<SignUpResult> {
	const now = context.now ?? Date.now();
	const attempt = await takeSignUpAttempt(db, context.address, now);
	if (!attempt.allowed) return { ok: false, reason: 'throttled', retryAfterMs: attempt.retryAfterMs };
	const existing = await db.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst();
	if (existing) return { ok: false, reason: 'email-taken' };
	const passwordHash = await hashPassword(input.password);
	const user: SessionUser = { id: newId(), email: input.email, displayName: input.displayName };
	try {
		await db
			.insertInto('users')
			.values({
				id: user.id,
				email: user.email,
				display_name: user.displayName,
				password_hash: passwordHash,
				created_at: now,
				updated_at: now
			})
			.execute();
	} catch (error) {
		// Two sign-ups with one email at the same moment: the unique index lets only one through.
		if (isUniqueViolation(error)) return { ok: false, reason: 'email-taken' };
		throw error;
	}
	const signedIn = await db.transaction().execute(async (trx) => {
		const { token, session } = await createSession(trx, user.id, { userAgent: context.userAgent, now });
		const device = await rememberDevice(trx, user.id, context.deviceToken, now);
		return { user, token, session, device };
	});
	return { ok: true, signedIn };
}

export type LogInResult =
	| { ok: true; signedIn: SignedIn }
	| { ok: false; reason: 'incorrect' }
	/** `knownDevice`: the browser has signed in to this account before (so it was held to its own count). */
	| { ok: false; reason: 'throttled'; retryAfterMs: number; knownDevice: boolean };

/**
 * Checks an email and password. Wrong email and wrong password look and take the same. The
 * attempt is counted before the password is checked (login-throttle.ts), so parallel guesses
 * are counted too; when a count is full it is refused without checking anything.
 */
export async function logIn(db: Database, input: LogInInput, context: RequestContext): Promise<LogInResult> {
	const now = context.now ?? Date.now();
	const knownDevice = await knownDeviceFor(db, context.deviceToken, input.email, now);
	const subject = { email: input.email, address: context.address, knownDevice };
	const attempt = await takeLoginAttempt(db, subject, now);
	if (!attempt.allowed) return { ok: false, reason: 'throttled', retryAfterMs: attempt.retryAfterMs, knownDevice: knownDevice !== null };

	const row = await db.selectFrom('users').select(['id', 'email', 'display_name', 'password_hash']).where('email', '=', input.email).executeTakeFirst();
	const passwordMatches = row ? await verifyPassword(row.password_hash, input.password) : await verifyAgainstDecoy(input.password);
	// A wrong one keeps the place it took in the counts: that is the failure, counted already.
	if (!row || !passwordMatches) return { ok: false, reason: 'incorrect' };

	const user: SessionUser = { id: row.id, email: row.email, displayName: row.display_name };
	const signedIn = await db.transaction().execute(async (trx) => {
		// The password was checked outside the transaction (it takes a while): it must still be the
		// account's. FOR SHARE on PostgreSQL: a password change or reset waits until this session
		// exists, and then ends it; or it went first, and this login is refused. A deleted account
		// is refused the same way.
		if (!(await stillTheHash(trx, row.id, row.password_hash))) return null;
		await loginSucceeded(trx, subject, attempt.taken);
		const { token, session } = await createSession(trx, row.id, { userAgent: context.userAgent, now });
		const device = await rememberDevice(trx, row.id, context.deviceToken, now);
		return { user, token, session, device };
	});
	if (!signedIn) return { ok: false, reason: 'incorrect' };
	return { ok: true, signedIn };
}

/**
 * Whether the account still has this password hash, holding its row until the transaction ends:
 * FOR SHARE to only read it, FOR NO KEY UPDATE to change it next (two FOR SHARE then an UPDATE
 * each would deadlock).
 */
async function stillTheHash(trx: Database, userId: string, passwordHash: string, strength: 'share' | 'no-key-update' = 'share'): Promise<boolean> {
	const row = await trx.selectFrom('users').select('password_hash').where('id', '=', userId).$call(rowLock(trx, strength)).executeTakeFirst();
	return row?.password_hash === passwordHash;
}

export type ChangePasswordResult = { ok: true; signedIn: SessionStarted; endedSessionIds: string[] } | { ok: false; reason: 'incorrect-current' };

/**
 * Replaces the password, ends every session the account had (a stolen one included), and starts
 * a fresh session for the device that made the change.
 */
export async function changePassword(db: Database, user: SessionUser, input: ChangePasswordInput, context: RequestContext): Promise<ChangePasswordResult> {
	const row = await db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirst();
	if (!row || !(await verifyPassword(row.password_hash, input.currentPassword))) {
		return { ok: false, reason: 'incorrect-current' };
	}
	const passwordHash = await hashPassword(input.newPassword);
	const now = context.now ?? Date.now();
	return db.transaction().execute(async (trx) => {
		// Checked against the hash as it is now: a reset (or another change) meanwhile wins.
		if (!(await stillTheHash(trx, user.id, row.password_hash, 'no-key-update'))) return { ok: false as const, reason: 'incorrect-current' as const };
		await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', user.id).execute();
		const endedSessionIds = await invalidateUserSessions(trx, user.id);
		const { token, session } = await createSession(trx, user.id, { userAgent: context.userAgent, now });
		return { ok: true as const, signedIn: { user, token, session }, endedSessionIds };
	});
}
