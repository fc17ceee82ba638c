// The one place a domain refusal becomes an HTTP answer: an error page for a load, a form failure
// (always the FormFailure shape, see forms.ts) for an action.
import { error, fail, isActionFailure, json, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import { isRefusal, REFUSAL_STATUS, type Refusal } from '$lib/server/refusal';
import { isCommitUnsure, isDatabaseUnavailable } from '$lib/server/db/unavailable';
import { databaseAway } from './guards';
import { parseForm, readFormData, type FieldOf, type FormFailure, type FormSchema, type FormValues } from '$lib/server/forms';
import type * as v from 'valibot';

/** The form failure for a refusal: next to its field when it names one, else for the whole form. */
export function refusalFailure(action: string, refusal: Refusal, values?: FormValues, extra: Record<string, unknown> = {}): ActionFailure<FormFailure> {
	const failure: FormFailure = refusal.field ? { action, errors: { [refusal.field]: refusal.message } } : { action, message: refusal.message };
	if (values) failure.values = values;
	return fail(REFUSAL_STATUS[refusal.reason], { ...failure, ...extra });
}

/** Runs a load (or any route code): a refusal becomes the error page with its status and words. */
export async function orError<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (caught) {
		if (isRefusal(caught)) error(REFUSAL_STATUS[caught.reason], caught.message);
		throw caught;
	}
}

/** A load whose refusals become error pages. */
export function refusalsAsErrors<E, T>(load: (event: E) => Promise<T>): (event: E) => Promise<T> {
	return (event) => orError(() => load(event));
}

interface FormActionOptions {
	/** More to send back with any failure, e.g. which item of a list the form was about. */
	extra?: Record<string, unknown>;
}

/**
 * One form action from start to end: read the body, check it against `schema`, and `run` the
 * domain command with the checked data. Every failure (unreadable body, a field's problem, the
 * domain's refusal) comes back as `{ action, message?, errors?, values }` with what was typed;
 * success as `{ action, ...result }`. A throttled refusal also sets Retry-After. A database that
 * cannot be reached is a 503 (hooks.server.ts adds Retry-After): the form says nothing was saved,
 * or that it may have been when the connection was lost during the COMMIT, and keeps what was
 * typed (EnhancedForm `unavailable`); it is never mistaken for a refusal or for a success.
 */
export async function formAction<S extends FormSchema, R extends object>(
	event: Pick<RequestEvent, 'request'> & Partial<Pick<RequestEvent, 'setHeaders' | 'locals'>>,
	action: string,
	schema: S,
	run: (data: v.InferOutput<S>, form: FormData) => Promise<R>,
	{ extra = {} }: FormActionOptions = {}
): Promise<({ action: string } & R) | ActionFailure<FormFailure<FieldOf<S>>>> {
	let form: FormData;
	try {
		form = await readFormData(event.request);
	} catch (caught) {
		if (isRefusal(caught)) return refusalFailure(action, caught, undefined, extra);
		throw caught;
	}
	const parsed = parseForm(schema, form);
	if (!parsed.ok) return fail(400, { action, errors: parsed.errors, values: parsed.values, ...extra });
	try {
		return { action, ...(await run(parsed.data, form)) };
	} catch (caught) {
		if (isDatabaseUnavailable(caught)) databaseAway(isCommitUnsure(caught), event.locals?.sent);
		if (!isRefusal(caught)) throw caught;
		// A refusal that asks to wait says for how long, as a 429 should.
		if (caught.retryAfterMs) event.setHeaders?.({ 'retry-after': String(Math.ceil(caught.retryAfterMs / 1000)) });
		return refusalFailure(action, caught, parsed.values, extra);
	}
}

/** Whether an action's answer is its failure: kit's isActionFailure, keeping the failure's own type. */
export function isFailure<T, F>(answer: T | ActionFailure<F>): answer is ActionFailure<F> {
	return isActionFailure(answer);
}

/** Runs a JSON endpoint: a refusal becomes `{ message, field? }` with its status (Retry-After when throttled). */
export async function jsonRefusals(work: () => Promise<Response>): Promise<Response> {
	try {
		return await work();
	} catch (caught) {
		if (!isRefusal(caught)) throw caught;
		const headers: Record<string, string> = caught.retryAfterMs ? { 'retry-after': String(Math.ceil(caught.retryAfterMs / 1000)) } : {};
		return json({ message: caught.message, ...(caught.field ? { field: caught.field } : {}) }, { status: REFUSAL_STATUS[caught.reason], headers });
	}
}
