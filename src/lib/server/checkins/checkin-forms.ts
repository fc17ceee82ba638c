// The check-in forms as valibot schemas (see server/forms.ts), with Hearth's own messages. Each
// form's schema names every field it reads, so a failure gives back what was typed in each.
import * as v from 'valibot';
import {
	AUDIENCE_KINDS,
	CHECKIN_BODY_MAX,
	type AudienceKind,
	CRAVING_MAX,
	NEEDS,
	REACTIONS,
	REPLY_BODY_MAX,
	type Need,
	type ReactionKind
} from '$lib/checkins';
import { choice, clientKey, field, many, text } from '$lib/server/forms';

export const UNKNOWN_REACTION = 'That reaction isn’t one of the choices.';
export const BAD_CLIENT_KEY = 'We couldn’t tell whether this was sent already (its key isn’t right). Your words are kept: reload the page and send them again.';

const AUDIENCE_CHOICES = Object.keys(AUDIENCE_KINDS) as [AudienceKind, ...AudienceKind[]];
/** More chosen members than this is not a real choice (a circle is a family, not a crowd). */
const MAX_AUDIENCE = 200;
const MOOD_CHOICES = ['1', '2', '3', '4', '5'] as const;
const NEED_CHOICES = Object.keys(NEEDS) as [Need, ...Need[]];
const REACTION_CHOICES = Object.keys(REACTIONS) as [ReactionKind, ...ReactionKind[]];

/** What a person says in a check-in; the same fields for posting and for editing. */
const checkInEntries = {
	mood: v.pipe(choice(MOOD_CHOICES, 'Please choose how you’re feeling.'), v.transform(Number)),
	// Optional: '' is "I'd rather not say".
	craving: v.pipe(
		field(),
		v.check((value) => value === '' || (/^\d{1,2}$/.test(value) && Number(value) <= CRAVING_MAX), `Craving is a number from 0 to ${CRAVING_MAX}.`),
		v.transform((value) => (value === '' ? null : Number(value)))
	),
	// Optional: '' is no need in particular.
	need: v.pipe(
		choice(['', ...NEED_CHOICES], 'Please choose one of the options.'),
		v.transform((value) => (value === '' ? null : value))
	),
	body: text('your words', CHECKIN_BODY_MAX),
	// Who sees it (issue 20). Missing (an older page, a check-in queued before there was a choice)
	// is null: a new check-in is then for the whole circle, as before, and an edit keeps what it
	// was, never widening it. The members chosen are checked against the circle when it is written
	// (checkins/audience.ts), so nothing the form says is trusted.
	audience: v.pipe(
		field(),
		v.check((value) => value === '' || (AUDIENCE_CHOICES as readonly string[]).includes(value), 'Please choose who can see this.'),
		v.transform((value) => (value === '' ? null : (value as AudienceKind)))
	),
	audienceMembers: many(MAX_AUDIENCE, 'That’s more people than a circle has. Please choose again.')
};

export const checkInSchema = v.object(checkInEntries);

/** What a check-in says; the audience may be left out (see `audience` above). */
export type CheckInInput = Omit<v.InferOutput<typeof checkInSchema>, 'audience' | 'audienceMembers'> & {
	audience?: AudienceKind | null;
	audienceMembers?: string[];
};
export type CheckInField = keyof CheckInInput;

/** Posting a check-in: its words, and the key its sender's device made, to post it once (post-keys.ts). */
export const postCheckInSchema = v.object({ ...checkInEntries, clientKey: clientKey(BAD_CLIENT_KEY) });

export const editCheckInSchema = v.object({ checkinId: field(), ...checkInEntries });

/** Who sees a check-in, changed by its author at any time (checkins.ts changeCheckInAudience). */
export const checkInAudienceSchema = v.object({
	checkinId: field(),
	audience: choice(AUDIENCE_CHOICES, 'Please choose who can see this.'),
	audienceMembers: checkInEntries.audienceMembers
});

/** Removing a check-in: which one. */
export const checkInIdSchema = v.object({ checkinId: field() });

export const reactionSchema = v.object({ checkinId: field(), kind: choice(REACTION_CHOICES, UNKNOWN_REACTION) });

const replyBody = text('a reply', REPLY_BODY_MAX, { required: true, requiredMessage: 'Please write a few words first.' });

export const replySchema = v.object({ checkinId: field(), body: replyBody });

/** Posting a reply: which check-in, the words, and the key its sender's device made (post-keys.ts). */
export const postReplySchema = v.object({ ...replySchema.entries, clientKey: clientKey(BAD_CLIENT_KEY) });

export const editReplySchema = v.object({ replyId: field(), body: replyBody });

/** Removing a reply: which one. */
export const replyIdSchema = v.object({ replyId: field() });
