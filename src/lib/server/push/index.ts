// Push notifications (issue 18, item 3): after a change committed, on the server that committed it
// (publish.ts tells its listeners), the members it concerns who have no live connection open on any
// server hear of it on their devices, once per circle until they read it. Nothing here runs on a
// request's path: the listener only queues the events, and a loop here works through them.
//
// The events of a moment (GATHER_MS) are worked out together, in order (at most MAX_WAITING_EVENTS
// wait, beyond that they are dropped, said once):
// 1. news at all? (messages.ts isNews; edits, removals and housekeeping never cost a query);
// 2. who of the circle's other members has a subscription and no notice waiting (push_notices),
//    with their choices (preferences.ts);
// 3. their level lets it through (messages.ts reaches), it is not their quiet hours;
// 4. they have no socket open on any server (publish.ts onlineUserIds: over Redis with several);
// 5. the notices are claimed, all in one INSERT … ON CONFLICT DO NOTHING (of two servers, one pushes);
// 6. one push to each of their subscriptions (sender.ts, bounded).
// A removed member is no longer among the circle's members, and their choices and notices went
// with the membership; a private lapse writes no event at all, so it can never be pushed.
import type { Database } from '$lib/server/db';
import { isForeignKeyViolation } from '$lib/server/db/errors';
import { prepared } from '$lib/server/db/prepared';
import { isCheckInEvent, type CircleEvent } from '$lib/realtime/events';
import { maySeeCheckIn } from '$lib/checkins';
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

/**
 * How long the events of a moment gather before their pushes are worked out together (one claim,
 * so one commit, for all of them). A push a quarter of a second later is no later to a phone.
 */
export const GATHER_MS = 250;
/** Notices claimed by one INSERT at most (three values each, well within both databases' limits). */
const MAX_CLAIMS_PER_INSERT = 500;

type Candidate = Awaited<ReturnType<typeof findCandidates>>[number];
interface Notice {
	event: CircleEvent;
	member: Candidate;
}
const noticeKey = (circleId: string, userId: string) => `${circleId} ${userId}`;

export interface PushOptions {
	env?: Record<string, string | undefined>;
	/** The clock quiet hours are read on (tests pass their own). */
	now?: () => number;
	/** How long events gather before their pushes are worked out (GATHER_MS). */
	gatherMs?: number;
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
				eb.exists(eb.selectFrom('push_subscriptions').select('push_subscriptions.endpoint').whereRef('push_subscriptions.user_id', '=', 'memberships.user_id')),
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
	const gatherMs = options.gatherMs ?? GATHER_MS;
	const keys = await loadVapidKeys(db, env);
	const allowLocal = localEndpointsAllowed(env);
	const log = options.sender?.log ?? console.error;
	const sender = new PushSender({ keys, allowLocal, onGone: (endpoint) => forgetEndpoint(db, endpoint), ...options.sender });
	const waiting: CircleEvent[] = [];
	let working: Promise<void> | null = null;
	let droppedSaid = false;
	let stopped = false;

	/** Who of the circle's members this event would reach now (steps 2–4), claimed or not. */
	async function membersToTell(event: CircleEvent, at: number): Promise<Candidate[]> {
		const candidates = await findCandidates(db, event.circleId);
		// Nobody hears of a check-in they may not see (issue 20): a private one is never pushed.
		const mayKnow = (userId: string) => !isCheckInEvent(event) || maySeeCheckIn(event.payload.checkin, userId);
		const chosen = candidates.filter(
			(member) => mayKnow(member.user_id) && reaches(event, member.user_id, member.level ?? DEFAULT_PUSH_LEVEL) && !isQuiet(member, at)
		);
		if (chosen.length === 0) return [];
		const online = new Set(await onlineUserIds(event.circleId));
		return chosen.filter((member) => !online.has(member.user_id));
	}

	/** Claims the notices (step 5): the pairs this server is to push. */
	async function claim(notices: Notice[], at: number): Promise<Notice[]> {
		const insert = (some: Notice[]) =>
			db
				.insertInto('push_notices')
				.values(some.map(({ event, member }) => ({ circle_id: event.circleId, user_id: member.user_id, pushed_at: at })))
				.onConflict((conflict) => conflict.columns(['circle_id', 'user_id']).doNothing())
				.returning(['circle_id', 'user_id'])
				.execute();
		let claimed: Array<{ circle_id: string; user_id: string }> = [];
		try {
			for (let from = 0; from < notices.length; from += MAX_CLAIMS_PER_INSERT)
				claimed.push(...(await insert(notices.slice(from, from + MAX_CLAIMS_PER_INSERT))));
		} catch (error) {
			if (!isForeignKeyViolation(error)) throw error;
			// A member left between the lookup and the claim (the membership is the notice's parent):
			// one at a time, so the others still hear of it. Claims made before are found again as
			// conflicts, so they are not pushed twice.
			claimed = [];
			for (const notice of notices) {
				try {
					claimed.push(...(await insert([notice])));
				} catch (single) {
					if (!isForeignKeyViolation(single)) throw single;
				}
			}
		}
		const wanted = new Map(notices.map((notice) => [noticeKey(notice.event.circleId, notice.member.user_id), notice]));
		return claimed.flatMap((row) => wanted.get(noticeKey(row.circle_id, row.user_id)) ?? []);
	}

	/**
	 * Steps 2–6 for the events that gathered: one claim for all of them. On SQLite every commit is
	 * an fsync on this thread, so a claim per event (a hundred a second in a busy fan-out) cost
	 * the requests more than the pushes themselves (BENCHMARKS.md, issue 18).
	 */
	async function considerAll(events: CircleEvent[]): Promise<void> {
		const at = now();
		const notices = new Map<string, Notice>();
		for (const event of events) {
			try {
				for (const member of await membersToTell(event, at)) {
					const key = noticeKey(event.circleId, member.user_id);
					// The first news of a circle is the one pushed; the rest collapse into it.
					if (!notices.has(key)) notices.set(key, { event, member });
				}
			} catch (error) {
				log(`Push: event ${event.type} of a circle could not be looked at: ${(error as Error).message}`);
			}
		}
		if (notices.size === 0) return;
		const claimed = await claim([...notices.values()], at);
		const byUser = new Map<string, Notice[]>();
		for (const notice of claimed) {
			const theirs = byUser.get(notice.member.user_id);
			if (theirs) theirs.push(notice);
			else byUser.set(notice.member.user_id, [notice]);
		}
		for (const target of await targetsOf(db, [...byUser.keys()])) {
			for (const { event, member } of byUser.get(target.userId)!) {
				sender.send(target, messageFor(event, member.name, member.hide_name === 1), event.circleId);
			}
		}
	}

	async function work(): Promise<void> {
		while (waiting.length > 0 && !stopped) {
			const events = waiting.splice(0, waiting.length);
			try {
				await considerAll(events);
			} catch (error) {
				log(`Push: ${events.length} events could not be pushed: ${(error as Error).message}`);
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
		// After the publisher returns (the request that committed never waits for any of it), and
		// after the events of the next moment have gathered too.
		if (!working && waiting.length > 0) working = new Promise<void>((resolve) => setTimeout(resolve, gatherMs)).then(work);
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
			void sender.close();
			if (current === service) current = null;
		}
	};
	current = service;
	return service;
}
