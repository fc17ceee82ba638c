// The safety and overdose plan: its sections and words, shared by the server and the browser.
// A person in recovery's own plan follows the Stanley–Brown safety plan, in the order clinicians
// use; the family's overdose plan sits beside it (DOMAIN.md, "Plan for danger before it comes").
import type { PersonRef } from '$lib/agreements';

/** The most one section may hold (characters as a person counts them). */
export const PLAN_SECTION_MAX = 2000;
/** A suggested addition. */
export const PLAN_SUGGESTION_MAX = 1000;
/** Open suggestions waiting on one plan, at most: more would only bury the person in them. */
export const OPEN_SUGGESTIONS_LIMIT = 30;
/** Members chosen in one list, at most (anyone else can go in the words beside it). */
export const PLAN_CHOSEN_MAX = 50;

export const PERSONAL_SECTIONS = [
	{ key: 'warningSigns', title: 'My warning signs', hint: 'Thoughts, feelings, places or times that tell me a hard moment may be coming.' },
	{ key: 'onMyOwn', title: 'Things I can do on my own', hint: 'What helps me get through a craving or a bad hour by myself.' },
	{ key: 'distractions', title: 'People and places that take my mind off things', hint: 'Who I can be around, and where I can go.' },
	{ key: 'helpers', title: 'People I can ask for help', hint: 'Anyone else you can ask, with a phone number, or more about the people ticked above.' },
	{ key: 'professionals', title: 'Professionals and crisis lines', hint: 'My counselor, doctor or clinic, and local lines. 988 and 911 are always listed.' },
	{ key: 'saferSurroundings', title: 'Making things safer around me', hint: 'What I and the people around me can do to keep me safe.' }
] as const;

export const FAMILY_SECTIONS = [
	{ key: 'naloxoneWhere', title: 'Where the naloxone is kept', hint: 'For example: kitchen drawer by the sink; glove box of the blue car.' },
	{ key: 'carriers', title: 'Who in the circle carries naloxone', hint: 'Where each of them keeps it, and anyone not in the circle who carries it.' },
	{ key: 'localNotes', title: 'Notes for where we live', hint: 'The local emergency number if it is not 911, what the law here says about calling for help.' }
] as const;

export type PersonalSection = (typeof PERSONAL_SECTIONS)[number]['key'];
export type FamilySection = (typeof FAMILY_SECTIONS)[number]['key'];
export type PersonalSections = Record<PersonalSection, string>;
export type FamilySections = Record<FamilySection, string>;

/**
 * The members someone chose from the circle, kept beside a section's words: in a person's plan,
 * the people they can ask for help; in the family's, who carries naloxone. A version keeps them
 * as references (plans/plans.ts), and a page shows the ones who are in the circle now.
 */
export const CHOSEN_LISTS = {
	helperMembers: {
		section: 'helpers',
		legend: 'Who in this circle I can ask',
		hint: 'Tick anyone here you can ask for help. On the plan, their names link to their page.'
	},
	carrierMembers: { section: 'carriers', legend: 'Who in this circle carries it', hint: 'Tick everyone here who carries naloxone, you too if you do.' }
} as const;
export type ChosenList = keyof typeof CHOSEN_LISTS;

export const PERSONAL_SECTION_KEYS = PERSONAL_SECTIONS.map((section) => section.key) as [PersonalSection, ...PersonalSection[]];
export const FAMILY_SECTION_KEYS = FAMILY_SECTIONS.map((section) => section.key) as [FamilySection, ...FamilySection[]];

/** Lines always in the "Professionals and crisis lines" section, before the person's own. */
export const CRISIS_LINES = [
	{ name: '988 Suicide & Crisis Lifeline', detail: 'call or text 988', href: 'tel:988' },
	{ name: 'Emergency', detail: 'call 911', href: 'tel:911' }
] as const;

/** The steps in an overdose, in plain words, in order. */
export const OVERDOSE_STEPS = [
	'Call 911. Say the person is not breathing or won’t wake up, and give the address.',
	'Give naloxone (Narcan): one spray in one nostril.',
	'Rescue breathing: tilt the head back, pinch the nose, one breath every 5 seconds.',
	'Put them in the recovery position: on their side, top knee bent, head resting on the hand.',
	'Stay with them until help arrives. Naloxone wears off; the overdose can come back.',
	'If there is no response in 2–3 minutes, give a second dose of naloxone.'
] as const;

export const GOOD_SAMARITAN_NOTE =
	'Many US states have Good Samaritan laws that protect someone who calls for help in an overdose. Calling is always the right thing to do.';

export interface PlanVersionRef {
	number: number;
	/** null: a former member. */
	createdBy: PersonRef | null;
	suggestedBy: PersonRef | null;
	createdAt: number;
}

export interface PlanSuggestionView {
	id: string;
	section: PersonalSection;
	body: string;
	createdBy: PersonRef;
	createdAt: number;
}

/** Who was chosen from the circle, as the page shows it. */
export interface ChosenMembers {
	/** Those still in the circle, by name. */
	members: PersonRef[];
	/** How many others were chosen who are no longer in it: left out, never named. */
	former: number;
}

export interface FamilyPlanView {
	sections: FamilySections;
	/** Who in the circle carries naloxone, chosen from it (the words beside it are `sections.carriers`). */
	carriers: ChosenMembers;
	/** 0 before anything was written. */
	version: number;
	history: PlanVersionRef[];
}

export interface PersonalPlanView {
	owner: PersonRef;
	sections: PersonalSections;
	/** The people in the circle they can ask for help (the words beside it are `sections.helpers`). */
	helpers: ChosenMembers;
	version: number;
	history: PlanVersionRef[];
	suggestions: PlanSuggestionView[];
}

export interface PlansView {
	family: FamilyPlanView;
	/** Every person in recovery in the circle, the viewer first when they are one. */
	people: PersonalPlanView[];
	/** Everyone in the circle now, by name: whom a plan can choose. */
	members: PersonRef[];
}

export function emptyPersonal(): PersonalSections {
	return Object.fromEntries(PERSONAL_SECTION_KEYS.map((key) => [key, ''])) as PersonalSections;
}

export function emptyFamily(): FamilySections {
	return Object.fromEntries(FAMILY_SECTION_KEYS.map((key) => [key, ''])) as FamilySections;
}

export function sectionTitle(key: PersonalSection): string {
	return PERSONAL_SECTIONS.find((section) => section.key === key)!.title;
}

/** "Ana", "Ana and Bo", "Ana, Bo and Cy". */
function joined(names: string[]): string {
	return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * What a member writing on version `base` is told when newer versions arrived meanwhile, or null
 * when none did: who saved them and which parts differ from what the form started from. Their
 * words are never touched; the form keeps sending `base`, so the server refuses to save over the
 * newer version until they have been told (plan/+page.svelte).
 */
export function newerVersionsNotice(input: {
	history: PlanVersionRef[];
	base: number;
	me: string;
	/** Each part's words (and choices) as the form started, and as they are now. */
	before: Record<string, string>;
	after: Record<string, string>;
	titles: ReadonlyArray<{ key: string; title: string }>;
}): string | null {
	const newer = input.history.filter((version) => version.number > input.base);
	if (newer.length === 0) return null;
	const who = [
		...new Set(
			newer.map((version) => (version.createdBy === null ? 'a former member' : version.createdBy.id === input.me ? 'you' : version.createdBy.displayName))
		)
	];
	const names = joined(who);
	const changed = input.titles.filter(({ key }) => (input.before[key] ?? '') !== (input.after[key] ?? '')).map(({ title }) => `“${title}”`);
	const what = changed.length === 0 ? '' : `: ${joined(changed)} changed`;
	return `${names[0]!.toUpperCase()}${names.slice(1)} saved ${newer.length === 1 ? 'a new version' : 'new versions'} while you were writing${what}. Your words are still here; have a look at the plan above before you save yours.`;
}
