// A browser's push subscription (the PushSubscription's toJSON()), kept for the session that made
// it: it goes when that session goes (logging out, a session ended from another device or by a
// password change, account deletion: ON DELETE CASCADE), and when the push service says it is gone
// (404/410, sender.ts). Anything but a well-formed subscription with an https: endpoint is refused
// with a plain message, and nothing is stored.
import * as v from 'valibot';
import type { Database } from '$lib/server/db';
import type { Session } from '$lib/server/auth/sessions';
import { invalid, Refusal } from '$lib/server/refusal';
import { BAD_ENDPOINT, endpointProblem } from './endpoints';

export const UNREADABLE_SUBSCRIPTION = 'We couldn’t read that subscription. Please turn notifications off and on again.';
export const BAD_KEYS = 'That subscription’s keys aren’t the shape a browser makes. Please turn notifications off and on again.';
export const NOT_JSON = 'Please send the subscription as JSON.';
export const TOO_LARGE_SUBSCRIPTION = 'That subscription is larger than any browser makes.';

/** The largest body a subscription request may have (a real one is under 1 KB). */
export const MAX_SUBSCRIPTION_BYTES = 4096;

/** A base64url string that decodes to exactly `bytes` bytes (and, for a P-256 key, starts with 0x04). */
function base64urlOf(bytes: number, firstByte?: number) {
	const length = Math.ceil((bytes * 4) / 3);
	return v.pipe(
		v.string(BAD_KEYS),
		v.maxLength(length + 2, BAD_KEYS),
		v.regex(/^[A-Za-z0-9_-]+={0,2}$/, BAD_KEYS),
		v.check((value) => {
			const decoded = Buffer.from(value.replace(/=+$/, ''), 'base64url');
			return decoded.length === bytes && (firstByte === undefined || decoded[0] === firstByte);
		}, BAD_KEYS),
		v.transform((value) => value.replace(/=+$/, ''))
	);
}

export const subscriptionSchema = v.object({
	endpoint: v.pipe(v.string(BAD_ENDPOINT), v.maxLength(2048, BAD_ENDPOINT)),
	expirationTime: v.optional(v.nullable(v.number())),
	keys: v.object(
		{
			// An uncompressed P-256 point: 0x04, then x and y.
			p256dh: base64urlOf(65, 0x04),
			auth: base64urlOf(16)
		},
		BAD_KEYS
	)
});

/** What the subscribe route takes: the subscription, and the one it replaces (pushsubscriptionchange). */
export const subscribeSchema = v.object({
	subscription: v.object(subscriptionSchema.entries, UNREADABLE_SUBSCRIPTION),
	replaces: v.optional(v.pipe(v.string(), v.maxLength(2048)))
});

export const unsubscribeSchema = v.object({ endpoint: v.pipe(v.string(BAD_ENDPOINT), v.maxLength(2048, BAD_ENDPOINT)) });

/** Reads a JSON body against `schema`: not JSON, too large or the wrong shape is a refusal. */
export function parseJsonBody<S extends v.GenericSchema>(schema: S, text: string): v.InferOutput<S> {
	if (Buffer.byteLength(text) > MAX_SUBSCRIPTION_BYTES) throw new Refusal('too-large', TOO_LARGE_SUBSCRIPTION);
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		throw invalid(UNREADABLE_SUBSCRIPTION);
	}
	const result = v.safeParse(schema, body);
	if (!result.success) throw invalid(result.issues[0]?.message ?? UNREADABLE_SUBSCRIPTION);
	return result.output;
}

/**
 * Keeps the subscription for this session. The same endpoint already kept (this browser, perhaps
 * for someone else who signed in on it before) is moved to this session: a browser has one.
 */
export async function saveSubscription(
	db: Database,
	session: Pick<Session, 'id' | 'userId'>,
	input: v.InferOutput<typeof subscribeSchema>,
	{ allowLocal = false, now = Date.now() }: { allowLocal?: boolean; now?: number } = {}
): Promise<void> {
	const { endpoint, keys } = input.subscription;
	const problem = endpointProblem(endpoint, allowLocal);
	if (problem) throw invalid(problem, 'endpoint');
	await db.transaction().execute(async (trx) => {
		if (input.replaces && input.replaces !== endpoint) {
			await trx.deleteFrom('push_subscriptions').where('endpoint', '=', input.replaces).where('session_id', '=', session.id).execute();
		}
		await trx
			.insertInto('push_subscriptions')
			.values({ endpoint, session_id: session.id, user_id: session.userId, p256dh: keys.p256dh, auth: keys.auth, created_at: now })
			.onConflict((conflict) =>
				conflict.column('endpoint').doUpdateSet((eb) => ({
					session_id: eb.ref('excluded.session_id'),
					user_id: eb.ref('excluded.user_id'),
					p256dh: eb.ref('excluded.p256dh'),
					auth: eb.ref('excluded.auth'),
					created_at: eb.ref('excluded.created_at')
				}))
			)
			.execute();
	});
}

/** Forgets this session's subscription (turned off on this device). False if it was not kept. */
export async function removeSubscription(db: Database, sessionId: string, endpoint: string): Promise<boolean> {
	const result = await db.deleteFrom('push_subscriptions').where('endpoint', '=', endpoint).where('session_id', '=', sessionId).executeTakeFirst();
	return result.numDeletedRows > 0n;
}

/** The endpoints kept for this session (the account page tells "on" from "off" by them). */
export async function sessionEndpoints(db: Database, sessionId: string): Promise<string[]> {
	const rows = await db.selectFrom('push_subscriptions').select('endpoint').where('session_id', '=', sessionId).execute();
	return rows.map((row) => row.endpoint);
}

/** A push service said the subscription is gone (404 or 410): so is its row. */
export async function forgetEndpoint(db: Database, endpoint: string): Promise<void> {
	await db.deleteFrom('push_subscriptions').where('endpoint', '=', endpoint).execute();
}
