// A real SMTP server inside the test (the smtp-server package) on a free port of 127.0.0.1: it
// takes every message the app sends, and the test reads them back, decoded (headers, the text
// part and the HTML part). No mail leaves the machine. Plain TypeScript without $lib imports, so
// the end-to-end specs use it too (the unit tests' smtp.ts adds a Mail for the app's code).
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface CapturedMail {
	/** The envelope's recipients, as the server was told them. */
	to: string[];
	from: string;
	subject: string;
	headers: Record<string, string>;
	text: string;
	html: string;
	/** The whole message as it arrived. */
	raw: string;
}

export interface SmtpCapture {
	port: number;
	url: string;
	messages: CapturedMail[];
	/** Messages for one address. */
	to(address: string): CapturedMail[];
	/** Waits (polling, with a deadline) until `count` messages have arrived for `address`. */
	waitFor(address: string, count?: number, timeoutMs?: number): Promise<CapturedMail[]>;
	close(): Promise<void>;
}

function decodeQuotedPrintable(body: string): string {
	const bytes: number[] = [];
	const text = body.replace(/=\r?\n/g, '');
	for (let i = 0; i < text.length; i++) {
		const hex = text[i] === '=' ? text.slice(i + 1, i + 3) : '';
		if (/^[0-9A-F]{2}$/i.test(hex)) {
			bytes.push(parseInt(hex, 16));
			i += 2;
		} else {
			bytes.push(...Buffer.from(text[i]!, 'utf8'));
		}
	}
	return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body: string, encoding: string | undefined): string {
	switch ((encoding ?? '7bit').toLowerCase()) {
		case 'quoted-printable':
			return decodeQuotedPrintable(body);
		case 'base64':
			return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
		default:
			return body;
	}
}

/** RFC 2047 encoded words ("=?UTF-8?Q?...?=") in a header, decoded. */
function decodeHeader(value: string): string {
	return value.replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=\s*/gi, (_, _charset: string, kind: string, data: string) =>
		kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' '))
	);
}

function splitMessage(raw: string): { headers: Record<string, string>; body: string } {
	const end = raw.search(/\r?\n\r?\n/);
	const head = end === -1 ? raw : raw.slice(0, end);
	const body = end === -1 ? '' : raw.slice(end).replace(/^\r?\n\r?\n/, '');
	const headers: Record<string, string> = {};
	for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
		const colon = line.indexOf(':');
		if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeHeader(line.slice(colon + 1).trim());
	}
	return { headers, body };
}

/** The text/plain and text/html parts of a message (nested multiparts included). */
function partsOf(raw: string): { text: string; html: string } {
	const { headers, body } = splitMessage(raw);
	const type = headers['content-type'] ?? 'text/plain';
	const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
	if (/^multipart\//i.test(type) && boundary) {
		const found = { text: '', html: '' };
		for (const piece of body.split(`--${boundary}`).slice(1)) {
			if (piece.startsWith('--')) break;
			const inner = partsOf(piece.replace(/^\r?\n/, ''));
			found.text ||= inner.text;
			found.html ||= inner.html;
		}
		return found;
	}
	const decoded = decodeBody(body, headers['content-transfer-encoding']);
	return /^text\/html/i.test(type) ? { text: '', html: decoded } : { text: decoded, html: '' };
}

export function parseMail(raw: string, to: string[], from: string): CapturedMail {
	const { headers } = splitMessage(raw);
	return { to, from, subject: headers.subject ?? '', headers, raw, ...partsOf(raw) };
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
	const messages: CapturedMail[] = [];
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', () => {
				const to = session.envelope.rcptTo.map((address) => address.address);
				const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
				messages.push(parseMail(Buffer.concat(chunks).toString('utf8'), to, from));
				callback();
			});
		}
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const { port } = server.server.address() as AddressInfo;
	const url = `smtp://127.0.0.1:${port}`;
	const to = (address: string) => messages.filter((message) => message.to.includes(address));
	return {
		port,
		url,
		messages,
		to,
		async waitFor(address, count = 1, timeoutMs = 10_000) {
			const deadline = Date.now() + timeoutMs;
			while (to(address).length < count) {
				if (Date.now() > deadline)
					throw new Error(`expected ${count} message(s) for ${address}, got ${to(address).length} (all: ${messages.map((m) => m.to.join(',')).join('; ')})`);
				await new Promise((resolve) => setTimeout(resolve, 10));
			}
			return to(address);
		},
		async close() {
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
