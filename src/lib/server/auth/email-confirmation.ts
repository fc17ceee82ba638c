// "Confirm my email": a link to the address, and nothing else is sent to it before the link is
// followed (README, "Email"). A new account's address is confirmed where it is; a new address an
// account is moving to becomes its login email only when confirmed, and until then the old one
// stays. Only the link's hash is stored (email-tokens.ts).
import type { Database } from '$lib/server/db';
import { sendInBackground, type Mail } from '$lib/server/mail';
import { addressInUseNotice, CONFIRM_LINK_HOURS, confirmEmailMessage } from '$lib/server/mail/messages';
import { conflict, Refusal, throttled } from '$lib/server/refusal';
import { describeWait } from '$lib/server/throttle';
import { countMailRequest, findEmailToken, issueEmailToken, takeEmailToken } from './email-tokens';
import { hashToken } from './tokens';
import { isUniqueViolation } from '$lib/server/db/errors';

export const CONFIRM_LINK_LIFETIME = CONFIRM_LINK_HOURS * 60 * 60 * 1000;
/** Links one account may have sent again within THROTTLE_WINDOW (15 minutes). */
export const CONFIRM_RESEND_LIMIT = 3;
// Counters hold a hash of the account's id, never the id (an erased account leaves no trace there).
export const confirmResendKey = (userId: string) => `confirm-send:${hashToken(`user:${userId}`)}`;

export const CONFIRM_LINK_STOPPED = `This link no longer works: it was used already, or more than ${CONFIRM_LINK_HOURS} hours have passed. You can have a new one sent from your account page.`;
export const ADDRESS_TAKEN_MEANWHILE = 'This address is now used by another Hearth account, so it can’t become yours. Your account keeps its email as it was.';
export const ALREADY_CONFIRMED = 'Your email is already confirmed.';

const confirmUrl = (mail: Mail, token: string) => `${mail.siteUrl}/confirm-email/${token}`;

/** Sends a new account's address its confirmation link (after sign-up, when email is set up). */
export async function sendAccountConfirmation(
	db: Database,
	mail: Mail,
	user: { id: string; email: string },
	now = Date.now()
): Promise<{ sending: Promise<void> }> {
	const token = await issueEmailToken(db, { userId: user.id, purpose: 'confirm-email', email: user.email, lifetimeMs: CONFIRM_LINK_LIFETIME, now });
	return { sending: sendInBackground(mail, confirmEmailMessage(user.email, confirmUrl(mail, token), 'account'), 'an email confirmation link') };
}

/**
 * Sends the link that moves the account to `newEmail`. When that address already has an account,
 * no link goes out (it could never be used), and that account, if its address is confirmed, is
 * told that nothing changed; the one asking is answered the same either way, so the account page
 * tells nobody which addresses have accounts. A pending link is stored either way, for the same reason.
 */
export async function sendChangeConfirmation(db: Database, mail: Mail, userId: string, newEmail: string, now: number): Promise<{ sending: Promise<void> }> {
	const token = await issueEmailToken(db, { userId, purpose: 'confirm-email', email: newEmail, lifetimeMs: CONFIRM_LINK_LIFETIME, now });
	const holder = await db.selectFrom('users').select(['id', 'email_confirmed_at']).where('email', '=', newEmail).executeTakeFirst();
	if (!holder) return { sending: sendInBackground(mail, confirmEmailMessage(newEmail, confirmUrl(mail, token), 'change'), 'an email confirmation link') };
	if (holder.id !== userId && holder.email_confirmed_at !== null) {
		return { sending: sendInBackground(mail, addressInUseNotice(newEmail), 'an address-in-use notice') };
	}
	return { sending: Promise.resolve() };
}

export interface EmailStatus {
	email: string;
	confirmed: boolean;
	/** The address the account is moving to, once it is confirmed; null when there is none. */
	pendingEmail: string | null;
}

export async function emailStatus(db: Database, userId: string, now = Date.now()): Promise<EmailStatus> {
	const user = await db.selectFrom('users').select(['email', 'email_confirmed_at']).where('id', '=', userId).executeTakeFirstOrThrow();
	const pending = await db
		.selectFrom('email_tokens')
		.select('email')
		.where('user_id', '=', userId)
		.where('purpose', '=', 'confirm-email')
		.where('email', '!=', user.email)
		.where('expires_at', '>', now)
		.orderBy('created_at', 'desc')
		.executeTakeFirst();
	return { email: user.email, confirmed: user.email_confirmed_at !== null, pendingEmail: pending?.email ?? null };
}

export function tooManyConfirmationsMessage(retryAfterMs: number): string {
	return `We’ve sent several links in the last few minutes. Please look for them in your inbox (and spam folder), or wait ${describeWait(retryAfterMs)} and ask again.`;
}

/**
 * Sends the link again: to the address the account is moving to, when there is one, otherwise
 * to the login email while it is not confirmed. Earlier links keep working until they expire.
 */
export async function resendEmailConfirmation(db: Database, mail: Mail, userId: string, now = Date.now()): Promise<{ sentTo: string; sending: Promise<void> }> {
	const status = await emailStatus(db, userId, now);
	if (!status.pendingEmail && status.confirmed) throw conflict(ALREADY_CONFIRMED);
	const over = await countMailRequest(db, [[confirmResendKey(userId), CONFIRM_RESEND_LIMIT]], now);
	if (over) throw throttled(tooManyConfirmationsMessage(over.retryAfterMs), over.retryAfterMs);
	if (status.pendingEmail) {
		const { sending } = await sendChangeConfirmation(db, mail, userId, status.pendingEmail, now);
		return { sentTo: status.pendingEmail, sending };
	}
	const { sending } = await sendAccountConfirmation(db, mail, { id: userId, email: status.email }, now);
	return { sentTo: status.email, sending };
}

/** Stops a move to another address: its links stop working. */
export async function cancelEmailChange(db: Database, userId: string): Promise<void> {
	const user = await db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow();
	await db.deleteFrom('email_tokens').where('user_id', '=', userId).where('purpose', '=', 'confirm-email').where('email', '!=', user.email).execute();
}

export interface EmailConfirmation {
	email: string;
	/** True when confirming it makes it the account's login email (it was another one). */
	isChange: boolean;
}

/** What a confirmation link is for, while it works (for the page's button). */
export async function findEmailConfirmation(db: Database, token: string, now = Date.now()): Promise<EmailConfirmation | null> {
	const found = await findEmailToken(db, token, 'confirm-email', now);
	if (!found) return null;
	const user = await db.selectFrom('users').select('email').where('id', '=', found.userId).executeTakeFirst();
	return user ? { email: found.email, isChange: user.email !== found.email } : null;
}

/**
 * Uses a confirmation link. For the login email: it is confirmed. For a new address: it becomes
 * the login email, confirmed, and every other link the account had (resets to the old address
 * included) stops working. Refused when the link does not work, or the address has meanwhile
 * become another account's.
 */
export async function confirmEmail(db: Database, token: string, now = Date.now()): Promise<EmailConfirmation> {
	try {
		return await db.transaction().execute(async (trx) => {
			const used = await takeEmailToken(trx, token, 'confirm-email', now);
			if (!used) throw new Refusal('not-found', CONFIRM_LINK_STOPPED);
			const user = await trx.selectFrom('users').select(['id', 'email', 'email_confirmed_at']).where('id', '=', used.userId).executeTakeFirst();
			if (!user) throw new Refusal('not-found', CONFIRM_LINK_STOPPED);
			if (user.email === used.email) {
				if (user.email_confirmed_at === null) await trx.updateTable('users').set({ email_confirmed_at: now }).where('id', '=', user.id).execute();
				await trx.deleteFrom('email_tokens').where('user_id', '=', user.id).where('purpose', '=', 'confirm-email').where('email', '=', user.email).execute();
				return { email: user.email, isChange: false };
			}
			await trx.updateTable('users').set({ email: used.email, email_confirmed_at: now, updated_at: now }).where('id', '=', user.id).execute();
			await trx.deleteFrom('email_tokens').where('user_id', '=', user.id).execute();
			return { email: used.email, isChange: true };
		});
	} catch (error) {
		if (isUniqueViolation(error)) throw conflict(ADDRESS_TAKEN_MEANWHILE);
		throw error;
	}
}
