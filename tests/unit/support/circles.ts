// One way for every test to make a circle with people in it: the owner (Maria, unless named)
// creates it and invites each person with a real single-use invite, as in the app.
import { expect } from 'vitest';
import type { Database } from '$lib/server/db';
import type { SessionUser } from '$lib/server/auth/sessions';
import { requireMember, type CircleAccess, type CircleRole } from '$lib/server/circles/access';
import { createCircle } from '$lib/server/circles/circles';
import { acceptInvite, createInvite } from '$lib/server/circles/invites';
import { addUser } from './people';

/** A tuple of SessionUsers as long as the tuple of names. */
export type PeopleOf<N extends readonly string[]> = { [K in keyof N]: SessionUser };

export interface CircleOptions {
	/** When the circle is created; each person joins a millisecond after the one before. */
	at?: number;
	timeZone?: string;
	name?: string;
	/** The role each invited person gets (all members unless given). */
	roles?: Record<string, Exclude<CircleRole, 'owner'>>;
}

export interface TestCircle<N extends readonly string[]> {
	circleId: string;
	/** The owner first, then each named person, in order. */
	people: PeopleOf<['Maria', ...N]>;
	owner: SessionUser;
	/** A person's checked access, as a route would have it. */
	accessOf(person: SessionUser): Promise<CircleAccess>;
}

/** A circle owned by Maria with the named people in it. */
export async function circleOf<const N extends readonly string[]>(db: Database, names: N, options: CircleOptions = {}): Promise<TestCircle<N>> {
	const at = options.at ?? Date.now();
	const owner = await addUser(db, 'Maria');
	const { circleId } = await createCircle(
		db,
		owner,
		{ name: options.name ?? 'The Garcias', description: '', ...(options.timeZone ? { timeZone: options.timeZone } : {}) },
		at
	);
	const people: SessionUser[] = [owner];
	for (const [i, name] of names.entries()) {
		const person = await addUser(db, name);
		await joinCircle(db, circleId, owner, person, at + i + 1, options.roles?.[name] ?? 'member');
		people.push(person);
	}
	return {
		circleId,
		owner,
		people: people as PeopleOf<['Maria', ...N]>,
		accessOf: (person) => requireMember(db, person, circleId)
	};
}

/** Brings a person into a circle through a single-use invite from `inviter`. */
export async function joinCircle(
	db: Database,
	circleId: string,
	inviter: SessionUser,
	person: SessionUser,
	at = Date.now(),
	role: Exclude<CircleRole, 'owner'> = 'member'
): Promise<SessionUser> {
	const access = await requireMember(db, inviter, circleId);
	const { token } = await createInvite(db, access, { expiresInDays: 7, maxUses: 1, role, note: '' }, at);
	expect(await acceptInvite(db, person, token, at)).toMatchObject({ ok: true, alreadyMember: false });
	return person;
}
