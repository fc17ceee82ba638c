import type { Cookies } from '@sveltejs/kit';

export const SESSION_COOKIE = 'hearth_session';

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
