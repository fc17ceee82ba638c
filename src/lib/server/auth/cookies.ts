/** The part of SvelteKit's cookie jar the session needs (kept structural: no kit import here). */
interface Cookies {
	set(name: string, value: string, options: { path: string; httpOnly: boolean; sameSite: 'lax'; secure: boolean; expires: Date }): void;
	delete(name: string, options: { path: string; httpOnly: boolean; sameSite: 'lax'; secure: boolean }): void;
}

export const SESSION_COOKIE = 'hearth_session';
/** Marks a browser that has signed in before (known-devices.ts): it only lifts login limits. */
export const DEVICE_COOKIE = 'hearth_device';

/**
 * HttpOnly and SameSite=Lax always; Secure whenever the site is served over HTTPS (production
 * behind TLS). Over plain http a browser would drop a Secure cookie, so sign-in would silently fail.
 */
export function setSessionCookie(cookies: Cookies, url: URL, token: string, expiresAt: number): void {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		expires: new Date(expiresAt)
	});
}

export function deleteSessionCookie(cookies: Cookies, url: URL): void {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:' });
}

/** The known-device token: the same attributes as the session's, and it outlives sign-outs. */
export function setDeviceCookie(cookies: Cookies, url: URL, token: string, expiresAt: number): void {
	cookies.set(DEVICE_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		expires: new Date(expiresAt)
	});
}
