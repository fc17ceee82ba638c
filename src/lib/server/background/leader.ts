// One server does each background job (issue 17, point 5). With several Hearth servers on one
// database, the milestone clock and the housekeeping run on one of them at a time: the one holding
// the job's lease, a row in `background_leases` (migrations/*/0014_background_leases.sql).
//
// Every server has a random holder id. Every RENEW_EVERY_MS it tries to take or renew each job's
// lease with ONE atomic statement (an upsert that overwrites the row only if it is its own or has
// expired), and holds the lease iff the row comes back with its id. The same statement serves SQLite
// and PostgreSQL: on SQLite the writer lock makes it atomic, on PostgreSQL the upsert locks the
// conflicting row, so of any number of servers trying at once exactly one gets it. A lease lasts
// LEASE_MS; just before each run the job renews it again, and runs only if that succeeds. A server
// that stops gracefully gives its leases up (another takes over at its next try, within
// RENEW_EVERY_MS); one that dies loses them when they expire (within LEASE_MS + RENEW_EVERY_MS).
//
// Times are the servers' own clocks (Date.now()), so they must agree to well within LEASE_MS, as
// NTP keeps them. A plain row, not a PostgreSQL advisory lock, because the same code then serves
// both dialects and a lock held by a pooled connection would not say which server holds it.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Database } from '../db';
import { isDatabaseUnavailable } from '../db/unavailable';

/** How long a lease lasts without renewal. */
export const LEASE_MS = 30_000;
/** How often each server tries to take or renew its leases. */
export const RENEW_EVERY_MS = 10_000;

/** The background jobs that run on one server at a time. */
export const MILESTONE_CLOCK_JOB = 'milestone-clock';
export const HOUSEKEEPING_JOB = 'housekeeping';

/** A server's id in `background_leases.holder`: host and pid for whoever reads the table, and a random part. */
export function newHolderId(): string {
	return `${hostname()}/${process.pid}/${randomBytes(8).toString('hex')}`;
}

export interface LeasesOptions {
	holder?: string;
	leaseMs?: number;
	/** The clock (tests pass their own). */
	now?: () => number;
}

/** One server's side of the leases: take, renew, give up. */
export class Leases {
	readonly holder: string;
	readonly leaseMs: number;
	readonly #db: Database;
	readonly #now: () => number;
	/** Job → until when this server holds it (by its own clock), as of its last successful try. */
	readonly #heldUntil = new Map<string, number>();

	constructor(db: Database, { holder = newHolderId(), leaseMs = LEASE_MS, now = Date.now }: LeasesOptions = {}) {
		this.#db = db;
		this.holder = holder;
		this.leaseMs = leaseMs;
		this.#now = now;
	}

	/**
	 * Takes the job's lease, or renews it if it is already this server's: one statement. True iff
	 * this server holds it now (for the next leaseMs). A database error is thrown, and leaves what
	 * this server believed it held until that expires (nobody else can take it before then).
	 */
	async tryHold(job: string, now = this.#now()): Promise<boolean> {
		const expiresAt = now + this.leaseMs;
		const row = await this.#db
			.insertInto('background_leases')
			.values({ job, holder: this.holder, expires_at: expiresAt })
			.onConflict((conflict) =>
				conflict
					.column('job')
					.doUpdateSet((eb) => ({ holder: eb.ref('excluded.holder'), expires_at: eb.ref('excluded.expires_at') }))
					.where((eb) => eb.or([eb('background_leases.holder', '=', eb.ref('excluded.holder')), eb('background_leases.expires_at', '<=', now)]))
			)
			.returning('holder')
			.executeTakeFirst();
		const held = row?.holder === this.holder;
		if (held) this.#heldUntil.set(job, expiresAt);
		else this.#heldUntil.delete(job);
		return held;
	}

	/** True if this server's last try took the lease and it has not expired since (no query). */
	holds(job: string, now = this.#now()): boolean {
		const until = this.#heldUntil.get(job);
		return until !== undefined && now < until;
	}

	/** Gives the job's lease up if it is this server's, so another server takes it at its next try. */
	async release(job: string): Promise<void> {
		this.#heldUntil.delete(job);
		await this.#db.deleteFrom('background_leases').where('job', '=', job).where('holder', '=', this.holder).execute();
	}
}

export interface BackgroundLeader {
	readonly leases: Leases;
	/** Whether this server holds each job's lease right now (for /healthz). */
	held(): Record<string, boolean>;
	/**
	 * Runs `run` at once and every `everyMs`, and at once when this server takes the job over, but
	 * each time only if renewing the lease just before succeeds. Runs never overlap.
	 */
	schedule(job: string, everyMs: number, run: () => Promise<unknown>): void;
	/** Stops renewing and running, and gives every lease up (a graceful shutdown). */
	stop(): Promise<void>;
}

export interface LeaderOptions extends LeasesOptions {
	renewEveryMs?: number;
}

/** What the leader logs when the database cannot be reached, and when it is back (one line each). */
export const DATABASE_LOST = (reason: string) =>
	`Background jobs are waiting: the database cannot be reached (${reason}). They go on by themselves once it is back.`;
export const DATABASE_BACK = 'Background jobs: the database is back.';

/**
 * The leader's log of failures. A database that cannot be reached (isDatabaseUnavailable) is said
 * once, in one line with no stack, however many tries fail meanwhile (every job tries every
 * renewEveryMs), and once more when a try succeeds again. Anything else is a bug: logged each
 * time, with its stack. Tries overlap (one per job), so a try's outcome counts only if it began
 * after the last change was noted: a success sent just before the database went away, answered
 * after the first failure, does not make it "back" (nor an old failure make it "lost" again).
 */
function failureLog() {
	let lost = false;
	/** Counts the changes noted (lost, back): a try began in the epoch `begin()` gave it. */
	let epoch = 0;
	return {
		begin: () => epoch,
		failed(began: number, what: string, error: unknown) {
			if (!isDatabaseUnavailable(error)) return console.error(what, error);
			if (lost || began !== epoch) return;
			lost = true;
			epoch += 1;
			const message = error instanceof Error ? error.message : String(error);
			console.error(DATABASE_LOST(message.split('\n', 1)[0] || 'no reason given'));
		},
		reached(began: number) {
			if (!lost || began !== epoch) return;
			lost = false;
			epoch += 1;
			console.log(DATABASE_BACK);
		}
	};
}

/** Starts taking and renewing the leases of `jobs` every renewEveryMs, on this server's behalf. */
export function startBackgroundLeader(db: Database, jobs: readonly string[], options: LeaderOptions = {}): BackgroundLeader {
	const leases = new Leases(db, options);
	const renewEveryMs = options.renewEveryMs ?? RENEW_EVERY_MS;
	const timers: NodeJS.Timeout[] = [];
	const whenTaken = new Map<string, Array<() => void>>();
	let stopped = false;
	const log = failureLog();

	/** One try at the job's lease; says (in the log too) when this server takes it over or loses it. */
	const attempt = async (job: string): Promise<{ held: boolean; taken: boolean }> => {
		const before = leases.holds(job);
		const began = log.begin();
		const held = await leases.tryHold(job).then(
			(held) => {
				log.reached(began);
				return held;
			},
			(error) => {
				log.failed(began, `Could not renew the lease of background job ${job}`, error);
				return leases.holds(job);
			}
		);
		if (held !== before && !stopped) console.log(held ? `This server now runs background job ${job}.` : `Another server runs background job ${job} now.`);
		return { held, taken: held && !before };
	};
	const renew = async () => {
		for (const job of jobs) {
			if (stopped) return;
			const { taken } = await attempt(job);
			if (taken && !stopped) for (const listener of whenTaken.get(job) ?? []) listener();
		}
	};
	const renewing = setInterval(renew, renewEveryMs);
	renewing.unref();
	timers.push(renewing);

	return {
		leases,
		held: () => Object.fromEntries(jobs.map((job) => [job, leases.holds(job)])),
		schedule(job, everyMs, run) {
			let running = false;
			const tick = async () => {
				if (running || stopped) return;
				running = true;
				const began = log.begin();
				try {
					if ((await attempt(job)).held) await run();
				} catch (error) {
					log.failed(began, `Background job ${job} failed`, error);
				} finally {
					running = false;
				}
			};
			void tick();
			const timer = setInterval(tick, everyMs);
			timer.unref();
			timers.push(timer);
			whenTaken.set(job, [...(whenTaken.get(job) ?? []), () => void tick()]);
		},
		async stop() {
			if (stopped) return;
			stopped = true;
			for (const timer of timers) clearInterval(timer);
			for (const job of jobs) {
				const began = log.begin();
				await leases.release(job).catch((error) => log.failed(began, `Could not give up the lease of background job ${job}`, error));
			}
		}
	};
}

let appLeader: BackgroundLeader | undefined;

/** The app's leader (set by the init hook), for /healthz. */
export function getAppLeader(): BackgroundLeader | undefined {
	return appLeader;
}

export function setAppLeader(leader: BackgroundLeader | undefined): void {
	appLeader = leader;
}
