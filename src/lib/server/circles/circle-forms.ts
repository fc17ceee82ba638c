import {
	CIRCLE_DESCRIPTION_MAX,
	CIRCLE_NAME_MAX,
	INVITE_DEFAULT_DAYS,
	INVITE_DEFAULT_USES,
	INVITE_MAX_DAYS,
	INVITE_MAX_USES,
	INVITE_NOTE_MAX,
	RELATIONSHIP_MAX,
	type CircleRole
} from '$lib/circles';
import { isTimeZone } from '$lib/recovery-days';
import { characterCount, hasControlCharacters, keepForRedisplay, readText, type FieldErrors, type Parsed } from '$lib/server/validation';

/** A single line of text: trimmed, NFC, within `max` characters, with no control characters. */
function checkLine(value: string, { label, max, required }: { label: string; max: number; required: boolean }): string | undefined {
	if (!value) return required ? `Please give ${label}.` : undefined;
	if (characterCount(value) > max) return `Please keep ${label} to ${max} characters or fewer.`;
	if (hasControlCharacters(value)) return `${label[0]!.toUpperCase()}${label.slice(1)} has invisible control characters in it; please type it again.`;
	return undefined;
}

function readLine(form: FormData, name: string): string {
	return readText(form, name).normalize('NFC').replace(/\s+/g, ' ').trim();
}

export type CircleField = 'name' | 'description';
export interface CircleInput {
	name: string;
	description: string;
	/** Where the circle counts its days; the creator's browser fills it in (UTC without JavaScript). */
	timeZone?: string;
}

export function parseCircleForm(form: FormData): Parsed<CircleField, CircleInput> {
	const name = readLine(form, 'name');
	const description = readText(form, 'description').normalize('NFC').trim();
	const errors: FieldErrors<CircleField> = {};
	if (!name) errors.name = 'Please give the circle a name.';
	else errors.name = checkLine(name, { label: 'the name', max: CIRCLE_NAME_MAX, required: true });
	if (!errors.name) delete errors.name;
	if (characterCount(description) > CIRCLE_DESCRIPTION_MAX)
		errors.description = `Please keep the description to ${CIRCLE_DESCRIPTION_MAX} characters or fewer.`;
	else if (hasControlCharacters(description.replace(/[\r\n\t]/g, '')))
		errors.description = 'The description has invisible control characters in it; please type it again.';
	if (Object.keys(errors).length > 0) {
		return {
			ok: false,
			errors,
			values: { name: keepForRedisplay(name, CIRCLE_NAME_MAX), description: keepForRedisplay(description, CIRCLE_DESCRIPTION_MAX) }
		};
	}
	const timeZone = readText(form, 'timeZone').trim();
	return { ok: true, data: { name, description, timeZone: isTimeZone(timeZone) ? timeZone : 'UTC' } };
}

export type ProfileField = 'relationship' | 'inRecovery';
export interface ProfileInput {
	relationship: string;
	inRecovery: boolean;
}

export function parseProfileForm(form: FormData): Parsed<ProfileField, ProfileInput> {
	const relationship = readLine(form, 'relationship');
	const inRecovery = readText(form, 'inRecovery') === 'yes';
	const error = checkLine(relationship, { label: 'your relationship', max: RELATIONSHIP_MAX, required: false });
	if (error) {
		return {
			ok: false,
			errors: { relationship: error },
			values: { relationship: keepForRedisplay(relationship, RELATIONSHIP_MAX), inRecovery: inRecovery ? 'yes' : '' }
		};
	}
	return { ok: true, data: { relationship, inRecovery } };
}

export type InviteField = 'expiresInDays' | 'maxUses' | 'role' | 'note';
export interface InviteInput {
	expiresInDays: number;
	maxUses: number;
	role: Exclude<CircleRole, 'owner'>;
	note: string;
}

function readWholeNumber(form: FormData, name: string, fallback: number): number | null {
	const text = readText(form, name).trim();
	if (text === '') return fallback;
	return /^\d{1,4}$/.test(text) ? Number(text) : null;
}

export function parseInviteForm(form: FormData): Parsed<InviteField, InviteInput> {
	const expiresInDays = readWholeNumber(form, 'expiresInDays', INVITE_DEFAULT_DAYS);
	const maxUses = readWholeNumber(form, 'maxUses', INVITE_DEFAULT_USES);
	const roleText = readText(form, 'role') || 'member';
	const note = readLine(form, 'note');
	const errors: FieldErrors<InviteField> = {};
	if (expiresInDays === null || expiresInDays < 1 || expiresInDays > INVITE_MAX_DAYS) errors.expiresInDays = `Choose between 1 and ${INVITE_MAX_DAYS} days.`;
	if (maxUses === null || maxUses < 1 || maxUses > INVITE_MAX_USES) errors.maxUses = `Choose between 1 and ${INVITE_MAX_USES} people.`;
	if (roleText !== 'member' && roleText !== 'admin') errors.role = 'Choose “Member” or “Admin”.';
	const noteError = checkLine(note, { label: 'the note', max: INVITE_NOTE_MAX, required: false });
	if (noteError) errors.note = noteError;
	if (Object.keys(errors).length > 0) {
		return {
			ok: false,
			errors,
			values: {
				expiresInDays: keepForRedisplay(readText(form, 'expiresInDays'), 4),
				maxUses: keepForRedisplay(readText(form, 'maxUses'), 4),
				role: roleText === 'admin' ? 'admin' : 'member',
				note: keepForRedisplay(note, INVITE_NOTE_MAX)
			}
		};
	}
	return {
		ok: true,
		data: { expiresInDays: expiresInDays!, maxUses: maxUses!, role: roleText as 'member' | 'admin', note }
	};
}
