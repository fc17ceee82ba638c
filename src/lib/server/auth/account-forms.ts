import { characterCount, hasControlCharacters, keepForRedisplay, readText, type Parsed } from '$lib/server/validation';

export const DISPLAY_NAME_MAX = 80;
export const EMAIL_MAX = 254;
export const PASSWORD_MIN = 8;
// NIST 800-63B: allow at least 64; we allow more, and cap it so nobody can make us hash a novel.
export const PASSWORD_MAX = 256;

const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;

/** Emails are compared trimmed and lower-cased, so "Ana@X.org " and "ana@x.org" are one account. */
export function normaliseEmail(email: string): string {
	return email.trim().toLowerCase();
}

function checkEmail(raw: string): string | undefined {
	const email = normaliseEmail(raw);
	if (!email) return 'Please enter your email address.';
	if (characterCount(email) > EMAIL_MAX) return `An email address can be at most ${EMAIL_MAX} characters.`;
	if (hasControlCharacters(email) || !EMAIL_SHAPE.test(email)) {
		return 'That doesn’t look like an email address. It should look like name@example.com.';
	}
	return undefined;
}

function checkNewPassword(password: string): string | undefined {
	const length = characterCount(password);
	if (length === 0) return 'Please choose a password.';
	if (length < PASSWORD_MIN) return `Please use at least ${PASSWORD_MIN} characters (you have ${length}).`;
	if (length > PASSWORD_MAX) return `Please use at most ${PASSWORD_MAX} characters.`;
	return undefined;
}

export type SignUpField = 'displayName' | 'email' | 'password';
export interface SignUpInput {
	displayName: string;
	email: string;
	password: string;
}

export function parseSignUpForm(form: FormData): Parsed<SignUpField, SignUpInput> {
	const displayName = readText(form, 'displayName').normalize('NFC').trim();
	const rawEmail = readText(form, 'email');
	const password = readText(form, 'password');

	const errors: Partial<Record<SignUpField, string>> = {};
	if (!displayName) errors.displayName = 'Please tell us what to call you.';
	else if (characterCount(displayName) > DISPLAY_NAME_MAX) errors.displayName = `Please keep your name to ${DISPLAY_NAME_MAX} characters or fewer.`;
	else if (hasControlCharacters(displayName)) errors.displayName = 'Your name has invisible control characters in it; please type it again.';
	const emailError = checkEmail(rawEmail);
	if (emailError) errors.email = emailError;
	const passwordError = checkNewPassword(password);
	if (passwordError) errors.password = passwordError;

	if (Object.keys(errors).length > 0) {
		// The password is never sent back.
		return {
			ok: false,
			errors,
			values: {
				displayName: keepForRedisplay(displayName, DISPLAY_NAME_MAX),
				email: keepForRedisplay(rawEmail.trim(), EMAIL_MAX)
			}
		};
	}
	return { ok: true, data: { displayName, email: normaliseEmail(rawEmail), password } };
}

export type LogInField = 'email' | 'password';
export interface LogInInput {
	email: string;
	password: string;
}

export function parseLogInForm(form: FormData): Parsed<LogInField, LogInInput> {
	const rawEmail = readText(form, 'email');
	const password = readText(form, 'password');
	const errors: Partial<Record<LogInField, string>> = {};
	if (!rawEmail.trim()) errors.email = 'Please enter your email address.';
	else if (characterCount(rawEmail) > EMAIL_MAX * 2) errors.email = 'That email address is too long.';
	if (!password) errors.password = 'Please enter your password.';
	if (Object.keys(errors).length > 0) {
		return { ok: false, errors, values: { email: keepForRedisplay(rawEmail.trim(), EMAIL_MAX) } };
	}
	return { ok: true, data: { email: normaliseEmail(rawEmail), password } };
}

export type ChangePasswordField = 'currentPassword' | 'newPassword';
export interface ChangePasswordInput {
	currentPassword: string;
	newPassword: string;
}

export function parseChangePasswordForm(form: FormData): Parsed<ChangePasswordField, ChangePasswordInput> {
	const currentPassword = readText(form, 'currentPassword');
	const newPassword = readText(form, 'newPassword');
	const errors: Partial<Record<ChangePasswordField, string>> = {};
	if (!currentPassword) errors.currentPassword = 'Please enter your current password.';
	const newError = checkNewPassword(newPassword);
	if (newError) errors.newPassword = newError;
	if (Object.keys(errors).length > 0) return { ok: false, errors, values: {} };
	return { ok: true, data: { currentPassword, newPassword } };
}
