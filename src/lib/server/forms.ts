// Every form and socket message is checked by a valibot schema built from the pieces here, with
// Hearth's own messages. A form's failure always has one shape (FormFailure): which action, a
// message for the whole form or one per field, and what the person typed so nothing is lost.
// Lengths are counted in graphemes: a family emoji is one character, as a person sees it.
import * as v from 'valibot';
import { invalid, Refusal } from '$lib/server/refusal';

export const UNREADABLE_FORM = 'We couldn’t read what was sent. Please try again.';
export const TOO_LARGE_FORM = 'That was more than we can take in one go. Please shorten it and try again.';

import type { FieldErrors, FormFailure, FormValues } from '$lib/forms/failure';

export type { FieldErrors, FormFailure, FormValues };

/** Any object schema whose fields are read from a form (each field's input is a string or missing). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- valibot's own bound for "any object schema"
export type FormSchema = v.ObjectSchema<v.ObjectEntries, any> | v.SchemaWithPipe<readonly [v.ObjectSchema<v.ObjectEntries, any>, ...any[]]>;

export type FieldOf<S extends FormSchema> = Extract<keyof v.InferInput<S>, string>;

export type Parsed<S extends FormSchema> =
	{ ok: true; data: v.InferOutput<S>; values: FormValues<FieldOf<S>> } | { ok: false; errors: FieldErrors<FieldOf<S>>; values: FormValues<FieldOf<S>> };

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

// V8's segmenter spends time in proportion to the whole text at every step, so one pass over a
// long text takes quadratic time (100,000 characters: seconds). Segmenting a slice at a time keeps
// it linear. A boundary inside a slice is the same as in the whole text (the rules look only
// backwards from the character after it), except the slice's end: so the last piece of each slice
// is segmented again as the start of the next. A slice never ends inside a surrogate pair.
const SLICE = 256;

function* graphemes(text: string): Generator<string> {
	let start = 0;
	while (start < text.length) {
		let end = Math.min(start + SLICE, text.length);
		if (end < text.length && end - 1 > start && (text.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
		let last: Intl.SegmentData | undefined;
		for (const data of segmenter.segment(text.slice(start, end))) {
			if (last) yield last.segment;
			last = data;
		}
		// A cluster longer than a slice (hundreds of combining marks) is counted in pieces.
		if (end === text.length || last!.index === 0) {
			yield last!.segment;
			start = end;
		} else {
			start += last!.index;
		}
	}
}

// eslint-disable-next-line no-control-regex -- in plain ASCII each character is one grapheme, but CR LF together is one
const ASCII = /^[\u0000-\u007F]*$/;

/** Length as a person counts it: an emoji, a family emoji or an accented letter is one character. */
export function characterCount(text: string): number {
	if (ASCII.test(text)) return text.length - (text.match(/\r\n/g)?.length ?? 0);
	let count = 0;
	for (const _ of graphemes(text)) count++;
	return count;
}

/** The first `max` characters (graphemes) of the text. */
export function firstCharacters(text: string, max: number): string {
	let kept = '';
	let count = 0;
	for (const segment of graphemes(text)) {
		if (count++ === max) break;
		kept += segment;
	}
	return kept;
}

// Control characters (other than tab and line breaks) have no place in names or emails, and
// invisible direction overrides can be used to disguise text.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;

export function hasControlCharacters(text: string): boolean {
	return CONTROL_CHARACTERS.test(text);
}

// Characters that do not show on screen, so "Mo\u200Bm" looks exactly like "Mom": every format
// character (\p{Cf}: zero-width spaces and joiners, the soft hyphen, direction marks, overrides and
// isolates, the byte order mark, tags…) and every other character Unicode says to show as nothing
// when it cannot be shown (Default_Ignorable_Code_Point: the combining grapheme joiner, Hangul
// fillers, variation selectors…). A name may still hold what emoji are made of: a zero-width joiner
// between two emoji (👨‍👩‍👧, 🏳️‍🌈, 👩🏽‍💻), an emoji's presentation selector (❤️), the tags of a
// flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿), an ideograph's variation selector, and the joiners scripts like Persian and
// Hindi shape letters with.
const INVISIBLE_CHARACTERS = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
const PARTS_OF_EMOJI = new RegExp(
	[
		// A joiner between two emoji; the first may carry its presentation selector or a skin tone.
		/(?<=\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?)\u200D(?=\p{Extended_Pictographic})/u,
		// Text or emoji presentation, after a character that has both (❤️, ☺︎, 1️⃣).
		/(?<=\p{Emoji})(?:\uFE0E|\uFE0F)/u,
		// A flag of tags: the black flag, tag letters, the cancel tag (England, Scotland, Wales).
		/(?<=\u{1F3F4})[\u{E0020}-\u{E007E}]+\u{E007F}/u,
		// A variant of an ideograph (Japanese names are written with them).
		/(?<=\p{Script=Han})\p{Variation_Selector}/u,
		// A joiner or non-joiner between two letters of a script that shapes its letters with them
		// (Persian and other Arabic-script names, the scripts of India and Sri Lanka). Between Latin
		// letters it would only hide: "Mo\u200Cm" is refused.
		/(?<=[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Gurmukhi}\p{Script=Gujarati}\p{Script=Oriya}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Kannada}\p{Script=Malayalam}\p{Script=Sinhala}]\p{M}*)[\u200C\u200D](?=[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Gurmukhi}\p{Script=Gujarati}\p{Script=Oriya}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Kannada}\p{Script=Malayalam}\p{Script=Sinhala}])/u
	]
		.map((part) => part.source)
		.join('|'),
	'gu'
);

/** Whether the text holds a character that does not show on screen (outside an emoji). */
export function hasInvisibleCharacters(text: string): boolean {
	return INVISIBLE_CHARACTERS.test(text.replace(PARTS_OF_EMOJI, ''));
}

/** Longer text as people write it: NFC, Windows line ends made plain, trimmed. */
export function cleanText(text: string): string {
	return text.normalize('NFC').replace(/\r\n?/g, '\n').trim();
}

/** How much of a field is sent back to be shown again: enough to fix, never a huge body in full. */
const DEFAULT_REDISPLAY = 200;

interface TextOptions {
	/** Say `Please write {what}.` when empty. */
	required?: boolean;
	/** Line breaks and tabs allowed (they are not, in one-line fields). */
	multiline?: boolean;
	/** Runs of spaces become one (titles and names). */
	collapseSpaces?: boolean;
	/** The message when it is missing, instead of `Please write {what}.` */
	requiredMessage?: string;
	/** A name or a label people are known by: nothing in it that does not show on screen. */
	name?: boolean;
}

/** The too-long message, with the count so a person knows how much to cut. */
export function tooLongMessage(what: string, max: number, count: number): string {
	return `Please keep ${what} to ${max.toLocaleString('en')} characters or fewer (you have ${count.toLocaleString('en')}).`;
}

export const CONTROL_CHARACTERS_MESSAGE = 'There are invisible control characters in the text; please type it again.';

/** Why a name was refused for a character that does not show: `subject` is "Your name", "The name". */
export function invisibleCharactersMessage(subject: string): string {
	return `${subject} has a character in it that doesn’t show on screen (copied text sometimes brings one along); please type it again.`;
}

/** Text a person writes: cleaned, at most `max` characters, no control characters. */
export function text(
	what: string,
	max: number,
	{ required = false, multiline = true, collapseSpaces = false, requiredMessage, name = false }: TextOptions = {}
) {
	return v.pipe(
		v.optional(v.string(), ''),
		v.transform((value) => {
			const cleaned = cleanText(value);
			return collapseSpaces ? cleaned.replace(/\s+/g, ' ') : cleaned;
		}),
		v.check((value) => !required || value.length > 0, requiredMessage ?? `Please write ${what}.`),
		v.rawCheck(({ dataset, addIssue }) => {
			if (!dataset.typed) return;
			const count = characterCount(dataset.value);
			if (count > max) addIssue({ message: tooLongMessage(what, max, count) });
		}),
		v.check((value) => !hasControlCharacters(multiline ? value.replace(/[\n\t]/g, '') : value), CONTROL_CHARACTERS_MESSAGE),
		v.check((value) => !name || !hasInvisibleCharacters(value), invisibleCharactersMessage(`${what[0]!.toUpperCase()}${what.slice(1)}`)),
		v.metadata({ redisplay: max * 2 })
	);
}

/** A short token-like value (an id, a choice, a date): trimmed, '' when missing. */
export function field(redisplay = 64) {
	return v.pipe(
		v.optional(v.string(), ''),
		v.transform((value) => value.trim()),
		v.metadata({ redisplay })
	);
}

/** One of the given values, or `message`. */
export function choice<const T extends readonly [string, ...string[]]>(options: T, message: string) {
	return v.pipe(v.optional(v.string(), ''), v.picklist(options, message), v.metadata({ redisplay: 64, options }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A key the sender's device made for one post (a UUID), or null when none was sent. Anything else
 * (too long, not a UUID, sent twice) is `message`. Never sent back to be shown: the page has its own.
 */
export function clientKey(message: string) {
	return v.pipe(
		v.optional(v.string(message), ''),
		v.check((value) => value === '' || UUID.test(value), message),
		v.transform((value) => (value === '' ? null : value.toLowerCase())),
		v.metadata({ redisplay: 0, once: true })
	);
}

/** A yes/no radio pair as a boolean; anything else is `message`. */
export function yesNo(message: string) {
	return v.pipe(
		choice(['yes', 'no'], message),
		v.transform((value) => value === 'yes')
	);
}

/** A checkbox: on when sent with any value. */
export function checkbox() {
	return v.pipe(
		v.optional(v.string()),
		v.transform((value) => value !== undefined && value !== ''),
		v.metadata({ redisplay: 16 })
	);
}

/**
 * A field sent any number of times (checkboxes sharing a name): every value sent, trimmed, without
 * blanks or repeats. More than `max` values sent is `message`.
 */
export function many(max: number, message: string) {
	return v.pipe(
		v.optional(v.array(v.string()), []),
		// One value may hold several, space-separated (as the offline outbox keeps them: outbox/keys.ts).
		v.transform((values) => [...new Set(values.flatMap((value) => value.split(/\s+/)).filter((value) => value !== ''))]),
		v.maxLength(max, message),
		v.metadata({ redisplay: 64, many: true })
	);
}

function entriesOf(schema: FormSchema): v.ObjectEntries {
	if ('pipe' in schema) return (schema.pipe[0] as v.ObjectSchema<v.ObjectEntries, undefined>).entries;
	return schema.entries;
}

interface FieldMetadata {
	redisplay?: number;
	/** A choice's options: anything else is not put back (no radio would match it anyway). */
	options?: readonly string[];
	/** Sent more than once, the field is refused rather than its first value taken (see formInput). */
	once?: boolean;
	/** Every value sent counts (see `many`). */
	many?: boolean;
}

/** A field's metadata, also from the schema a pipe starts with (e.g. yesNo builds on choice). */
function metadataOf(entry: unknown): FieldMetadata {
	if (!entry || typeof entry !== 'object' || !('pipe' in entry)) return {};
	const [root] = (entry as { pipe: unknown[] }).pipe;
	return { ...metadataOf(root), ...(v.getMetadata(entry as Parameters<typeof v.getMetadata>[0]) as FieldMetadata) };
}

/**
 * The schema's fields as sent (strings only: a file or a missing field is undefined). A field
 * sent more than once counts its first value, except one marked `once` (see `once`), whose
 * schema then sees all of them, and refuses them.
 */
function formInput(schema: FormSchema, form: FormData): Record<string, string | string[] | undefined> {
	const input: Record<string, string | string[] | undefined> = {};
	for (const [name, entry] of Object.entries(entriesOf(schema))) {
		const all = form.getAll(name);
		if (metadataOf(entry).many) {
			input[name] = all.filter((value) => typeof value === 'string');
			continue;
		}
		if (all.length > 1 && metadataOf(entry).once) {
			input[name] = all.map((value) => (typeof value === 'string' ? value : ''));
			continue;
		}
		const value = all[0];
		input[name] = typeof value === 'string' ? value : undefined;
	}
	return input;
}

/** What the person typed, cut to a sensible length, to put back in the form. */
function redisplayValues(schema: FormSchema, input: Record<string, string | string[] | undefined>): FormValues {
	const entries = entriesOf(schema);
	const values: FormValues = {};
	for (const [name, value] of Object.entries(input)) {
		// A list (checkboxes) comes back as its values, space-separated (ids and choices hold no spaces).
		if (Array.isArray(value) && metadataOf(entries[name]!).many) {
			if (value.length === 0) continue;
			values[name] = value
				.slice(0, 100)
				.map((one) => firstCharacters(one, 64))
				.join(' ');
			continue;
		}
		if (typeof value !== 'string' || name === 'password' || name.endsWith('Password')) continue;
		const { redisplay = DEFAULT_REDISPLAY, options } = metadataOf(entries[name]!);
		if (redisplay === 0) continue;
		// Cut without counting all of it: a huge body is not segmented to the end just to be cut.
		values[name] = options ? (options.includes(value) ? value : '') : firstCharacters(value, redisplay);
	}
	return values;
}

/** Each field's first problem, in Hearth's words; problems not about one field go to `form`. */
function errorsOf(issues: readonly v.BaseIssue<unknown>[]): FieldErrors {
	const errors: FieldErrors = {};
	for (const issue of issues) {
		const name = issue.path?.[0]?.key;
		const key = typeof name === 'string' ? name : 'form';
		errors[key] ??= issue.message;
	}
	return errors;
}

/** Checks a form against its schema: the data, or each field's message; and what was typed. */
export function parseForm<S extends FormSchema>(schema: S, form: FormData): Parsed<S> {
	const input = formInput(schema, form);
	const values = redisplayValues(schema, input) as FormValues<FieldOf<S>>;
	const result = v.safeParse(schema, input);
	if (result.success) return { ok: true, data: result.output, values };
	return { ok: false, errors: errorsOf(result.issues) as FieldErrors<FieldOf<S>>, values };
}

/** Checks a socket message (or any plain value) against a schema; undefined when it does not fit. */
export function parseMessage<S extends v.GenericSchema>(schema: S, message: unknown): v.InferOutput<S> | undefined {
	const result = v.safeParse(schema, message);
	return result.success ? result.output : undefined;
}

/** The body as a form, or a refusal with a plain message (too large, or not a form at all). */
export async function readFormData(request: Request): Promise<FormData> {
	try {
		return await request.formData();
	} catch (error) {
		const status = (error as { status?: number } | null)?.status;
		if (status === 413) throw new Refusal('too-large', TOO_LARGE_FORM);
		throw invalid(UNREADABLE_FORM);
	}
}

/** What the requester's address is, for rate limits; never fails. */
export function clientAddress(event: { getClientAddress(): string }): string {
	try {
		return event.getClientAddress();
	} catch {
		return 'unknown';
	}
}
