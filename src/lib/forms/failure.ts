// The one shape every form action answers with when it could not do what was asked (see
// server/forms.ts), and how a page picks the answer meant for one of its forms.

export type FieldErrors<F extends string = string> = Partial<Record<F, string>>;
export type FormValues<F extends string = string> = Partial<Record<F, string>>;

export interface FormFailure<F extends string = string> {
	/** The action that answered: how a page with several forms knows which one this is about. */
	action: string;
	/** A problem with the whole form (shown under it). */
	message?: string;
	/** A problem per field (shown next to the field). */
	errors?: FieldErrors<F>;
	/** What was typed, to put back. */
	values?: FormValues<F>;
}

/** The page's `form` when it is `action`'s failure (optionally about one item: `key` = `id`). */
export function failureOf<F extends string = string>(form: unknown, action: string, item?: { key: string; id: string }): FormFailure<F> | null {
	if (!form || typeof form !== 'object') return null;
	const answer = form as Record<string, unknown>;
	if (answer.action !== action) return null;
	if (!('message' in answer) && !('errors' in answer)) return null;
	if (item && answer[item.key] !== item.id) return null;
	return answer as unknown as FormFailure<F>;
}

/** The page's `form` when it is `action`'s success. */
export function successOf<T extends object = Record<string, unknown>>(form: unknown, action: string): ({ action: string } & T) | null {
	if (!form || typeof form !== 'object') return null;
	const answer = form as Record<string, unknown>;
	if (answer.action !== action || 'message' in answer || 'errors' in answer) return null;
	return answer as { action: string } & T;
}
