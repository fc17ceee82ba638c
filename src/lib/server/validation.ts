// Small, explicit helpers for reading and checking form input. Each form has one schema
// (a function in its domain module) built from these; errors go back to the field that caused them.

export type FieldErrors<F extends string> = Partial<Record<F, string>>;

export type Parsed<F extends string, T> = { ok: true; data: T } | { ok: false; errors: FieldErrors<F>; values: Partial<Record<F, string>> };

/** A text field's value: '' when missing, or when something other than text was sent. */
export function readText(form: FormData, name: string): string {
	const value = form.get(name);
	return typeof value === 'string' ? value : '';
}

/** Length as a person counts it: an emoji or accented letter is one character. */
export function characterCount(text: string): number {
	let count = 0;
	for (const _ of text) count++;
	return count;
}

// Control characters (other than tab and line breaks) have no place in names or emails, and
// invisible direction overrides can be used to disguise text.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;

export function hasControlCharacters(text: string): boolean {
	return CONTROL_CHARACTERS.test(text);
}

/** Cuts an echoed value down so a huge body is never sent back in full. */
export function keepForRedisplay(text: string, max: number): string {
	return characterCount(text) > max * 2
		? Array.from(text)
				.slice(0, max * 2)
				.join('')
		: text;
}

/** Longer text as people write it: NFC, Windows line ends made plain, trimmed. */
export function cleanText(text: string): string {
	return text.normalize('NFC').replace(/\r\n?/g, '\n').trim();
}

/**
 * The message for text that is missing (when required), too long, or has control characters in
 * it (line breaks and tabs are fine where `multiline`); undefined when it is fine.
 */
export function checkText(text: string, max: number, what: string, { required = false, multiline = true } = {}): string | undefined {
	if (required && !text) return `Please write ${what}.`;
	const count = characterCount(text);
	if (count > max) return `Please keep ${what} to ${max.toLocaleString('en')} characters or fewer (you have ${count.toLocaleString('en')}).`;
	if (hasControlCharacters(multiline ? text.replace(/[\n\t]/g, '') : text)) return 'There are invisible control characters in the text; please type it again.';
	return undefined;
}
