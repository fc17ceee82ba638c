// What Hearth's service worker shows for a push, and where a click on it goes. Pure functions, so
// the rules are tested without a browser. A push whose data cannot be read is still shown (a
// browser may penalise a push that shows nothing), in the plainest words; a URL to open is only
// ever a path of Hearth's own, so a push can never send anyone to another site.
import type { PushMessage } from '$lib/push';

export const FALLBACK_MESSAGE: PushMessage = { title: 'Hearth', body: 'Something new in Hearth', url: '/circles', tag: 'hearth' };

/** The message a push carries, or the plain fallback. */
export function readPushMessage(data: unknown): PushMessage {
	if (!data || typeof data !== 'object') return FALLBACK_MESSAGE;
	const { title, body, url, tag } = data as Record<string, unknown>;
	const short = (value: unknown, max: number) => typeof value === 'string' && value.length > 0 && value.length <= max;
	if (!short(title, 80) || !short(body, 200) || !short(tag, 100)) return FALLBACK_MESSAGE;
	return { title: title as string, body: body as string, url: ownPath(url) ?? FALLBACK_MESSAGE.url, tag: tag as string };
}

/** A same-origin path ("/circles/…"), or null for anything else (another origin, "//host", a scheme). */
export function ownPath(url: unknown): string | null {
	if (typeof url !== 'string' || !url.startsWith('/') || url.startsWith('//') || url.includes('\\')) return null;
	try {
		const parsed = new URL(url, 'https://hearth.invalid');
		return parsed.origin === 'https://hearth.invalid' ? `${parsed.pathname}${parsed.search}` : null;
	} catch {
		return null;
	}
}
