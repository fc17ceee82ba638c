// The invite page (/join/[token]): its own load and actions, called as SvelteKit calls them, on
// the app's database (support/app-database.ts), and a circle with a link to join it by.
import type { Database } from '$lib/server/db';
import type { SessionUser } from '$lib/server/auth/sessions';
import { requireMember } from '$lib/server/circles/access';
import { createCircle } from '$lib/server/circles/circles';
import { createInvite } from '$lib/server/circles/invites';
import { addUser } from './people';

type Handler = (event: unknown) => unknown;

export interface JoinPage {
	load: Handler;
	actions: Record<string, Handler>;
}

/** The page's module (import it once the app's database is set up). */
export async function joinPage(): Promise<JoinPage> {
	return (await import('../../../src/routes/join/[token]/+page.server')) as unknown as JoinPage;
}

/** A request for the link `token`, by `user` (null: signed out) from `clientAddress`, sending the form `action` (empty). */
export function joinEvent(user: SessionUser | null, token: string, clientAddress: string, action = 'accept') {
	const url = new URL(`http://hearth.test/join/${token}?/${action}`);
	return {
		locals: { user, session: user ? { id: 'test', userId: user.id, createdAt: 0, expiresAt: Infinity } : null },
		params: { token },
		url,
		route: { id: '/join/[token]' },
		request: new Request(url, { method: 'POST', body: new URLSearchParams(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
		cookies: { get: () => undefined, getAll: () => [], set() {}, delete() {}, serialize: () => '' },
		getClientAddress: () => clientAddress,
		setHeaders() {},
		depends() {},
		untrack: <T>(fn: () => T) => fn(),
		parent: async () => ({}),
		isDataRequest: false,
		isSubRequest: false
	};
}

/** Maria's circle "The Garcias", and a link to it for members with `maxUses` uses, made at `now`. */
export async function circleWithLink(db: Database, { maxUses, now = Date.now() }: { maxUses: number; now?: number }) {
	const owner = await addUser(db, 'Maria');
	const { circleId } = await createCircle(db, owner, { name: 'The Garcias', description: '' });
	const ownerAccess = await requireMember(db, owner, circleId);
	const { token } = await createInvite(db, ownerAccess, { expiresInDays: 7, maxUses, role: 'member', note: '' }, now);
	return { owner, ownerAccess, circleId, token };
}
