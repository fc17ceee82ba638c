import type { Database } from '$lib/server/db';
import { newId } from '$lib/server/ids';
import type { ChangePasswordInput, LogInInput, SignUpInput } from './account-forms';
import { checkLoginThrottle, clearEmailFailures, recordLoginFailure } from './login-throttle';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './passwords';
import { createSession, invalidateUserSessions, type Session, type SessionUser } from './sessions';

export interface RequestContext {
	address: string;
	userAgent: string;
	now?: number;
}

export interface SignedIn {
	user: SessionUser;
	token: string;
	session: Session;
}

export const INCORRECT_LOGIN = 'Email or password is incorrect.';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isUniqueViolation(error: unknown): boolean {
	const code = (error as { code?: unknown } | null)?.code;
	return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

export type SignUpResult = { ok: true; signedIn: SignedIn } | { ok: false; reason: 'email-taken' };

/** Creates an account and its first session. The email must be new (case-insensitively). */
export async function signUp(db: Database, input: SignUpInput, context: RequestContext): Promise<SignUpResult> {
	const now = context.now ?? Date.now();
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
	const { token, session } = await createSession(db, user.id, { userAgent: context.userAgent, now });
	return { ok: true, signedIn: { user, token, session } };
}

export type LogInResult = { ok: true; signedIn: SignedIn } | { ok: false; reason: 'incorrect' } | { ok: false; reason: 'throttled'; retryAfterMs: number };

/**
 * Checks an email and password. Wrong email and wrong password look and take the same; repeated
 * failures for one email or one address are slowed and then refused for a while.
 */
export async function logIn(db: Database, input: LogInInput, context: RequestContext): Promise<LogInResult> {
	const subject = { email: input.email, address: context.address };
	const verdict = await checkLoginThrottle(db, subject, context.now);
	if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterMs: verdict.retryAfterMs };
	if (verdict.delayMs > 0) await sleep(verdict.delayMs);

	const row = await db.selectFrom('users').select(['id', 'email', 'display_name', 'password_hash']).where('email', '=', input.email).executeTakeFirst();
	const passwordMatches = row ? await verifyPassword(row.password_hash, input.password) : await verifyAgainstDecoy(input.password);
	if (!row || !passwordMatches) {
		await recordLoginFailure(db, subject, context.now);
		return { ok: false, reason: 'incorrect' };
	}
	await clearEmailFailures(db, input.email);
	const { token, session } = await createSession(db, row.id, { userAgent: context.userAgent, now: context.now });
	return {
		ok: true,
		signedIn: { user: { id: row.id, email: row.email, displayName: row.display_name }, token, session }
	};
}

export type ChangePasswordResult = { ok: true; signedIn: SignedIn; endedSessionIds: string[] } | { ok: false; reason: 'incorrect-current' };

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
		await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', user.id).execute();
		const endedSessionIds = await invalidateUserSessions(trx, user.id);
		const { token, session } = await createSession(trx, user.id, { userAgent: context.userAgent, now });
		return { ok: true as const, signedIn: { user, token, session }, endedSessionIds };
	});
}
