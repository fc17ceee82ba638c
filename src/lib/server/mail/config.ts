// Whether this Hearth sends email, read from its environment (README, "Configuration"):
// SMTP_URL (smtp://user:pass@host:587, or smtps:// for TLS from the start) and MAIL_FROM
// ("Hearth <hearth@example.org>"). Both or neither: half a setting is refused at start-up rather
// than quietly leaving people without the mail they were promised.

export interface MailConfig {
	smtpUrl: string;
	from: string;
	/** The public address the links in messages start with (ORIGIN). */
	siteUrl: string;
}

/**
 * The mail settings the environment names, or null when email is not set up.
 *
 * Links are built from ORIGIN, never from the request: a request's Host header is the sender's to
 * choose, and a reset link built from it could point a person's password reset at someone else's
 * site ("password reset poisoning"). So SMTP_URL without ORIGIN is refused too.
 */
export function mailConfig(env: Record<string, string | undefined> = process.env): MailConfig | null {
	const smtpUrl = env.SMTP_URL?.trim() ?? '';
	const from = env.MAIL_FROM?.trim() ?? '';
	if (!smtpUrl && !from) return null;
	if (!smtpUrl) throw new Error('MAIL_FROM is set but SMTP_URL is not: set both to send email, or neither.');
	if (!from) throw new Error('SMTP_URL is set but MAIL_FROM is not: set both to send email, or neither.');
	if (!/^smtps?:\/\//i.test(smtpUrl)) throw new Error('SMTP_URL must start with smtp:// or smtps://.');
	const origin = env.ORIGIN?.trim() ?? '';
	if (!origin) {
		throw new Error('SMTP_URL is set but ORIGIN is not: the links in emails need Hearth’s public address (ORIGIN=https://hearth.example.org).');
	}
	let siteUrl: string;
	try {
		siteUrl = new URL(origin).origin;
	} catch {
		throw new Error(`ORIGIN is not an address: ${origin}`);
	}
	return { smtpUrl, from, siteUrl };
}
