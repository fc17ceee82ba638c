import { redirect, type RequestEvent } from '@sveltejs/kit';
import type { SessionUser } from './sessions';
import { loginUrlFor } from './redirects';

/** The signed-in user, or a redirect to log in that comes back here afterwards. */
export function requireUser(event: Pick<RequestEvent, 'locals' | 'url'>): SessionUser {
	const user = event.locals.user;
	if (!user) redirect(303, loginUrlFor(event.url));
	return user;
}
