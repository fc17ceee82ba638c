// What no message Hearth sends may hold: words about anyone's health, recovery or circle (a
// mailbox is often shared, and mail servers keep copies), images or anything loaded from outside,
// and links other than the one to act on.
import { expect } from 'vitest';
import type { OutgoingMail } from '$lib/server/mail';

/** Words that would tell a reader something about the family's health or what is said in a circle. */
export const HEALTH_WORDS = [
	'check-in',
	'checkin',
	'checked in',
	'mood',
	'craving',
	'recovery',
	'recovering',
	'relapse',
	'lapse',
	'milestone',
	'sober',
	'sobriety',
	'clean',
	'addict',
	'addiction',
	'substance',
	'opioid',
	'heroin',
	'overdose',
	'naloxone',
	'narcan',
	'methadone',
	'buprenorphine',
	'treatment',
	'detox',
	'rehab',
	'therapy',
	'circle',
	'boundary',
	'agreement',
	'victory',
	'cheer',
	'celebrat',
	'days in',
	'crisis',
	'988'
];

function words(text: string): string {
	return text.toLowerCase().replace(/&#39;|&quot;|&amp;/g, ' ');
}

/** The message's subject, text and HTML hold no health word, no image, nothing from outside, at most `links` links. */
export function expectKindAndPrivate(message: Pick<OutgoingMail, 'subject' | 'text' | 'html'>, { link }: { link: string | null }): void {
	for (const part of [message.subject, message.text, message.html]) {
		const found = HEALTH_WORDS.filter((word) => words(part).includes(word));
		expect(found, `health words in: ${part}`).toEqual([]);
	}
	expect(message.text.trim().length).toBeGreaterThan(0);
	expect(message.html).not.toMatch(/<img|<picture|<video|<audio|<iframe|<object|<embed|<link|<script|<style|background|url\(|src=/i);
	const hrefs = [...message.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
	const urlsInText = message.text.match(/https?:\/\/\S+/g) ?? [];
	if (link === null) {
		expect(hrefs).toEqual([]);
		expect(urlsInText).toEqual([]);
	} else {
		expect(hrefs).toEqual([link]);
		expect(urlsInText).toEqual([link]);
	}
}
