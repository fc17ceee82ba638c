// Sign-up and log-in as form actions, shared by /signup, /login and the invite page (/join), so
// every entrance checks input, throttles and sets the cookies the same way. Each answers like any
// form action (respond.ts): `{ action, ... }` when it worked, a FormFailure when it did not.
import type { ActionFailure, RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { clientAddress, type FormFailure } from '$lib/server/forms';
import { invalid, throttled } from '$lib/server/refusal';
import { describeWait } from '$lib/server/throttle';
import { finishSignUpSchema, logInSchema, signUpSchema, type FinishSignUpField, type LogInField, type SignUpField } from '$lib/server/auth/account-forms';
import { INCORRECT_LOGIN, logIn, signUp, type SignedIn } from '$lib/server/auth/accounts';
import { DEVICE_COOKIE, setDeviceCookie, setSessionCookie } from '$lib/server/auth/cookies';
import { finishSignUp, requestSignUp, tooManySignUpsForEmail } from '$lib/server/auth/pending-signups';
import { getMail } from '$lib/server/mail';
import { safeRedirectPath } from '$lib/server/auth/redirects';
import type { SessionUser } from '$lib/server/auth/sessions';
import { formAction } from './respond';

export const EMAIL_TAKEN = 'There is already an account with this email. Try logging in instead.';

export interface SignedInByForm {
	action: string;
	user: SessionUser;
	/** Where the form asked to go next (its `redirectTo` field), only ever a path on this site. */
	redirectTo: string;
}

/** Sign-up with email set up: the same answer whether or not the address has an account. */
export interface CheckYourEmail {
	action: string;
	/** The address (normalised) the link, or for an address with an account a notice, went to. */
	sentTo: string;
}

type RequestEventLike = Pick<RequestEvent, 'request' | 'cookies' | 'url' | 'getClientAddress' | 'setHeaders'>;

function contextOf(event: RequestEventLike) {
	return {
		address: clientAddress(event),
		userAgent: event.request.headers.get('user-agent') ?? '',
		deviceToken: event.cookies.get(DEVICE_COOKIE)
	};
}

/** Answers 429 with the message; formAction adds Retry-After (in seconds). */
function refuseForNow(message: string, retryAfterMs: number): never {
	throw throttled(message, retryAfterMs);
}

function enter(event: RequestEventLike, signedIn: SignedIn, redirectTo: string | null): Omit<SignedInByForm, 'action'> {
	setSessionCookie(event.cookies, event.url, signedIn.token, signedIn.session.expiresAt);
	setDeviceCookie(event.cookies, event.url, signedIn.device.token, signedIn.device.expiresAt);
	return { user: signedIn.user, redirectTo: safeRedirectPath(redirectTo) };
}

/** The form's `redirectTo` field, when it has one. */
function redirectField(form: FormData): string | null {
	const redirectTo = form.get('redirectTo');
	return typeof redirectTo === 'string' ? redirectTo : null;
}

export function tooManySignUpsMessage(retryAfterMs: number): string {
	return `Many new accounts were made from this internet connection in the last hour. To keep Hearth safe, please wait ${describeWait(retryAfterMs)} and try again.`;
}

/**
 * Without email: creates the account and signs this browser in, or says what to fix (the taken
 * email on its field: there is no other way to answer). With email: sends the address a link to
 * finish (or, when it has an account, a notice) and answers "check your email" either way, signed
 * in to nothing (pending-signups.ts). 429 with Retry-After when this address has made its
 * accounts for the hour, or this email was sent a few emails in the last minutes.
 * `redirectTo`: where to go once signed in, when not the form's own field (an invite page).
 */
export function signUpWithForm(
	event: RequestEventLike,
	action = 'signup',
	options: { redirectTo?: string } = {}
): Promise<SignedInByForm | CheckYourEmail | ActionFailure<FormFailure<SignUpField>>> {
	return formAction(event, action, signUpSchema, async (data, form) => {
		const redirectTo = options.redirectTo ?? redirectField(form);
		const mail = getMail();
		if (mail) {
			const request = await requestSignUp(getDb(), mail, { ...data, redirectTo: safeRedirectPath(redirectTo) }, contextOf(event));
			if (!request.ok) {
				const message = request.limit === 'address' ? tooManySignUpsMessage(request.retryAfterMs) : tooManySignUpsForEmail(data.email, request.retryAfterMs);
				refuseForNow(message, request.retryAfterMs);
			}
			return { sentTo: data.email };
		}
		const result = await signUp(getDb(), data, contextOf(event));
		if (!result.ok && result.reason === 'throttled') refuseForNow(tooManySignUpsMessage(result.retryAfterMs), result.retryAfterMs);
		if (!result.ok) throw invalid(EMAIL_TAKEN, 'email');
		return enter(event, result.signedIn, redirectTo);
	});
}

/** Whether sign-up answered "check your email" (email set up) rather than signing in. */
export function isCheckYourEmail(answer: SignedInByForm | CheckYourEmail): answer is CheckYourEmail {
	return 'sentTo' in answer;
}

/**
 * The form on the page a sign-up link opens: with the password chosen when signing up, makes the
 * account and signs this browser in, and says where to go next (where the person was going when
 * they signed up); or says why not: the password on its field (the link still works), 429 with
 * Retry-After when the link's tries are spent, 404 or 409 when the link no longer works.
 */
export function finishSignUpWithForm(event: RequestEventLike, token: string): Promise<SignedInByForm | ActionFailure<FormFailure<FinishSignUpField>>> {
	return formAction(event, 'finish', finishSignUpSchema, async ({ password }) => {
		const finished = await finishSignUp(getDb(), token, password, contextOf(event));
		return enter(event, finished.signedIn, finished.redirectTo);
	});
}

/**
 * On a browser the account has not signed in on, the limit may have been filled by someone else
 * (the same words whether or not the email has an account): a device used before is not held up.
 */
export function tooManyLogInsMessage(retryAfterMs: number, knownDevice: boolean): string {
	const wait = `Too many attempts to log in. For your safety, please wait ${describeWait(retryAfterMs)} and try again`;
	return knownDevice ? `${wait}.` : `${wait}, or log in on a phone or computer you’ve used with Hearth before.`;
}

/**
 * Checks the email and password and signs this browser in, or says why not: the same words for a
 * wrong email and a wrong password; 429 with Retry-After when there were too many attempts.
 */
export function logInWithForm(event: RequestEventLike, action = 'login'): Promise<SignedInByForm | ActionFailure<FormFailure<LogInField>>> {
	return formAction(event, action, logInSchema, async (data, form) => {
		const result = await logIn(getDb(), data, contextOf(event));
		if (!result.ok && result.reason === 'throttled') {
			refuseForNow(tooManyLogInsMessage(result.retryAfterMs, result.knownDevice), result.retryAfterMs);
		}
		if (!result.ok) throw invalid(INCORRECT_LOGIN);
		return enter(event, result.signedIn, redirectField(form));
	});
}
