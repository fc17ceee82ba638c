// Push notifications (issue 18, item 3): after a change committed, on the server that committed it
// (publish.ts tells its listeners), the members it concerns who have no live connection open on any
// server hear of it on their devices, once per circle until they read it. Nothing here runs on a
// request's path: the listener only queues the events, and a loop here works through them.
//
// For each event (in order; at most MAX_WAITING_EVENTS wait, beyond that they are dropped, said once):
// 1. news at all? (messages.ts isNews; edits, removals and housekeeping never cost a query);
// 2. who of the circle's other members has a subscription and no notice waiting (push_notices),
//    with their choices (preferences.ts);
// 3. their level lets it through (messages.ts reaches), it is not their quiet hours;
// 4. they have no socket open on any server (publish.ts onlineUserIds: over Redis with several);
// 5. the notice is claimed (INSERT … ON CONFLICT DO NOTHING: of two servers, one pushes);
// 6. one push to each of their subscriptions (sender.ts, bounded).
// A removed member is no longer among the circle's members, and their choices and notices went
// with the membership; a private lapse writes no event at all, so it can never be pushed.
import type { Database } from '$lib/server/db';
import { isForeignKeyViolation } from '$lib/server/db/errors';
import { prepared } from '$lib/server/db/prepared';
import type { CircleEvent } from '$lib/realtime/events';
import { onCommittedEvents, onlineUserIds } from '$lib/server/realtime/publish';
import { DEFAULT_PUSH_LEVEL, type PushMessage } from '$lib/push';
import { localEndpointsAllowed } from './endpoints';
import { messageFor, reaches, isNews } from './messages';
import { isQuiet } from './preferences';
import { PushSender, type PushTarget, type SenderOptions } from './sender';
import { forgetEndpoint } from './subscriptions';
import { loadVapidKeys } from './vapid';

export { LOCAL_ENDPOINTS_FLAG, localEndpointsAllowed } from './endpoints';

/** Events waiting to be looked at, at most (each is one or two small queries). */
export const MAX_WAITING_EVENTS = 5000;

export interface PushOptions {
	env?: Record<string, string | undefined>;
	/** The clock quiet hours are read on (tests pass their own). */
	now?: () => number;
	/** Sender limits (tests make them small). */
	sender?: Pick<SenderOptions, 'concurrency' | 'maxWaiting' | 'timeoutMs' | 'log'>;
}

export interface PushService {
	/** The VAPID public key browsers subscribe with. */
	publicKey: string;
	readonly sender: PushSender;
	/** Whether endpoints on 127.0.0.1 are allowed (the test flag). */
	allowLocal: boolean;
	/** Pushes a message to every subscription of these members (the daily reminder). */
	pushToMembers(userIds: string[], message: PushMessage): Promise<void>;
	/** Resolves once every queued event is looked at and every push is answered. */
	idle(): Promise<void>;
	stop(): void;
}

let current: PushService | null = null;

/** The running push service, or null (no start yet: scripts, unit tests of other things). */
export function getPush(): PushService | null {
	return current;
}

/** The member read the circle: the next news of it may be pushed again. */
export async function clearPushNotice(db: Database, userId: string, circleId: string): Promise<void> {
	await db.deleteFrom('push_notices').where('circle_id', '=', circleId).where('user_id', '=', userId).execute();
}

/**
 * The circle's other members who have a subscription and no notice waiting, with their choices.
 * Every news event of every circle runs it, so it is built once (db/prepared.ts).
 */
const findCandidates = prepared((db, circleId: string) =>
	db
		.selectFrom('memberships')
		.innerJoin('circles', 'circles.id', 'memberships.circle_id')
		.leftJoin('push_preferences', (join) =>
			join.onRef('push_preferences.circle_id', '=', 'memberships.circle_id').onRef('push_preferences.user_id', '=', 'memberships.user_id')
		)
		.leftJoin('push_settings', 'push_settings.user_id', 'memberships.user_id')
		.select([
			'memberships.user_id',
			'circles.name',
			'push_preferences.level',
			'push_preferences.hide_name',
			'push_settings.time_zone',
			'push_settings.quiet_start',
			'push_settings.quiet_end'
		])
		.where('memberships.circle_id', '=', circleId)
		.where((eb) =>
			eb.and([
				eb.exists(
					eb.selectFrom('push_subscriptions').select('push_subscriptions.endpoint').whereRef('push_subscriptions.user_id', '=', 'memberships.user_id')
				),
				eb.not(
					eb.exists(
						eb
							.selectFrom('push_notices')
							.select('push_notices.user_id')
							.whereRef('push_notices.circle_id', '=', 'memberships.circle_id')
							.whereRef('push_notices.user_id', '=', 'memberships.user_id')
					)
				)
			])
		)
);

async function targetsOf(db: Database, userIds: string[]): Promise<Array<PushTarget & { userId: string }>> {
	if (userIds.length === 0) return [];
	const rows = await db.selectFrom('push_subscriptions').select(['endpoint', 'p256dh', 'auth', 'user_id']).where('user_id', 'in', userIds).execute();
	return rows.map((row) => ({ endpoint: row.endpoint, p256dh: row.p256dh, auth: row.auth, userId: row.user_id }));
}

/** Starts listening for committed events and sending their pushes. One per process. */
export async function startPush(db: Database, options: PushOptions = {}): Promise<PushService> {
	current?.stop();
	const env = options.env ?? process.env;
	const now = options.now ?? Date.now;
	const keys = await loadVapidKeys(db, env);
	const allowLocal = localEndpointsAllowed(env);
	const log = options.sender?.log ?? console.error;
	const sender = new PushSender({ keys, allowLocal, onGone: (endpoint) => forgetEndpoint(db, endpoint), ...options.sender });
	const waiting: CircleEvent[] = [];
	let working: Promise<void> | null = null;
	let droppedSaid = false;
	let stopped = false;

	async function consider(event: CircleEvent): Promise<void> {
		const candidates = await findCandidates(db, event.circleId);
		const at = now();
		const chosen = candidates.filter((member) => reaches(event, member.user_id, member.level ?? DEFAULT_PUSH_LEVEL) && !isQuiet(member, at));
		if (chosen.length === 0) return;
		const online = new Set(await onlineUserIds(event.circleId));
		const away = chosen.filter((member) => !online.has(member.user_id));
		if (away.length === 0) return;
		// Claimed here, so two servers (or two quick events) push once; the claim waits until read.
		const claimed = await db
			.insertInto('push_notices')
			.values(away.map((member) => ({ circle_id: event.circleId, user_id: member.user_id, pushed_at: at })))
			.onConflict((conflict) => conflict.columns(['circle_id', 'user_id']).doNothing())
			.returning('user_id')
			.execute();
		const byUser = new Map(away.map((member) => [member.user_id, member]));
		for (const target of await targetsOf(
			db,
			claimed.map((row) => row.user_id)
		)) {
			const member = byUser.get(target.userId)!;
			sender.send(target, messageFor(event, member.name, member.hide_name === 1), event.circleId);
		}
	}

	async function work(): Promise<void> {
		while (waiting.length > 0 && !stopped) {
			const event = waiting.shift()!;
			try {
				await consider(event).catch((error: unknown) => {
					// A member left between the lookup and the notice's insert (its membership is the
					// notice's parent): once more, without them, so the others still hear of it.
					if (isForeignKeyViolation(error)) return consider(event);
					throw error;
				});
			} catch (error) {
				log(`Push: event ${event.type} of a circle could not be looked at: ${(error as Error).message}`);
			}
		}
		if (waiting.length < MAX_WAITING_EVENTS / 2) droppedSaid = false;
		working = null;
	}

	const unlisten = onCommittedEvents((events) => {
		for (const event of events) {
			if (!isNews(event)) continue;
			if (waiting.length >= MAX_WAITING_EVENTS) {
				if (!droppedSaid) log(`Push: ${waiting.length} events are waiting already; pushes for newer ones are dropped until there is room.`);
				droppedSaid = true;
				continue;
			}
			waiting.push(event);
		}
		// After the publisher returns: the request that committed never waits for any of it.
		if (!working && waiting.length > 0) working = new Promise<void>((resolve) => setImmediate(resolve)).then(work);
	});

	const service: PushService = {
		publicKey: keys.publicKey,
		sender,
		allowLocal,
		async pushToMembers(userIds, message) {
			for (const target of await targetsOf(db, userIds)) sender.send(target, message);
		},
		async idle() {
			while (working) await working;
			await sender.idle();
		},
		stop() {
			stopped = true;
			unlisten();
			if (current === service) current = null;
		}
	};
	current = service;
	return service;
}
