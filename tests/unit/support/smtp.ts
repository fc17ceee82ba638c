// The SMTP capture server (smtp-capture.ts) with a Mail for the app's code: nodemailer, as the app
// sends, pointed at the capture server, with links to the site address the test chooses.
import { smtpMailer } from '$lib/server/mail/smtp';
import type { Mail } from '$lib/server/mail';
import { startSmtpCapture, type SmtpCapture } from './smtp-capture';

export type { CapturedMail } from './smtp-capture';

export interface TestSmtpServer extends SmtpCapture {
	/** A Mail for the app's code, sending to this server with links to `siteUrl`. */
	mail(siteUrl?: string): Mail;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
	const capture = await startSmtpCapture();
	const mailers: Array<{ close(): void }> = [];
	return {
		...capture,
		mail(siteUrl = 'https://hearth.test') {
			const mailer = smtpMailer({ smtpUrl: capture.url, from: 'Hearth <hearth@hearth.test>' });
			mailers.push(mailer);
			return { mailer, siteUrl };
		},
		async close() {
			for (const mailer of mailers) mailer.close();
			await capture.close();
		}
	};
}
