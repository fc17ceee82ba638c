/**
 * Where to go after logging in: only a path on this site. Anything else (another host,
 * protocol-relative "//evil.example", backslash tricks, javascript:) falls back to the default.
 */
export function safeRedirectPath(target: string | null | undefined, fallback = '/circles'): string {
	if (!target || !target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) {
		return fallback;
	}
	try {
		const base = 'http://hearth.invalid';
		const url = new URL(target, base);
		if (url.origin !== base) return fallback;
		return url.pathname + url.search + url.hash;
	} catch {
		return fallback;
	}
}

/** The login page's address that brings the user back to `url` afterwards. */
export function loginUrlFor(url: URL): string {
	const back = url.pathname + url.search;
	return back === '/' ? '/login' : `/login?redirectTo=${encodeURIComponent(back)}`;
}
