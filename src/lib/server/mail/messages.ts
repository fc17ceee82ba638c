// Every message Hearth sends. Plain and kind, a text part and a simple HTML part with the same
// words, and nothing in them but what the message is for: no names, nothing from any circle and
// nothing about anyone's health or recovery (a mailbox is often shared, or read over a shoulder,
// and mail servers keep copies), no images, no tracking, and no link but the one to act on.
import type { OutgoingMail } from './mailer';

/** How long a password reset link works. */
export const RESET_LINK_MINUTES = 30;
/** How long a link to confirm an address works. */
export const CONFIRM_LINK_HOURS = 24;

interface Action {
	/** What the button-like link says in the HTML part. */
	label: string;
	url: string;
}

const SIGN_OFF = '— Hearth';

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * One message from paragraphs, with the action's link after the first `linkAfter` of them. The
 * text part carries the address on a line of its own; the HTML part one link, with the same words.
 */
function compose(to: string, subject: string, paragraphs: string[], action?: Action & { after: number }): OutgoingMail {
	const text: string[] = ['Hello,', ''];
	const html: string[] = ['<p>Hello,</p>'];
	paragraphs.forEach((paragraph, index) => {
		text.push(paragraph, '');
		html.push(`<p>${escapeHtml(paragraph)}</p>`);
		if (action && index + 1 === action.after) {
			text.push(action.url, '');
			html.push(`<p><a href="${escapeHtml(action.url)}">${escapeHtml(action.label)}</a></p>`);
		}
	});
	text.push(SIGN_OFF, '');
	html.push(`<p>${escapeHtml(SIGN_OFF)}</p>`);
	return {
		to,
		subject,
		text: text.join('\n'),
		html: `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n<body>\n${html.join('\n')}\n</body>\n</html>\n`
	};
}

/** An address with most of its name hidden ("s…@example.org"), for a message to someone else's inbox. */
export function hintOfAddress(email: string): string {
	const at = email.lastIndexOf('@');
	if (at < 1) return '…';
	return `${email.slice(0, 1)}…${email.slice(at)}`;
}

/** The link to choose a new password, sent to the login email when someone asks for it on /forgot. */
export function passwordResetMessage(to: string, url: string): OutgoingMail {
	return compose(
		to,
		'Your Hearth password reset link',
		[
			'Someone asked to reset the password of the Hearth account that uses this email address. If it was you, follow this link to choose a new password:',
			`The link works once, within the next ${RESET_LINK_MINUTES} minutes. Choosing a new password logs the account out on every device, so you will log in again with the new one.`,
			'If you didn’t ask for this, you can ignore this email. Your password stays as it is.'
		],
		{ label: 'Choose a new password', url, after: 1 }
	);
}

/** The link that confirms an address: a new account's, or the one an account is changing to. */
export function confirmEmailMessage(to: string, url: string, kind: 'account' | 'change'): OutgoingMail {
	const first =
		kind === 'account'
			? 'This email address was given for an account on Hearth. To confirm that it is yours, follow this link:'
			: 'This email address was given as the new address of an account on Hearth. To confirm that it is yours and log in with it from now on, follow this link:';
	const until =
		kind === 'account'
			? `The link works within the next ${CONFIRM_LINK_HOURS} hours. Once the address is confirmed, Hearth can send you a link if you ever forget your password.`
			: `The link works within the next ${CONFIRM_LINK_HOURS} hours. Until then, the account keeps its old address.`;
	return compose(
		to,
		kind === 'account' ? 'Please confirm your email for Hearth' : 'Please confirm your new email for Hearth',
		[first, until, 'If you didn’t ask for this, you can ignore this email.'],
		{ label: 'Confirm this address', url, after: 1 }
	);
}

/** Told to the (confirmed) old address when someone signed in asks to move the account to another. */
export function emailChangeNotice(to: string, newEmail: string): OutgoingMail {
	return compose(to, 'The email of your Hearth account is being changed', [
		`Someone logged in to your Hearth account asked to use another email address for it (${hintOfAddress(newEmail)}). Until that address is confirmed, you still log in with this one.`,
		'If that was you, there is nothing more to do.',
		'If it wasn’t you, someone may know your password. Log in to Hearth, change your password on your account page, and log out of any device you don’t recognise there.'
	]);
}

/** Told to a (confirmed) address that already has an account, when another account asks to move to it. */
export function addressInUseNotice(to: string): OutgoingMail {
	return compose(to, 'Someone tried to use this email on Hearth', [
		'Someone logged in to another Hearth account asked to use this email address for it. This address already belongs to your account, so nothing was changed.',
		'If that was you, you may have two accounts: log in with this address to use this one.',
		'If it wasn’t you, you can ignore this email. Your account is as it was.'
	]);
}

/** How long the link that finishes a sign-up works. */
export const SIGNUP_LINK_HOURS = 24;

/** The link that finishes creating an account, sent to the address given at sign-up when it has none yet. */
export function finishSignUpMessage(to: string, url: string): OutgoingMail {
	return compose(
		to,
		'Finish creating your Hearth account',
		[
			'Someone asked to create a Hearth account with this email address. If it was you, follow this link to finish creating it:',
			`The link works once, within the next ${SIGNUP_LINK_HOURS} hours. Until you follow it, there is no account.`,
			'If you didn’t ask for this, you can ignore this email. Nothing will be made.'
		],
		{ label: 'Finish creating my account', url, after: 1 }
	);
}

/**
 * Told to an address that already has an account when someone signs up with it: nothing is made,
 * and the way back in if it was the owner who forgot. `forgotUrl` is the page to ask for a new password.
 */
export function signUpAddressTakenNotice(to: string, forgotUrl: string): OutgoingMail {
	return compose(
		to,
		'Someone tried to create a Hearth account with this email',
		[
			'Someone tried to create a Hearth account with this email address. This address already has an account, so nothing new was made.',
			'If it was you, you already have an account: log in with this address. If you don’t remember the password, you can choose a new one here:',
			'If it wasn’t you, you can ignore this email. Your account is as it was.'
		],
		{ label: 'Choose a new password', url: forgotUrl, after: 2 }
	);
}
