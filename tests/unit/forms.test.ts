// The pieces every form is checked with (server/forms.ts) and the route-side helpers that turn a
// check or a domain refusal into the one failure shape (http/respond.ts), plus the per-request
// circle access (http/guards.ts).
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { isActionFailure, isHttpError } from '@sveltejs/kit';
import {
	characterCount,
	checkbox,
	choice,
	field,
	hasInvisibleCharacters,
	parseForm,
	parseMessage,
	text,
	TOO_LARGE_FORM,
	UNREADABLE_FORM,
	yesNo
} from '$lib/server/forms';
import { formAction, orError } from '$lib/server/http/respond';
import { conflict, invalid, notFound } from '$lib/server/refusal';
import { failureOf, successOf } from '$lib/forms/failure';

function form(fields: Record<string, string>): FormData {
	const data = new FormData();
	for (const [name, value] of Object.entries(fields)) data.set(name, value);
	return data;
}

function post(fields: Record<string, string> | string, contentType = 'application/x-www-form-urlencoded'): Request {
	const body = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
	return new Request('http://localhost/x', { method: 'POST', body, headers: { 'content-type': contentType } });
}

describe('characters that do not show on screen', () => {
	// Each of these, inside "Mom", looks like "Mom" (or nearly) on screen.
	const invisible: Record<string, string> = {
		'zero-width space': '\u200B',
		'zero-width non-joiner': '\u200C',
		'zero-width joiner (between letters)': '\u200D',
		'left-to-right mark': '\u200E',
		'right-to-left mark': '\u200F',
		'word joiner': '\u2060',
		'invisible function application': '\u2061',
		'invisible times': '\u2062',
		'invisible separator': '\u2063',
		'invisible plus': '\u2064',
		'byte order mark': '\uFEFF',
		'soft hyphen': '\u00AD',
		'combining grapheme joiner': '\u034F',
		'Arabic letter mark': '\u061C',
		'Mongolian vowel separator': '\u180E',
		'left-to-right embedding': '\u202A',
		'right-to-left embedding': '\u202B',
		'pop directional formatting': '\u202C',
		'left-to-right override': '\u202D',
		'right-to-left override': '\u202E',
		'left-to-right isolate': '\u2066',
		'right-to-left isolate': '\u2067',
		'first strong isolate': '\u2068',
		'pop directional isolate': '\u2069',
		'inhibit symmetric swapping (another format character)': '\u206A',
		'Hangul filler': '\u3164',
		'halfwidth Hangul filler': '\uFFA0',
		'Hangul choseong filler': '\u115F',
		'Khmer inherent vowel': '\u17B4',
		'variation selector after a letter': '\uFE0F',
		'text presentation selector after a letter': '\uFE0E',
		'ideographic variation selector after a letter': '\u{E0100}',
		'tag letter outside a flag': '\u{E0067}',
		'language tag': '\u{E0001}',
		'interlinear annotation anchor': '\uFFF9'
	};
	for (const [what, character] of Object.entries(invisible)) {
		it(`finds it: ${what}`, () => {
			expect(hasInvisibleCharacters(`Mo${character}m`)).toBe(true);
			expect(hasInvisibleCharacters(`${character}Mom`)).toBe(true);
			expect(hasInvisibleCharacters(`Mom${character}`)).toBe(true);
		});
	}

	it('finds a joiner that does not join two emoji, nor two letters of a script that uses them', () => {
		for (const name of [
			'Mo\u200Cm',
			'Mo\u200Dm',
			'مهر\u200C',
			'\u200Cआ',
			'a\u200Cआ',
			'👨\u200Dm',
			'M\u200D👩',
			'👨\u200D',
			'\u200D👩',
			'👨\u200D\u200D👩',
			'🇺🇸\u200D👩',
			'🏴\u{E0067}\u{E0062}'
		]) {
			expect(hasInvisibleCharacters(name), JSON.stringify(name)).toBe(true);
		}
	});

	it('keeps what emoji, flags and every script are made of', () => {
		const names = [
			'Mom',
			'👨‍👩‍👧',
			'👨‍👩‍👧‍👦 Garcias',
			'🏳️‍🌈',
			'👩🏽‍💻 Ana',
			'❤️‍🔥',
			'🧑🏻‍🤝‍🧑🏿',
			'👨‍🦰',
			'🐻‍❄️',
			'🏃‍➡️',
			'👁️‍🗨️',
			'1️⃣',
			'☺︎',
			'❤️',
			'🇺🇸 🇲🇽',
			'🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland',
			'🏴󠁧󠁢󠁥󠁮󠁧󠁿',
			'José',
			'Zoë',
			'한국어',
			'محمد',
			'אמא',
			'अनुराग',
			'Nguyễn',
			'葛\u{E0100}城',
			// Persian and Hindi shape letters with joiners: a name is not refused for them.
			'مهر\u200Cآسا',
			'क्\u200Dष',
			'<b>Mom</b>'
		];
		for (const name of names) expect(hasInvisibleCharacters(name), name).toBe(false);
	});
});

describe('text fields', () => {
	const schema = v.object({ note: text('your note', 5), title: text('a title', 10, { required: true, multiline: false, collapseSpaces: true }) });

	it('counts what a person sees as one character as one', () => {
		const family = '👨‍👩‍👧‍👦';
		expect(family.length).toBe(11);
		expect(characterCount(family)).toBe(1);
		expect(characterCount('é')).toBe(1);
		expect(characterCount('e\u0301')).toBe(1);
		// Five family emoji fit a five-character limit; six do not.
		expect(parseForm(schema, form({ note: family.repeat(5), title: 'Hi' })).ok).toBe(true);
		expect(parseForm(schema, form({ note: family.repeat(6), title: 'Hi' }))).toMatchObject({
			ok: false,
			errors: { note: 'Please keep your note to 5 characters or fewer (you have 6).' }
		});
	});

	it('counts long mixed text exactly as short pieces of it add up (it is segmented in pieces)', () => {
		const unit = 'Hi 👨‍👩‍👧 é e\u0301 🇺🇸 🏴󠁧󠁢󠁳󠁣󠁴󠁿 👋🏽 한국어 '; // 19 characters as a person sees them
		expect(characterCount(unit)).toBe(19);
		expect(characterCount(unit.repeat(2_000))).toBe(38_000);
		for (const count of [372, 373, 2_000, 3_001]) expect(characterCount('👨‍👩‍👧‍👦'.repeat(count)), `${count} families`).toBe(count);
		expect(characterCount('👋🏽'.repeat(5_000))).toBe(5_000);
	});

	it('counts as the platform’s segmenter does on random long text (whole, not in pieces)', () => {
		const whole = new Intl.Segmenter('en', { granularity: 'grapheme' });
		const parts = ['a', ' ', '👨‍👩‍👧‍👦', 'é', 'e\u0301', '🇺🇸', '👋🏽', '한', '\u1100\u1161', 'x\u0301\u0302\u0303', '\n', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '\u200d'];
		let seed = 7;
		const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
		for (let round = 0; round < 12; round++) {
			let text = '';
			const length = 200 + Math.floor(random() * 3000);
			// Half the time mostly emoji (no plain boundary for long stretches), else anything.
			for (let i = 0; i < length; i++) text += parts[Math.floor(random() * (random() < 0.5 ? 3 : parts.length))];
			expect(characterCount(text), `round ${round}`).toBe([...whole.segment(text)].length);
		}
	});

	it('cleans, requires, and refuses control characters, with the message next to the field', () => {
		expect(parseForm(schema, form({ note: ' a\r\nb ', title: '  Two   words ' }))).toEqual({
			ok: true,
			data: { note: 'a\nb', title: 'Two words' },
			values: { note: ' a\r\nb ', title: '  Two   words ' }
		});
		expect(parseForm(schema, form({ title: '   ' }))).toMatchObject({ ok: false, errors: { title: 'Please write a title.' } });
		expect(parseForm(schema, form({ title: 'a\u202Eb' }))).toMatchObject({ ok: false, errors: { title: expect.stringMatching(/control characters/) } });
		// Line breaks are fine in longer text, not in a one-line field (collapsed there first).
		expect(parseForm(schema, form({ note: 'a\tb', title: 'x' })).ok).toBe(true);
	});

	it('refuses, in a name, a character that does not show, with the message next to the field', () => {
		const names = v.object({ name: text('your name', 80, { required: true, multiline: false, name: true }), note: text('your note', 80) });
		expect(parseForm(names, form({ name: 'Mo\u200Bm', note: 'Mo\u200Bm' }))).toEqual({
			ok: false,
			errors: { name: 'Your name has a character in it that doesn’t show on screen (copied text sometimes brings one along); please type it again.' },
			values: { name: 'Mo\u200Bm', note: 'Mo\u200Bm' }
		});
		expect(parseForm(names, form({ name: '👨‍👩‍👧 Mom ❤️' }))).toMatchObject({ ok: true, data: { name: '👨‍👩‍👧 Mom ❤️' } });
	});

	it('keeps what was typed, but never a huge body in full', () => {
		const huge = 'x'.repeat(100_000);
		const parsed = parseForm(schema, form({ note: huge, title: huge }));
		expect(parsed.ok).toBe(false);
		expect(parsed.values.note).toHaveLength(10);
		expect(parsed.values.title).toHaveLength(20);
	});

	it('treats a file or a missing field as empty', () => {
		const data = new FormData();
		data.set('title', new Blob(['not text']), 'file.txt');
		expect(parseForm(schema, data)).toMatchObject({ ok: false, errors: { title: 'Please write a title.' }, values: {} });
	});
});

describe('choices and switches', () => {
	const schema = v.object({ kind: choice(['love', 'hug'], 'Please choose a reaction.'), share: yesNo('Please choose.'), on: checkbox(), id: field() });

	it('gives each a plain message and puts back only a real option', () => {
		expect(parseForm(schema, form({ kind: 'hug', share: 'no', on: 'on', id: ' abc ' }))).toMatchObject({
			ok: true,
			data: { kind: 'hug', share: false, on: true, id: 'abc' }
		});
		expect(parseForm(schema, form({ kind: '<script>', share: 'maybe' }))).toEqual({
			ok: false,
			errors: { kind: 'Please choose a reaction.', share: 'Please choose.' },
			values: { kind: '', share: '' }
		});
		expect(parseForm(schema, form({ kind: 'love', share: 'yes' }))).toMatchObject({ ok: true, data: { on: false, id: '' } });
	});

	it('never sends a password back', () => {
		const account = v.object({ email: field(), password: text('a password', 10), newPassword: text('a new password', 10) });
		const parsed = parseForm(account, form({ email: 'a@b', password: 'secret secret', newPassword: 'x'.repeat(50) }));
		expect(parsed.ok).toBe(false);
		expect(parsed.values).toEqual({ email: 'a@b' });
	});

	it('checks socket messages too', () => {
		const sync = v.object({ circleId: v.string(), afterSeq: v.pipe(v.number(), v.integer(), v.minValue(0)) });
		expect(parseMessage(sync, { circleId: 'c', afterSeq: 3 })).toEqual({ circleId: 'c', afterSeq: 3 });
		expect(parseMessage(sync, { circleId: 'c', afterSeq: -1 })).toBeUndefined();
		expect(parseMessage(sync, 'nonsense')).toBeUndefined();
	});
});

describe('formAction', () => {
	const schema = v.object({ message: text('your message', 20, { required: true }), itemId: field() });

	it('answers success with its action and the result', async () => {
		const answer = await formAction({ request: post({ message: 'Hello', itemId: 'i1' }) }, 'cheer', schema, async (data) => ({ saved: data.message }));
		expect(answer).toEqual({ action: 'cheer', saved: 'Hello' });
		expect(successOf(answer, 'cheer')).toEqual(answer);
		expect(failureOf(answer, 'cheer')).toBeNull();
	});

	it('answers a field problem with 400, the field’s message and what was typed; the command never runs', async () => {
		let ran = false;
		const answer = await formAction({ request: post({ message: '', itemId: 'i1' }) }, 'cheer', schema, async () => {
			ran = true;
			return {};
		});
		expect(ran).toBe(false);
		expect(isActionFailure(answer) && answer.status).toBe(400);
		expect(isActionFailure(answer) && answer.data).toEqual({
			action: 'cheer',
			errors: { message: 'Please write your message.' },
			values: { message: '', itemId: 'i1' }
		});
	});

	it('answers a refusal with its status, next to its field or for the whole form', async () => {
		const byField = await formAction({ request: post({ message: 'Hi' }) }, 'cheer', schema, async (): Promise<{ saved: boolean }> => {
			throw invalid('Not that day.', 'message');
		});
		expect(isActionFailure(byField) && [byField.status, byField.data]).toEqual([
			400,
			{ action: 'cheer', errors: { message: 'Not that day.' }, values: { message: 'Hi' } }
		]);
		const whole = await formAction({ request: post({ message: 'Hi' }) }, 'cheer', schema, async (): Promise<{ saved: boolean }> => {
			throw conflict('Already done.');
		});
		expect(isActionFailure(whole) && [whole.status, whole.data]).toEqual([409, { action: 'cheer', message: 'Already done.', values: { message: 'Hi' } }]);
		expect(failureOf(isActionFailure(whole) ? whole.data : null, 'cheer')).toMatchObject({ message: 'Already done.' });
		expect(failureOf(isActionFailure(whole) ? whole.data : null, 'other')).toBeNull();
	});

	it('answers a body that is not a form with a plain message, never a 500', async () => {
		const answer = await formAction({ request: post('{"json": true}', 'application/json') }, 'cheer', schema, async () => ({}));
		expect(isActionFailure(answer) && [answer.status, answer.data]).toEqual([400, { action: 'cheer', message: UNREADABLE_FORM }]);
		expect(TOO_LARGE_FORM).toMatch(/shorten/);
	});

	it('lets errors that are not refusals through (they are the server’s fault, and logged as such)', async () => {
		await expect(
			formAction({ request: post({ message: 'Hi' }) }, 'cheer', schema, async () => {
				throw new Error('disk full');
			})
		).rejects.toThrow('disk full');
	});
});

describe('orError', () => {
	it('turns a refusal in a load into the error page with its status and words', async () => {
		const caught = await orError(async () => {
			throw notFound();
		}).catch((error: unknown) => error);
		expect(isHttpError(caught) && [caught.status, caught.body.message]).toEqual([404, 'Not found']);
		expect(await orError(async () => 'fine')).toBe('fine');
	});
});
