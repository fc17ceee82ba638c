// Every circle page load and form action, for every kind of visitor, allowed or refused as the
// permission table says. The route modules are read from disk: a new load or action that is not in
// MATRIX makes the first test fail, so nothing can be added without deciding who may use it.
// Every action (and the check-ins endpoint) is also tried by every kind of outsider with whatever
// they might send (nothing, rubbish, a body that is no form, any date): the answer is exactly the
// one for a circle that does not exist, so nothing tells them that this circle is real.
//
// The fixture is built once per file. Every case starts from it exactly as built: the database is
// put back from a copy before each one (support/app-database.ts: the SQLite file, or a PostgreSQL
// database copied from a saved one), so what a case changes (a member removed, the circle deleted,
// ownership handed over, an agreement withdrawn…) never reaches the next.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isActionFailure, isHttpError, isRedirect } from '@sveltejs/kit';
import type { SessionUser } from '$lib/server/auth/sessions';
import { hashPassword } from '$lib/server/auth/passwords';
import type { CircleRole } from '$lib/circles';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';
import { routeEvent } from './support/route-event';

/** Everyone's password in the fixture (hashed once, when it is built). */
const FIXTURE_PASSWORD = 'the fixture’s password';

type Actor = 'signed-out' | 'non-member' | 'removed member' | 'member' | 'admin' | 'owner';
type Outcome = 'ok' | 'login' | 'not-found' | 'forbidden' | 'invalid';
const ACTORS: Actor[] = ['signed-out', 'non-member', 'removed member', 'member', 'admin', 'owner'];

interface Fixture {
	circleId: string;
	people: Record<Exclude<Actor, 'signed-out'>, SessionUser>;
	target: SessionUser;
	inviteId: string;
	/** One agreement waiting for answers, one everyone agreed to. */
	agreements: { proposed: { id: string; proposalId: string }; agreed: { id: string } };
}

interface Entry {
	/** Who may: any signed-in user, or a circle role and above. */
	needs: 'user' | CircleRole;
	form?: (fixture: Fixture, actor: SessionUser | null) => Record<string, string> | Promise<Record<string, string>>;
	params?: (fixture: Fixture) => Record<string, string>;
	/** Where the answer for an allowed actor is a rule's refusal rather than success. */
	except?: Partial<Record<Actor, Outcome>>;
}

const MATRIX: Record<string, Entry> = {
	// A person's own data (the account page's subpages): anyone signed in, and only their own.
	'/account/data#load': { needs: 'user' },
	'/account/export#GET': { needs: 'user' },
	// Deleting takes the person's own account only (the session's); an owner whose circle has
	// others in it must hand it over first (409).
	'/account/delete#load': { needs: 'user' },
	'/account/delete#delete': { needs: 'user', form: () => ({ password: FIXTURE_PASSWORD }), except: { owner: 'invalid' } },
	'/circles#load': { needs: 'user' },
	'/circles#create': { needs: 'user', form: () => ({ name: 'Another circle' }) },
	'/circles/[circleId]/layout#load': { needs: 'member' },
	'/circles/[circleId]#load': { needs: 'member' },
	'/circles/[circleId]/members#load': { needs: 'member' },
	'/circles/[circleId]/members#updateProfile': { needs: 'member', form: () => ({ relationship: 'Mom', inRecovery: 'yes' }) },
	'/circles/[circleId]/members#changeRole': { needs: 'owner', form: (f) => ({ userId: f.target.id, role: 'admin' }) },
	'/circles/[circleId]/members#removeMember': { needs: 'owner', form: (f) => ({ userId: f.target.id }) },
	'/circles/[circleId]/members#transferOwnership': { needs: 'owner', form: (f) => ({ userId: f.target.id }) },
	// The owner must hand ownership over before leaving: a rule, not a permission.
	'/circles/[circleId]/members#leave': { needs: 'member', except: { owner: 'invalid' } },
	'/circles/[circleId]/invites#load': { needs: 'admin' },
	'/circles/[circleId]/invites#create': { needs: 'admin', form: () => ({ expiresInDays: '7', maxUses: '1', role: 'member' }) },
	'/circles/[circleId]/invites#revoke': { needs: 'admin', form: (f) => ({ inviteId: f.inviteId }) },
	'/circles/[circleId]/settings#load': { needs: 'owner' },
	'/circles/[circleId]/settings#delete': { needs: 'owner', form: () => ({ confirmName: 'The Garcias' }) },
	'/circles/[circleId]/members/[userId]#load': { needs: 'member', params: (f) => ({ userId: f.people.owner.id }) },
	'/circles/[circleId]#post': { needs: 'member', form: () => ({ mood: '3', body: 'Okay today.' }) },
	// Editing and removing act on the actor's own words (an outsider's attempt targets the owner's).
	'/circles/[circleId]#edit': { needs: 'member', form: async (f, actor) => ({ checkinId: await ownCheckIn(f, actor), mood: '4' }) },
	'/circles/[circleId]#audience': { needs: 'member', form: async (f, actor) => ({ checkinId: await ownCheckIn(f, actor), audience: 'self' }) },
	'/circles/[circleId]#remove': { needs: 'member', form: async (f, actor) => ({ checkinId: await ownCheckIn(f, actor) }) },
	'/circles/[circleId]#react': { needs: 'member', form: async (f) => ({ checkinId: await ownCheckIn(f, f.people.owner), kind: 'love' }) },
	'/circles/[circleId]#reply': { needs: 'member', form: async (f) => ({ checkinId: await ownCheckIn(f, f.people.owner), body: 'Here for you.' }) },
	'/circles/[circleId]#editReply': { needs: 'member', form: async (f, actor) => ({ replyId: await ownReply(f, actor), body: 'Edited.' }) },
	'/circles/[circleId]#removeReply': { needs: 'member', form: async (f, actor) => ({ replyId: await ownReply(f, actor) }) },
	// An endpoint answers a signed-out request with 404 too: there is no page to log in to.
	'/circles/[circleId]/checkins#GET': { needs: 'member', except: { 'signed-out': 'not-found' } },
	'/circles/[circleId]/agreements#load': { needs: 'member' },
	'/circles/[circleId]/agreements/new#load': { needs: 'member' },
	'/circles/[circleId]/agreements/new#default': { needs: 'member', form: () => ({ title: 'Calls', category: 'communication', body: 'No calls after 10 pm.' }) },
	'/circles/[circleId]/agreements/[agreementId]#load': { needs: 'member', params: (f) => ({ agreementId: f.agreements.proposed.id }) },
	'/circles/[circleId]/agreements/[agreementId]#answer': {
		needs: 'member',
		params: (f) => ({ agreementId: f.agreements.proposed.id }),
		form: (f) => ({ proposalId: f.agreements.proposed.proposalId, answer: 'agree' })
	},
	'/circles/[circleId]/agreements/[agreementId]#comment': {
		needs: 'member',
		params: (f) => ({ agreementId: f.agreements.proposed.id }),
		form: () => ({ body: 'Can we talk about weekends?' })
	},
	'/circles/[circleId]/agreements/[agreementId]#withdraw': {
		needs: 'member',
		params: (f) => ({ agreementId: f.agreements.proposed.id }),
		form: () => ({ reason: 'We found another way.' })
	},
	'/circles/[circleId]/agreements/[agreementId]#retire': {
		needs: 'member',
		params: (f) => ({ agreementId: f.agreements.agreed.id }),
		form: () => ({ reason: 'It has done its job.' })
	},
	'/circles/[circleId]/agreements/[agreementId]/revise#load': { needs: 'member', params: (f) => ({ agreementId: f.agreements.agreed.id }) },
	'/circles/[circleId]/agreements/[agreementId]/revise#default': {
		needs: 'member',
		params: (f) => ({ agreementId: f.agreements.agreed.id }),
		form: () => ({ baseVersion: '1', title: 'Money, for now', category: 'money', body: 'I’ll pay for groceries directly.' })
	},
	'/circles/[circleId]/settings#timeZone': { needs: 'owner', form: () => ({ timeZone: 'Asia/Kolkata' }) },
	'/circles/[circleId]/milestones#load': { needs: 'member' },
	'/circles/[circleId]/milestones#addVictory': { needs: 'member', form: () => ({ title: 'First family dinner', reachedOn: '2026-01-01', forWhom: 'circle' }) },
	// Only whoever added a small victory removes it (an outsider's attempt targets the owner's).
	'/circles/[circleId]/milestones#removeVictory': { needs: 'member', form: async (f, actor) => ({ milestoneId: await ownVictory(f, actor) }) },
	'/circles/[circleId]/milestones#cheer': { needs: 'member', form: async (f) => ({ milestoneId: await ownVictory(f, f.people.owner) }) },
	// Changing a cheer's message needs a cheer first: the actor's own, when they can give one.
	'/circles/[circleId]/milestones#editCheer': {
		needs: 'member',
		form: async (f, actor) => ({ milestoneId: await cheeredVictory(f, actor), message: 'So proud.' })
	},
	// The recovery page is a member's own record; the rule that only a person in recovery keeps
	// one (403 for others) is tested with the milestones. Here every current member is in recovery.
	'/circles/[circleId]/recovery#load': { needs: 'member' },
	'/circles/[circleId]/recovery#setDate': { needs: 'member', form: () => ({ startedOn: '2026-01-01' }) },
	'/circles/[circleId]/recovery#lapse': {
		needs: 'member',
		form: async (f, actor) => {
			// A lapse ends a stretch, so the actor's recovery date comes first.
			if (isCurrentMember(f, actor)) await recovery.setRecoveryDate(dbModule.getDb(), await accessOf(actor, f.circleId), '2026-01-01');
			return { on: '2026-02-01', share: 'yes' };
		}
	},
	// The plan: any member changes the family's part; a person in recovery keeps their own (every
	// current member is one here). Suggestions go to someone else's plan (the owner's, or the
	// target's when the owner suggests), and are answered by the one whose plan it is.
	'/circles/[circleId]/plan#load': { needs: 'member' },
	'/circles/[circleId]/plan#saveFamily': { needs: 'member', form: () => ({ baseVersion: '0', naloxoneWhere: 'Kitchen drawer' }) },
	'/circles/[circleId]/plan#saveOwn': { needs: 'member', form: () => ({ baseVersion: '0', warningSigns: 'Not sleeping.' }) },
	'/circles/[circleId]/plan#suggest': {
		needs: 'member',
		form: (f, actor) => ({ ownerId: actor?.id === f.people.owner.id ? f.target.id : f.people.owner.id, section: 'helpers', body: 'Call Ana.' })
	},
	'/circles/[circleId]/plan#answerSuggestion': {
		needs: 'member',
		form: async (f, actor) => ({ suggestionId: await suggestionFor(f, actor), answer: 'accept' })
	},
	'/circles/[circleId]/recovery#shareLapse': { needs: 'member', form: async (f, actor) => ({ stretchId: await privateLapse(f, actor) }) }
};

/** A suggestion waiting on the actor's own plan when they keep one, else on the owner's. */
async function suggestionFor(f: Fixture, actor: SessionUser | null): Promise<string> {
	const owner = isCurrentMember(f, actor) ? actor : f.people.owner;
	const suggester = owner.id === f.target.id ? f.people.owner : f.target;
	const { suggestionId } = await plans.suggestAddition(dbModule.getDb(), await accessOf(suggester, f.circleId), {
		ownerId: owner.id,
		section: 'helpers',
		body: 'Call Ana.'
	});
	return suggestionId;
}

/** A small victory added by the actor when they can add one, else by the owner. */
async function ownVictory(f: Fixture, actor: SessionUser | null): Promise<string> {
	const author = isCurrentMember(f, actor) ? actor : f.people.owner;
	const result = await milestones.addVictory(dbModule.getDb(), await accessOf(author, f.circleId), {
		title: 'A good week',
		reachedOn: '2026-01-01',
		note: '',
		forCircle: true
	});
	if (!result.milestone) throw new Error('fixture victory has no view');
	return result.milestone.id;
}

async function cheeredVictory(f: Fixture, actor: SessionUser | null): Promise<string> {
	const milestoneId = await ownVictory(f, f.people.owner);
	const cheerer = isCurrentMember(f, actor) ? actor : f.people.owner;
	await milestones.cheerMilestone(dbModule.getDb(), await accessOf(cheerer, f.circleId), milestoneId, '');
	return milestoneId;
}

/** A lapse the actor (or, for outsiders, the owner) has not told the circle about. */
async function privateLapse(f: Fixture, actor: SessionUser | null): Promise<string> {
	const person = isCurrentMember(f, actor) ? actor : f.people.owner;
	const db = dbModule.getDb();
	const access = await accessOf(person, f.circleId);
	await recovery.setRecoveryDate(db, access, '2026-01-01');
	await recovery.recordLapse(db, access, { on: '2026-02-01', note: '', share: false });
	const [lapse] = await db.selectFrom('recovery_stretches').select('id').where('user_id', '=', person.id).where('ended_on', 'is not', null).execute();
	return lapse!.id;
}

const CURRENT: Actor[] = ['member', 'admin', 'owner'];

function isCurrentMember(f: Fixture, actor: SessionUser | null): actor is SessionUser {
	return CURRENT.some((kind) => f.people[kind as 'member'].id === actor?.id);
}

/** A check-in by the actor when they can post one, else by the owner. */
async function ownCheckIn(f: Fixture, actor: SessionUser | null): Promise<string> {
	const author = isCurrentMember(f, actor) ? actor : f.people.owner;
	const checkin = await checkins.postCheckIn(dbModule.getDb(), await accessOf(author, f.circleId), { mood: 3, craving: null, need: null, body: 'Fine.' });
	return checkin.id;
}

async function ownReply(f: Fixture, actor: SessionUser | null): Promise<string> {
	const author = isCurrentMember(f, actor) ? actor : f.people.owner;
	const checkinId = await ownCheckIn(f, f.people.owner);
	const { checkin } = await checkins.postReply(dbModule.getDb(), await accessOf(author, f.circleId), checkinId, 'A reply.');
	return checkin.replies[0]!.id;
}

/** A person's checked access, as a route hands it to the domain. */
async function accessOf(person: SessionUser, circleId: string) {
	const { requireMember } = await import('$lib/server/circles/access');
	return requireMember(dbModule.getDb(), person, circleId);
}

const RANK: Record<CircleRole, number> = { member: 1, admin: 2, owner: 3 };

function expected(entry: Entry, actor: Actor): Outcome {
	if (entry.except?.[actor]) return entry.except[actor]!;
	if (actor === 'signed-out') return 'login';
	if (entry.needs === 'user') return 'ok';
	if (actor === 'non-member' || actor === 'removed member') return 'not-found';
	return RANK[actor] >= RANK[entry.needs] ? 'ok' : 'forbidden';
}

type Handler = (event: unknown) => unknown;
interface RouteModule {
	load?: Handler;
	actions?: Record<string, Handler>;
	GET?: Handler;
	POST?: Handler;
}

const routeModules = import.meta.glob<RouteModule>(['/src/routes/circles/**/+{page,layout}.server.ts', '/src/routes/account/*/**/+{page,layout}.server.ts']);
const endpointModules = import.meta.glob<RouteModule>(['/src/routes/circles/**/+server.ts', '/src/routes/account/**/+server.ts']);
const handlers = new Map<string, { routeId: string; handler: Handler; isAction: boolean }>();
let domain: typeof import('$lib/server/circles/circles');
let checkins: typeof import('$lib/server/checkins/checkins');
let invites: typeof import('$lib/server/circles/invites');
let agreements: typeof import('$lib/server/boundaries/agreements');
let milestones: typeof import('$lib/server/milestones/milestones');
let recovery: typeof import('$lib/server/milestones/recovery');
let plans: typeof import('$lib/server/plans/plans');
let dbModule: typeof import('$lib/server/db');
let people: typeof import('./support/people');
let fixture: Fixture;
let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
	for (const [file, importModule] of Object.entries(routeModules)) {
		const routeDir = file.replace('/src/routes', '').replace(/\/\+(page|layout)\.server\.ts$/, '');
		const routeId = file.endsWith('+layout.server.ts') ? `${routeDir}/layout` : routeDir;
		const module = await importModule();
		if (module.load) handlers.set(`${routeId}#load`, { routeId, handler: module.load, isAction: false });
		for (const [name, action] of Object.entries(module.actions ?? {})) {
			handlers.set(`${routeId}#${name}`, { routeId, handler: action, isAction: true });
		}
	}
	for (const [file, importModule] of Object.entries(endpointModules)) {
		const routeId = file.replace('/src/routes', '').replace(/\/\+server\.ts$/, '');
		const module = await importModule();
		for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
			const handler = (module as Record<string, Handler | undefined>)[method];
			if (handler) handlers.set(`${routeId}#${method}`, { routeId, handler, isAction: method !== 'GET' });
		}
	}
	domain = await import('$lib/server/circles/circles');
	checkins = await import('$lib/server/checkins/checkins');
	invites = await import('$lib/server/circles/invites');
	agreements = await import('$lib/server/boundaries/agreements');
	milestones = await import('$lib/server/milestones/milestones');
	recovery = await import('$lib/server/milestones/recovery');
	plans = await import('$lib/server/plans/plans');
	dbModule = await import('$lib/server/db');
	people = await import('./support/people');
	fixture = await makeFixture();
	await app.snapshot();
});

// The fixture's database, put back as it was built.
beforeEach(() => app.restore());

afterAll(() => app?.dispose());

async function makeFixture(): Promise<Fixture> {
	const db = dbModule.getDb();
	const owner = await people.addUser(db, 'Owner');
	const { circleId } = await domain.createCircle(db, owner, { name: 'The Garcias', description: '' });
	const ownerAccess = await accessOf(owner, circleId);
	const join = async (name: string, role: 'member' | 'admin' = 'member') => {
		const person = await people.addUser(db, name);
		const { token } = await invites.createInvite(db, ownerAccess, { expiresInDays: 7, maxUses: 1, role, note: '' });
		await invites.acceptInvite(db, person, token);
		return person;
	};
	const admin = await join('Admin', 'admin');
	const member = await join('Member');
	const target = await join('Target');
	const removed = await join('Removed');
	await domain.removeMember(db, ownerAccess, removed.id);
	// Far from UTC, so a date that is fine in the circle would not be in a made-up one.
	await domain.changeTimeZone(db, ownerAccess, 'Pacific/Kiritimati');
	const outsider = await people.addUser(db, 'Outsider');
	await domain.createCircle(db, outsider, { name: 'Elsewhere', description: '' });
	const { inviteId } = await invites.createInvite(db, ownerAccess, { expiresInDays: 7, maxUses: 1, role: 'member', note: '' });
	await db
		.updateTable('users')
		.set({ password_hash: await hashPassword(FIXTURE_PASSWORD) })
		.execute();
	for (const person of [owner, admin, member, target]) {
		await domain.updateOwnProfile(db, await accessOf(person, circleId), { relationship: 'Family', inRecovery: true });
	}
	const words = { category: 'money' as const, body: 'No loans for now.', support: '', consequence: '', reviewOn: null };
	const proposed = await agreements.proposeAgreement(db, ownerAccess, { title: 'Loans', ...words });
	const agreed = await agreements.proposeAgreement(db, ownerAccess, { title: 'Groceries', ...words });
	const openProposalOf = async (agreementId: string) => (await agreements.getAgreement(db, ownerAccess, agreementId)).openProposal!.id;
	const agreedProposalId = await openProposalOf(agreed.agreementId);
	for (const person of [owner, admin, member, target]) {
		await agreements.answerProposal(db, await accessOf(person, circleId), agreed.agreementId, agreedProposalId, { answer: 'agree', comment: '' });
	}
	return {
		circleId,
		target,
		inviteId,
		agreements: {
			proposed: { id: proposed.agreementId, proposalId: await openProposalOf(proposed.agreementId) },
			agreed: { id: agreed.agreementId }
		},
		people: { owner, admin, member, 'removed member': removed, 'non-member': outsider }
	};
}

/** A request's body other than a form of fields, and its query string. */
interface Sending {
	search?: string;
	body?: string;
	contentType?: string;
}

function fakeEvent(
	user: SessionUser | null,
	circleId: string,
	routeId: string,
	form?: Record<string, string>,
	extraParams: Record<string, string> = {},
	{ search = '', body, contentType = 'application/x-www-form-urlencoded' }: Sending = {}
) {
	const params: Record<string, string> = { circleId, ...extraParams };
	const path = routeId.replace('/layout', '').replace(/\[(\w+)\]/g, (_, name: string) => params[name] ?? name);
	const url = new URL(`http://hearth.test${path}${search}`);
	const request = new Request(url, { method: 'POST', body: body ?? new URLSearchParams(form ?? {}), headers: { 'content-type': contentType } });
	return routeEvent({ user, routeId, params, url, request });
}

async function run(handler: Handler, event: unknown): Promise<Outcome> {
	try {
		const result = await handler(event);
		if (isActionFailure(result)) return result.status === 404 ? 'not-found' : result.status === 403 ? 'forbidden' : 'invalid';
		if (result instanceof Response && !result.ok) return result.status === 404 ? 'not-found' : 'invalid';
		return 'ok';
	} catch (error) {
		if (isRedirect(error)) return error.location.startsWith('/login') ? 'login' : 'ok';
		if (isHttpError(error)) return error.status === 404 ? 'not-found' : error.status === 403 ? 'forbidden' : 'invalid';
		throw error;
	}
}

/** An answer in full, to compare two of them: status, body or failure data, where a redirect goes. */
async function answerOf(handler: Handler, event: unknown): Promise<unknown> {
	try {
		const result = await handler(event);
		if (isActionFailure(result)) return { failure: result.status, data: result.data };
		if (result instanceof Response) return { response: result.status, body: await result.text() };
		return { success: result };
	} catch (error) {
		if (isRedirect(error)) return { redirect: error.status, location: error.location };
		if (isHttpError(error)) return { error: error.status, body: error.body };
		throw error;
	}
}

const OUTSIDERS = ['signed-out', 'non-member', 'removed member'] as const;
const NOT_FOUND = { error: 404, body: { message: 'Not found' } };
const DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Attempt {
	what: string;
	form?: Record<string, string>;
	sending?: Sending;
}

/** What an outsider might send an action: nothing, rubbish, too much, and any date there is. */
function outsiderAttempts(valid: Record<string, string>): Attempt[] {
	const every = (value: string) => Object.fromEntries(Object.keys(valid).map((name) => [name, value]));
	const attempts: Attempt[] = [
		{ what: 'an empty form', form: {} },
		{ what: 'every field empty', form: every('') },
		{ what: 'every field too long, with control characters', form: every(`\u0000${'x'.repeat(20_000)}\u202E`) },
		{ what: 'a body that is not a form', sending: { body: '{"not":"a form"}', contentType: 'application/json' } },
		{ what: 'the valid form', form: valid }
	];
	const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
	const dates: Array<[string, string]> = [
		['long past', '2001-02-03'],
		['yesterday', day(-1)],
		['today', day(0)],
		['tomorrow', day(1)],
		['far ahead', '2999-12-31'],
		['not a date', '31/12/2025']
	];
	for (const [name, value] of Object.entries(valid)) {
		if (!DATE.test(value)) continue;
		for (const [what, date] of dates) attempts.push({ what: `${name} ${what}`, form: { ...valid, [name]: date } });
	}
	return attempts;
}

/** `answer` with the circle's id written as `circleId` (a redirect to log in names the address). */
function withCircleId(answer: unknown, circleId: string, as: string): unknown {
	return JSON.parse(JSON.stringify(answer).replaceAll(circleId, as));
}

describe('an outsider learns nothing but "not found"', () => {
	// Every action of a circle, tried by every kind of outsider with anything they might send: the
	// answer is exactly the one for a circle that does not exist, so no validation message, no
	// date rule and no rule's refusal tells a real circle from a made-up id. Each action checks
	// membership before it reads the form or anything of the circle.
	const circleActions = Object.keys(MATRIX).filter((key) => key.startsWith('/circles/[circleId]') && !key.endsWith('#load') && !key.endsWith('#GET'));
	const madeUpId = 'zzzzzzzzzzzzzzzzzzzzzzzz';

	it('tries every action of every circle route', () => {
		const actions = [...handlers].filter(([key, { isAction, routeId }]) => isAction && routeId.startsWith('/circles/[circleId]') && key in MATRIX);
		expect(circleActions.sort()).toEqual(actions.map(([key]) => key).sort());
		expect(circleActions.length).toBeGreaterThan(25);
	});

	for (const key of circleActions) {
		for (const actor of OUTSIDERS) {
			it(`${key}: ${actor}, whatever is sent → as for a made-up circle`, async () => {
				const entry = MATRIX[key]!;
				const { routeId, handler } = handlers.get(key)!;
				const user = actor === 'signed-out' ? null : fixture.people[actor];
				const valid = (await entry.form?.(fixture, user)) ?? {};
				for (const { what, form, sending } of outsiderAttempts(valid)) {
					const ask = (circleId: string) => answerOf(handler, fakeEvent(user, circleId, routeId, form, entry.params?.(fixture), sending));
					const real = await ask(fixture.circleId);
					const madeUp = await ask(madeUpId);
					expect(withCircleId(real, fixture.circleId, 'circleId'), what).toEqual(withCircleId(madeUp, madeUpId, 'circleId'));
					if (actor === 'signed-out') expect(real, what).toMatchObject({ redirect: 303, location: expect.stringMatching(/^\/login\?redirectTo=/) });
					else expect(real, what).toEqual(NOT_FOUND);
				}
			});
		}
	}

	for (const actor of OUTSIDERS) {
		it(`/circles/[circleId]/checkins#GET: ${actor}, whatever is asked → as for a made-up circle`, async () => {
			const { routeId, handler } = handlers.get('/circles/[circleId]/checkins#GET')!;
			const user = actor === 'signed-out' ? null : fixture.people[actor];
			const owner = fixture.people.owner.id;
			for (const search of ['', '?before=', '?before=rubbish', `?before=${'x'.repeat(5_000)}`, `?author=${owner}`, '?author=nobody&before=2026-01-01']) {
				const ask = (circleId: string) => answerOf(handler, fakeEvent(user, circleId, routeId, undefined, {}, { search }));
				const real = await ask(fixture.circleId);
				expect(real, search).toEqual(NOT_FOUND);
				expect(real, search).toEqual(await ask(madeUpId));
			}
		});
	}
});

describe('the audience of a check-in, one more dimension (issue 20)', () => {
	// The owner writes one check-in for only themselves and one for the admin. Every path that reads
	// or answers a check-in treats one not shared with the actor exactly as outsiders are treated.
	async function privateCheckIns() {
		const db = dbModule.getDb();
		const ownerAccess = await accessOf(fixture.people.owner, fixture.circleId);
		const words = { mood: 2, craving: null, need: null };
		const journal = await checkins.postCheckIn(db, ownerAccess, { ...words, body: 'Journal words', audience: 'self' });
		const forAdmin = await checkins.postCheckIn(db, ownerAccess, {
			...words,
			body: 'Words for the admin',
			audience: 'chosen',
			audienceMembers: [fixture.people.admin.id]
		});
		return { journal, forAdmin };
	}
	const sees = { owner: ['Journal words', 'Words for the admin'], admin: ['Words for the admin'], member: [] as string[] } as const;

	for (const actor of CURRENT) {
		it(`${actor}: the circle's page, a member's page and the check-ins endpoint show exactly what is shared with them`, async () => {
			await privateCheckIns();
			const user = fixture.people[actor as 'member'];
			const reads: Array<[string, Record<string, string>, Sending?]> = [
				['/circles/[circleId]#load', {}],
				['/circles/[circleId]/members/[userId]#load', { userId: fixture.people.owner.id }],
				['/circles/[circleId]/checkins#GET', {}],
				['/circles/[circleId]/checkins#GET', {}, { search: `?author=${fixture.people.owner.id}` }]
			];
			for (const [key, params, sending] of reads) {
				const { routeId, handler } = handlers.get(key)!;
				const text = JSON.stringify(await answerOf(handler, fakeEvent(user, fixture.circleId, routeId, undefined, params, sending)));
				for (const body of ['Journal words', 'Words for the admin']) {
					expect(text.includes(body), `${key} ${sending?.search ?? ''}: ${body}`).toBe((sees[actor as 'member'] as readonly string[]).includes(body));
				}
			}
		});

		it(`${actor}: reacting to or replying to a check-in not shared with them → not found, as for an outsider`, async () => {
			const { journal, forAdmin } = await privateCheckIns();
			const user = fixture.people[actor as 'member'];
			for (const checkin of [journal, forAdmin]) {
				const visible = (sees[actor as 'member'] as readonly string[]).includes(checkin.body);
				for (const [key, form] of [
					['/circles/[circleId]#react', { checkinId: checkin.id, kind: 'love' }],
					['/circles/[circleId]#reply', { checkinId: checkin.id, body: 'Here for you.' }]
				] as const) {
					const { routeId, handler } = handlers.get(key)!;
					expect(await run(handler, fakeEvent(user, fixture.circleId, routeId, form)), `${key} ${checkin.body}`).toBe(visible ? 'ok' : 'not-found');
				}
			}
		});
	}

	it('posting for someone outside the circle, a made-up id or nobody: a message next to the field, nothing stored', async () => {
		const { routeId, handler } = handlers.get('/circles/[circleId]#post')!;
		const before = await dbModule.getDb().selectFrom('checkins').select('id').execute();
		for (const audienceMembers of [fixture.people['non-member'].id, fixture.people['removed member'].id, 'made-up', '']) {
			const form = { mood: '3', body: 'For some', audience: 'chosen', ...(audienceMembers ? { audienceMembers } : {}) };
			const answer = await answerOf(handler, fakeEvent(fixture.people.member, fixture.circleId, routeId, form));
			expect(answer, audienceMembers).toMatchObject({ failure: 400, data: { errors: { audienceMembers: expect.any(String) }, values: { body: 'For some' } } });
		}
		expect(await dbModule.getDb().selectFrom('checkins').select('id').execute()).toEqual(before);
	});
});

describe('the authorization matrix', () => {
	it('covers every load and action of every circle route and of the account’s data pages, and nothing that does not exist', () => {
		expect([...handlers.keys()].sort()).toEqual(Object.keys(MATRIX).sort());
	});

	for (const [key, entry] of Object.entries(MATRIX)) {
		for (const actor of ACTORS) {
			const outcome = expected(entry, actor);
			it(`${key}: ${actor} → ${outcome}`, async () => {
				const found = handlers.get(key);
				expect(found, `${key} is exported by a route`).toBeDefined();
				const user = actor === 'signed-out' ? null : fixture.people[actor];
				const form = await entry.form?.(fixture, user);
				const event = fakeEvent(user, fixture.circleId, found!.routeId, form, entry.params?.(fixture));
				expect(await run(found!.handler, event)).toBe(outcome);
			});
		}
	}

	it('gives every signed-in person their own data and nobody else’s', async () => {
		const everyone = Object.values(fixture.people);
		for (const person of everyone) {
			const others = everyone.filter((other) => other.id !== person.id);
			const { routeId, handler } = handlers.get('/account/export#GET')!;
			const response = (await handler(fakeEvent(person, fixture.circleId, routeId))) as Response;
			const text = await response.text();
			expect(JSON.parse(text).account).toMatchObject({ id: person.id, email: person.email });
			for (const other of others) expect(text, `${person.displayName}'s export`).not.toContain(other.email);
			const page = handlers.get('/account/data#load')!;
			const data = JSON.stringify(await page.handler(fakeEvent(person, fixture.circleId, page.routeId)));
			expect(data).toContain(person.email);
			for (const other of others) expect(data, `${person.displayName}'s page`).not.toContain(other.email);
		}
	});

	it('deletes only the signed-in person’s account, whatever the form names, and nothing without the password', async () => {
		const { routeId, handler } = handlers.get('/account/delete#delete')!;
		const { member, owner } = fixture.people;
		const users = () => dbModule.getDb().selectFrom('users').select('id').execute();
		const before = await users();
		const wrong = fakeEvent(member, fixture.circleId, routeId, { password: 'a guess', userId: owner.id });
		expect(await answerOf(handler, wrong)).toMatchObject({ failure: 400, data: { errors: { password: expect.any(String) } } });
		expect(await users()).toEqual(before);

		const tampered = fakeEvent(member, fixture.circleId, routeId, { password: FIXTURE_PASSWORD, userId: owner.id, id: owner.id });
		expect(await answerOf(handler, tampered)).toEqual({ redirect: 303, location: '/goodbye' });
		expect((await users()).map((user) => user.id).sort()).toEqual(
			before
				.map((user) => user.id)
				.filter((id) => id !== member.id)
				.sort()
		);
	});

	it('takes a member asking for someone no longer in the circle to the members list, and an outsider to 404', async () => {
		const { routeId, handler } = handlers.get('/circles/[circleId]/members/[userId]#load')!;
		const gone = fixture.people['removed member'].id;
		for (const userId of [gone, 'zzzzzzzzzzzzzzzzzzzzzzzz']) {
			const asMember = fakeEvent(fixture.people.member, fixture.circleId, routeId, undefined, { userId });
			expect(await answerOf(handler, asMember)).toEqual({ redirect: 303, location: `/circles/${fixture.circleId}/members?notHere=1` });
			const asOutsider = fakeEvent(fixture.people['non-member'], fixture.circleId, routeId, undefined, { userId });
			expect(await answerOf(handler, asOutsider)).toEqual(NOT_FOUND);
		}
	});

	it('answers 404 for a made-up or malformed circle id, even to a member of other circles', async () => {
		const load = handlers.get('/circles/[circleId]/members#load')!;
		for (const circleId of ['zzzzzzzzzzzzzzzzzzzzzzzz', '../etc', "x' OR 1=1 --", '']) {
			const event = fakeEvent(fixture.people.owner, fixture.circleId, load.routeId);
			event.params.circleId = circleId;
			expect(await run(load.handler, event)).toBe('not-found');
		}
	});
});
