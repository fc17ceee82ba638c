// The circle's forms as valibot schemas (see server/forms.ts), with the circle's own messages.
import * as v from 'valibot';
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
import { characterCount, cleanText, field, hasControlCharacters, hasInvisibleCharacters, invisibleCharactersMessage } from '$lib/server/forms';

/**
 * Words a person gives the circle (a name, a label, a note): cleaned (one line, runs of spaces made
 * one, unless `multiline`), at most `max` characters, no control characters; `label` names it
 * in the messages ("the name": "Please keep the name to 80 characters or fewer."). A `name` (the
 * circle's, a member's relationship) has nothing in it that does not show on screen, so one
 * cannot be made to look like another.
 */
function words(
	label: string,
	max: number,
	{ requiredMessage, multiline = false, name = false }: { requiredMessage?: string; multiline?: boolean; name?: boolean } = {}
) {
	const Label = `${label[0]!.toUpperCase()}${label.slice(1)}`;
	return v.pipe(
		v.optional(v.string(), ''),
		v.transform((value) => (multiline ? cleanText(value) : cleanText(value).replace(/\s+/g, ' '))),
		v.check((value) => requiredMessage === undefined || value !== '', requiredMessage ?? ''),
		v.check((value) => characterCount(value) <= max, `Please keep ${label} to ${max} characters or fewer.`),
		v.check(
			(value) => !hasControlCharacters(multiline ? value.replace(/[\n\t]/g, '') : value),
			`${Label} has invisible control characters in it; please type it again.`
		),
		v.check((value) => !name || !hasInvisibleCharacters(value), invisibleCharactersMessage(Label)),
		v.metadata({ redisplay: max * 2 })
	);
}

export const circleSchema = v.object({
	name: words('the name', CIRCLE_NAME_MAX, { requiredMessage: 'Please give the circle a name.', name: true }),
	description: words('the description', CIRCLE_DESCRIPTION_MAX, { multiline: true }),
	/** Where the circle counts its days; the creator's browser fills it in (UTC without JavaScript). */
	timeZone: v.pipe(
		field(),
		v.transform((value) => (isTimeZone(value) ? value : 'UTC'))
	)
});

export type CircleField = keyof v.InferInput<typeof circleSchema>;
export interface CircleInput {
	name: string;
	description: string;
	/** Where the circle counts its days (UTC unless given). */
	timeZone?: string;
}

export const profileSchema = v.object({
	relationship: words('your relationship', RELATIONSHIP_MAX, { name: true }),
	// The checkbox sends "yes"; anything else is no.
	inRecovery: v.pipe(
		field(16),
		v.transform((value) => value === 'yes')
	)
});

export type ProfileField = keyof v.InferInput<typeof profileSchema>;
export type ProfileInput = v.InferOutput<typeof profileSchema>;

/** A whole number typed into a form (at most four digits); `fallback` when left empty. */
function wholeNumber(fallback: number, min: number, max: number, message: string) {
	return v.pipe(
		field(8),
		v.check((value) => value === '' || (/^\d{1,4}$/.test(value) && Number(value) >= min && Number(value) <= max), message),
		v.transform((value) => (value === '' ? fallback : Number(value)))
	);
}

export const inviteSchema = v.object({
	expiresInDays: wholeNumber(INVITE_DEFAULT_DAYS, 1, INVITE_MAX_DAYS, `Choose between 1 and ${INVITE_MAX_DAYS} days.`),
	maxUses: wholeNumber(INVITE_DEFAULT_USES, 1, INVITE_MAX_USES, `Choose between 1 and ${INVITE_MAX_USES} people.`),
	role: v.pipe(
		v.optional(v.string(), ''),
		v.transform((value) => value || 'member'),
		v.picklist(['member', 'admin'], 'Choose “Member” or “Admin”.'),
		v.metadata({ redisplay: 16 })
	),
	note: words('the note', INVITE_NOTE_MAX)
});

export type InviteField = keyof v.InferInput<typeof inviteSchema>;
export interface InviteInput {
	expiresInDays: number;
	maxUses: number;
	role: Exclude<CircleRole, 'owner'>;
	note: string;
}

/** A form about one other member (remove, make owner). */
export const memberSchema = v.object({ userId: field() });

/** Make someone an admin or a member again; which roles there are is the domain's rule. */
export const roleSchema = v.object({ userId: field(), role: field() });

export const revokeInviteSchema = v.object({ inviteId: field() });

export const timeZoneSchema = v.object({
	timeZone: v.pipe(
		field(),
		v.check((value) => isTimeZone(value), 'Please choose a time zone from the list.')
	)
});

/** Deleting a circle: its name, typed again (the domain compares it). */
export const deleteCircleSchema = v.object({ confirmName: field(200) });

/** A form with nothing in it but the button (leave the circle). */
export const noFields = v.object({});
