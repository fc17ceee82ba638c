// The plan's forms as valibot schemas (see server/forms.ts), with Hearth's own words for every
// problem. What was typed comes back with any failure, next to its field.
import * as v from 'valibot';
import {
	FAMILY_SECTIONS,
	PERSONAL_SECTIONS,
	PERSONAL_SECTION_KEYS,
	PLAN_CHOSEN_MAX,
	PLAN_SECTION_MAX,
	PLAN_SUGGESTION_MAX,
	type FamilySections,
	type PersonalSections
} from '$lib/plans';
import { choice, field, text } from '$lib/server/forms';
import { CHOSEN_TWICE, TOO_MANY_CHOSEN, type FamilyPlanInput, type PersonalPlanInput } from './plans';

/** The version the writer was looking at (-1 when it is not a number, so it never matches). */
const baseVersion = v.pipe(
	field(16),
	v.transform((value) => (/^\d{1,6}$/.test(value) ? Number(value) : -1))
);

function sectionEntries<const S extends readonly { key: string; title: string }[]>(sections: S) {
	return Object.fromEntries(sections.map((section) => [section.key, text(`“${section.title}”`, PLAN_SECTION_MAX)])) as {
		[K in S[number]['key']]: ReturnType<typeof text>;
	};
}

/**
 * Members ticked from the circle (checkboxes sharing a name): every value sent, trimmed. One sent
 * twice or too many is refused here; whether they are in the circle is the domain's to check.
 */
const chosen = v.pipe(
	v.optional(v.array(v.string()), []),
	v.transform((values) => values.map((value) => value.trim()).filter((value) => value !== '')),
	v.check((values) => values.length <= PLAN_CHOSEN_MAX, TOO_MANY_CHOSEN),
	v.check((values) => new Set(values).size === values.length, CHOSEN_TWICE),
	v.metadata({ redisplay: 64, many: true })
);

export const personalPlanSchema = v.object({ ...sectionEntries(PERSONAL_SECTIONS), helperMembers: chosen, baseVersion });
export const familyPlanSchema = v.object({ ...sectionEntries(FAMILY_SECTIONS), carrierMembers: chosen, baseVersion });

export function personalSectionsOf(data: v.InferOutput<typeof personalPlanSchema>): PersonalPlanInput {
	return { ...(Object.fromEntries(PERSONAL_SECTIONS.map(({ key }) => [key, data[key]])) as PersonalSections), helperMembers: data.helperMembers };
}

export function familySectionsOf(data: v.InferOutput<typeof familyPlanSchema>): FamilyPlanInput {
	return { ...(Object.fromEntries(FAMILY_SECTIONS.map(({ key }) => [key, data[key]])) as FamilySections), carrierMembers: data.carrierMembers };
}

/** An addition someone suggests to a person's plan. */
export const suggestionSchema = v.object({
	ownerId: field(),
	section: choice(PERSONAL_SECTION_KEYS, 'Please choose the part of the plan it belongs in.'),
	body: text('your suggestion', PLAN_SUGGESTION_MAX, { required: true })
});

/** The person whose plan it is takes a suggestion in, or leaves it out. */
export const suggestionAnswerSchema = v.object({
	suggestionId: field(),
	answer: choice(['accept', 'decline'], 'Please choose “Add it to my plan” or “Leave it out”.')
});
