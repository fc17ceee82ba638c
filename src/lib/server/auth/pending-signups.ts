// Sign-up when email is set up (README, "Email"): the sign-up page answers the same whether or not
// the address has an account ("check your email"), and no account is made until the link sent to
// the address is followed. So nobody learns from the page who uses Hearth.
//
// - A new address is sent a link. What the person chose waits in `pending_signups` (migration
//   0013): their name, the argon2id hash of their password (never the password), and where they
//   were going, sealed with the link's token. Only the token's SHA-256 is stored. Following the
//   link makes the account, confirmed (the link came to that inbox), and signs them in.
// - Following the link is not enough: its page asks for the password chosen when signing up, and
//   the account is made only when it matches the stored hash. Anyone can type someone else's
//   address; without this, a stranger could sign up with it and a password of their own, and its
//   owner, pressing "Create my account" in their inbox, would make an account whose password the
//   stranger knows (pre-account takeover). Wrong tries are limited per link (FINISH_TRIES_PER_LINK).
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
import { conflict, invalid, Refusal, throttled } from '$lib/server/refusal';
import { clearThrottle, describeWait, takeAttempt, THROTTLE_WINDOW } from '$lib/server/throttle';
import type { SignUpInput } from './account-forms';
import type { RequestContext, SignedIn } from './accounts';
import { rememberDevice } from './known-devices';
import { hashPassword, verifyPassword } from './passwords';
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

export const WRONG_SIGNUP_PASSWORD = 'That isn’t the password you chose when you signed up. If you didn’t sign up, close this page: nothing is made.';

/** Tries of the password per link within THROTTLE_WINDOW (15 minutes); the right one waits too once they are spent. */
export const FINISH_TRIES_PER_LINK = 5;

// The counter of a link's tries holds a hash of its token under another name: not the token, and
// not the row's id (the token's plain SHA-256), so the two tables cannot be joined.
export const finishTriesKey = (token: string) => `signup-finish:${hashToken(`signup-finish:${token}`)}`;

export function tooManyFinishTries(retryAfterMs: number): string {
	return (
		`Several passwords were tried with this link. To keep the account safe, please wait ${describeWait(retryAfterMs)} and try again. ` +
		'If you don’t remember the password you chose, you can sign up again with a new one.'
	);
}

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
 * Uses the link with the password chosen when signing up: makes the account with its address
 * confirmed, starts its first session and remembers the browser.
 *
 * The password is checked before the write: the row is read, the try counted against the link
 * (at most FINISH_TRIES_PER_LINK in 15 minutes, counted atomically, so a burst is held to exactly
 * that many checks), and the password verified against the stored hash outside any transaction
 * (argon2 takes tens of milliseconds and SQLite has one writer). Then, as before, the link's row is
 * deleted in the statement that finds it (so it works once, also when pressed twice at the same
 * moment), and every other sign-up waiting for the address with it.
 *
 * Refused (not found) when the link is unknown, used or expired, whatever the password, counting
 * nothing; (invalid, on `password`) for a wrong password, the link still working; (throttled) when
 * the link's tries are spent; (conflict) when the address has meanwhile got an account (another way
 * in, e.g. an account that moved to it): nothing is made twice.
 */
export async function finishSignUp(
	db: Database,
	token: string,
	password: string,
	context: Pick<RequestContext, 'userAgent' | 'deviceToken' | 'now'>,
	fallbackRedirect = '/circles'
): Promise<FinishedSignUp> {
	const now = context.now ?? Date.now();
	const id = hashToken(token);
	const waiting = await db.selectFrom('pending_signups').select('password_hash').where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
	if (!waiting) throw new Refusal('not-found', SIGNUP_LINK_STOPPED);
	const triesKey = finishTriesKey(token);
	const attempt = await takeAttempt(db, [[triesKey, { limit: FINISH_TRIES_PER_LINK, windowMs: THROTTLE_WINDOW }]], now);
	if (!attempt.allowed) throw throttled(tooManyFinishTries(attempt.retryAfterMs), attempt.retryAfterMs);
	if (!(await verifyPassword(waiting.password_hash, password))) throw invalid(WRONG_SIGNUP_PASSWORD, 'password');

	let outcome: FinishedSignUp | 'taken';
	try {
		outcome = await db.transaction().execute(async (trx) => {
			// Every link for the address goes, this one with them, in one statement: two links for one
			// address followed at once then wait for each other's rows in the same order (one
			// statement each), rather than each holding its own link's row and waiting for the
			// other's (a deadlock on PostgreSQL). The one that comes second finds none.
			const gone = await trx
				.deleteFrom('pending_signups')
				.where('email', '=', (eb) => eb.selectFrom('pending_signups as mine').select('mine.email').where('mine.id', '=', id))
				.returning(['id', 'email', 'display_name', 'password_hash', 'redirect_sealed', 'expires_at'])
				.execute();
			// The row whose hash was just checked (rows are never changed, so this is belt and braces).
			const row = gone.find((candidate) => candidate.id === id && candidate.expires_at > now && candidate.password_hash === waiting.password_hash);
			if (!row) throw new Refusal('not-found', SIGNUP_LINK_STOPPED);
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
	} finally {
		// The right password: the link is used up now (by this press or one at the same moment), and its count with it.
		await clearThrottle(db, triesKey);
	}
	if (outcome === 'taken') throw conflict(ACCOUNT_MADE_ALREADY);
	return outcome;
}

/** Sign-ups whose link has expired are worth nothing, and hold a name and a hash: run now and then (housekeeping). */
export async function deleteExpiredPendingSignUps(db: Database, now = Date.now()): Promise<void> {
	await db.deleteFrom('pending_signups').where('expires_at', '<=', now).execute();
}
