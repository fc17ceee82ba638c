// The shared safety and overdose plan (issue 20, item 1). One family overdose plan per circle,
// which any member may change, and one safety plan per person in recovery, which only they
// change; others suggest additions, which the person accepts or declines. Every change is a new
// version (plan_versions is append-only, migration 0021), kept with who made it and when.
// Commands check permission, write in one transaction under the circle's lock with the circle's
// event, and publish it once committed; a refusal rolls back whatever was written before it.
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
	PLAN_SECTION_MAX,
	PERSONAL_SECTION_KEYS,
	emptyFamily,
	emptyPersonal,
	type FamilySections,
	type PersonalPlanView,
	type PersonalSection,
	type PersonalSections,
	type PlanSuggestionView,
	type PlanVersionRef,
	type PlansView
} from '$lib/plans';

type Reader = Database | Transaction<DB>;

export const CHANGED_MEANWHILE = 'Someone changed this plan while you were writing. Please look at the new version, then make your change again.';
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

/** Only known keys, only text: whatever a stored row says, the page gets the plan's own shape. */
function parseSections<K extends string>(json: string | undefined, keys: readonly K[], empty: Record<K, string>): Record<K, string> {
	if (!json) return empty;
	const stored = JSON.parse(json) as Record<string, unknown>;
	return Object.fromEntries(keys.map((key) => [key, typeof stored[key] === 'string' ? stored[key] : ''])) as Record<K, string>;
}

/** The people a person may hold a plan as: current members marked in recovery. */
async function peopleInRecovery(db: Reader, circleId: string): Promise<PersonRef[]> {
	const rows = await db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select(['users.id', 'users.display_name'])
		.where('memberships.circle_id', '=', circleId)
		.where('memberships.in_recovery', '=', 1)
		.orderBy('users.display_name')
		.orderBy('users.id')
		.execute();
	return rows.map((row) => ({ id: row.id, displayName: row.display_name }));
}

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

/** Everyone's plans in the circle, for any member: the family's overdose plan, then each person's. */
export async function getPlans(db: Database, access: CircleAccess): Promise<PlansView> {
	const circleId = access.circle.id;
	const people = await peopleInRecovery(db, circleId);
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
		return {
			owner,
			sections: parseSections(rows[0]?.sections, PERSONAL_SECTION_KEYS, emptyPersonal()),
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
	return {
		family: { sections: parseSections(family[0]?.sections, FAMILY_SECTION_KEYS, emptyFamily()), version: family[0]?.number ?? 0, history: history(family) },
		people: plans
	};
}

/** Writes the next version of a plan; the unique number refuses a writer that skipped the lock. */
async function writeVersion(
	trx: Transaction<DB>,
	member: CircleAccess,
	ownerId: string | null,
	sections: PersonalSections | FamilySections,
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
				sections: JSON.stringify(sections),
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

function sameSections(a: Record<string, string>, b: Record<string, string>): boolean {
	return Object.keys(a).every((key) => a[key] === b[key]);
}

/**
 * The family's overdose plan, changed by any member. `baseVersion` is the version they were
 * looking at: if someone saved another meanwhile, nothing is stored and they are asked to look.
 */
export async function saveFamilyPlan(
	db: Database,
	access: CircleAccess,
	sections: FamilySections,
	baseVersion: number,
	now = Date.now()
): Promise<{ version: number; saved: boolean }> {
	return committed<{ version: number; saved: boolean }>(db, access, 'editFamilyPlan', async (trx, member) => {
		const latest = await latestVersion(trx, member.circle.id, null);
		if ((latest?.number ?? 0) !== baseVersion) throw conflict(CHANGED_MEANWHILE);
		if (sameSections(parseSections(latest?.sections, FAMILY_SECTION_KEYS, emptyFamily()), sections)) {
			return { events: [], result: { version: baseVersion, saved: false } };
		}
		const event = await writeVersion(trx, member, null, sections, baseVersion + 1, null, now);
		return { events: [event], result: { version: baseVersion + 1, saved: true } };
	});
}

/** A person in recovery writes their own safety plan; nobody else can. */
export async function saveOwnPlan(
	db: Database,
	access: CircleAccess,
	sections: PersonalSections,
	baseVersion: number,
	now = Date.now()
): Promise<{ version: number; saved: boolean }> {
	return committed<{ version: number; saved: boolean }>(db, access, 'keepOwnPlan', async (trx, member) => {
		if (!member.inRecovery) throw forbidden(NOT_IN_RECOVERY);
		const latest = await latestVersion(trx, member.circle.id, member.userId);
		if ((latest?.number ?? 0) !== baseVersion) throw conflict(CHANGED_MEANWHILE);
		if (sameSections(parseSections(latest?.sections, PERSONAL_SECTION_KEYS, emptyPersonal()), sections)) {
			return { events: [], result: { version: baseVersion, saved: false } };
		}
		const event = await writeVersion(trx, member, member.userId, sections, baseVersion + 1, null, now);
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
			const sections = parseSections(latest?.sections, PERSONAL_SECTION_KEYS, emptyPersonal());
			const key = suggestion.section as PersonalSection;
			// Added on its own line, under what is there already (within the section's length, or refused).
			sections[key] = sections[key] ? `${sections[key]}\n${suggestion.body}` : suggestion.body;
			if (characterCount(sections[key]) > PLAN_SECTION_MAX) throw invalid(SECTION_FULL);
			version = (latest?.number ?? 0) + 1;
			events.push(await writeVersion(trx, member, member.userId, sections, version, suggestion.created_by, now));
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
