// What the rest of Hearth knows about sending email: a Mailer that takes one message, and the
// site address the links in messages point to. The only Mailer in the app sends through SMTP
// (smtp.ts); without SMTP_URL and MAIL_FROM there is none, and every caller says so instead.

/** One message to one address: a plain-text part always, and a simple HTML part beside it. */
export interface OutgoingMail {
	to: string;
	subject: string;
	text: string;
	html: string;
}

export interface Mailer {
	/** Resolves once the mail server has taken the message; rejects when it would not. */
	send(message: OutgoingMail): Promise<void>;
	/** Lets go of open connections. */
	close(): void;
}

/** Email as this Hearth has it set up: how to send, and the public address links point to. */
export interface Mail {
	mailer: Mailer;
	/** The site's origin, e.g. https://hearth.example.org: every link in a message starts with it. */
	siteUrl: string;
}
