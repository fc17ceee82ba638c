// "My profile": the name people in a circle see, and the email an account logs in with. A new
// email needs the current password; with email set up it becomes the login email only once a link
// sent to it is followed (email-confirmation.ts), and the old address, when confirmed, is told.
// Without email there is no link to send, so the new address is the login email at once.
import type { Database } from '$lib/server/db';
import { sendInBackground, type Mail } from '$lib/server/mail';
import { emailChangeNotice } from '$lib/server/mail/messages';
import { invalid, throttled } from '$lib/server/refusal';
import { describeWait } from '$lib/server/throttle';
import type { ChangeEmailInput } from './account-forms';
import { sendChangeConfirmation } from './email-confirmation';
import { countMailRequest } from './email-tokens';
import { verifyPassword } from './passwords';
import type { SessionUser } from './sessions';
import { hashToken } from './tokens';
import { isUniqueViolation } from '$lib/server/db/errors';
import { withCirclesLocked } from '$lib/server/db/dialect';
import { appendCircleEvent } from '$lib/server/circles/events';
import { publishCircleEvents } from '$lib/server/realtime/publish';
import type { CircleEvent } from '$lib/realtime/events';

/** Tries at changing the email (a wrong password counts) one account has within THROTTLE_WINDOW. */
export const EMAIL_CHANGE_LIMIT = 5;
// Counters hold a hash of the account's id, never the id (an erased account leaves no trace there).
export const emailChangeKey = (userId: string) => `email-change:${hashToken(`user:${userId}`)}`;

export const WRONG_CURRENT_PASSWORD = 'That isn’t your current password. Please try again.';
export const SAME_EMAIL = 'That is already the email you log in with.';
export const EMAIL_IN_USE = 'There is already an account with this email.';

/** Sets the name people in the account's circles see (already checked by the form's rules). */
export async function changeDisplayName(db: Database, user: SessionUser, displayName: string, now = Date.now()): Promise<{ displayName: string }> {
	// Each of their circles is told, so the others' open pages show the new name at once: all of
	// them locked first, in sorted order (db/dialect.ts), then the account's row.
	const circlesOf = async (trx: Database) =>
		(await trx.selectFrom('memberships').select('circle_id').where('user_id', '=', user.id).execute()).map((row) => row.circle_id);
	const events = await withCirclesLocked(db, circlesOf, async (trx) => {
		await trx.updateTable('users').set({ display_name: displayName, updated_at: now }).where('id', '=', user.id).execute();
		const memberships = await trx
			.selectFrom('memberships')
			.select(['circle_id', 'relationship', 'in_recovery'])
			.where('user_id', '=', user.id)
			.orderBy('circle_id')
			.execute();
		const told: CircleEvent[] = [];
		for (const membership of memberships) {
			told.push(
				await appendCircleEvent(trx, {
					circleId: membership.circle_id,
					actorId: user.id,
					type: 'member.profile-changed',
					payload: { userId: user.id, displayName, relationship: membership.relationship, inRecovery: membership.in_recovery === 1 },
					now
				})
			);
		}
		return told;
	});
	publishCircleEvents(events);
	return { displayName };
}

export type EmailChange =
	/** Email is set up: a link went to the new address; the old one is the login email until it is followed. */
	| { kind: 'pending'; pendingEmail: string; sending: Promise<void> }
	/** No email set up: the new address is the login email now. */
	| { kind: 'changed'; email: string };

export function tooManyEmailChangesMessage(retryAfterMs: number): string {
	return `Too many tries to change your email. Please wait ${describeWait(retryAfterMs)} and try again.`;
}

/**
 * Asks to move the account to another email. Refused (on its field) for a wrong password or the
 * same address; without email set up, also when the address has an account (there is no way to
 * answer otherwise). With email set up, the answer for an address with an account is the same as
 * for any other (see sendChangeConfirmation).
 */
export async function requestEmailChange(db: Database, mail: Mail | null, user: SessionUser, input: ChangeEmailInput, now = Date.now()): Promise<EmailChange> {
	const over = await countMailRequest(db, [[emailChangeKey(user.id), EMAIL_CHANGE_LIMIT]], now);
	if (over) throw throttled(tooManyEmailChangesMessage(over.retryAfterMs), over.retryAfterMs);
	const row = await db.selectFrom('users').select(['email', 'email_confirmed_at', 'password_hash']).where('id', '=', user.id).executeTakeFirstOrThrow();
	if (!(await verifyPassword(row.password_hash, input.currentPassword))) throw invalid(WRONG_CURRENT_PASSWORD, 'currentPassword');
	if (input.newEmail === row.email) throw invalid(SAME_EMAIL, 'newEmail');

	if (!mail) {
		try {
			await db.transaction().execute(async (trx) => {
				await trx.updateTable('users').set({ email: input.newEmail, email_confirmed_at: null, updated_at: now }).where('id', '=', user.id).execute();
				await trx.deleteFrom('email_tokens').where('user_id', '=', user.id).execute();
			});
		} catch (error) {
			if (isUniqueViolation(error)) throw invalid(EMAIL_IN_USE, 'newEmail');
			throw error;
		}
		return { kind: 'changed', email: input.newEmail };
	}

	// One move at a time: an earlier one's links stop working.
	await db.deleteFrom('email_tokens').where('user_id', '=', user.id).where('purpose', '=', 'confirm-email').where('email', '!=', row.email).execute();
	const { sending: toNew } = await sendChangeConfirmation(db, mail, user.id, input.newEmail, now);
	// Nothing goes to an address that was never confirmed: it may not be theirs at all.
	const toOld =
		row.email_confirmed_at !== null ? sendInBackground(mail, emailChangeNotice(row.email, input.newEmail), 'an email change notice') : Promise.resolve();
	return { kind: 'pending', pendingEmail: input.newEmail, sending: Promise.all([toNew, toOld]).then(() => {}) };
}

/** Turns kind-words help while writing on or off for the account; every device follows on its next page. */
export async function setKindWordsHelp(db: Database, user: SessionUser, on: boolean, now = Date.now()): Promise<void> {
	await db
		.updateTable('users')
		.set({ kind_words_help: on ? 1 : 0, updated_at: now })
		.where('id', '=', user.id)
		.execute();
}
