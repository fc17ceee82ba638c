import type { Database } from '$lib/server/db';
import type { SessionUser } from '$lib/server/auth/sessions';
import { newId } from '$lib/server/ids';

/** A user row made directly (no password hashing): fast, for tests that are not about accounts. */
export async function addUser(db: Database, displayName = 'Sam'): Promise<SessionUser> {
	const id = newId();
	const email = `${id}@example.org`;
	await db.insertInto('users').values({ id, email, display_name: displayName, password_hash: 'not-a-real-hash', created_at: 0, updated_at: 0 }).execute();
	return { id, email, displayName };
}
