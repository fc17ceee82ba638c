import { fail, type ActionFailure } from '@sveltejs/kit';

export const UNREADABLE_FORM = 'We couldn’t read what was sent. Please try again.';
export const TOO_LARGE_FORM = 'That was more than we can take in one go. Please shorten it and try again.';

/**
 * The submitted form, or a failure to return as-is: a body that is too large or not a form
 * gets a plain message instead of an error page.
 */
export async function readForm(request: Request): Promise<{ form: FormData; failure?: never } | { form?: never; failure: ActionFailure<{ message: string }> }> {
	try {
		return { form: await request.formData() };
	} catch (error) {
		const status = (error as { status?: number } | null)?.status;
		if (status === 413) return { failure: fail(413, { message: TOO_LARGE_FORM }) };
		return { failure: fail(400, { message: UNREADABLE_FORM }) };
	}
}

/** What the requester's address is, for rate limits; never fails. */
export function clientAddress(event: { getClientAddress(): string }): string {
	try {
		return event.getClientAddress();
	} catch {
		return 'unknown';
	}
}
