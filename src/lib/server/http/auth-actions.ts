// Sign-up and log-in as form actions, shared by /signup, /login and the invite page (/join), so
// every entrance checks input, throttles and sets the cookie the same way.
import { fail, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { clientAddress } from '$lib/server/forms';
import { describeWait } from '$lib/server/throttle';
import { readText, type FieldErrors } from '$lib/server/validation';
import { parseLogInForm, parseSignUpForm, type LogInField, type SignUpField } from '$lib/server/auth/account-forms';
import { INCORRECT_LOGIN, logIn, signUp } from '$lib/server/auth/accounts';
import { setSessionCookie } from '$lib/server/auth/cookies';
import type { SessionUser } from '$lib/server/auth/sessions';

type SignUpFailure = ActionFailure<{ form: 'signup'; errors: FieldErrors<SignUpField>; values: Partial<Record<SignUpField, string>> }>;
type LogInFailure = ActionFailure<{ form: 'login'; message?: string; errors?: FieldErrors<LogInField>; values: Partial<Record<LogInField, string>> }>;

function contextOf(event: RequestEvent) {
	return { address: clientAddress(event), userAgent: event.request.headers.get('user-agent') ?? '' };
}

/** Creates the account and signs this browser in, or says what to fix. */
export async function signUpWithForm(event: RequestEvent, form: FormData): Promise<{ user: SessionUser } | SignUpFailure> {
	const parsed = parseSignUpForm(form);
	if (!parsed.ok) return fail(400, { form: 'signup' as const, errors: parsed.errors, values: parsed.values });
	const result = await signUp(getDb(), parsed.data, contextOf(event));
	if (!result.ok) {
		return fail(400, {
			form: 'signup' as const,
			errors: { email: 'There is already an account with this email. Try logging in instead.' },
			values: { displayName: parsed.data.displayName, email: parsed.data.email }
		});
	}
	setSessionCookie(event.cookies, event.url, result.signedIn.token, result.signedIn.session.expiresAt);
	return { user: result.signedIn.user };
}

/** Checks the email and password and signs this browser in, or says why not (429 when throttled). */
export async function logInWithForm(event: RequestEvent, form: FormData): Promise<{ user: SessionUser } | LogInFailure> {
	const parsed = parseLogInForm(form);
	if (!parsed.ok) return fail(400, { form: 'login' as const, errors: parsed.errors, values: parsed.values });
	const result = await logIn(getDb(), parsed.data, contextOf(event));
	const values = { email: readText(form, 'email').trim().slice(0, 320) };
	if (!result.ok && result.reason === 'throttled') {
		event.setHeaders({ 'retry-after': String(Math.ceil(result.retryAfterMs / 1000)) });
		return fail(429, {
			form: 'login' as const,
			message: `Too many attempts to log in. For your safety, please wait ${describeWait(result.retryAfterMs)} and try again.`,
			values
		});
	}
	if (!result.ok) return fail(400, { form: 'login' as const, message: INCORRECT_LOGIN, values });
	setSessionCookie(event.cookies, event.url, result.signedIn.token, result.signedIn.session.expiresAt);
	return { user: result.signedIn.user };
}
