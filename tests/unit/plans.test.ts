// The shared safety and overdose plan: who writes, suggests, accepts and declines; a history
// nobody can rewrite; bad input refused with nothing stored. On SQLite and PostgreSQL alike.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { parseForm } from '$lib/server/forms';
import { requireMember } from '$lib/server/circles/access';
import { deleteCircle, leaveCircle, updateOwnProfile } from '$lib/server/circles/circles';
import { listCircleEventsAfter } from '$lib/server/circles/events';
import { emptyFamily, emptyPersonal, newerVersionsNotice, PLAN_CHOSEN_MAX, PLAN_SECTION_MAX, type PersonalSections } from '$lib/plans';
import { familyPlanSchema, personalPlanSchema, suggestionSchema } from '$lib/server/plans/plan-forms';
import {
	ALREADY_ANSWERED,
	CHOSEN_NOT_HERE,
	CHOSEN_SELF,
	CHOSEN_TWICE,
	NOT_IN_RECOVERY,
	TOO_MANY_CHOSEN,
	changedMeanwhile,
	memberRef,
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
import { circleOf, joinCircle } from './support/circles';
import { addUser } from './support/people';

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

	it('refuses a change made on an older version than the newest, saying it was their own', async () => {
		const { circleId, sam } = await garcias();
		await saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan(), 0, at(1));
		await expect(saveOwnPlan(testDb.db, await as(circleId, sam), samsPlan({ onMyOwn: 'Music.' }), 0, at(2))).rejects.toMatchObject({
			reason: 'conflict',
			message: changedMeanwhile({ self: true, names: [], count: 1 })
		});
		expect(await count('plan_versions')).toBe(1);
		expect(changedMeanwhile({ self: true, names: [], count: 1 })).toMatch(
			/^You saved a newer version while writing this .* so this one isn’t saved yet\. Your words are still here/
		);
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

	it('is never saved over a newer version: the refusal names who saved it, and nothing is stored', async () => {
		const { circleId, ana, maria, sam } = await garcias();
		await saveFamilyPlan(testDb.db, await as(circleId, ana), { ...emptyFamily(), naloxoneWhere: 'Kitchen drawer' }, 0, at(1));
		// Maria was writing on the empty plan.
		await expect(saveFamilyPlan(testDb.db, await as(circleId, maria), { ...emptyFamily(), naloxoneWhere: 'Hall cupboard' }, 0, at(2))).rejects.toMatchObject({
			reason: 'conflict',
			message:
				'Ana saved a new version while you were writing, so yours isn’t saved yet. Your words are still here: have a look at the plan above, then save again to put yours in its place.'
		});
		// Two more by Sam and by Maria herself (on another device): all of them are named.
		await saveFamilyPlan(testDb.db, await as(circleId, sam), { ...emptyFamily(), naloxoneWhere: 'Glove box' }, 1, at(3));
		await saveFamilyPlan(testDb.db, await as(circleId, maria), { ...emptyFamily(), naloxoneWhere: 'Glove box', localNotes: 'Call 911' }, 2, at(4));
		await expect(saveFamilyPlan(testDb.db, await as(circleId, maria), { ...emptyFamily(), naloxoneWhere: 'Hall cupboard' }, 0, at(5))).rejects.toMatchObject({
			message: expect.stringMatching(/^Ana, Sam and you saved new versions while you were writing, so yours isn’t saved yet\./)
		});
		// A made-up version names nobody.
		await expect(saveFamilyPlan(testDb.db, await as(circleId, maria), emptyFamily(), -1, at(6))).rejects.toMatchObject({
			message: expect.stringMatching(/^Someone saved a new version while you were writing/)
		});
		const { family } = await getPlans(testDb.db, await as(circleId, sam));
		expect(family.version).toBe(3);
		expect(family.sections.naloxoneWhere).toBe('Glove box');
	});
});

describe('what the page tells a member still writing on an older version', () => {
	const history = [
		{ number: 3, createdBy: { id: 'b', displayName: 'Bea' }, suggestedBy: null, createdAt: 3 },
		{ number: 2, createdBy: null, suggestedBy: null, createdAt: 2 },
		{ number: 1, createdBy: { id: 'm', displayName: 'Maria' }, suggestedBy: null, createdAt: 1 }
	];
	const titles = [
		{ key: 'naloxoneWhere', title: 'Where the naloxone is kept' },
		{ key: 'carriers', title: 'Who in the circle carries naloxone' }
	];

	it('is nothing until a newer version came, then who saved it and which parts changed', () => {
		const same = { naloxoneWhere: 'Drawer', carriers: '\nb' };
		expect(newerVersionsNotice({ history, base: 3, me: 'm', before: same, after: same, titles })).toBeNull();
		expect(newerVersionsNotice({ history, base: 2, me: 'm', before: same, after: { ...same, naloxoneWhere: 'Shelf' }, titles })).toBe(
			'Bea saved a new version while you were writing: “Where the naloxone is kept” changed. Your words are still here; have a look at the plan above before you save yours.'
		);
		expect(newerVersionsNotice({ history, base: 1, me: 'b', before: same, after: { naloxoneWhere: 'Shelf', carriers: '\nb m' }, titles })).toBe(
			'You and a former member saved new versions while you were writing: “Where the naloxone is kept” and “Who in the circle carries naloxone” changed. Your words are still here; have a look at the plan above before you save yours.'
		);
	});
});

describe('members chosen from the circle', () => {
	/** The plan versions as stored, newest last. */
	const stored = async () =>
		(await testDb.db.selectFrom('plan_versions').select(['owner_id', 'number', 'sections']).orderBy('created_at').execute()).map((row) => ({
			...row,
			sections: JSON.parse(row.sections) as Record<string, unknown>
		}));

	it('are shown by name beside the words, kept in every version as references that hold no account id', async () => {
		const { circleId, sam, ana, maria } = await garcias();
		const carl = await addUser(testDb.db, 'Carl');
		await joinCircle(testDb.db, circleId, maria, carl, at(0));
		const v1 = await saveOwnPlan(
			testDb.db,
			await as(circleId, sam),
			{ ...samsPlan({ helpers: 'Uncle Joe: 555-0199' }), helperMembers: [maria.id, ana.id] },
			0,
			at(1)
		);
		expect(v1).toEqual({ version: 1, saved: true });
		// Anyone may carry naloxone, the writer too.
		await saveFamilyPlan(testDb.db, await as(circleId, ana), { ...emptyFamily(), carriers: 'Joe, in his jacket', carrierMembers: [ana.id, sam.id] }, 0, at(2));

		const plans = await getPlans(testDb.db, await as(circleId, carl));
		expect(plans.members.map((person) => person.displayName)).toEqual(['Ana', 'Carl', 'Maria', 'Sam']);
		const [plan] = plans.people;
		expect(plan!.helpers).toEqual({
			members: [
				{ id: ana.id, displayName: 'Ana' },
				{ id: maria.id, displayName: 'Maria' }
			],
			former: 0
		});
		expect(plan!.sections.helpers).toBe('Uncle Joe: 555-0199');
		expect(plans.family.carriers).toEqual({
			members: [
				{ id: ana.id, displayName: 'Ana' },
				{ id: sam.id, displayName: 'Sam' }
			],
			former: 0
		});
		expect(plans.family.sections.carriers).toBe('Joe, in his jacket');

		// Stored as references only: no id or name of theirs in the row.
		const rows = await stored();
		expect(rows[0]!.sections.helperMembers).toEqual([memberRef(circleId, maria.id), memberRef(circleId, ana.id)].sort());
		expect(rows[1]!.sections.carrierMembers).toEqual([memberRef(circleId, ana.id), memberRef(circleId, sam.id)].sort());
		for (const row of rows) for (const person of [sam, ana, maria]) expect(JSON.stringify(row.sections)).not.toContain(person.id);
		// A reference differs from circle to circle, so nothing links a person across them.
		expect(memberRef('anothercircle', ana.id)).not.toBe(memberRef(circleId, ana.id));

		// The same choices again store nothing; a change in them alone is a new version.
		expect(
			await saveOwnPlan(testDb.db, await as(circleId, sam), { ...samsPlan({ helpers: 'Uncle Joe: 555-0199' }), helperMembers: [ana.id, maria.id] }, 1, at(3))
		).toEqual({
			version: 1,
			saved: false
		});
		expect(
			await saveOwnPlan(testDb.db, await as(circleId, sam), { ...samsPlan({ helpers: 'Uncle Joe: 555-0199' }), helperMembers: [carl.id] }, 1, at(4))
		).toEqual({
			version: 2,
			saved: true
		});
		const [now] = (await getPlans(testDb.db, await as(circleId, sam))).people;
		expect(now!.helpers.members.map((person) => person.displayName)).toEqual(['Carl']);
		// The history keeps what each version chose.
		expect((await stored()).filter((row) => row.owner_id === sam.id).map((row) => (row.sections.helperMembers as string[]).length)).toEqual([2, 1]);
	});

	it('who leave the circle are left out (counted, never named), and a suggestion taken in keeps the choices', async () => {
		const { circleId, sam, ana, maria } = await garcias();
		await saveOwnPlan(testDb.db, await as(circleId, sam), { ...samsPlan(), helperMembers: [ana.id, maria.id] }, 0, at(1));
		await saveFamilyPlan(testDb.db, await as(circleId, maria), { ...emptyFamily(), carrierMembers: [ana.id] }, 0, at(2));
		const { suggestionId } = await suggestAddition(
			testDb.db,
			await as(circleId, maria),
			{ ownerId: sam.id, section: 'helpers', body: 'Maria: 555-0100' },
			at(3)
		);
		await answerSuggestion(testDb.db, await as(circleId, sam), suggestionId, 'accept', at(4));

		await leaveCircle(testDb.db, await as(circleId, ana), at(5));
		const { people, family } = await getPlans(testDb.db, await as(circleId, maria));
		expect(people[0]!.sections.helpers).toBe('Maria: 555-0100');
		expect(people[0]!.helpers).toEqual({ members: [{ id: maria.id, displayName: 'Maria' }], former: 1 });
		expect(family.carriers).toEqual({ members: [], former: 1 });
		expect(JSON.stringify({ people, family })).not.toContain(ana.id);
		expect(JSON.stringify({ people, family })).not.toContain('Ana');
	});

	it('refuses a made-up id, someone elsewhere, one twice, too many, or oneself as a helper, next to the field, with nothing stored', async () => {
		const { circleId, sam, ana, maria } = await garcias();
		const other = await circleOf(testDb.db, ['Lee'], { at: T0, name: 'Elsewhere' });
		const [, lee] = other.people;
		const cases: Array<[string[], string]> = [
			[['not an id'], CHOSEN_NOT_HERE],
			[['aaaaaaaaaaaaaaaaaaaaaaaa'], CHOSEN_NOT_HERE],
			[[ana.id, lee.id], CHOSEN_NOT_HERE],
			[[ana.id, ana.id], CHOSEN_TWICE],
			[Array.from({ length: PLAN_CHOSEN_MAX + 1 }, (_, i) => `${'a'.repeat(20)}${i}`), TOO_MANY_CHOSEN],
			[[sam.id, ana.id], CHOSEN_SELF]
		];
		for (const [helperMembers, message] of cases) {
			await expect(saveOwnPlan(testDb.db, await as(circleId, sam), { ...samsPlan(), helperMembers }, 0, at(1))).rejects.toMatchObject({
				reason: 'invalid',
				field: 'helperMembers',
				message
			});
		}
		for (const [carrierMembers, message] of cases.slice(0, 5)) {
			await expect(saveFamilyPlan(testDb.db, await as(circleId, maria), { ...emptyFamily(), carrierMembers }, 0, at(1))).rejects.toMatchObject({
				reason: 'invalid',
				field: 'carrierMembers',
				message
			});
		}
		expect(await count('plan_versions')).toBe(0);
		expect((await listCircleEventsAfter(testDb.db, circleId, 0)).events.filter((event) => event.type === 'plan.changed')).toEqual([]);
	});

	it('sent from the form: one twice or too many is refused next to the field, with the ticks kept', () => {
		const form = new FormData();
		form.set('baseVersion', '0');
		form.set('helpers', 'Joe: 555-0199');
		form.append('helperMembers', 'abc');
		form.append('helperMembers', 'abc');
		const twice = parseForm(personalPlanSchema, form);
		expect(twice.ok).toBe(false);
		if (!twice.ok) {
			expect(twice.errors.helperMembers).toBe(CHOSEN_TWICE);
			expect(twice.values).toMatchObject({ helpers: 'Joe: 555-0199', helperMembers: 'abc abc' });
		}
		const family = new FormData();
		for (let i = 0; i <= PLAN_CHOSEN_MAX; i++) family.append('carrierMembers', `id${i}`);
		const many = parseForm(familyPlanSchema, family);
		expect(many.ok).toBe(false);
		if (!many.ok) expect(many.errors.carrierMembers).toBe(TOO_MANY_CHOSEN);
		// Nothing ticked is nobody chosen.
		const none = parseForm(familyPlanSchema, new FormData());
		expect(none.ok && none.data.carrierMembers).toEqual([]);
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
