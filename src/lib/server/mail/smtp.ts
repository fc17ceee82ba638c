// The Mailer that sends through an SMTP server with nodemailer.
import nodemailer from 'nodemailer';
import type { Mailer, OutgoingMail } from './mailer';

/** How long to wait for the mail server at each step before giving up on a message. */
const SMTP_TIMEOUT_MS = 20_000;

export function smtpMailer({ smtpUrl, from }: { smtpUrl: string; from: string }): Mailer {
	const transport = nodemailer.createTransport(
		{ url: smtpUrl, connectionTimeout: SMTP_TIMEOUT_MS, greetingTimeout: SMTP_TIMEOUT_MS, socketTimeout: SMTP_TIMEOUT_MS },
		{ from }
	);
	return {
		async send(message: OutgoingMail) {
			await transport.sendMail({
				to: message.to,
				subject: message.subject,
				text: message.text,
				html: message.html,
				// Nothing to track or unsubscribe from: one message someone asked for (or needs to know).
				headers: { 'Auto-Submitted': 'auto-generated' }
			});
		},
		close() {
			transport.close();
		}
	};
}
