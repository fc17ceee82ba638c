// The messages themselves and the mail settings: every message has a text part and a simple HTML
// part with the same words, holds no health content, no image and no link but the one to act on;
// half a mail setting (or one without ORIGIN, which links are built from) is refused at start.
import { describe, expect, it } from 'vitest';
import { mailConfig } from '$lib/server/mail/config';
import {
	addressInUseNotice,
	confirmEmailMessage,
	emailChangeNotice,
	finishSignUpMessage,
	hintOfAddress,
	passwordResetMessage,
	signUpAddressTakenNotice
} from '$lib/server/mail/messages';
import { expectKindAndPrivate, HEALTH_WORDS } from './support/mail-content';

const link = 'https://hearth.example.org/reset/abc123';
const forgot = 'https://hearth.example.org/forgot';

describe('the messages', () => {
	const all = [
		{ name: 'password reset', message: passwordResetMessage('ana@example.org', link), link },
		{ name: 'confirm a new account', message: confirmEmailMessage('ana@example.org', link, 'account'), link },
		{ name: 'confirm a new address', message: confirmEmailMessage('ana@example.org', link, 'change'), link },
		{ name: 'email being changed', message: emailChangeNotice('ana@example.org', 'sam.jones@example.net'), link: null },
		{ name: 'address in use', message: addressInUseNotice('ana@example.org'), link: null },
		{ name: 'finish a sign-up', message: finishSignUpMessage('ana@example.org', link), link },
		{ name: 'sign-up with an address that has an account', message: signUpAddressTakenNotice('ana@example.org', forgot), link: forgot }
	];

	it.each(all)('$name: a text part, kind words, nothing about health, no image, only its own link', ({ message, link }) => {
		expect(message.to).toBe('ana@example.org');
		expectKindAndPrivate(message, { link });
		expect(message.text).toMatch(/^Hello,/);
	});

	it('says the same in the HTML part as in the text part', () => {
		for (const { message } of all) {
			const htmlWords = message.html
				.replace(/<title>.*<\/title>/s, '')
				.replace(/<[^>]+>/g, ' ')
				.replace(/&#39;/g, "'")
				.replace(/\s+/g, ' ')
				.trim();
			const textWords = message.text
				.replace(/https:\/\/\S+/g, '')
				.replace(/\s+/g, ' ')
				.trim();
			for (const sentence of textWords.split(/(?<=[.:,])\s/)) expect(htmlWords).toContain(sentence.trim());
		}
	});

	it('escapes what it quotes in the HTML part', () => {
		const message = passwordResetMessage('ana@example.org', 'https://hearth.example.org/reset/a"><img src=x>');
		expect(message.html).not.toContain('<img');
		expect(message.html).toContain('&quot;&gt;&lt;img');
	});

	it('tells the old address only a hint of the new one', () => {
		const notice = emailChangeNotice('ana@example.org', 'sam.jones@example.net');
		expect(notice.text).toContain('s…@example.net');
		expect(notice.text).not.toContain('sam.jones');
		expect(hintOfAddress('x')).toBe('…');
	});

	it('has a word list that would catch health words (the check is not vacuous)', () => {
		expect(HEALTH_WORDS).toContain('recovery');
		expect(() => expectKindAndPrivate({ subject: 'Your milestone', text: 'x', html: '' }, { link: null })).toThrow();
		expect(() => expectKindAndPrivate({ subject: 'x', text: 'x', html: '<img src="https://tracker.example/p.gif">' }, { link: null })).toThrow();
	});
});

describe('the mail settings', () => {
	const origin = 'https://hearth.example.org';

	it('means no email when neither SMTP_URL nor MAIL_FROM is set', () => {
		expect(mailConfig({})).toBeNull();
		expect(mailConfig({ ORIGIN: origin, SMTP_URL: ' ', MAIL_FROM: '' })).toBeNull();
	});

	it('reads both, and takes links from ORIGIN', () => {
		expect(mailConfig({ SMTP_URL: 'smtps://u:p@mail.example.org', MAIL_FROM: 'Hearth <h@example.org>', ORIGIN: `${origin}/` })).toEqual({
			smtpUrl: 'smtps://u:p@mail.example.org',
			from: 'Hearth <h@example.org>',
			siteUrl: origin
		});
	});

	it('refuses half a setting, another kind of URL, and mail without ORIGIN', () => {
		expect(() => mailConfig({ SMTP_URL: 'smtp://mail.example.org', ORIGIN: origin })).toThrow(/MAIL_FROM/);
		expect(() => mailConfig({ MAIL_FROM: 'h@example.org', ORIGIN: origin })).toThrow(/SMTP_URL/);
		expect(() => mailConfig({ SMTP_URL: 'https://mail.example.org', MAIL_FROM: 'h@example.org', ORIGIN: origin })).toThrow(/smtp:\/\//);
		expect(() => mailConfig({ SMTP_URL: 'smtp://mail.example.org', MAIL_FROM: 'h@example.org' })).toThrow(/ORIGIN/);
	});
});
