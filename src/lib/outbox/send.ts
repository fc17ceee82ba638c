// Sending what waits in the outbox (issue 18, item 2): one sender at a time across tabs (Web Locks,
// or a lease row where they are missing), in the order written, each once. "Once" is the server's
// part: every post carries the key it was written with, and the server stores each key once
// (src/lib/server/checkins/post-keys.ts), so a post sent again after its answer was lost, or by two
// senders, is answered with the first one's result. No DOM use: a service worker can call flush().
import { parse } from 'devalue';
import type { CheckInView } from '$lib/checkins';
import { getPost, giveUpLease, listWaiting, ownerId, removePost, returnPost, takeLease, type OutboxPost } from './store';

/** What one post's sending came to. */
export type SendOutcome =
	/** The server has it (now, or from an earlier try whose answer was lost). */
	| { kind: 'sent'; post: OutboxPost; checkin: CheckInView | null }
	/** The server said no (4xx): it is kept as returned, with `message`, and not sent again. */
	| { kind: 'returned'; post: OutboxPost; message: string }
	/** No answer, or not now (offline, the server away, signed out, too many at once): try later. */
	| { kind: 'later'; post: OutboxPost; why: 'network' | 'unavailable' | 'signed-out' | 'throttled' };

export interface FlushResult {
	sent: Extract<SendOutcome, { kind: 'sent' }>[];
	returned: Extract<SendOutcome, { kind: 'returned' }>[];
	/** Why sending stopped with posts still waiting (null: nothing left to send, or another sender has it). */
	stopped: Extract<SendOutcome, { kind: 'later' }>['why'] | null;
}

export interface FlushOptions {
	/** Whose posts to send; by default the person the pages last said is signed in (store.ts setOwner). */
	userId?: string;
	/** The fetch to send with (a service worker's own, a test's). */
	fetch?: typeof fetch;
	/** Where the app is (a worker's registration scope); by default relative URLs. */
	origin?: string;
}

const LOCK = 'hearth-outbox-sender';
/** Long enough for one post to be sent; renewed before each. */
const LEASE_MS = 30_000;
const LEASE_WAIT_MS = 250;

export const NOT_SENT_GONE = 'You’re no longer in this circle (or it was deleted), so it wasn’t sent.';
export const REPLY_NOT_SENT_GONE =
	'The check-in it answers was removed or is no longer shared with you, or you’re no longer in this circle, so it wasn’t sent.';
const NOT_SENT = 'Hearth couldn’t take it, so it wasn’t sent.';

/** The words of the server's answer that say why it refused. */
function refusalMessage(post: OutboxPost, status: number, answer: Record<string, unknown> | null): string {
	if (status === 404) return post.kind === 'reply' ? REPLY_NOT_SENT_GONE : NOT_SENT_GONE;
	const message = typeof answer?.message === 'string' ? answer.message : null;
	const errors = answer?.errors && typeof answer.errors === 'object' ? Object.values(answer.errors as Record<string, unknown>) : [];
	const first = errors.find((error): error is string => typeof error === 'string');
	return message ?? first ?? NOT_SENT;
}

/** Sends one post as its form would (a SvelteKit form action answering in JSON) and says what came of it. */
export async function sendPost(post: OutboxPost, { fetch: send = fetch, origin = '' }: Pick<FlushOptions, 'fetch' | 'origin'> = {}): Promise<SendOutcome> {
	const action = post.kind === 'checkin' ? 'post' : 'reply';
	let response: Response;
	let text: string;
	try {
		response = await send(`${origin}/circles/${encodeURIComponent(post.circleId)}?/${action}`, {
			method: 'POST',
			headers: { accept: 'application/json', 'x-sveltekit-action': 'true', 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams(post.fields),
			credentials: 'same-origin',
			cache: 'no-store'
		});
		text = await response.text();
	} catch {
		return { kind: 'later', post, why: 'network' };
	}
	let result: { type?: string; status?: number; data?: string; error?: { message?: string }; location?: string };
	try {
		result = JSON.parse(text);
	} catch {
		// Not the app's answer (a proxy's page, a captive portal): as if nothing came back.
		return { kind: 'later', post, why: response.status >= 400 && response.status < 500 ? 'network' : 'unavailable' };
	}
	const data = (): Record<string, unknown> | null => {
		try {
			return typeof result.data === 'string' ? (parse(result.data) as Record<string, unknown>) : null;
		} catch {
			return null;
		}
	};
	if (result.type === 'success') {
		const answer = data();
		return { kind: 'sent', post, checkin: (answer?.checkin as CheckInView | undefined) ?? null };
	}
	if (result.type === 'redirect') return { kind: 'later', post, why: 'signed-out' };
	const status = result.status ?? response.status;
	if (status === 429) return { kind: 'later', post, why: 'throttled' };
	if (status >= 400 && status < 500) {
		const answer = result.type === 'failure' ? data() : ((result.error as Record<string, unknown> | undefined) ?? null);
		return { kind: 'returned', post, message: refusalMessage(post, status, answer) };
	}
	return { kind: 'later', post, why: 'unavailable' };
}

/**
 * Runs `work` as the only sender on this device: Web Locks where there are, else the lease row
 * (`renew` keeps it, before each post).
 */
async function asTheSender(work: (renew: () => Promise<boolean>) => Promise<void>): Promise<void> {
	const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
	if (locks) {
		await locks.request(LOCK, () => work(async () => true));
		return;
	}
	const holder = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
	const renew = () => takeLease(holder, LEASE_MS);
	// Another sender holds it: it sends what is waiting (this one's posts too), so this one need not.
	if (!(await renew())) {
		await new Promise((resolve) => setTimeout(resolve, LEASE_WAIT_MS));
		if (!(await renew())) return;
	}
	try {
		await work(renew);
	} finally {
		await giveUpLease(holder);
	}
}

/**
 * Sends what waits in the outbox, in the order written, each once, until it is empty or sending
 * has to wait (offline, the server away, signed out). A post the server refuses (4xx) is kept as
 * returned, not sent again. Safe to call often and from anywhere (pages, a service worker).
 */
export async function flush(options: FlushOptions = {}): Promise<FlushResult> {
	const result: FlushResult = { sent: [], returned: [], stopped: null };
	if (typeof indexedDB === 'undefined') return result;
	const userId = options.userId ?? (await ownerId());
	if (!userId) return result;
	await asTheSender(async (renew) => {
		const done = new Set<number>();
		for (;;) {
			if (!(await renew())) return;
			// Read again each time: another tab may have emptied the outbox (a log-out) meanwhile.
			const next = (await listWaiting({ userId })).find((post) => !done.has(post.id));
			if (!next) return;
			done.add(next.id);
			if (!(await getPost(next.id))) continue;
			const outcome = await sendPost(next, options);
			if (outcome.kind === 'later') {
				result.stopped = outcome.why;
				return;
			}
			if (outcome.kind === 'sent') {
				await removePost(next.id);
				result.sent.push(outcome);
			} else {
				await returnPost(next.id, outcome.message);
				result.returned.push(outcome);
			}
		}
	});
	return result;
}
