// Sign-up when email is set up (README, "Email"): the sign-up page answers the same whether or not
// the address has an account ("check your email"), and no account is made until the link sent to
// the address is followed. So nobody learns from the page who uses Hearth.
//
// - A new address is sent a link. What the person chose waits in `pending_signups` (migration
//   0013): their name, the argon2id hash of their password (never the password), and where they
//   were going, sealed with the link's token. Only the token's SHA-256 is stored. Following the
//   link makes the account, confirmed (the link came to that inbox), and signs them in.
// - An address with an account is sent a notice instead (it was you? log in, or choose a new
//   password), and nothing is stored.
// - Both do the same work before the answer (the limits, one argon2 hash); whether the address has
//   an account is looked up after the answer is settled, so neither its words nor its time tell.
//
// Two sign-ups for one address: both links work until one of them makes the account; that one
// deletes every other waiting sign-up for the address in the same transaction, so the other link
// then answers "no longer works" (its words say an account may have been made with another link),
// and the unique index on users.email stops a duplicate even if two are followed at the same
// moment. We chose this over "the newest link wins" because someone who signed up twice (the first
// email was slow) opens whichever email they see first, and it should just work.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Database } from '$lib/server/db';
import { newId } from '$lib/server/ids';
import { sendInBackground, type Mail } from '$lib/server/mail';
import { finishSignUpMessage, SIGNUP_LINK_HOURS, signUpAddressTakenNotice } from '$lib/server/mail/messages';
import { conflict, Refusal } from '$lib/server/refusal';
import { describeWait, takeAttempt, THROTTLE_WINDOW } from '$lib/server/throttle';
import type { SignUpInput } from './account-forms';
import type { RequestContext, SignedIn } from './accounts';
import { rememberDevice } from './known-devices';
import { hashPassword } from './passwords';
import { createSession, type SessionUser } from './sessions';
import { takeSignUpAttempt } from './signup-throttle';
import { generateSessionToken, hashToken } from './tokens';
import { isUniqueViolation } from '$lib/server/db/errors';

export const SIGNUP_LINK_LIFETIME = SIGNUP_LINK_HOURS * 60 * 60 * 1000;

/** Sign-ups (and so emails) for one address within THROTTLE_WINDOW (15 minutes): a flood must not fill an inbox. */
export const SIGNUP_EMAIL_LIMIT = 3;

// The counter holds a hash of the email, never the email (as the reset link's limit).
export const signUpEmailKey = (email: string) => `signup-email:${hashToken(`email:${email}`)}`;

export const SIGNUP_LINK_STOPPED =
	`This link no longer works: it was used already, the account was made with another link we sent, or more than ${SIGNUP_LINK_HOURS} hours have passed. ` +
	'If you made your account, log in. If not, you can sign up again.';
export const ACCOUNT_MADE_ALREADY =
	'There is already a Hearth account with this email, so this link can’t make another. Log in with it, or choose a new password if you don’t remember it.';

export function tooManySignUpsForEmail(email: string, retryAfterMs: number): string {
	return `We’ve sent several emails to ${email} in the last few minutes. Please look in its inbox (and spam folder), or wait ${describeWait(retryAfterMs)} and try again.`;
}

// Where the person was going can be an invite link (/join/<token>), whose token Hearth otherwise
// stores only as a hash. So it is stored encrypted (AES-256-GCM) with a key made from the sign-up
// link's token, which only the email holds: the database alone opens neither. The row's id is the
// token's plain SHA-256; the key is the SHA-256 of the token under another name, so the id gives
// nothing of the key away.
const sealKey = (token: string) => createHash('sha256').update(`hearth-signup-redirect:${token}`).digest();

function seal(token: string, text: string): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', sealKey(token), iv);
	const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
	return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

function unseal(token: string, sealed: string): string | null {
	try {
		const bytes = Buffer.from(sealed, 'base64url');
		const decipher = createDecipheriv('aes-256-gcm', sealKey(token), bytes.subarray(0, 12));
		decipher.setAuthTag(bytes.subarray(12, 28));
		return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
	} catch {
		return null;
	}
}

export type SignUpRequestResult =
	/** `sending` settles once the link or notice is with the mail server (tests await it; routes do not). */
	| { ok: true; sending: Promise<void> }
	/** `limit`: the address's sign-ups for the hour (signup-throttle.ts), or this email's few in 15 minutes. */
	| { ok: false; reason: 'throttled'; limit: 'address' | 'email'; retryAfterMs: number };

/**
 * Asks to create an account for `input.email` (normalised) with email set up. The answer is the
 * same whether or not the address has an account; only too many sign-ups are refused, first from
 * the address (counted before anything else), then for the email (the same for both kinds).
 */
export async function requestSignUp(
	db: Database,
	mail: Mail,
	input: SignUpInput & { redirectTo: string },
	context: Pick<RequestContext, 'address' | 'now'>
): Promise<SignUpRequestResult> {
	const now = context.now ?? Date.now();
	const fromAddress = await takeSignUpAttempt(db, context.address, now);
	if (!fromAddress.allowed) return { ok: false, reason: 'throttled', limit: 'address', retryAfterMs: fromAddress.retryAfterMs };
	const forEmail = await takeAttempt(db, [[signUpEmailKey(input.email), { limit: SIGNUP_EMAIL_LIMIT, windowMs: THROTTLE_WINDOW }]], now);
	if (!forEmail.allowed) return { ok: false, reason: 'throttled', limit: 'email', retryAfterMs: forEmail.retryAfterMs };
	// The same work for an address with an account as for one without: one argon2 hash.
	const passwordHash = await hashPassword(input.password);
	const sending = (async () => {
		const holder = await db.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst();
		if (holder) {
			await sendInBackground(mail, signUpAddressTakenNotice(input.email, `${mail.siteUrl}/forgot`), 'a sign-up notice');
			return;
		}
		const token = generateSessionToken();
		await db
			.insertInto('pending_signups')
			.values({
				id: hashToken(token),
				email: input.email,
				display_name: input.displayName,
				password_hash: passwordHash,
				redirect_sealed: seal(token, input.redirectTo),
				created_at: now,
				expires_at: now + SIGNUP_LINK_LIFETIME
			})
			.execute();
		await sendInBackground(mail, finishSignUpMessage(input.email, `${mail.siteUrl}/create-account/${token}`), 'a sign-up link');
	})().catch((error: unknown) => console.error('Preparing a sign-up link failed', error));
	return { ok: true, sending };
}

export interface PendingSignUp {
	email: string;
	displayName: string;
}

/** The sign-up a link is for, while it still works, without using it (the page shows its button). */
export async function findPendingSignUp(db: Database, token: string, now = Date.now()): Promise<PendingSignUp | null> {
	const row = await db
		.selectFrom('pending_signups')
		.select(['email', 'display_name'])
		.where('id', '=', hashToken(token))
		.where('expires_at', '>', now)
		.executeTakeFirst();
	return row ? { email: row.email, displayName: row.display_name } : null;
}

export interface FinishedSignUp {
	signedIn: SignedIn;
	/** Where the person was going when they signed up (a path on this site). */
	redirectTo: string;
}

/**
 * Uses the link: makes the account with its address confirmed, starts its first session and
 * remembers the browser. The link's row is deleted in the statement that finds it (so it works
 * once), and every other sign-up waiting for the address with it. Refused (not found) when the
 * link is unknown, used or expired; refused (conflict) when the address has meanwhile got an
 * account (another way in, e.g. an account that moved to it): nothing is made twice.
 */
export async function finishSignUp(
	db: Database,
	token: string,
	context: Pick<RequestContext, 'userAgent' | 'deviceToken' | 'now'>,
	fallbackRedirect = '/circles'
): Promise<FinishedSignUp> {
	const now = context.now ?? Date.now();
	let outcome: FinishedSignUp | 'taken';
	try {
		outcome = await db.transaction().execute(async (trx) => {
			const row = await trx
				.deleteFrom('pending_signups')
				.where('id', '=', hashToken(token))
				.where('expires_at', '>', now)
				.returning(['email', 'display_name', 'password_hash', 'redirect_sealed'])
				.executeTakeFirst();
			if (!row) throw new Refusal('not-found', SIGNUP_LINK_STOPPED);
			await trx.deleteFrom('pending_signups').where('email', '=', row.email).execute();
			if (await trx.selectFrom('users').select('id').where('email', '=', row.email).executeTakeFirst()) return 'taken' as const;
			const user: SessionUser = { id: newId(), email: row.email, displayName: row.display_name };
			await trx
				.insertInto('users')
				.values({
					id: user.id,
					email: user.email,
					display_name: user.displayName,
					password_hash: row.password_hash,
					email_confirmed_at: now,
					created_at: now,
					updated_at: now
				})
				.execute();
			const { token: sessionToken, session } = await createSession(trx, user.id, { userAgent: context.userAgent, now });
			const device = await rememberDevice(trx, user.id, context.deviceToken, now);
			return { signedIn: { user, token: sessionToken, session, device }, redirectTo: unseal(token, row.redirect_sealed) ?? fallbackRedirect };
		});
	} catch (error) {
		// Made at the same moment by another way in: the unique index lets only one through.
		if (isUniqueViolation(error)) throw conflict(ACCOUNT_MADE_ALREADY);
		throw error;
	}
	if (outcome === 'taken') throw conflict(ACCOUNT_MADE_ALREADY);
	return outcome;
}

/** Sign-ups whose link has expired are worth nothing, and hold a name and a hash: run now and then (housekeeping). */
export async function deleteExpiredPendingSignUps(db: Database, now = Date.now()): Promise<void> {
	await db.deleteFrom('pending_signups').where('expires_at', '<=', now).execute();
}
