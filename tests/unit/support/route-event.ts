// The event SvelteKit hands a load or a form action, for tests that call them directly: the
// signed-in user (or nobody), the route's params and URL, the request, and no-op cookies and
// dependencies.
import type { SessionUser } from '$lib/server/auth/sessions';

export interface RouteEventOptions {
	user: SessionUser | null;
	routeId: string;
	params: Record<string, string>;
	url: URL;
	/** What was sent; a GET of the URL unless given. */
	request?: Request;
	/** True for a navigation inside the app or a preload (only the data is fetched). */
	isDataRequest?: boolean;
}

export function routeEvent({ user, routeId, params, url, request = new Request(url), isDataRequest = false }: RouteEventOptions) {
	return {
		locals: { user, session: user ? { id: 'test', userId: user.id, createdAt: 0, expiresAt: Infinity } : null },
		params,
		url,
		route: { id: routeId },
		request,
		cookies: { get: () => undefined, getAll: () => [], set() {}, delete() {}, serialize: () => '' },
		getClientAddress: () => '127.0.0.1',
		setHeaders() {},
		depends() {},
		untrack: <T>(fn: () => T) => fn(),
		parent: async () => ({}),
		isDataRequest,
		isSubRequest: false
	};
}
