// Email for the app: the mail this Hearth's environment sets up (config.ts), or null, and sending
// in the background so that no answer waits for (or tells anything by the time of) a mail server.
import { mailConfig } from './config';
import type { Mail, OutgoingMail } from './mailer';
import { smtpMailer } from './smtp';

export type { Mail, Mailer, OutgoingMail } from './mailer';

/** What a page says where email would be needed but this Hearth has none set up. */
export const NO_EMAIL_SET_UP = 'This Hearth has no email set up, so it can’t send you a link.';

let appMail: Mail | null | undefined;

/** The app's mail (SMTP_URL, MAIL_FROM and ORIGIN), read on first use; null without email. */
export function getMail(): Mail | null {
	if (appMail === undefined) {
		const config = mailConfig();
		appMail = config ? { mailer: smtpMailer(config), siteUrl: config.siteUrl } : null;
	}
	return appMail;
}

/** Why a send failed, without the address or the link (a mail server's message may quote both). */
function reasonOf(error: unknown): string {
	const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
	return [typeof code === 'string' ? code : 'error', typeof responseCode === 'number' ? `SMTP ${responseCode}` : null].filter(Boolean).join(', ');
}

/**
 * Sends without making anyone wait: the returned promise settles when the mail server has the
 * message or has refused it (tests await it; routes do not). A failure is written to the log with
 * what kind of message it was and why, never its address or link.
 */
export function sendInBackground(mail: Mail, message: OutgoingMail, what: string): Promise<void> {
	return mail.mailer.send(message).catch((error: unknown) => {
		console.error(`Sending ${what} failed (${reasonOf(error)})`);
	});
}
