// "Forgot my password": a link by email to choose a new one. The answer to asking is the same
// whether or not the address has an account (and comes before any mail server is spoken to); the
// link works once, within 30 minutes, only its token's hash is stored; using it ends every session
// of the account. Asking is limited per email (so nobody can fill someone's inbox) and per
// address (so nobody can ask for every email there is).
import type { Database } from '$lib/server/db';
import { sendInBackground, type Mail } from '$lib/server/mail';
import { passwordResetMessage, RESET_LINK_MINUTES } from '$lib/server/mail/messages';
import { Refusal, throttled } from '$lib/server/refusal';
import { describeWait } from '$lib/server/throttle';
import { countMailRequest, findEmailToken, issueEmailToken, takeEmailToken } from './email-tokens';
import { rememberDevice } from './known-devices';
import { passwordWasReset } from './login-throttle';
import { hashPassword } from './passwords';
import { invalidateUserSessions } from './sessions';
import { hashToken } from './tokens';

export const RESET_LINK_LIFETIME = RESET_LINK_MINUTES * 60 * 1000;

/** Links asked for one email within THROTTLE_WINDOW (15 minutes): a few tries, then wait. */
export const RESET_EMAIL_LIMIT = 3;
/** Links asked for from one address within the window: a household shares one. */
export const RESET_ADDRESS_LIMIT = 20;

// The counters hold a hash of the email, never the email (an erased account leaves no trace there).
export const resetEmailKey = (email: string) => `reset-email:${hashToken(`email:${email}`)}`;
export const resetAddressKey = (address: string) => `reset-ip:${address}`;

export const RESET_LINK_STOPPED = 'This link no longer works: it was used already, or more than 30 minutes have passed. You can ask for a new one.';

/**
 * The one answer to asking too often, whether this email's count is full or this address's (so it
 * tells nobody that someone else asked for this email), and for an email with or without an account.
 */
export function tooManyResetsMessage(retryAfterMs: number): string {
	return (
		'Several reset links were asked for in the last few minutes. If there’s an account for this email, any link sent to it is in its inbox ' +
		`(look in the spam folder too) and works for ${RESET_LINK_MINUTES} minutes. To ask again, please wait ${describeWait(retryAfterMs)}.`
	);
}

export interface ResetRequestContext {
	address: string;
	now?: number;
}

/**
 * Asks for a reset link for `email` (normalised). Refused only when too many were asked for; then
 * the same for an email with an account and one without. Otherwise the link goes to the account's
 * login email, if there is such an account, in the background: `sending` settles when the mail
 * server has it (or, without an account, at once). A link sent to an address that was never
 * confirmed confirms it when used: following it shows the address is theirs (README, "Email").
 */
export async function requestPasswordReset(db: Database, mail: Mail, email: string, context: ResetRequestContext): Promise<{ sending: Promise<void> }> {
	const now = context.now ?? Date.now();
	const over = await countMailRequest(
		db,
		[
			[resetEmailKey(email), RESET_EMAIL_LIMIT],
			[resetAddressKey(context.address), RESET_ADDRESS_LIMIT]
		],
		now
	);
	if (over) throw throttled(tooManyResetsMessage(over.retryAfterMs), over.retryAfterMs);
	// Whether there is an account is found out after the answer is settled, so nothing about the
	// answer (its words or its time) depends on it.
	const sending = (async () => {
		const user = await db.selectFrom('users').select(['id', 'email']).where('email', '=', email).executeTakeFirst();
		if (!user) return;
		const token = await issueEmailToken(db, { userId: user.id, purpose: 'reset-password', email: user.email, lifetimeMs: RESET_LINK_LIFETIME, now });
		await sendInBackground(mail, passwordResetMessage(user.email, `${mail.siteUrl}/reset/${token}`), 'a password reset link');
	})().catch((error: unknown) => console.error('Preparing a password reset link failed', error));
	return { sending };
}

/** The reset a link is for, while it still works: the account's email (for the page to show). */
export async function findPasswordReset(db: Database, token: string, now = Date.now()): Promise<{ email: string } | null> {
	const found = await findEmailToken(db, token, 'reset-password', now);
	if (!found) return null;
	// A link sent to an address the account no longer uses does not work.
	const user = await db.selectFrom('users').select('email').where('id', '=', found.userId).executeTakeFirst();
	return user && user.email === found.email ? { email: user.email } : null;
}

export interface PasswordReset {
	userId: string;
	email: string;
	/** Every session the account had, now ended (their sockets are to be closed). */
	endedSessionIds: string[];
	/** The browser's known-device token, for its `hearth_device` cookie. */
	device: { token: string; expiresAt: number };
}

/**
 * Uses the link: sets the new password (already checked by the form's rules), ends every session
 * of the account and every other reset link it had, and marks the address confirmed. The browser
 * it was used in (`deviceToken`: its `hearth_device` cookie, if it has one) becomes known to the
 * account, as at a login, and the login counts against the email start again
 * (login-throttle.ts), so the person's next login there is not held up by a flood of guesses.
 * Refused (not found, one message) when the link is unknown, used or expired.
 */
export async function resetPassword(db: Database, token: string, newPassword: string, now = Date.now(), deviceToken?: string): Promise<PasswordReset> {
	// Hashing takes a while and 19 MiB: not for a link that does not work.
	if (!(await findPasswordReset(db, token, now))) throw new Refusal('not-found', RESET_LINK_STOPPED);
	const passwordHash = await hashPassword(newPassword);
	return db.transaction().execute(async (trx) => {
		const used = await takeEmailToken(trx, token, 'reset-password', now);
		if (!used) throw new Refusal('not-found', RESET_LINK_STOPPED);
		const user = await trx.selectFrom('users').select(['id', 'email', 'email_confirmed_at']).where('id', '=', used.userId).executeTakeFirst();
		if (!user || user.email !== used.email) throw new Refusal('not-found', RESET_LINK_STOPPED);
		await trx
			.updateTable('users')
			.set({ password_hash: passwordHash, updated_at: now, email_confirmed_at: user.email_confirmed_at ?? now })
			.where('id', '=', user.id)
			.execute();
		await trx.deleteFrom('email_tokens').where('user_id', '=', user.id).where('purpose', '=', 'reset-password').execute();
		const endedSessionIds = await invalidateUserSessions(trx, user.id);
		const device = await rememberDevice(trx, user.id, deviceToken, now);
		await passwordWasReset(trx, user.email, { tokenHash: hashToken(device.token), userId: user.id });
		return { userId: user.id, email: user.email, endedSessionIds, device };
	});
}
