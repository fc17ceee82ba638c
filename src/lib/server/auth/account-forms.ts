// The account forms (sign up, log in, change password) as valibot schemas, read with parseForm
// (forms.ts). The messages are the account pages' own: kinder and more specific than the general
// text() piece's, so each field's rule is written out here. Passwords are never sent back (parseForm
// leaves out `password` and any `…Password` field).
import * as v from 'valibot';
import { characterCount, hasControlCharacters, hasInvisibleCharacters, invisibleCharactersMessage, yesNo } from '$lib/server/forms';

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

/** A field's rule as one check: the first problem with the value, in the person's words, or none. */
function rule(problemOf: (value: string) => string | undefined) {
	return v.rawCheck<string>(({ dataset, addIssue }) => {
		if (!dataset.typed) return;
		const problem = problemOf(dataset.value);
		if (problem) addIssue({ message: problem });
	});
}

/** A text field as sent: '' when missing (or when a file was sent instead of text). */
const sent = () => v.optional(v.string(), '');

function displayNameProblem(displayName: string): string | undefined {
	if (!displayName) return 'Please tell us what to call you.';
	if (characterCount(displayName) > DISPLAY_NAME_MAX) return `Please keep your name to ${DISPLAY_NAME_MAX} characters or fewer.`;
	if (hasControlCharacters(displayName)) return 'Your name has invisible control characters in it; please type it again.';
	// "Mo\u200Bm" would look exactly like "Mom": nobody should seem to be someone else.
	if (hasInvisibleCharacters(displayName)) return invisibleCharactersMessage('Your name');
	return undefined;
}

function newEmailProblem(email: string): string | undefined {
	if (!email) return 'Please enter your email address.';
	if (characterCount(email) > EMAIL_MAX) return `An email address can be at most ${EMAIL_MAX} characters.`;
	if (hasControlCharacters(email) || !EMAIL_SHAPE.test(email)) {
		return 'That doesn’t look like an email address. It should look like name@example.com.';
	}
	return undefined;
}

function newPasswordProblem(password: string): string | undefined {
	const length = characterCount(password);
	if (length === 0) return 'Please choose a password.';
	if (length < PASSWORD_MIN) return `Please use at least ${PASSWORD_MIN} characters (you have ${length}).`;
	if (length > PASSWORD_MAX) return `Please use at most ${PASSWORD_MAX} characters.`;
	return undefined;
}

function logInEmailProblem(email: string): string | undefined {
	if (!email.trim()) return 'Please enter your email address.';
	if (characterCount(email) > EMAIL_MAX * 2) return 'That email address is too long.';
	return undefined;
}

/**
 * The name people in a circle see: NFC, trimmed, at most 80 characters, nothing in it that does not
 * show on screen (emoji are welcome). For signing up and for changing it later.
 */
export const displayName = v.pipe(
	sent(),
	v.transform((value) => value.normalize('NFC').trim()),
	rule(displayNameProblem),
	v.metadata({ redisplay: DISPLAY_NAME_MAX * 2 })
);

/** A new account's email, normalised. */
const newEmail = v.pipe(sent(), v.transform(normaliseEmail), rule(newEmailProblem), v.metadata({ redisplay: EMAIL_MAX * 2 }));

/** The email to log in with: only its presence and a sane length are checked; normalised. */
const logInEmail = v.pipe(sent(), rule(logInEmailProblem), v.transform(normaliseEmail), v.metadata({ redisplay: EMAIL_MAX * 2 }));

/** A password being chosen: 8 to 256 characters, any characters, never changed. */
const newPassword = v.pipe(sent(), rule(newPasswordProblem));

/** A password being given (to log in, or to prove it is you): only needs to be there. */
const givenPassword = (message: string) =>
	v.pipe(
		sent(),
		v.check((value) => value.length > 0, message)
	);

export const signUpSchema = v.object({ displayName, email: newEmail, password: newPassword });
export const logInSchema = v.object({ email: logInEmail, password: givenPassword('Please enter your password.') });
/** The page a sign-up link opens asks for the password chosen when signing up (pending-signups.ts). */
export const finishSignUpSchema = v.object({ password: givenPassword('Please enter the password you chose when you signed up.') });
export const changePasswordSchema = v.object({
	currentPassword: givenPassword('Please enter your current password.'),
	newPassword
});

export type SignUpField = keyof typeof signUpSchema.entries;
export type SignUpInput = v.InferOutput<typeof signUpSchema>;
export type LogInField = keyof typeof logInSchema.entries;
export type LogInInput = v.InferOutput<typeof logInSchema>;
export type FinishSignUpField = keyof typeof finishSignUpSchema.entries;
export type ChangePasswordField = keyof typeof changePasswordSchema.entries;
export type ChangePasswordInput = v.InferOutput<typeof changePasswordSchema>;

// Email and profile (issue 16): forgot my password, choose a new one from the link, change my
// name or my email. The same pieces as signing up, so the same rules.
export const forgotPasswordSchema = v.object({ email: logInEmail });
export const resetPasswordSchema = v.object({ newPassword });
export const changeNameSchema = v.object({ displayName });
export const changeEmailSchema = v.object({
	newEmail,
	currentPassword: givenPassword('Please enter your current password.')
});

export type ForgotPasswordField = keyof typeof forgotPasswordSchema.entries;
export type ResetPasswordField = keyof typeof resetPasswordSchema.entries;
export type ChangeNameField = keyof typeof changeNameSchema.entries;
export type ChangeEmailField = keyof typeof changeEmailSchema.entries;
export type ChangeEmailInput = v.InferOutput<typeof changeEmailSchema>;

// Deleting the account asks for the password again (account/deletion.ts).
export const deleteAccountSchema = v.object({ password: givenPassword('Please enter your password to delete your account.') });

/** Kind-words help while writing: on or off for the whole account (every device). */
export const kindWordsHelpSchema = v.object({ kindWordsHelp: yesNo('Please choose whether to show gentler words while you write.') });
