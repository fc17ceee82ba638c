import { describe, expect, it } from 'vitest';
import { DISPLAY_NAME_MAX, changePasswordSchema, logInSchema, signUpSchema } from '$lib/server/auth/account-forms';
import { parseForm } from '$lib/server/forms';

function formOf(fields: Record<string, string>): FormData {
	const form = new FormData();
	for (const [name, value] of Object.entries(fields)) form.set(name, value);
	return form;
}

const parseSignUpForm = (form: FormData) => parseForm(signUpSchema, form);
const parseLogInForm = (form: FormData) => parseForm(logInSchema, form);
const parseChangePasswordForm = (form: FormData) => parseForm(changePasswordSchema, form);

const valid = { displayName: 'Maria', email: 'maria@example.org', password: 'long enough words' };

describe('sign-up form', () => {
	it('accepts a valid form, trims the name and normalises the email', () => {
		const parsed = parseSignUpForm(formOf({ ...valid, displayName: '  Maria  ', email: '  Maria@Example.ORG ' }));
		expect(parsed).toEqual({
			ok: true,
			data: { displayName: 'Maria', email: 'maria@example.org', password: 'long enough words' },
			values: { displayName: '  Maria  ', email: '  Maria@Example.ORG ' }
		});
	});

	it('asks for every missing field, and never sends the password back', () => {
		const parsed = parseSignUpForm(new FormData());
		expect(parsed.ok).toBe(false);
		if (parsed.ok) return;
		expect(Object.keys(parsed.errors).sort()).toEqual(['displayName', 'email', 'password']);
		expect(parsed.values).not.toHaveProperty('password');
	});

	it('keeps what was typed when something else is wrong', () => {
		const parsed = parseSignUpForm(formOf({ ...valid, password: 'short' }));
		expect(parsed).toMatchObject({
			ok: false,
			errors: { password: expect.stringMatching(/at least 8 characters/) },
			values: { displayName: 'Maria', email: 'maria@example.org' }
		});
	});

	it('limits names to 80 characters, counting an emoji as one', () => {
		expect(parseSignUpForm(formOf({ ...valid, displayName: '🌱'.repeat(80) })).ok).toBe(true);
		const tooLong = parseSignUpForm(formOf({ ...valid, displayName: 'a'.repeat(300) }));
		expect(tooLong).toMatchObject({ ok: false, errors: { displayName: expect.stringMatching(/80 characters/) } });
	});

	it('counts a family emoji in a name as one character, as a person sees it', () => {
		const family = '👨‍👩‍👧‍👦'; // four people joined into one: 7 code points, 11 UTF-16 units
		expect(parseForm(signUpSchema, formOf({ ...valid, displayName: family.repeat(DISPLAY_NAME_MAX) }))).toMatchObject({
			ok: true,
			data: { displayName: family.repeat(DISPLAY_NAME_MAX) }
		});
		expect(parseForm(signUpSchema, formOf({ ...valid, displayName: family.repeat(DISPLAY_NAME_MAX + 1) }))).toMatchObject({
			ok: false,
			errors: { displayName: 'Please keep your name to 80 characters or fewer.' }
		});
		// Cut back for redisplay a whole family at a time, never in the middle of one.
		const cut = parseForm(signUpSchema, formOf({ ...valid, displayName: family.repeat(1000) }));
		expect(cut.values.displayName).toBe(family.repeat(2 * DISPLAY_NAME_MAX));
	});

	it('counts a password in characters as they are typed: eight emoji are eight', () => {
		expect(parseForm(signUpSchema, formOf({ ...valid, password: '👨‍👩‍👧‍👦'.repeat(7) }))).toMatchObject({
			ok: false,
			errors: { password: 'Please use at least 8 characters (you have 7).' }
		});
		expect(parseForm(signUpSchema, formOf({ ...valid, password: '👍🏽'.repeat(8) })).ok).toBe(true);
	});

	it('refuses control characters and direction overrides in a name', () => {
		for (const displayName of ['Ma\u0000ria', 'Ma\u0007ria', 'Ma\u202Eria']) {
			expect(parseSignUpForm(formOf({ ...valid, displayName })).ok).toBe(false);
		}
	});

	it('refuses a name with a character that does not show, so nobody can pass for someone else', () => {
		expect(parseSignUpForm(formOf({ ...valid, displayName: 'Mo\u200Bm' }))).toEqual({
			ok: false,
			errors: { displayName: 'Your name has a character in it that doesn’t show on screen (copied text sometimes brings one along); please type it again.' },
			values: { displayName: 'Mo\u200Bm', email: valid.email }
		});
		for (const displayName of ['Mom\u200C', 'Mo\uFEFFm', 'Mo\u00ADm', 'Mo\u2060m', 'Mo\u200Em', 'Mo\u2067m', 'Mo\u034Fm', 'Mo\u3164m', 'Mo\u200Dm']) {
			expect(parseSignUpForm(formOf({ ...valid, displayName })), JSON.stringify(displayName)).toMatchObject({
				ok: false,
				errors: { displayName: expect.stringMatching(/doesn’t show on screen|invisible control characters/) }
			});
		}
	});

	it('keeps emoji in a name, joined ones too', () => {
		for (const displayName of ['Mom 👨‍👩‍👧', '🏳️‍🌈 Sam', 'Ana 👩🏽‍💻', 'Dad ❤️', 'Ross 🏴󠁧󠁢󠁳󠁣󠁴󠁿']) {
			expect(parseSignUpForm(formOf({ ...valid, displayName }))).toMatchObject({ ok: true, data: { displayName } });
		}
	});

	it('takes HTML and SQL-looking names as plain text', () => {
		for (const displayName of ['<script>alert(1)</script>', "Robert'); DROP TABLE users;--"]) {
			const parsed = parseSignUpForm(formOf({ ...valid, displayName }));
			expect(parsed).toMatchObject({ ok: true, data: { displayName } });
		}
	});

	it('checks the email shape and its length', () => {
		for (const email of ['maria', 'maria@', '@example.org', 'maria@example', 'ma ria@example.org']) {
			expect(parseSignUpForm(formOf({ ...valid, email }))).toMatchObject({ ok: false, errors: { email: expect.any(String) } });
		}
		const long = `${'a'.repeat(250)}@example.org`;
		expect(parseSignUpForm(formOf({ ...valid, email: long }))).toMatchObject({
			ok: false,
			errors: { email: expect.stringMatching(/at most 254/) }
		});
	});

	it('follows NIST 800-63B for passwords: 8 or more, 64 and beyond allowed, any characters', () => {
		expect(parseSignUpForm(formOf({ ...valid, password: '1234567' })).ok).toBe(false);
		expect(parseSignUpForm(formOf({ ...valid, password: '12345678' })).ok).toBe(true);
		expect(parseSignUpForm(formOf({ ...valid, password: 'x'.repeat(64) })).ok).toBe(true);
		expect(parseSignUpForm(formOf({ ...valid, password: 'ÿ😀 ñ\t<>"\'ß'.repeat(10) })).ok).toBe(true);
		expect(parseSignUpForm(formOf({ ...valid, password: 'x'.repeat(256) })).ok).toBe(true);
		expect(parseSignUpForm(formOf({ ...valid, password: 'x'.repeat(257) })).ok).toBe(false);
	});

	it('cuts a huge echoed value down rather than sending it all back', () => {
		const parsed = parseSignUpForm(formOf({ ...valid, displayName: 'a'.repeat(100_000) }));
		expect(parsed.ok).toBe(false);
		if (parsed.ok) return;
		expect(parsed.values.displayName!.length).toBeLessThanOrEqual(160);
	});

	it('treats a file sent in place of text as missing', () => {
		const form = formOf(valid);
		form.set('displayName', new Blob(['x']), 'x.txt');
		expect(parseSignUpForm(form)).toMatchObject({ ok: false, errors: { displayName: expect.any(String) } });
	});
});

describe('log-in form', () => {
	it('normalises the email and asks for missing fields', () => {
		expect(parseLogInForm(formOf({ email: ' Ana@X.org ', password: 'p' }))).toEqual({
			ok: true,
			data: { email: 'ana@x.org', password: 'p' },
			values: { email: ' Ana@X.org ' }
		});
		expect(parseLogInForm(formOf({ email: '', password: '' }))).toMatchObject({
			ok: false,
			errors: { email: expect.any(String), password: expect.any(String) }
		});
	});
});

describe('passwords are never sent back', () => {
	const secret = 'correct horse battery staple';
	const cases = [
		['sign-up, with a name missing', () => parseForm(signUpSchema, formOf({ displayName: '', email: 'maria@example.org', password: secret }))],
		['sign-up, with a password too short', () => parseForm(signUpSchema, formOf({ ...valid, password: 'short' }))],
		['sign-up, accepted', () => parseForm(signUpSchema, formOf({ ...valid, password: secret }))],
		['log-in, with the email missing', () => parseForm(logInSchema, formOf({ email: '', password: secret }))],
		['log-in, accepted', () => parseForm(logInSchema, formOf({ email: 'maria@example.org', password: secret }))],
		['change-password, with the new one too short', () => parseForm(changePasswordSchema, formOf({ currentPassword: secret, newPassword: 'short' }))],
		['change-password, with the current one missing', () => parseForm(changePasswordSchema, formOf({ currentPassword: '', newPassword: secret }))]
	] as const;

	for (const [title, parse] of cases) {
		it(`in the values of ${title}`, () => {
			const parsed = parse();
			expect(Object.keys(parsed.values)).not.toContain('password');
			expect(Object.keys(parsed.values)).not.toContain('currentPassword');
			expect(Object.keys(parsed.values)).not.toContain('newPassword');
			expect(JSON.stringify(parsed.values)).not.toContain(secret);
			expect(JSON.stringify(parsed.values)).not.toContain('short');
		});
	}
});

describe('change-password form', () => {
	it('needs the current password and a valid new one', () => {
		expect(parseChangePasswordForm(formOf({ currentPassword: '', newPassword: 'short' }))).toMatchObject({
			ok: false,
			errors: { currentPassword: expect.any(String), newPassword: expect.any(String) }
		});
		expect(parseChangePasswordForm(formOf({ currentPassword: 'old', newPassword: 'new password' })).ok).toBe(true);
	});
});
