// The version a form's words are based on, for a form whose page is reloaded live (the safety
// plan, issue 20). Its fields are uncontrolled, so what someone typed stays while the page's data
// moves on under them; the version it sends must stay too: from the first keystroke it is the one
// the words started from, not the newest the page has heard of. Saved over a newer version, the
// server then refuses (and says who saved it) rather than quietly overwriting their words.
// Without JavaScript the page is not reloaded under the form, so the version it was served with is right.

export interface Written {
	/** The version the page shows now. */
	version: number;
	/** Each part's words (and choices) in it, to tell what changed. */
	parts: Record<string, string>;
}

export class WritingBase {
	#frozen = $state<Written | null>(null);
	readonly #current: () => Written;

	/** `current`: the version the page shows now (read live). */
	constructor(current: () => Written) {
		this.#current = current;
	}

	/** What the form sends as its base version. */
	get version(): number {
		return this.#frozen?.version ?? this.#current().version;
	}

	/** The version the words started from, while someone is writing; null before. */
	get startedFrom(): Written | null {
		return this.#frozen;
	}

	/** For the form's input events: the first one fixes the version the words are based on. */
	readonly started = (): void => {
		if (this.#frozen) return;
		const current = this.#current();
		this.#frozen = { version: current.version, parts: { ...current.parts } };
	};

	/**
	 * The member has been told that a newer version came while they were writing (the server
	 * refused to save over it): what they save now is based on the one they were told of.
	 */
	rebase(): void {
		const current = this.#current();
		this.#frozen = { version: current.version, parts: { ...current.parts } };
	}

	/** Saved: the form starts again from the page (its fields are reset to it). */
	release(): void {
		this.#frozen = null;
	}
}
