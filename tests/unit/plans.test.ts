// The shared safety and overdose plan: who writes, suggests, accepts and declines; a history
// nobody can rewrite; bad input refused with nothing stored. On SQLite and PostgreSQL alike.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { parseForm } from '$lib/server/forms';
import { requireMember } from '$lib/server/circles/access';
import { deleteCircle, updateOwnProfile } from '$lib/server/circles/circles';
import { listCircleEventsAfter } from '$lib/server/circles/events';
import { emptyFamily, emptyPersonal, PLAN_SECTION_MAX, type PersonalSections } from '$lib/plans';
import { familyPlanSchema, personalPlanSchema, suggestionSchema } from '$lib/server/plans/plan-forms';
import {
	ALREADY_ANSWERED,
	CHANGED_MEANWHILE,
	NOT_IN_RECOVERY,
	NOT_YOUR_SUGGESTION,
	OWN_PLAN_SUGGESTION,
	answerSuggestion,
	getPlans,
	saveFamilyPlan,
	saveOwnPlan,
	suggestAddition
} from '$lib/server/plans/plans';
import type { SessionUser } from '$lib/server/auth/sessions';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf } from './support/circles';

let testDb: TestDatabase;
beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

const T0 = Date.UTC(2026, 10, 1, 12);
const at = (minutes: number) => T0 + minutes * 60_000;

/** Maria's circle with Sam in recovery, and Ana, who supports him. */
async function garcias() {
	const circle = await circleOf(testDb.db, ['Sam', 'Ana'], { at: T0 });
	const [maria, sam, ana] = circle.people;
	await updateOwnProfile(testDb.db, await circle.accessOf(sam), { relationship: 'Son', inRecovery: true });
	return { ...circle, maria, sam, ana };
}

const as = (circleId: string, who: SessionUser) => requireMember(testDb.db, who, circleId);

const samsPlan = (changes: Partial<PersonalSections> = {}): PersonalSections => ({
	...emptyPersonal(),
	warningSigns: 'Not sleeping. Skipping meetings.',
	onMyOwn: 'A long walk with the dog.',
	...changes
});

async function count(table: 'plan_versions' | 'plan_suggestions') {
	const row = await testDb.db
		.selectFrom(table)
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

describe('a person in recovery’s own plan', () => {
	it('is written by them only, version by version, kept with who wrote it and when', async () => {
		const { circleId, sam, ana, maria } = await garcias();
		expect(await saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan(), 0, at(1))).toEqual({ version: 1, saved: true });
		expect(await saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan({ distractions: 'Ana’s kitchen.' }), 1, at(2))).toEqual({ version: 2, saved: true });
		// The same words again store nothing.
		expect(await saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan({ distractions: 'Ana’s kitchen.' }), 2, at(3))).toEqual({ version: 2, saved: false });

		const plans = await getPlans(testDb.db, await as(circleId, maria));
		expect(plans.people.map((plan) => plan.owner.displayName)).toEqual(['Sam']);
		const [plan] = plans.people;
		expect(plan!.sections).toEqual(samsPlan({ distractions: 'Ana’s kitchen.' }));
		expect(plan!.history).toEqual([
			{ number: 2, createdBy: { id: sam.id, displayName: 'Sam' }, suggestedBy: null, createdAt: at(2) },
			{ number: 1, createdBy: { id: sam.id, displayName: 'Sam' }, suggestedBy: null, createdAt: at(1) }
		]);

		// Ana is not in recovery: she keeps no plan, and cannot write Sam's.
		await expect(saveOwnPlan(testDb.db, await as(circleId, ana), samsPlan(), 0, at(4))).rejects.toMatchObject({
			reason: 'forbidden',
			message: NOT_IN_RECOVERY
		});
		expect(await count('plan_versions')).toBe(2);
	});

	it('refuses a change made on an older version than the newest', async () => {
		const { circleId, sam } = await garcias();
		await saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan(), 0, at(1));
		await expect(saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan({ onMyOwn: 'Music.' }), 0, at(2))).rejects.toMatchObject({
			reason: 'conflict',
			message: CHANGED_MEANWHILE
		});
		expect(await count('plan_versions')).toBe(1);
	});
});

describe('the family’s overdose plan', () => {
	it('is changed by any member, each change a version with its author', async () => {
		const { circleId, ana, maria, sam } = await garcias();
		await saveFamilyPlan(testDb.db, await as(circleId, ana), { ...emptyFamily(), naloxoneWhere: 'Kitchen drawer' }, 0, at(1));
		await saveFamilyPlan(testDb.db, await as(circleId, maria), { ...emptyFamily(), naloxoneWhere: 'Kitchen drawer', carriers: 'Maria, Ana' }, 1, at(2));
		const { family } = await getPlans(testDb.db, await as(circleId, sam));
		expect(family.sections).toEqual({ naloxoneWhere: 'Kitchen drawer', carriers: 'Maria, Ana', localNotes: '' });
		expect(family.history.map((v) => [v.number, v.createdBy?.displayName])).toEqual([
			[2, 'Maria'],
			[1, 'Ana']
		]);
		await expect(saveFamilyPlan(testDb.db, await as(circleId, sam), emptyFamily(), 1, at(3))).rejects.toMatchObject({ reason: 'conflict' });
	});
});

describe('suggestions', () => {
	it('are made by others, accepted by the person into a new version that names the suggester, and seen live', async () => {
		const { circleId, sam, ana } = await garcias();
		await saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan(), 0, at(1));
		const { suggestionId } = await suggestAddition(testDb.db, await as(circleId, ana), { ownerId: sam.id, section: 'helpers', body: 'Ana: 555-0100' }, at(2));
		let [plan] = (await getPlans(testDb.db, await as(circleId, ana))).people;
		expect(plan!.suggestions).toEqual([
			{ id: suggestionId, section: 'helpers', body: 'Ana: 555-0100', createdBy: { id: ana.id, displayName: 'Ana' }, createdAt: at(2) }
		]);

		// Only Sam decides.
		await expect(answerSuggestion(testDb.db, await as(circleId, ana), suggestionId, 'accept', at(3))).rejects.toMatchObject({
			reason: 'forbidden',
			message: NOT_YOUR_SUGGESTION
		});
		expect(await count('plan_versions')).toBe(1);

		const seq = (await listCircleEventsAfter(testDb.db, circleId, 0)).events.length;
		expect(await answerSuggestion(testDb.db, await as(circleId, sam), suggestionId, 'accept', at(4))).toEqual({ accepted: true, version: 2 });
		[plan] = (await getPlans(testDb.db, await as(circleId, ana))).people;
		expect(plan!.sections.helpers).toBe('Ana: 555-0100');
		expect(plan!.suggestions).toEqual([]);
		expect(plan!.history[0]).toEqual({
			number: 2,
			createdBy: { id: sam.id, displayName: 'Sam' },
			suggestedBy: { id: ana.id, displayName: 'Ana' },
			createdAt: at(4)
		});
		const { events } = await listCircleEventsAfter(testDb.db, circleId, seq);
		expect(events.map((e) => [e.type, e.payload])).toEqual([
			['plan.changed', { ownerId: sam.id, version: 2 }],
			['plan.suggestion-answered', { ownerId: sam.id, suggestionId, accepted: true }]
		]);

		await expect(answerSuggestion(testDb.db, await as(circleId, sam), suggestionId, 'decline', at(5))).rejects.toMatchObject({
			reason: 'conflict',
			message: ALREADY_ANSWERED
		});
	});

	it('are added under what the section holds already, or left out when declined', async () => {
		const { circleId, sam, ana, maria } = await garcias();
		await saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan(), 0, at(1));
		const first = await suggestAddition(testDb.db, await as(circleId, ana), { ownerId: sam.id, section: 'onMyOwn', body: 'Call Ana.' }, at(2));
		const second = await suggestAddition(testDb.db, await as(circleId, maria), { ownerId: sam.id, section: 'onMyOwn', body: 'Bake.' }, at(3));
		await answerSuggestion(testDb.db, await as(circleId, sam), first.suggestionId, 'accept', at(4));
		expect(await answerSuggestion(testDb.db, await as(circleId, sam), second.suggestionId, 'decline', at(5))).toEqual({ accepted: false, version: null });
		const [plan] = (await getPlans(testDb.db, await as(circleId, sam))).people;
		expect(plan!.sections.onMyOwn).toBe('A long walk with the dog.\nCall Ana.');
		expect(plan!.version).toBe(2);
	});

	it('are refused on your own plan, on a plan not in your circle, and for a suggestion elsewhere', async () => {
		const { circleId, sam, ana } = await garcias();
		await expect(suggestAddition(testDb.db, await as(circleId, sam), { ownerId: sam.id, section: 'helpers', body: 'x' })).rejects.toMatchObject({
			reason: 'invalid',
			message: OWN_PLAN_SUGGESTION
		});
		// Ana is not in recovery (no plan), and someone in another circle is not here.
		const other = await circleOf(testDb.db, ['Lee'], { at: T0, name: 'Elsewhere' });
		const [, lee] = other.people;
		await updateOwnProfile(testDb.db, await other.accessOf(lee), { relationship: '', inRecovery: true });
		for (const ownerId of [ana.id, lee.id, 'not an id', '']) {
			await expect(suggestAddition(testDb.db, await as(circleId, sam), { ownerId, section: 'helpers', body: 'x' })).rejects.toMatchObject({
				reason: 'not-found'
			});
		}
		// A suggestion made in the other circle cannot be answered from this one, even by its owner's id.
		const elsewhere = await suggestAddition(testDb.db, await other.accessOf(other.owner), { ownerId: lee.id, section: 'helpers', body: 'x' });
		await expect(answerSuggestion(testDb.db, await as(circleId, sam), elsewhere.suggestionId, 'accept')).rejects.toMatchObject({ reason: 'not-found' });
		expect(await count('plan_suggestions')).toBe(1);
		expect(await count('plan_versions')).toBe(0);
	});

	it('cannot overfill a section: the whole answer is refused and the suggestion stays open', async () => {
		const { circleId, sam, ana } = await garcias();
		await saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan({ helpers: 'x'.repeat(PLAN_SECTION_MAX - 2) }), 0, at(1));
		const { suggestionId } = await suggestAddition(testDb.db, await as(circleId, ana), { ownerId: sam.id, section: 'helpers', body: 'Ana: 555-0100' });
		await expect(answerSuggestion(testDb.db, await as(circleId, sam), suggestionId, 'accept')).rejects.toMatchObject({ reason: 'invalid' });
		const [plan] = (await getPlans(testDb.db, await as(circleId, sam))).people;
		expect(plan!.suggestions.map((s) => s.id)).toEqual([suggestionId]);
		expect(plan!.version).toBe(1);
	});
});

describe('bad input', () => {
	it('a section over its length, an unknown section or an empty suggestion is refused next to its field, with what was typed kept', () => {
		const long = 'a'.repeat(PLAN_SECTION_MAX + 1);
		const form = new FormData();
		form.set('warningSigns', long);
		form.set('baseVersion', '0');
		const parsed = parseForm(personalPlanSchema, form);
		expect(parsed.ok).toBe(false);
		if (!parsed.ok) {
			expect(parsed.errors.warningSigns).toMatch(/2,000 characters or fewer \(you have 2,001\)/);
			expect(parsed.values.warningSigns).toBe(long);
		}
		const family = new FormData();
		family.set('naloxoneWhere', `${long}\u0000`);
		expect(parseForm(familyPlanSchema, family).ok).toBe(false);

		const suggestion = new FormData();
		suggestion.set('ownerId', 'x');
		suggestion.set('section', 'passwords');
		suggestion.set('body', ' ');
		const refused = parseForm(suggestionSchema, suggestion);
		expect(refused.ok).toBe(false);
		if (!refused.ok) {
			expect(refused.errors.section).toMatch(/choose the part/);
			expect(refused.errors.body).toMatch(/Please write your suggestion/);
		}
	});

	it('hostile text is stored as the text it is', async () => {
		const { circleId, sam } = await garcias();
		const hostile = `<script>alert(1)</script>'); DROP TABLE plan_versions; --`;
		await saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan({ warningSigns: hostile }), 0);
		const [plan] = (await getPlans(testDb.db, await as(circleId, sam))).people;
		expect(plan!.sections.warningSigns).toBe(hostile);
	});
});

describe('the plan’s history', () => {
	it('cannot be edited or deleted, only go with the circle', async () => {
		const { circleId, sam, maria } = await garcias();
		await saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan(), 0, at(1));
		await saveFamilyPlan(testDb.db, await as(circleId, maria), { ...emptyFamily(), naloxoneWhere: 'Drawer' }, 0, at(2));
		const history = () => testDb.db.selectFrom('plan_versions').selectAll().orderBy('id').execute();
		const before = await history();
		const edits = [
			() => testDb.db.updateTable('plan_versions').set({ sections: '{}' }).execute(),
			() => testDb.db.updateTable('plan_versions').set({ number: 9 }).execute(),
			() => testDb.db.updateTable('plan_versions').set({ created_at: 0 }).execute(),
			() => testDb.db.updateTable('plan_versions').set({ created_by: maria.id }).where('owner_id', '=', sam.id).execute(),
			() => testDb.db.updateTable('plan_versions').set({ owner_id: maria.id }).execute(),
			() => testDb.db.deleteFrom('plan_versions').execute(),
			() => testDb.db.deleteFrom('plan_versions').where('owner_id', 'is', null).execute()
		];
		for (const edit of edits) await expect(edit()).rejects.toThrow(/append-only/);
		if (testDb.dialect === 'postgres') await expect(sql`TRUNCATE plan_versions`.execute(testDb.db)).rejects.toThrow(/append-only/);
		expect(await history()).toEqual(before);

		// The one change allowed: an author becoming a former member.
		await testDb.db.updateTable('plan_versions').set({ created_by: null }).where('owner_id', 'is', null).execute();
		const { family } = await getPlans(testDb.db, await as(circleId, sam));
		expect(family.history[0]!.createdBy).toBeNull();

		await deleteCircle(testDb.db, await as(circleId, maria), 'The Garcias');
		expect(await count('plan_versions')).toBe(0);
	});
});
