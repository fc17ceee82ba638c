// The outbox as the pages see it (issue 18, item 2): what waits to be sent and what came back, kept
// current across tabs; sending when the connection returns (the socket reconnects, the browser says
// it is online, a page opens, and now and then while something waits); emptied when nobody (or
// someone else) is signed in here. The root layout owns one (setOutbox); forms use outboxSubmit.
import { getContext, setContext } from 'svelte';
import type { SubmitFunction } from '@sveltejs/kit';
import type { CheckInView } from '$lib/checkins';
import type { EnhancedForm } from '$lib/forms/enhanced-form.svelte';
import { askForBackgroundSync } from './background-sync';
import { flush } from './send';
import {
	emptyOutbox,
	keepPost,
	listPosts,
	OUTBOX_CHANNEL,
	outboxAvailable,
	removePost,
	returnPost,
	setOwner,
	type NewOutboxPost,
	type OutboxPost
} from './store';

/** How long to wait before trying again while something waits, doubling up to the last. */
const RETRY_MS = [5_000, 10_000, 30_000, 60_000, 120_000];

type Delivered = (post: OutboxPost, checkin: CheckInView | null) => void;

export class Outbox {
	/** The signed-in person's posts on this device, in the order written: waiting and returned. */
	posts = $state<OutboxPost[]>([]);
	/** Said once, after posts were taken off the device because nobody (or someone else) is signed in. */
	removedNotice = $state<string | null>(null);

	/** undefined: not told yet. */
	#userId: string | null | undefined = undefined;
	#channel: BroadcastChannel | null = null;
	#flushing: Promise<void> | null = null;
	#again = false;
	#retry: ReturnType<typeof setTimeout> | undefined;
	#retries = 0;
	// Subscribers, not state: nothing renders from this set.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #delivered = new Set<Delivered>();

	readonly waiting = $derived(this.posts.filter((post) => post.state === 'waiting'));
	readonly returned = $derived(this.posts.filter((post) => post.state === 'returned'));

	/** Starts listening (browser only); returns the clean-up. */
	start(): () => void {
		if (!outboxAvailable()) return () => {};
		const online = () => this.send();
		window.addEventListener('online', online);
		if (typeof BroadcastChannel !== 'undefined') {
			this.#channel = new BroadcastChannel(OUTBOX_CHANNEL);
			this.#channel.onmessage = () => void this.refresh();
		}
		return () => {
			window.removeEventListener('online', online);
			this.#channel?.close();
			this.#channel = null;
			clearTimeout(this.#retry);
		};
	}

	/**
	 * Who is signed in here now (null: nobody). Posts of anyone else are taken off the device, and
	 * the page says so; then what waits is sent.
	 */
	async signedIn(userId: string | null): Promise<void> {
		if (!outboxAvailable() || userId === this.#userId) return;
		this.#userId = userId;
		try {
			const removed = await emptyOutbox((post) => post.userId !== userId);
			await setOwner(userId);
			const waiting = removed.filter((post) => post.state === 'waiting').length;
			if (waiting > 0) {
				this.removedNotice =
					userId === null
						? `You’re logged out, so ${waiting === 1 ? 'the post that was' : `the ${waiting} posts that were`} waiting to send on this device ${waiting === 1 ? 'was' : 'were'} removed. ${waiting === 1 ? 'It was' : 'They were'} not sent.`
						: `Posts that were waiting to send on this device for another account were removed. They were not sent.`;
			}
			await this.refresh();
			if (userId) this.send();
		} catch {
			// No outbox on this device (a private window may refuse IndexedDB): forms work as before.
		}
	}

	/** Reads the outbox again (another tab or the service worker changed it). */
	async refresh(): Promise<void> {
		const userId = this.#userId;
		this.posts = userId ? await listPosts({ userId }) : [];
	}

	/** Keeps a post that could not be sent; false when this device cannot keep it. */
	async keep(post: NewOutboxPost): Promise<boolean> {
		if (!outboxAvailable() || post.userId !== this.#userId) return false;
		try {
			await keepPost(post);
		} catch {
			return false;
		}
		await this.refresh();
		this.#retries = 0;
		if (typeof navigator === 'undefined' || navigator.onLine) this.#schedule();
		void askForBackgroundSync();
		return true;
	}

	/** Sends what is waiting now (one sender at a time across tabs: send.ts). */
	send(): void {
		if (!this.#userId) return;
		if (this.#flushing) {
			this.#again = true;
			return;
		}
		clearTimeout(this.#retry);
		this.#flushing = this.#flushOnce().finally(() => {
			this.#flushing = null;
			if (this.#again) {
				this.#again = false;
				this.send();
			}
		});
	}

	async #flushOnce(): Promise<void> {
		const userId = this.#userId;
		if (!userId) return;
		try {
			const result = await flush({ userId });
			for (const { post, checkin } of result.sent) for (const listener of this.#delivered) listener(post, checkin);
			await this.refresh();
			if (result.stopped && this.waiting.length > 0) this.#schedule();
			else this.#retries = 0;
		} catch {
			this.#schedule();
		}
	}

	#schedule(): void {
		clearTimeout(this.#retry);
		const wait = RETRY_MS[Math.min(this.#retries, RETRY_MS.length - 1)]!;
		this.#retries += 1;
		this.#retry = setTimeout(() => this.send(), wait);
	}

	/** Sends again whenever the socket (re)connects; returns the clean-up. */
	watch(socket: { on(event: 'connect', listener: () => void): unknown; off(event: 'connect', listener: () => void): unknown }): () => void {
		const connected = () => this.send();
		socket.on('connect', connected);
		return () => socket.off('connect', connected);
	}

	/** Called with each post the server took (and the check-in as it now is), in this tab. */
	onDelivered(listener: Delivered): () => void {
		this.#delivered.add(listener);
		return () => this.#delivered.delete(listener);
	}

	/** The person has seen a returned post's words. */
	async dismiss(id: number): Promise<void> {
		await removePost(id);
		await this.refresh();
	}

	/**
	 * The person is no longer in these circles (left, removed, deleted): what waits for them is not
	 * sent, and is shown with its words instead.
	 */
	async notInCircles(isGone: (circleId: string) => boolean, message: string): Promise<void> {
		for (const post of this.waiting) if (isGone(post.circleId)) await returnPost(post.id, message);
		await this.refresh();
	}
}

const CONTEXT_KEY = Symbol('outbox');

export function setOutbox(outbox: Outbox): void {
	setContext(CONTEXT_KEY, outbox);
}

/** The page's outbox (null outside the app's layout, e.g. in a component test). */
export function useOutbox(): Outbox | null {
	return getContext<Outbox | undefined>(CONTEXT_KEY) ?? null;
}

interface OutboxSubmitOptions {
	outbox: Outbox | null;
	/** The form's enhanced sending (its "sending", "connection lost", "unavailable"). */
	form: EnhancedForm;
	/** What to keep of this send, if it has to wait (null: it cannot wait, e.g. no one signed in). */
	describe: (formData: FormData) => NewOutboxPost | null;
	/** It is kept on the device: empty the form, make a new key, say so. */
	kept: (formElement: HTMLFormElement) => void;
}

/**
 * A post form's `use:enhance`: sent as usual, but kept in the outbox (and sent later) when it
 * cannot reach the server: offline, no answer at all, or older posts still waiting (the order
 * written is kept). An answer from the server (a success, a refusal, a 503) is handled as before
 * by `form`. If the outbox cannot keep it, the form says the connection was lost and keeps the words.
 */
export function outboxSubmit({ outbox, form, describe, kept }: OutboxSubmitOptions): SubmitFunction {
	const keep = async (formData: FormData, formElement: HTMLFormElement): Promise<boolean> => {
		const post = describe(formData);
		if (!outbox || !post || !(await outbox.keep(post))) return false;
		kept(formElement);
		return true;
	};
	return (input) => {
		const waitsBehind = (outbox?.waiting.length ?? 0) > 0;
		const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
		if (outbox && (offline || waitsBehind)) {
			input.cancel();
			form.sending = true;
			void keep(input.formData, input.formElement).then((ok) => {
				form.sending = false;
				form.connectionLost = !ok;
				if (ok && !offline) outbox.send();
			});
			return;
		}
		type Callback = Exclude<Awaited<ReturnType<SubmitFunction>>, void>;
		// EnhancedForm's submit answers with its callback at once.
		const sent = form.submit(input) as Callback;
		return async (answer) => {
			// No answer at all (no status): the network, not the server.
			if (answer.result.type === 'error' && answer.result.status === undefined && (await keep(answer.formData, answer.formElement))) {
				form.sending = false;
				return;
			}
			return sent(answer);
		};
	};
}
