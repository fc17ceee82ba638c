// Sign-up and log-in as form actions, shared by /signup, /login and the invite page (/join), so
// every entrance checks input, throttles and sets the cookies the same way. Each answers like any
// form action (respond.ts): `{ action, ... }` when it worked, a FormFailure when it did not.
import type { ActionFailure, RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { clientAddress, type FormFailure } from '$lib/server/forms';
import { invalid, throttled } from '$lib/server/refusal';
import { describeWait } from '$lib/server/throttle';
import { logInSchema, signUpSchema, type LogInField, type SignUpField } from '$lib/server/auth/account-forms';
import { INCORRECT_LOGIN, logIn, signUp, type SignedIn } from '$lib/server/auth/accounts';
import { DEVICE_COOKIE, setDeviceCookie, setSessionCookie } from '$lib/server/auth/cookies';
import { sendAccountConfirmation } from '$lib/server/auth/email-confirmation';
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

type RequestEventLike = Pick<RequestEvent, 'request' | 'cookies' | 'url' | 'getClientAddress' | 'setHeaders'>;

function contextOf(event: RequestEventLike) {
	return {
		address: clientAddress(event),
		userAgent: event.request.headers.get('user-agent') ?? '',
		deviceToken: event.cookies.get(DEVICE_COOKIE)
	};
}

/** Answers 429 with Retry-After (in seconds) and the message. */
function refuseForNow(event: RequestEventLike, message: string, retryAfterMs: number): never {
	event.setHeaders({ 'retry-after': String(Math.ceil(retryAfterMs / 1000)) });
	throw throttled(message, retryAfterMs);
}

function enter(event: RequestEventLike, { signedIn }: { signedIn: SignedIn }, form: FormData): Omit<SignedInByForm, 'action'> {
	setSessionCookie(event.cookies, event.url, signedIn.token, signedIn.session.expiresAt);
	setDeviceCookie(event.cookies, event.url, signedIn.device.token, signedIn.device.expiresAt);
	const redirectTo = form.get('redirectTo');
	return { user: signedIn.user, redirectTo: safeRedirectPath(typeof redirectTo === 'string' ? redirectTo : null) };
}

export function tooManySignUpsMessage(retryAfterMs: number): string {
	return `Many new accounts were made from this internet connection in the last hour. To keep Hearth safe, please wait ${describeWait(retryAfterMs)} and try again.`;
}

/**
 * Creates the account and signs this browser in, or says what to fix (the taken email on its
 * field); 429 with Retry-After when this address has made its accounts for the hour.
 */
export function signUpWithForm(event: RequestEventLike, action = 'signup'): Promise<SignedInByForm | ActionFailure<FormFailure<SignUpField>>> {
	return formAction(event, action, signUpSchema, async (data, form) => {
		const result = await signUp(getDb(), data, contextOf(event));
		if (!result.ok && result.reason === 'throttled') refuseForNow(event, tooManySignUpsMessage(result.retryAfterMs), result.retryAfterMs);
		if (!result.ok) throw invalid(EMAIL_TAKEN, 'email');
		// With email set up, the new address gets its confirmation link (sent in the background).
		const mail = getMail();
		if (mail) await sendAccountConfirmation(getDb(), mail, result.signedIn.user);
		return enter(event, result, form);
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
			refuseForNow(event, tooManyLogInsMessage(result.retryAfterMs, result.knownDevice), result.retryAfterMs);
		}
		if (!result.ok) throw invalid(INCORRECT_LOGIN);
		return enter(event, result, form);
	});
}
