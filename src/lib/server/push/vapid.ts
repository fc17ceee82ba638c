// The server's VAPID identity (RFC 8292): push services accept a push only with a token signed by
// the key pair the browser subscribed with. One Hearth server makes a pair on first start and keeps
// it in the database (push_vapid_keys, one row): inserted if absent, then read back, so servers
// starting at once all end up with the one pair that was inserted first. Several servers may
// instead be given the pair by the environment (VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, both or
// neither; `npx web-push generate-vapid-keys` makes one). Changing the pair makes every
// subscription useless (the push services refuse them): browsers subscribe again from the account page.
import webPush from 'web-push';
import type { Database } from '$lib/server/db';

export interface VapidKeys {
	publicKey: string;
	privateKey: string;
	/** Who runs this Hearth (a mailto: or https: URL), for the push services. */
	subject: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The contact push services are given: VAPID_SUBJECT, or ORIGIN if it is https:, or a placeholder. */
export function vapidSubject(env: Record<string, string | undefined>): string {
	if (env.VAPID_SUBJECT) return env.VAPID_SUBJECT;
	if (env.ORIGIN?.startsWith('https://')) return new URL(env.ORIGIN).origin;
	return 'mailto:push@hearth.invalid';
}

/** The pair from the environment, or the database's (made now if there is none yet). */
export async function loadVapidKeys(db: Database, env: Record<string, string | undefined> = process.env, now = Date.now()): Promise<VapidKeys> {
	const subject = vapidSubject(env);
	if (!/^(mailto:|https:\/\/)/.test(subject)) throw new Error('VAPID_SUBJECT must be a mailto: or https:// URL.');
	const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey } = env;
	if (publicKey || privateKey) {
		if (!publicKey || !privateKey || !BASE64URL.test(publicKey) || !BASE64URL.test(privateKey)) {
			throw new Error('Set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (base64url, as `npx web-push generate-vapid-keys` prints them), or neither.');
		}
		return { publicKey, privateKey, subject };
	}
	const made = webPush.generateVAPIDKeys();
	await db
		.insertInto('push_vapid_keys')
		.values({ only_row: 1, public_key: made.publicKey, private_key: made.privateKey, created_at: now })
		.onConflict((conflict) => conflict.column('only_row').doNothing())
		.execute();
	const kept = await db.selectFrom('push_vapid_keys').select(['public_key', 'private_key']).where('only_row', '=', 1).executeTakeFirstOrThrow();
	return { publicKey: kept.public_key, privateKey: kept.private_key, subject };
}
