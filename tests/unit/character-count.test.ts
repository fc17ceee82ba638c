// Counting characters as a person sees them (graphemes), also in texts far longer than one slice
// of the segmenter: the count and the cut must be what segmenting the whole text at once gives.
import { describe, expect, it } from 'vitest';
import { characterCount, firstCharacters } from '$lib/server/forms';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const wholeText = (text: string) => Array.from(segmenter.segment(text), ({ segment }) => segment);

// Clusters whose boundaries depend on what comes before them: pairs of flags (regional
// indicators), ZWJ sequences, skin tones, combining accents, CR LF, Indic conjuncts, Thai marks.
const PIECES = ['👨‍👩‍👧‍👦', '🇫🇷', '🇩🇪', '🇫', 'e\u0301', '\r\n', '\r', '\n', 'x', ' ', '👍🏽', 'ก็', 'न्दी', 'ab\u0301\u0302c', 'ñ', '\u00e9'];

/** A text of `length` pieces, the same each run (a small linear congruential generator). */
function mixedText(length: number, seed: number): string {
	let state = seed;
	let text = '';
	for (let i = 0; i < length; i++) {
		state = (state * 1103515245 + 12345) % 2 ** 31;
		text += PIECES[state % PIECES.length];
	}
	return text;
}

describe('characterCount', () => {
	it('counts a family emoji, a flag and an accented letter as one character each', () => {
		expect(characterCount('👨‍👩‍👧‍👦')).toBe(1);
		expect(characterCount('🇫🇷🇩🇪')).toBe(2);
		expect(characterCount('e\u0301')).toBe(1);
		expect(characterCount('a\r\nb')).toBe(3);
		expect(characterCount('')).toBe(0);
	});

	it('agrees with segmenting the whole text at once, across many slices', () => {
		for (let seed = 1; seed <= 20; seed++) {
			const text = mixedText(50 + seed * 29, seed);
			expect(characterCount(text), `seed ${seed}`).toBe(wholeText(text).length);
		}
	});

	it('counts plain ASCII, CR LF as one', () => {
		const text = 'line one\r\nline two\n\tand\rmore '.repeat(100);
		expect(characterCount(text)).toBe(wholeText(text).length);
	});

	it('counts a very long field in full', () => {
		expect(characterCount('é'.repeat(100_000))).toBe(100_000);
		expect(characterCount('👨‍👩‍👧‍👦'.repeat(10_000))).toBe(10_000);
	});
});

describe('firstCharacters', () => {
	it('keeps the first characters whole, as segmenting the whole text gives them', () => {
		for (let seed = 1; seed <= 10; seed++) {
			const text = mixedText(400, seed);
			const whole = wholeText(text);
			for (const max of [0, 1, 99, 250, 399, 400, 1000]) {
				expect(firstCharacters(text, max), `seed ${seed}, max ${max}`).toBe(whole.slice(0, max).join(''));
			}
		}
	});
});
