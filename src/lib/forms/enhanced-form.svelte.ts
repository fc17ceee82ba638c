// What every enhanced form shows while it is sent: "sending" (buttons wait), and whether the
// connection was lost or Hearth could not reach its database (nothing was saved either way; what
// was typed stays). Without JavaScript the form simply posts and the page shows the action's answer.
import type { ActionResult, SubmitFunction } from '@sveltejs/kit';
import { UNAVAILABLE_STATUS } from '$lib/unavailable';

interface EnhancedFormOptions {
	/** Empty the form after a success (default true). */
	reset?: boolean;
	/**
	 * When the server answers with an error status of its own (say a 429 thrown by the action),
	 * show its error page, as a post without JavaScript would; only a send that got no answer at
	 * all counts as `connectionLost`. Default false: every error counts as a lost connection.
	 * Either way a 503 (Hearth cannot reach its database) is `unavailable`, shown by the form.
	 */
	errorPage?: boolean;
	/**
	 * Instead of the default update after a success or failure: e.g. put a new item in the list
	 * at once. `update` is SvelteKit's own (applies the result, reruns loads).
	 */
	onResult?: (context: {
		result: Exclude<ActionResult, { type: 'error' }>;
		formElement: HTMLFormElement;
		update: (options?: { reset?: boolean }) => Promise<void>;
	}) => void | Promise<void>;
}

export class EnhancedForm {
	sending = $state(false);
	/** The last send never reached the server or got no answer: nothing was saved. */
	connectionLost = $state(false);
	/** The server answered 503: it could not reach its database, so nothing was saved… */
	unavailable = $state(false);
	/** …or it lost it while saving, so it may have been (the 503 says `unsure`). */
	unsure = $state(false);

	readonly #options: EnhancedFormOptions;

	constructor(options: EnhancedFormOptions = {}) {
		this.#options = options;
	}

	/** For `use:enhance={form.submit}`. */
	readonly submit: SubmitFunction = ({ formElement }) => {
		this.sending = true;
		this.connectionLost = false;
		this.unavailable = false;
		this.unsure = false;
		return async ({ result, update }) => {
			try {
				// Not applied: the page keeps what it shows, the form what was typed.
				if (result.type === 'error' && result.status === UNAVAILABLE_STATUS) {
					this.unavailable = true;
					this.unsure = (result.error as App.Error | undefined)?.unsure === true;
				} else if (result.type === 'error' && this.#options.errorPage && result.status) await update();
				else if (result.type === 'error') this.connectionLost = true;
				else if (this.#options.onResult) await this.#options.onResult({ result, formElement, update });
				else await update({ reset: result.type === 'success' && (this.#options.reset ?? true) });
			} finally {
				this.sending = false;
			}
		};
	};
}
