// The shared safety and overdose plan (issue 20, item 1). One family overdose plan per circle,
// which any member may change, and one safety plan per person in recovery, which only they
// change; others suggest additions, which the person accepts or declines. Every change is a new
// version (plan_versions is append-only, migration 0021), kept with who made it and when.
// Commands check permission, write in one transaction under the circle's lock with the circle's
// event, and publish it once committed; a refusal rolls back whatever was written before it.
//
// Members chosen from the circle (the people a person can ask for help; who carries naloxone) are
// kept in a version as references, never as account ids: a reference is a digest of the circle's
// and the member's ids (memberRef), so it names nobody by itself. Reading matches the references
// against who is in the circle now: someone who left is left out, and once an account is deleted
// nothing anywhere holds the id it was made from, so the append-only history names nobody.
import { createHash } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { lockCircleFor, requireCan, type CircleAccess, type CircleAction } from '$lib/server/circles/access';
import { appendCircleEvent } from '$lib/server/circles/events';
import { isUniqueViolation } from '$lib/server/db/errors';
import { isRowId, newId } from '$lib/server/ids';
import { characterCount } from '$lib/server/forms';
import { conflict, forbidden, invalid, notFound } from '$lib/server/refusal';
import { publishCircleEvents } from '$lib/server/realtime/publish';
import type { CircleEvent } from '$lib/realtime/events';
import type { PersonRef } from '$lib/agreements';
import {
	FAMILY_SECTION_KEYS,
	OPEN_SUGGESTIONS_LIMIT,
	PLAN_CHOSEN_MAX,
	PLAN_SECTION_MAX,
	PERSONAL_SECTION_KEYS,
	emptyFamily,
	emptyPersonal,
	type ChosenList,
	type ChosenMembers,
	type FamilySections,
	type PersonalPlanView,
	type PersonalSection,
	type PersonalSections,
	type PlanSuggestionView,
	type PlanVersionRef,
	type PlansView
} from '$lib/plans';

type Reader = Database | Transaction<DB>;

const STILL_HERE = 'Your words are still here: have a look at the plan above, then save again to put yours in its place.';
/**
 * A save made on an older version than the newest: who saved the `count` versions that came
 * since (`self`: the writer did, elsewhere); null when there is nobody to name.
 */
export function changedMeanwhile(who: { self: boolean; names: string[]; count: number } | null): string {
	const many = (who?.count ?? 1) > 1;
	if (who?.self && who.names.length === 0) {
		return `You saved ${many ? 'newer versions' : 'a newer version'} while writing this (on another page or device, or by adding a suggestion), so this one isn’t saved yet. ${STILL_HERE}`;
	}
	const names = who && who.names.length > 0 ? [...who.names, ...(who.self ? ['you'] : [])] : ['Someone'];
	const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
	return `${list} saved ${many ? 'new versions' : 'a new version'} while you were writing, so yours isn’t saved yet. ${STILL_HERE}`;
}
/** When the newest version was taken by a writer that skipped the lock (never in practice). */
export const CHANGED_MEANWHILE = changedMeanwhile(null);
export const CHOSEN_NOT_HERE = 'Someone you chose isn’t in this circle. Please choose again.';
export const CHOSEN_TWICE = 'Someone was chosen twice. Please choose again.';
export const CHOSEN_SELF = 'This list is for other people; you’re already at the heart of your plan. Please choose again.';
export const TOO_MANY_CHOSEN = `Please choose at most ${PLAN_CHOSEN_MAX} people here; anyone else can go in the words below.`;
export const NOT_IN_RECOVERY = 'A safety plan is kept by a person in recovery. You can mark yourself as one on the Members page.';
export const OWN_PLAN_SUGGESTION = 'This is your own plan: you can change it directly.';
export const NOT_YOUR_SUGGESTION = 'Only the person whose plan it is can add or leave out a suggestion.';
export const ALREADY_ANSWERED = 'This suggestion was already answered.';
export const SECTION_FULL = 'That part of your plan is full; please make room in it first, then add the suggestion.';
export const TOO_MANY_SUGGESTIONS = `There are already ${OPEN_SUGGESTIONS_LIMIT} suggestions waiting on this plan. Please wait until some are answered.`;

async function committed<T>(
	db: Database,
	access: CircleAccess,
	action: CircleAction,
	work: (trx: Transaction<DB>, member: CircleAccess) => Promise<{ events: CircleEvent[]; result: T }>
): Promise<T> {
	requireCan(access, action);
	const { events, result } = await db.transaction().execute(async (trx) => work(trx, await lockCircleFor(trx, access, action)));
	publishCircleEvents(events);
	return result;
}

/** A plan's words, and the members chosen beside them (references, sorted). */
interface Stored<K extends string> {
	sections: Record<K, string>;
	chosen: string[];
}

/** Which list each plan chooses members for. */
const PERSONAL_LIST: ChosenList = 'helperMembers';
const FAMILY_LIST: ChosenList = 'carrierMembers';

/** Only known keys, only text: whatever a stored row says, the page gets the plan's own shape. */
function parseStored<K extends string>(json: string | undefined, keys: readonly K[], empty: Record<K, string>, list: ChosenList): Stored<K> {
	if (!json) return { sections: empty, chosen: [] };
	const stored = JSON.parse(json) as Record<string, unknown>;
	const chosen = Array.isArray(stored[list]) ? (stored[list] as unknown[]).filter((ref): ref is string => typeof ref === 'string') : [];
	return {
		sections: Object.fromEntries(keys.map((key) => [key, typeof stored[key] === 'string' ? stored[key] : ''])) as Record<K, string>,
		chosen
	};
}

function storedJson<K extends string>(stored: Stored<K>, list: ChosenList): string {
	return JSON.stringify({ ...stored.sections, [list]: stored.chosen });
}

/**
 * How a version refers to a member it chose: a digest of the circle's and the member's ids. The
 * same person has another in each circle, and nothing can be read back from it: it is matched
 * only against the members a circle has now.
 */
export function memberRef(circleId: string, userId: string): string {
	// 128 bits, in the letters ids use (no capitals: a reference never spells out a name).
	return encodeBase32LowerCaseNoPadding(createHash('sha256').update(`hearth plan member\n${circleId}\n${userId}`).digest().subarray(0, 16));
}

interface CircleMember extends PersonRef {
	inRecovery: boolean;
}

/** Everyone in the circle now, by name. */
async function membersOf(db: Reader, circleId: string): Promise<CircleMember[]> {
	const rows = await db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select(['users.id', 'users.display_name', 'memberships.in_recovery'])
		.where('memberships.circle_id', '=', circleId)
		.orderBy('users.display_name')
		.orderBy('users.id')
		.execute();
	return rows.map((row) => ({ id: row.id, displayName: row.display_name, inRecovery: row.in_recovery === 1 }));
}

/** The people a person may hold a plan as: current members marked in recovery. */
async function peopleInRecovery(db: Reader, circleId: string): Promise<PersonRef[]> {
	return (await membersOf(db, circleId)).filter((member) => member.inRecovery).map(({ id, displayName }) => ({ id, displayName }));
}

/** The references a version keeps, matched to the circle's members now (`refs`: reference to person). */
function chosenMembers(chosen: string[], refs: Map<string, PersonRef>): ChosenMembers {
	const members = chosen.flatMap((ref) => refs.get(ref) ?? []);
	members.sort((a, b) => (a.displayName === b.displayName ? (a.id < b.id ? -1 : 1) : a.displayName.localeCompare(b.displayName, 'en')));
	return { members, former: chosen.length - members.length };
}

/**
 * The members chosen in a form (account ids), checked against the circle now and turned into the
 * references a version keeps. Anything but a list of different members of this circle (a made-up
 * id, someone elsewhere, one twice, too many; oneself, where `others`) is refused next to `list`.
 */
async function chosenRefs(trx: Reader, member: CircleAccess, ids: readonly string[], list: ChosenList, { others }: { others: boolean }): Promise<string[]> {
	if (ids.length > PLAN_CHOSEN_MAX) throw invalid(TOO_MANY_CHOSEN, list);
	if (new Set(ids).size !== ids.length) throw invalid(CHOSEN_TWICE, list);
	if (others && ids.includes(member.userId)) throw invalid(CHOSEN_SELF, list);
	if (!ids.every(isRowId)) throw invalid(CHOSEN_NOT_HERE, list);
	if (ids.length === 0) return [];
	const rows = await trx
		.selectFrom('memberships')
		.select('user_id')
		.where('circle_id', '=', member.circle.id)
		.where('user_id', 'in', [...ids])
		.execute();
	if (rows.length !== ids.length) throw invalid(CHOSEN_NOT_HERE, list);
	return ids.map((id) => memberRef(member.circle.id, id)).sort();
}

/**
 * For the data export: per circle the person is in now, the name of each member in it by
 * reference. A circle they have left names nobody (its members are no longer theirs to see).
 */
export async function chosenNamesFor(db: Reader, userId: string, circleIds: string[]): Promise<Map<string, Map<string, string>>> {
	const names = new Map<string, Map<string, string>>();
	if (circleIds.length === 0) return names;
	const rows = await db
		.selectFrom('memberships as mine')
		.innerJoin('memberships as other', 'other.circle_id', 'mine.circle_id')
		.innerJoin('users', 'users.id', 'other.user_id')
		.select(['mine.circle_id', 'users.id', 'users.display_name'])
		.where('mine.user_id', '=', userId)
		.where('mine.circle_id', 'in', [...new Set(circleIds)])
		.execute();
	for (const row of rows) {
		if (!names.has(row.circle_id)) names.set(row.circle_id, new Map());
		names.get(row.circle_id)!.set(memberRef(row.circle_id, row.id), row.display_name);
	}
	return names;
}

/** A plan as the export shows it: its words, and the names of whom it chose (see chosenNamesFor). */
export function exportedPlan(json: string, circleId: string, names: Map<string, Map<string, string>>): Record<string, unknown> {
	const stored = JSON.parse(json) as Record<string, unknown>;
	const inCircle = names.get(circleId);
	for (const list of [PERSONAL_LIST, FAMILY_LIST]) {
		if (!Array.isArray(stored[list])) continue;
		// By name, as a page shows them; those no longer in the circle with the person after them.
		const chosen = (stored[list] as unknown[]).map((ref) => (typeof ref === 'string' && inCircle?.get(ref)) || null);
		const named = chosen.filter((name): name is string => name !== null).sort((a, b) => a.localeCompare(b, 'en'));
		stored[list] = [...named, ...chosen.filter((name) => name === null).map(() => FORMER_IN_EXPORT)];
	}
	return stored;
}

/** Who a plan chose but is not in the circle with the person now, in their export. */
export const FORMER_IN_EXPORT = 'someone no longer in the circle with you';

async function latestVersion(db: Reader, circleId: string, ownerId: string | null) {
	return db
		.selectFrom('plan_versions')
		.select(['number', 'sections'])
		.where('circle_id', '=', circleId)
		.$call((q) => (ownerId === null ? q.where('owner_id', 'is', null) : q.where('owner_id', '=', ownerId)))
		.orderBy('number', 'desc')
		.limit(1)
		.executeTakeFirst();
}

/**
 * Refuses a save made on `baseVersion` when a newer one is there, naming who saved what came
 * since (the writer's words come back with the refusal, so nothing they typed is lost).
 */
async function requireNewest(trx: Reader, member: CircleAccess, ownerId: string | null, latest: number, baseVersion: number): Promise<void> {
	if (latest === baseVersion) return;
	const authors = await trx
		.selectFrom('plan_versions')
		.leftJoin('users', 'users.id', 'plan_versions.created_by')
		.select(['plan_versions.created_by', 'users.display_name'])
		.where('plan_versions.circle_id', '=', member.circle.id)
		.$call((q) => (ownerId === null ? q.where('plan_versions.owner_id', 'is', null) : q.where('plan_versions.owner_id', '=', ownerId)))
		.where('plan_versions.number', '>', Math.max(baseVersion, 0))
		.orderBy('plan_versions.number')
		.execute();
	const self = authors.some((row) => row.created_by === member.userId);
	const names = [
		...new Set(authors.filter((row) => row.created_by !== member.userId).map((row) => (row.display_name === null ? 'a former member' : row.display_name)))
	];
	if (names[0]) names[0] = `${names[0][0]!.toUpperCase()}${names[0].slice(1)}`;
	// A base that is no version at all (a made-up number) or one ahead: nobody to name.
	throw conflict(changedMeanwhile(baseVersion < 0 || baseVersion > latest ? null : { self, names, count: authors.length }));
}

/** Everyone's plans in the circle, for any member: the family's overdose plan, then each person's. */
export async function getPlans(db: Database, access: CircleAccess): Promise<PlansView> {
	const circleId = access.circle.id;
	const members = await membersOf(db, circleId);
	const people = members.filter((member) => member.inRecovery).map(({ id, displayName }): PersonRef => ({ id, displayName }));
	const refs = new Map(members.map(({ id, displayName }) => [memberRef(circleId, id), { id, displayName }]));
	const versions = await db
		.selectFrom('plan_versions')
		.leftJoin('users as author', 'author.id', 'plan_versions.created_by')
		.leftJoin('users as suggester', 'suggester.id', 'plan_versions.suggested_by')
		.select([
			'plan_versions.owner_id',
			'plan_versions.number',
			'plan_versions.sections',
			'plan_versions.created_at',
			'plan_versions.created_by',
			'author.display_name as author_name',
			'plan_versions.suggested_by',
			'suggester.display_name as suggester_name'
		])
		.where('plan_versions.circle_id', '=', circleId)
		.orderBy('plan_versions.number', 'desc')
		.execute();
	const suggestions = await db
		.selectFrom('plan_suggestions')
		.innerJoin('users', 'users.id', 'plan_suggestions.created_by')
		.select([
			'plan_suggestions.id',
			'plan_suggestions.owner_id',
			'plan_suggestions.section',
			'plan_suggestions.body',
			'plan_suggestions.created_at',
			'users.id as author_id',
			'users.display_name'
		])
		.where('plan_suggestions.circle_id', '=', circleId)
		.where('plan_suggestions.status', '=', 'open')
		.orderBy('plan_suggestions.created_at')
		.orderBy('plan_suggestions.id')
		.execute();

	const person = (id: string | null, name: string | null): PersonRef | null => (id && name !== null ? { id, displayName: name } : null);
	const of = (ownerId: string | null) => versions.filter((row) => row.owner_id === ownerId);
	const history = (rows: typeof versions): PlanVersionRef[] =>
		rows.map((row) => ({
			number: row.number,
			createdBy: person(row.created_by, row.author_name),
			suggestedBy: person(row.suggested_by, row.suggester_name),
			createdAt: row.created_at
		}));

	const family = of(null);
	const plans: PersonalPlanView[] = people.map((owner) => {
		const rows = of(owner.id);
		const stored = parseStored(rows[0]?.sections, PERSONAL_SECTION_KEYS, emptyPersonal(), PERSONAL_LIST);
		return {
			owner,
			sections: stored.sections,
			// Chosen by them: never themselves (a reference to them would only be a made-up one).
			helpers: chosenMembers(
				stored.chosen.filter((ref) => refs.get(ref)?.id !== owner.id),
				refs
			),
			version: rows[0]?.number ?? 0,
			history: history(rows),
			suggestions: suggestions
				.filter((row) => row.owner_id === owner.id && (PERSONAL_SECTION_KEYS as readonly string[]).includes(row.section))
				.map((row): PlanSuggestionView => ({
					id: row.id,
					section: row.section as PersonalSection,
					body: row.body,
					createdBy: { id: row.author_id, displayName: row.display_name },
					createdAt: row.created_at
				}))
		};
	});
	// The viewer's own plan first, where they have one.
	plans.sort((a, b) => Number(b.owner.id === access.userId) - Number(a.owner.id === access.userId));
	const familyStored = parseStored(family[0]?.sections, FAMILY_SECTION_KEYS, emptyFamily(), FAMILY_LIST);
	return {
		family: {
			sections: familyStored.sections,
			carriers: chosenMembers(familyStored.chosen, refs),
			version: family[0]?.number ?? 0,
			history: history(family)
		},
		people: plans,
		members: members.map(({ id, displayName }) => ({ id, displayName }))
	};
}

/** Writes the next version of a plan; the unique number refuses a writer that skipped the lock. */
async function writeVersion(
	trx: Transaction<DB>,
	member: CircleAccess,
	ownerId: string | null,
	sections: string,
	number: number,
	suggestedBy: string | null,
	now: number
): Promise<CircleEvent> {
	try {
		await trx
			.insertInto('plan_versions')
			.values({
				id: newId(),
				circle_id: member.circle.id,
				owner_id: ownerId,
				number,
				sections,
				created_by: member.userId,
				suggested_by: suggestedBy,
				created_at: now
			})
			.execute();
	} catch (error) {
		if (isUniqueViolation(error)) throw conflict(CHANGED_MEANWHILE);
		throw error;
	}
	return appendCircleEvent(trx, { circleId: member.circle.id, actorId: member.userId, type: 'plan.changed', payload: { ownerId, version: number }, now });
}

function same<K extends string>(a: Stored<K>, b: Stored<K>): boolean {
	return Object.keys(a.sections).every((key) => a.sections[key as K] === b.sections[key as K]) && a.chosen.join(' ') === b.chosen.join(' ');
}

/** A plan's words as a form sends them, with the members chosen (account ids; none when left out). */
export type FamilyPlanInput = FamilySections & { carrierMembers?: string[] };
export type PersonalPlanInput = PersonalSections & { helperMembers?: string[] };

function wordsOf<K extends string>(input: Record<K, string>, keys: readonly K[]): Record<K, string> {
	return Object.fromEntries(keys.map((key) => [key, input[key]])) as Record<K, string>;
}

/**
 * The family's overdose plan, changed by any member. `baseVersion` is the version they were
 * looking at: if someone saved another meanwhile, nothing is stored and they are told who.
 */
export async function saveFamilyPlan(
	db: Database,
	access: CircleAccess,
	input: FamilyPlanInput,
	baseVersion: number,
	now = Date.now()
): Promise<{ version: number; saved: boolean }> {
	return committed<{ version: number; saved: boolean }>(db, access, 'editFamilyPlan', async (trx, member) => {
		const latest = await latestVersion(trx, member.circle.id, null);
		await requireNewest(trx, member, null, latest?.number ?? 0, baseVersion);
		// Anyone may carry it, the writer too.
		const next: Stored<keyof FamilySections> = {
			sections: wordsOf(input, FAMILY_SECTION_KEYS),
			chosen: await chosenRefs(trx, member, input.carrierMembers ?? [], FAMILY_LIST, { others: false })
		};
		if (same(parseStored(latest?.sections, FAMILY_SECTION_KEYS, emptyFamily(), FAMILY_LIST), next)) {
			return { events: [], result: { version: baseVersion, saved: false } };
		}
		const event = await writeVersion(trx, member, null, storedJson(next, FAMILY_LIST), baseVersion + 1, null, now);
		return { events: [event], result: { version: baseVersion + 1, saved: true } };
	});
}

/** A person in recovery writes their own safety plan; nobody else can. */
export async function saveOwnPlan(
	db: Database,
	access: CircleAccess,
	input: PersonalPlanInput,
	baseVersion: number,
	now = Date.now()
): Promise<{ version: number; saved: boolean }> {
	return committed<{ version: number; saved: boolean }>(db, access, 'keepOwnPlan', async (trx, member) => {
		if (!member.inRecovery) throw forbidden(NOT_IN_RECOVERY);
		const latest = await latestVersion(trx, member.circle.id, member.userId);
		await requireNewest(trx, member, member.userId, latest?.number ?? 0, baseVersion);
		const next: Stored<PersonalSection> = {
			sections: wordsOf(input, PERSONAL_SECTION_KEYS),
			chosen: await chosenRefs(trx, member, input.helperMembers ?? [], PERSONAL_LIST, { others: true })
		};
		if (same(parseStored(latest?.sections, PERSONAL_SECTION_KEYS, emptyPersonal(), PERSONAL_LIST), next)) {
			return { events: [], result: { version: baseVersion, saved: false } };
		}
		const event = await writeVersion(trx, member, member.userId, storedJson(next, PERSONAL_LIST), baseVersion + 1, null, now);
		return { events: [event], result: { version: baseVersion + 1, saved: true } };
	});
}

/**
 * Any other member suggests an addition to a person's plan. A plan that is not in this circle
 * (someone not here, or not in recovery) is not found, whatever the id.
 */
export async function suggestAddition(
	db: Database,
	access: CircleAccess,
	input: { ownerId: string; section: PersonalSection; body: string },
	now = Date.now()
): Promise<{ suggestionId: string }> {
	return committed(db, access, 'suggestToPlan', async (trx, member) => {
		if (!isRowId(input.ownerId)) throw notFound();
		const people = await peopleInRecovery(trx, member.circle.id);
		if (!people.some((person) => person.id === input.ownerId)) throw notFound();
		if (input.ownerId === member.userId) throw invalid(OWN_PLAN_SUGGESTION);
		const waiting = await trx
			.selectFrom('plan_suggestions')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('circle_id', '=', member.circle.id)
			.where('owner_id', '=', input.ownerId)
			.where('status', '=', 'open')
			.executeTakeFirstOrThrow();
		if (Number(waiting.n) >= OPEN_SUGGESTIONS_LIMIT) throw conflict(TOO_MANY_SUGGESTIONS);
		const suggestionId = newId();
		await trx
			.insertInto('plan_suggestions')
			.values({
				id: suggestionId,
				circle_id: member.circle.id,
				owner_id: input.ownerId,
				section: input.section,
				body: input.body,
				created_by: member.userId,
				created_at: now
			})
			.execute();
		const event = await appendCircleEvent(trx, {
			circleId: member.circle.id,
			actorId: member.userId,
			type: 'plan.suggested',
			payload: { ownerId: input.ownerId, suggestionId },
			now
		});
		return { events: [event], result: { suggestionId } };
	});
}

/**
 * The person whose plan it is adds a suggestion to it (a new version, kept with whose suggestion
 * it was) or leaves it out. Anyone else is refused; a suggestion from another circle is not found.
 */
export async function answerSuggestion(
	db: Database,
	access: CircleAccess,
	suggestionId: string,
	answer: 'accept' | 'decline',
	now = Date.now()
): Promise<{ accepted: boolean; version: number | null }> {
	return committed(db, access, 'keepOwnPlan', async (trx, member) => {
		if (!isRowId(suggestionId)) throw notFound();
		const suggestion = await trx
			.selectFrom('plan_suggestions')
			.selectAll()
			.where('id', '=', suggestionId)
			.where('circle_id', '=', member.circle.id)
			.executeTakeFirst();
		if (!suggestion) throw notFound();
		if (suggestion.owner_id !== member.userId) throw forbidden(NOT_YOUR_SUGGESTION);
		if (suggestion.status !== 'open') throw conflict(ALREADY_ANSWERED);
		if (!member.inRecovery) throw forbidden(NOT_IN_RECOVERY);
		const accepted = answer === 'accept';
		await trx
			.updateTable('plan_suggestions')
			.set({ status: accepted ? 'accepted' : 'declined', decided_at: now })
			.where('id', '=', suggestion.id)
			.execute();
		const events: CircleEvent[] = [];
		let version: number | null = null;
		if (accepted) {
			const latest = await latestVersion(trx, member.circle.id, member.userId);
			// The words of one section grow; whom the person chose stays as it is.
			const stored = parseStored(latest?.sections, PERSONAL_SECTION_KEYS, emptyPersonal(), PERSONAL_LIST);
			const { sections } = stored;
			const key = suggestion.section as PersonalSection;
			// Added on its own line, under what is there already (within the section's length, or refused).
			sections[key] = sections[key] ? `${sections[key]}\n${suggestion.body}` : suggestion.body;
			if (characterCount(sections[key]) > PLAN_SECTION_MAX) throw invalid(SECTION_FULL);
			version = (latest?.number ?? 0) + 1;
			events.push(await writeVersion(trx, member, member.userId, storedJson(stored, PERSONAL_LIST), version, suggestion.created_by, now));
		}
		events.push(
			await appendCircleEvent(trx, {
				circleId: member.circle.id,
				actorId: member.userId,
				type: 'plan.suggestion-answered',
				payload: { ownerId: member.userId, suggestionId: suggestion.id, accepted },
				now
			})
		);
		return { events, result: { accepted, version } };
	});
}
