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

/** Length as a person counts it: an emoji, a family emoji or an accented letter is one character. */
export function characterCount(text: string): number {
	let count = 0;
	for (const _ of segmenter.segment(text)) count++;
	return count;
}

/** The first `max` characters (graphemes) of the text. */
export function firstCharacters(text: string, max: number): string {
	let kept = '';
	let count = 0;
	for (const { segment } of segmenter.segment(text)) {
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
}

/** The too-long message, with the count so a person knows how much to cut. */
export function tooLongMessage(what: string, max: number, count: number): string {
	return `Please keep ${what} to ${max.toLocaleString('en')} characters or fewer (you have ${count.toLocaleString('en')}).`;
}

export const CONTROL_CHARACTERS_MESSAGE = 'There are invisible control characters in the text; please type it again.';

/** Text a person writes: cleaned, at most `max` characters, no control characters. */
export function text(what: string, max: number, { required = false, multiline = true, collapseSpaces = false, requiredMessage }: TextOptions = {}) {
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
	return v.pipe(v.optional(v.string(), ''), v.picklist(options, message), v.metadata({ redisplay: 64 }));
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

function entriesOf(schema: FormSchema): v.ObjectEntries {
	return 'entries' in schema ? schema.entries : (schema.pipe[0] as v.ObjectSchema<v.ObjectEntries, undefined>).entries;
}

function redisplayLimit(entry: v.ObjectEntries[string]): number {
	const metadata = v.getMetadata(entry as Parameters<typeof v.getMetadata>[0]) as { redisplay?: number };
	return metadata.redisplay ?? DEFAULT_REDISPLAY;
}

/** The schema's fields as sent (strings only: a file or a missing field is undefined). */
function formInput(schema: FormSchema, form: FormData): Record<string, string | undefined> {
	const input: Record<string, string | undefined> = {};
	for (const name of Object.keys(entriesOf(schema))) {
		const value = form.get(name);
		input[name] = typeof value === 'string' ? value : undefined;
	}
	return input;
}

/** What the person typed, cut to a sensible length, to put back in the form. */
function redisplayValues(schema: FormSchema, input: Record<string, string | undefined>): FormValues {
	const entries = entriesOf(schema);
	const values: FormValues = {};
	for (const [name, value] of Object.entries(input)) {
		if (value === undefined || name === 'password' || name.endsWith('Password')) continue;
		const limit = redisplayLimit(entries[name]!);
		values[name] = characterCount(value) > limit ? firstCharacters(value, limit) : value;
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
