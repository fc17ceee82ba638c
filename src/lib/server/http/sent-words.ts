// A form posted without JavaScript while the database is away gets the 503 page, and the words in
// it would be gone with the page that held them. So the page shows them back (+error.svelte), for
// the person to copy and send again later: only in that one answer, to whoever sent them (it is
// never cached: no-store), never written to the log or kept anywhere. Only the words a person
// writes are shown back: never a password, an email address, a token or an id.
import type { SentWords } from '$lib/unavailable';

export type { SentWords };

/** The fields that hold a person's own words, with what to call them on the 503 page. */
const WORDS_FIELDS: Record<string, string> = {
	body: 'Your words',
	title: 'Title',
	support: 'How we’ll support this',
	consequence: 'If it isn’t kept',
	note: 'Note',
	reason: 'Why',
	comment: 'Comment',
	message: 'Your message',
	name: 'Name',
	description: 'Description',
	relationship: 'Who you are to the circle',
	displayName: 'Your name'
};

/** The words in a posted form, in the form's order (blank fields left out). */
export function sentWordsOf(form: FormData): SentWords[] {
	const sent: SentWords[] = [];
	const seen = new Set<string>();
	for (const [name, value] of form) {
		const label = Object.hasOwn(WORDS_FIELDS, name) ? WORDS_FIELDS[name] : undefined;
		if (!label || seen.has(name) || typeof value !== 'string' || value.trim() === '') continue;
		seen.add(name);
		sent.push({ label, text: value });
	}
	return sent;
}

/**
 * Whether a request is a form posted by the browser itself, without JavaScript (an enhanced form
 * says `x-sveltekit-action`, and keeps its words in the page): its answer is a whole page.
 */
export function isPagePost(request: Request): boolean {
	if (request.method !== 'POST' || request.headers.get('x-sveltekit-action') === 'true') return false;
	const type = request.headers.get('content-type') ?? '';
	return type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data');
}

/**
 * The words of a form posted without JavaScript, read from a copy of the request (the action reads
 * the request itself); none for anything else, or a body that cannot be read.
 */
export async function sentWordsOfPagePost(request: Request): Promise<SentWords[] | undefined> {
	if (!isPagePost(request)) return undefined;
	try {
		const sent = sentWordsOf(await request.clone().formData());
		return sent.length > 0 ? sent : undefined;
	} catch {
		return undefined;
	}
}
