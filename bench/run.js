// `npm run bench`: live fan-out, writes, page speed, first-visit download size and memory of the
// production build (`node server.js`), next to a bare node:http + socket.io + better-sqlite3
// server doing the same work. With `--postgres --nodes N`, the same again with N servers on one
// throwaway PostgreSQL and one Redis, beside the one-server SQLite figures. Builds nothing: run
// `npm run build` first. See BENCHMARKS.md.
import { execFileSync, fork } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { firstVisitAssets } from './assets.js';
import { ClientFleet, compileCircleSync, nowMs } from './clients.js';
import { fixedConcurrency, get, openLoopGets, openLoopPosts } from './load.js';
import { formatReport, percentiles, writeResult } from './report.js';
import { createPostgresPool, migrate } from '../src/lib/server/db/postgres/connection.js';
import { copySqliteToPostgres } from './copy-to-postgres.js';
import { loggedErrors, ROOT, startBare, startHearth, startOptions } from './servers.js';
import { servicesUnavailable, startBenchPostgres, startBenchRedis } from './services.js';

const MEMBERS_PER_CIRCLE = 5;
const OPTIONS = {
	circles: { type: 'string', default: '200', help: 'fan-out circles (5 members each, one socket per member)' },
	rate: { type: 'string', default: '100', help: 'check-ins per second during fan-out (open loop)' },
	duration: { type: 'string', default: '15', help: 'seconds of fan-out measurement' },
	warmup: { type: 'string', default: '5', help: 'seconds of posting before each fan-out measurement (not counted)' },
	churn: {
		type: 'string',
		default: '0',
		help: 'percent of fan-out members that disconnect once during the measurement, stay away 0.2–3 s and catch up through CircleSync'
	},
	'history-circles': { type: 'string', default: '1000', help: 'circles with a check-in history (page speed runs in one)' },
	'history-checkins': { type: 'string', default: '100000', help: 'check-ins spread over the history circles' },
	'fanout-history': { type: 'string', default: '5', help: 'check-ins already in each fan-out circle' },
	'client-procs': { type: 'string', default: '2', help: 'worker processes holding the sockets' },
	'write-start': { type: 'string', default: '100', help: 'first rate (posts/s) of the write step-up' },
	'write-step': { type: 'string', default: '3', help: 'seconds per write step' },
	concurrency: { type: 'string', default: '8', help: 'connections for the page requests-per-second runs' },
	'page-seconds': { type: 'string', default: '4', help: 'seconds per page throughput run' },
	'page-requests': { type: 'string', default: '200', help: 'one-at-a-time requests per page for render time' },
	postgres: {
		type: 'boolean',
		default: false,
		help: 'also run Hearth as --nodes servers on one throwaway PostgreSQL (durable: fsync, synchronous_commit on) and one Redis'
	},
	nodes: { type: 'string', default: '2', help: 'Hearth servers on PostgreSQL + Redis (with --postgres)' },
	'pool-size': { type: 'string', default: '10', help: 'PostgreSQL connections per server (DATABASE_POOL_SIZE)' },
	'pg-seed': {
		type: 'string',
		default: 'copy',
		choices: ['copy', 'domain'],
		help: "PostgreSQL's fixture: copy the seeded SQLite file's rows (the same fixture), or seed through the domain modules (slow)"
	},
	'seed-lanes': { type: 'string', default: '8', help: 'circles seeded at a time with --pg-seed domain' },
	'pg-statements': {
		type: 'boolean',
		default: false,
		help: "load pg_stat_statements and keep PostgreSQL's costliest statements of each part in the results"
	},
	push: {
		type: 'boolean',
		default: false,
		help: 'also run the one-server fan-out twice more, without and with a push subscription for every member, one more member per circle away (no socket), to a local push sink'
	},
	'push-rounds': {
		type: 'string',
		default: '1',
		help: 'with --push: rounds of the two runs, alternating which goes first; p99 is over all the samples of each kind'
	},
	'skip-sqlite': { type: 'boolean', default: false, help: 'with --postgres: do not run the one-server SQLite Hearth' },
	'skip-bare': { type: 'boolean', default: false, help: 'do not run the bare server' },
	'skip-writes': { type: 'boolean', default: false, help: 'do not run the write step-up' },
	'skip-pages': { type: 'boolean', default: false, help: 'do not measure page speed' },
	profile: { type: 'boolean', default: false, help: 'run the servers under node --cpu-prof (profiles in bench/results/profiles/)' },
	'sql-trace': { type: 'boolean', default: false, help: 'count and time every SQL statement Hearth runs (bench/results/sql-trace-*.json)' },
	keep: { type: 'boolean', default: false, help: 'keep the temporary databases and logs' },
	help: { type: 'boolean', default: false, help: 'show this help' }
};

function readOptions() {
	const { values } = parseArgs({ options: Object.fromEntries(Object.entries(OPTIONS).map(([k, v]) => [k, { type: v.type, default: v.default }])) });
	if (values.help) {
		console.log('npm run bench -- [options]\n');
		for (const [name, spec] of Object.entries(OPTIONS))
			console.log(`  --${name.padEnd(18)} ${spec.help}${spec.type === 'string' ? ` (default ${spec.default})` : ''}`);
		process.exit(0);
	}
	const options = {};
	for (const [name, value] of Object.entries(values)) {
		const key = name.replace(/-(\w)/g, (_, c) => c.toUpperCase());
		const { type, choices } = OPTIONS[name];
		if (choices) {
			if (!choices.includes(value)) throw new Error(`--${name} must be one of ${choices.join(', ')}`);
			options[key] = value;
			continue;
		}
		options[key] = type === 'string' ? Number(value) : value;
		if (type === 'string' && !(options[key] >= 0)) throw new Error(`--${name} must be a number ≥ 0`);
	}
	if (options.churn > 100) throw new Error('--churn is a percentage of the members: 0 to 100');
	return options;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the servers and what they run on (PostgreSQL, Redis) are idle (under 10% of a core
 * over 300 ms), e.g. after a burst of disconnects.
 */
async function settle(target, maxMs = 15_000) {
	const deadline = nowMs() + maxMs;
	while (nowMs() < deadline) {
		const before = target.allCpu();
		await sleep(300);
		if ((target.allCpu() - before) / 0.3 < 0.1) return;
	}
}

const sum = (values) => values.reduce((total, v) => total + v, 0);

/** CPU share of each service between two readings of `serviceCpu()`, over `seconds`. */
function shares(before, after, seconds) {
	return Object.fromEntries(Object.keys(after).map((name) => [name, (after[name] - before[name]) / seconds]));
}
const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

/** A small seeded PRNG, so every run (and both servers) get the same sequence of posts. */
function random(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function machine() {
	const limits = readFileSync('/proc/self/limits', 'utf8');
	return {
		cores: os.availableParallelism?.() ?? os.cpus().length,
		cpuModel: os.cpus()[0]?.model,
		memoryBytes: os.totalmem(),
		node: process.version,
		serverNodeOptions: startOptions(),
		platform: `${os.type()} ${os.release()}`,
		loadAverageAtStart: os.loadavg(),
		openFilesLimit: Number(/Max open files\s+(\d+)/.exec(limits)?.[1])
	};
}

/** Other heavy work on the machine (a test run) distorts every figure: say so up front. */
function warnAboutOtherLoad() {
	try {
		const found = execFileSync('pgrep', ['-f', 'playwright test'], { encoding: 'utf8' }).trim();
		if (found) console.warn(`WARNING: a Playwright test run is in progress (pids ${found.split('\n').join(', ')}); figures will be disturbed.`);
	} catch {
		// pgrep exits 1 when nothing matches
	}
	const [oneMinute] = os.loadavg();
	if (oneMinute > 1) console.warn(`WARNING: load average is ${oneMinute.toFixed(2)} before starting; figures may be disturbed.`);
}

/**
 * How many sessions wrote last_seen_at between two times. A session's first request after a
 * minute does (one more fsync'd commit), so these fall on the phases as the clock has it; they are
 * counted (read-only, beside the running server: WAL allows it) to tell that cost apart.
 */
function sessionTouches(file, from, to) {
	const db = new Database(file, { readonly: true, fileMustExist: true });
	try {
		return db.prepare('SELECT count(*) AS n FROM sessions WHERE last_seen_at BETWEEN ? AND ?').get(from, to).n;
	} finally {
		db.close();
	}
}

/** Seeds the SQLite file `<dir>/hearth.db`, or with `databaseUrl` that PostgreSQL database, in a child process (bench/seed.js). */
function seedDatabase(options, dir, { databaseUrl, lanes } = {}) {
	const out = path.join(dir, databaseUrl ? 'seed-postgres.json' : 'seed.json');
	const file = databaseUrl ? undefined : path.join(dir, 'hearth.db');
	const args = {
		file,
		databaseUrl,
		lanes,
		out,
		fanoutCircles: options.circles,
		fanoutHistory: options.fanoutHistory,
		historyCircles: options.historyCircles,
		historyCheckins: options.historyCheckins,
		// With --push, one more member per fan-out circle, who holds no socket: the one pushes reach.
		awayMembers: options.push ? 1 : 0
	};
	return new Promise((resolve, reject) => {
		const child = fork(path.join(ROOT, 'bench/seed.js'), [JSON.stringify(args)], { stdio: 'inherit' });
		child.on('exit', (code) => (code === 0 ? resolve({ file, ...JSON.parse(readFileSync(out, 'utf8')) }) : reject(new Error(`seeding failed (exit ${code})`))));
	});
}

// ---------------------------------------------------------------------------------------------
// Push (--push)

/** How often every away member "reads" all their circles (their push notices are cleared). */
const PUSH_READ_EVERY_MS = 1000;

function startPushSink() {
	const child = fork(path.join(ROOT, 'bench/push-sink.js'), [], { stdio: 'inherit' });
	// It stands for the browsers' push services, which run elsewhere: on this machine it takes
	// only the CPU that Hearth and the members' clients leave, so its work is not counted as Hearth's.
	// SCHED_IDLE where chrt is at hand (every thread of it: it runs only on a core nothing else
	// wants, and is set aside at once when something else does); else the lowest nice.
	try {
		execFileSync('chrt', ['--all-tasks', '--idle', '--pid', '0', String(child.pid)], { stdio: 'ignore' });
	} catch {
		os.setPriority(child.pid, 19);
	}
	const ask = () =>
		new Promise((resolve) => {
			child.once('message', resolve);
			child.send('stats');
		});
	return new Promise((resolve, reject) => {
		child.once('error', reject);
		child.once('message', (keys) => resolve({ ...keys, stats: ask, stop: () => child.send('stop') }));
	});
}

/**
 * The fan-out on the same server without subscriptions and with one for every member (their
 * sockets are open, so they get none: the cost is finding that out) and for every away member (no
 * socket: they get them). Collapse allows one push per member and circle until read, so every away
 * member reads every PUSH_READ_EVERY_MS in both kinds of run (their notices are deleted), which
 * keeps pushes flowing at up to one per away member and circle per second: a busier push load than
 * any family makes.
 *
 * With --push-rounds N the two kinds alternate N times in the order without, with, with, without,
 * … (each kind goes first as often as second), so a machine that drifts during the runs (another
 * process, a warm JIT, a growing database) weighs on both alike. What is compared is POST and
 * delivery p99 over all the samples of each kind together, and each round on its own.
 */
async function pushFanout(target, members, circles, seeded, options, markers, fanoutExtras) {
	const sink = await startPushSink();
	const db = new Database(seeded.file);
	db.pragma('busy_timeout = 5000');
	const clearNotices = db.prepare('DELETE FROM push_notices');
	const clearer = setInterval(() => {
		try {
			clearNotices.run();
		} catch {
			// busy beyond the timeout: the next round clears them
		}
	}, PUSH_READ_EVERY_MS);
	const everyone = seeded.fanout.flatMap((circle) => [...circle.members, ...circle.away]);
	const insert = db.prepare('INSERT OR IGNORE INTO push_subscriptions (endpoint, session_id, user_id, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?, ?)');
	const subscribeEveryone = db.transaction(() => {
		for (const member of everyone) insert.run(`${sink.origin}/push/${member.userId}`, member.sessionId, member.userId, sink.p256dh, sink.auth, Date.now());
	});
	const unsubscribeEveryone = db.prepare('DELETE FROM push_subscriptions');
	const rounds = Math.max(1, options.pushRounds);
	const order = [];
	for (let i = 0; i < rounds; i++) order.push(...(i % 2 === 0 ? ['without', 'with'] : ['with', 'without']));
	const samples = { without: { post: [], delivery: [] }, with: { post: [], delivery: [] } };
	const runs = [];
	const sent = { pushes: 0, seconds: 0, busiestSecond: 0 };
	try {
		for (const [i, kind] of order.entries()) {
			if (kind === 'with') subscribeEveryone();
			else unsubscribeEveryone.run();
			log(`${target.name}: push: run ${i + 1} of ${order.length}, ${kind === 'with' ? `with ${everyone.length} subscriptions` : 'with no subscriptions'}…`);
			// The pushes of the run before have all arrived (none is counted in this one).
			for (let last = -1; ;) {
				const { received } = await sink.stats();
				if (received === last) break;
				last = received;
				await sleep(1000);
			}
			const before = await sink.stats();
			const startedAt = Date.now();
			const run = await liveFanout(target, members, circles, options, markers, { ...fanoutExtras, keepSamples: true });
			const after = await sink.stats();
			const seconds = (Date.now() - startedAt) / 1000;
			samples[kind].post.push(...run.samples.post);
			samples[kind].delivery.push(...run.samples.delivery);
			const pushes = after.received - before.received;
			const busiest = Math.max(0, ...after.perSecond.filter(([second]) => second * 1000 >= startedAt).map(([, count]) => count));
			if (kind === 'with') {
				sent.pushes += pushes;
				sent.seconds += seconds;
				sent.busiestSecond = Math.max(sent.busiestSecond, busiest);
			}
			runs.push({ kind, post: run.fanout.post, delivery: run.fanout.latency, missing: run.fanout.missing, duplicates: run.fanout.duplicates, pushes });
			log(
				`${target.name}: push: run ${i + 1} (${kind}): POST p99 ${run.fanout.post.p99?.toFixed(1)} ms, delivery p99 ${run.fanout.latency.p99?.toFixed(1)} ms, ${run.fanout.missing} missing, ${run.fanout.duplicates} doubled, ${pushes} pushes`
			);
		}
		const { checked, problems } = await sink.stats();
		const pooled = (kind) => ({ post: percentiles(samples[kind].post), delivery: percentiles(samples[kind].delivery) });
		const result = {
			rounds,
			without: pooled('without'),
			with: pooled('with'),
			runs,
			pushes: {
				subscriptions: everyone.length,
				awayMembers: everyone.length - members.length,
				sent: sent.pushes,
				perSecond: sent.pushes / sent.seconds,
				busiestSecond: sent.busiestSecond,
				checked,
				problems
			}
		};
		const change = (a, b) => `${a.toFixed(1)} → ${b.toFixed(1)} ms (${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(0)}%)`;
		log(
			`${target.name}: push: over ${rounds} round${rounds === 1 ? '' : 's'}: POST p99 ${change(result.without.post.p99, result.with.post.p99)}, delivery p99 ${change(result.without.delivery.p99, result.with.delivery.p99)}; ${sent.pushes} pushes (${result.pushes.perSecond.toFixed(0)}/s, busiest second ${sent.busiestSecond}); ${checked} checked, ${problems.length} problems`
		);
		return result;
	} finally {
		clearInterval(clearer);
		db.close();
		sink.stop();
	}
}

// ---------------------------------------------------------------------------------------------
// Live fan-out and memory

/** Churn: away for 0.2–3 s, so a reconnect finds from none to a few new events in its circle. */
const AWAY_MS = [200, 3000];

/**
 * Which members churn and when (seeded, so both servers get the same plan): `share` of them, each
 * disconnecting once at a random moment of the measured window and reconnecting `awayMs` later,
 * back before the window ends.
 */
function churnPlan(members, share, durationMs) {
	const pick = random(99);
	const order = members.map((m) => m.index);
	for (let i = order.length - 1; i > 0; i--) {
		const j = Math.floor(pick() * (i + 1));
		[order[i], order[j]] = [order[j], order[i]];
	}
	return order.slice(0, Math.round(members.length * share)).map((index) => {
		const awayMs = Math.min(durationMs, AWAY_MS[0] + pick() * (AWAY_MS[1] - AWAY_MS[0]));
		return { index, disconnectAtMs: pick() * (durationMs - awayMs), awayMs };
	});
}

/**
 * Connects every member, measures RSS per connection, posts for `warmup` then `duration`
 * seconds at `rate`, and matches every arrival with its post. With `--churn`, the churned
 * members get a CircleSync before the warm-up and reconnect once during the measurement.
 *
 * `target` is one server or several behind one database (see `deployment`): each member's socket
 * goes to the server its `server` number names, and the posts go to the servers in turn, so with
 * several servers most deliveries cross from one to another.
 */
async function liveFanout(target, members, circles, options, markers, { circleSyncModule, keepSamples = false } = {}) {
	const fleet = new ClientFleet(members, options.clientProcs);
	const { servers } = target;
	try {
		const before = target.rss();
		const perServer = servers.map((_, i) => members.filter((m) => (m.server ?? 0) === i).length);
		log(
			`${target.name}: connecting ${members.length} members from ${fleet.workers.length} processes${servers.length > 1 ? ` to ${servers.length} servers (${perServer.join(' + ')})` : ''}…`
		);
		const connection = await fleet.connect({ origins: servers.map((s) => s.origin) });
		log(`${target.name}: ${connection.connected} connected, ${connection.failed} refused, in ${connection.seconds.toFixed(1)} s`);
		if (connection.failed > 0) console.warn(`  connection errors: ${connection.errors.join('; ')}`);
		await sleep(2000); // the server joins rooms after its own membership query; let it settle
		const after = target.rss();
		const memory = {
			servers: servers.length,
			connections: connection.connected,
			before: sum(before),
			after: sum(after),
			perServer: servers.map((s, i) => ({ name: s.name, sockets: perServer[i], before: before[i], after: after[i] })),
			perConnection: connection.connected ? (sum(after) - sum(before)) / connection.connected : NaN
		};

		const plan = options.churn > 0 ? churnPlan(members, options.churn / 100, options.duration * 1000) : [];
		if (plan.length > 0) {
			const prepared = await fleet.prepareChurn({ indexes: plan.map((p) => p.index), module: circleSyncModule });
			log(`${target.name}: ${prepared.prepared} of ${plan.length} churning members follow their circle through CircleSync`);
			if (prepared.errors.length) console.warn(`  churn set-up errors: ${prepared.errors.join('; ')}`);
		}

		const pick = random(42);
		// The same circles and authors in the same order for every target; the servers take turns.
		const postTarget = (marker) => {
			const circle = circles[Math.floor(pick() * circles.length)];
			const authorIndex = circle[Math.floor(pick() * circle.length)];
			const server = marker % servers.length;
			return { circleId: members[authorIndex].circleId, token: members[authorIndex].token, authorIndex, server, origin: servers[server].origin };
		};

		if (options.warmup > 0) {
			log(`${target.name}: warming up for ${options.warmup} s…`);
			await openLoopPosts({ rate: options.rate, seconds: options.warmup, first: markers.next(options.rate * options.warmup), target: postTarget });
			await sleep(500);
		}
		await settle(target);
		// What the connected sockets cost with nothing happening (pings, timers), to take off below.
		const idleBefore = target.cpu();
		const idleServicesBefore = target.serviceCpu();
		await sleep(2000);
		const idleCpuShare = (target.cpu() - idleBefore) / 2;
		const idleServices = shares(idleServicesBefore, target.serviceCpu(), 2);
		await fleet.reset();
		const cpuBefore = target.cpu();
		const perServerCpuBefore = servers.map((s) => s.cpu());
		const servicesBefore = target.serviceCpu();
		const mainCpuBefore = process.cpuUsage();
		const started = nowMs();
		const startedAt = Date.now();
		log(`${target.name}: posting ${options.rate} check-ins/s for ${options.duration} s${plan.length ? `, ${plan.length} members reconnecting` : ''}…`);
		const first = markers.next(options.rate * options.duration);
		const churnStarted = plan.length ? fleet.startChurn({ at: started, plan }) : null;
		const records = await openLoopPosts({ rate: options.rate, seconds: options.duration, first, target: postTarget });
		const postedFor = (nowMs() - started) / 1000;
		await churnStarted;

		// Wait for the deliveries: every member of the circle (the author too) gets each check-in,
		// and every reconnect has caught up.
		const expected = records.filter((r) => r.ok).length * MEMBERS_PER_CIRCLE;
		let last = '';
		let stableSince = nowMs();
		for (;;) {
			const { arrivals: count, churnPending } = await fleet.progress();
			if (count >= expected && churnPending === 0) break;
			if (`${count}/${churnPending}` !== last) [last, stableSince] = [`${count}/${churnPending}`, nowMs()];
			if (nowMs() - stableSince > 3000) break; // nothing more is arriving
			await sleep(100);
		}
		const serverCpu = target.cpu() - cpuBefore;
		const perServerCpu = servers.map((s, i) => s.cpu() - perServerCpuBefore[i]);
		const wall = (nowMs() - started) / 1000;
		const services = shares(servicesBefore, target.serviceCpu(), wall);
		const mainCpu = process.cpuUsage(mainCpuBefore);
		const collected = await fleet.collect();
		memory.afterFanout = sum(target.rss());

		const churned = new Set(plan.map((p) => p.index));
		const stats = matchDeliveries(records, collected.arrivals, members, churned);
		log(`${target.name}: slowest delivery p99 per 5 s: ${stats.timeline.map((w) => Math.round(w.deliveryP99)).join(' ')} ms`);
		if (servers.length > 1) {
			log(
				`${target.name}: ${stats.crossServer.delivered} of ${stats.delivered} deliveries crossed servers; p99 ${stats.crossServer.latency.p99?.toFixed(1)} ms across, ${stats.sameServer.latency.p99?.toFixed(1)} ms on the posting server`
			);
		}
		const churn = plan.length ? churnStats(plan, collected, records) : undefined;
		if (churn) {
			log(
				`${target.name}: ${churn.reconnects} reconnects, ${churn.withMissedEvents} with events to catch up; catch-up p50 ${churn.catchUp.p50?.toFixed(1)} ms, p99 ${churn.catchUp.p99?.toFixed(1)} ms, max ${churn.catchUp.max?.toFixed(1)} ms; ${churn.unfinished} unfinished`
			);
		}
		const servicesCpu = sum(Object.values(services));
		const { samples, ...fanoutStats } = stats;
		return {
			// every POST's and every delivery's milliseconds, only when asked (they are many)
			samples: keepSamples ? samples : undefined,
			memory,
			fanout: {
				...fanoutStats,
				churn,
				servers: servers.length,
				posts: records.length,
				postsPerServer: servers.map((_, i) => records.filter((r) => r.server === i).length),
				postedForSeconds: postedFor,
				deliveriesPerSecond: stats.delivered / options.duration,
				serverCpuShare: serverCpu / wall,
				perServerCpuShare: perServerCpu.map((cpu) => cpu / wall),
				serverIdleCpuShare: idleCpuShare,
				servicesCpuShare: services,
				servicesIdleCpuShare: idleServices,
				sessionTouches: await target.sessionTouches(startedAt, Date.now()),
				// CPU per check-in above idle, over the whole time the check-ins were being handled
				serverCpuMsPerCheckIn: ((serverCpu - idleCpuShare * wall) * 1000) / records.length,
				// The same with the database and Redis processes (PostgreSQL only: SQLite is in the server)
				allCpuMsPerCheckIn:
					target.services.length > 0
						? ((serverCpu + servicesCpu * wall - (idleCpuShare + sum(Object.values(idleServices))) * wall) * 1000) / records.length
						: undefined,
				senderCpuShare: (mainCpu.user + mainCpu.system) / 1e6 / wall,
				clientMaxCpuShare: Math.max(...collected.workers.map((w) => w.cpuShare)),
				clientMaxLoopDelayP99Ms: Math.max(...collected.workers.map((w) => w.loopDelayP99Ms)),
				clients: collected.workers,
				disconnects: collected.disconnects,
				connection
			}
		};
	} finally {
		await fleet.disconnect().catch(() => {});
		await fleet.close();
	}
}

/**
 * Per 5-second window of sending: posts, POST p99, and the p99/max of each check-in's slowest
 * delivery. Shows whether latency was steady or grew (a queue building up: more than it can take).
 */
function timeline(records, slowestDelivery, windowMs = 5000) {
	if (records.length === 0) return [];
	const start = records[0].sentAt;
	const windows = [];
	for (const record of records) {
		const w = Math.floor((record.sentAt - start) / windowMs);
		(windows[w] ??= { fromSecond: (w * windowMs) / 1000, posts: [], deliveries: [] }).posts.push(record.doneAt - record.sentAt);
		if (slowestDelivery.has(record.marker)) windows[w].deliveries.push(slowestDelivery.get(record.marker));
	}
	return windows.filter(Boolean).map(({ fromSecond, posts, deliveries }) => {
		const post = percentiles(posts, [99]);
		const delivery = percentiles(deliveries, [99]);
		return { fromSecond, posts: posts.length, postP99: post.p99, deliveryP99: delivery.p99, deliveryMax: delivery.max };
	});
}

/**
 * Pairs arrivals with posts: every answered check-in must reach every member of its circle (the
 * author too; churned members through CircleSync, live or in catch-up) exactly once. Latency is
 * to the other members that stayed connected (a churned member's catch-up is timed apart).
 */
function matchDeliveries(records, arrivals, members, churned = new Set()) {
	const byMarker = new Map(records.map((r) => [r.marker, r]));
	const seen = new Set();
	const seqOf = new Map(); // marker -> the seq it came with
	const latencies = [];
	// With several servers: deliveries to a socket on another server than the one posted to, and the rest.
	const crossLatencies = [];
	const sameLatencies = [];
	const perPost = new Map(); // marker -> slowest delivery of that check-in
	let delivered = 0;
	let duplicates = 0;
	let duplicatesAtChurned = 0;
	let seqMismatches = 0;
	let forFailedPosts = 0;
	let leaked = 0;
	for (const [marker, memberIndex, at, seq] of arrivals) {
		const record = byMarker.get(marker);
		if (!record) continue;
		if (members[memberIndex].circleId !== record.circleId) {
			leaked += 1; // a check-in reached someone outside its circle: must never happen
			continue;
		}
		if (!record.ok) {
			forFailedPosts += 1;
			continue;
		}
		// One check-in has one number, whoever receives it and however.
		if (!seqOf.has(marker)) seqOf.set(marker, seq);
		else if (seqOf.get(marker) !== seq) seqMismatches += 1;
		const key = `${marker}:${memberIndex}`;
		if (seen.has(key)) {
			duplicates += 1;
			if (churned.has(memberIndex)) duplicatesAtChurned += 1;
			continue;
		}
		seen.add(key);
		if (memberIndex === record.authorIndex) continue;
		delivered += 1;
		if (churned.has(memberIndex)) continue;
		latencies.push(at - record.sentAt);
		((members[memberIndex].server ?? 0) === (record.server ?? 0) ? sameLatencies : crossLatencies).push(at - record.sentAt);
		perPost.set(marker, Math.max(perPost.get(marker) ?? 0, at - record.sentAt));
	}
	const ok = records.filter((r) => r.ok);
	const failed = records.filter((r) => !r.ok);
	const expected = ok.length * MEMBERS_PER_CIRCLE;
	// Count every delivery that never came, by kind of member, and name up to 50 of them.
	const missingSamples = [];
	let missingAtChurned = 0;
	let missingAtAuthor = 0;
	if (seen.size < expected) {
		const circleMembers = new Map();
		for (const member of members) circleMembers.set(member.circleId, [...(circleMembers.get(member.circleId) ?? []), member]);
		for (const record of ok) {
			for (const member of circleMembers.get(record.circleId)) {
				if (seen.has(`${record.marker}:${member.index}`)) continue;
				if (churned.has(member.index)) missingAtChurned += 1;
				if (member.index === record.authorIndex) missingAtAuthor += 1;
				if (missingSamples.length < 50) {
					missingSamples.push({
						marker: record.marker,
						circleId: record.circleId,
						memberIndex: member.index,
						churned: churned.has(member.index),
						author: member.index === record.authorIndex
					});
				}
			}
		}
	}
	return {
		latency: percentiles(latencies),
		crossServer: { delivered: crossLatencies.length, latency: percentiles(crossLatencies) },
		sameServer: { delivered: sameLatencies.length, latency: percentiles(sameLatencies) },
		timeline: timeline(records, perPost),
		post: percentiles(records.map((r) => r.doneAt - r.sentAt)),
		samples: { post: records.map((r) => r.doneAt - r.sentAt), delivery: latencies },
		senderLag: percentiles(records.map((r) => r.lagMs)),
		expected,
		delivered,
		missing: expected - seen.size,
		missingAtChurned,
		missingAtAuthor,
		missingSamples,
		duplicates,
		duplicatesAtChurned,
		seqMismatches,
		deliveredOutsideCircle: leaked,
		arrivedForFailedPosts: forFailedPosts,
		failed: failed.length,
		failedShare: records.length ? failed.length / records.length : NaN,
		failureSamples: [...new Set(failed.map((r) => `${r.status} ${r.error ?? ''}`))].slice(0, 5)
	};
}

/**
 * Catch-up after each reconnect: from the `connect` event until the member's CircleSync has
 * applied the newest event of its circle at that moment, or, when nothing was missed, until the
 * catch-up reply has been handled with nothing held or asked for. "Newest at that moment" is
 * the highest seq that was out by then: its post answered, or seen at any member, whichever came
 * first (all on the shared monotonic clock).
 */
function churnStats(plan, collected, records) {
	const { cycles, applied, ...counters } = collected.churn;
	const byMarker = new Map(records.map((r) => [r.marker, r]));
	const outAt = new Map(); // circleId -> Map(seq -> first time it was out)
	for (const [marker, , at, seq] of collected.arrivals) {
		const record = byMarker.get(marker);
		if (!record?.ok) continue;
		const circle = outAt.get(record.circleId) ?? outAt.set(record.circleId, new Map()).get(record.circleId);
		circle.set(seq, Math.min(at, record.doneAt, circle.get(seq) ?? Infinity));
	}
	const results = [];
	let unfinished = 0;
	for (const cycle of cycles) {
		if (!cycle.connectAt) {
			unfinished += 1;
			continue;
		}
		let newest = 0;
		for (const [seq, at] of outAt.get(cycle.circleId) ?? []) if (at <= cycle.connectAt && seq > newest) newest = seq;
		const missed = Math.max(0, newest - cycle.appliedAtConnect);
		let end = 0;
		if (missed > 0) {
			const log = applied[cycle.index] ?? [];
			for (let i = 0; i < log.length; i += 2) {
				if (log[i] >= newest && log[i + 1] >= cycle.connectAt) {
					end = log[i + 1];
					break;
				}
			}
		} else end = cycle.settledAt;
		if (!end) {
			unfinished += 1;
			continue;
		}
		results.push({
			memberIndex: cycle.index,
			circleId: cycle.circleId,
			missed,
			catchUpMs: end - cycle.connectAt,
			handshakeMs: cycle.connectAt - cycle.reconnectAt,
			awayMs: cycle.reconnectAt - cycle.disconnectAt,
			connectErrors: cycle.connectErrors
		});
	}
	const withMissed = results.filter((r) => r.missed > 0);
	return {
		members: plan.length,
		reconnects: cycles.filter((c) => c.connectAt).length,
		unfinished,
		withMissedEvents: withMissed.length,
		eventsCaughtUp: withMissed.reduce((sum, r) => sum + r.missed, 0),
		catchUp: percentiles(results.map((r) => r.catchUpMs)),
		catchUpWithMissed: percentiles(withMissed.map((r) => r.catchUpMs)),
		handshake: percentiles(results.map((r) => r.handshakeMs)),
		away: percentiles(results.map((r) => r.awayMs)),
		connectErrors: results.reduce((sum, r) => sum + r.connectErrors, 0),
		...counters,
		slowest: results.sort((x, y) => y.catchUpMs - x.catchUpMs).slice(0, 10)
	};
}

// ---------------------------------------------------------------------------------------------
// Writes

/**
 * Open-loop steps, doubling while p99 stays under 25 ms and 1.25× after that, until POST p99
 * reaches 100 ms or a post fails; then two halvings of the gap between the last rate that held and
 * the first that did not.
 * Runs with no sockets connected: this is the HTTP + database write path on its own.
 */
async function writeStepUp(target, members, options, markers) {
	const { servers } = target;
	const pick = random(7);
	const postTarget = (marker) => {
		const authorIndex = Math.floor(pick() * members.length);
		const server = marker % servers.length;
		return { circleId: members[authorIndex].circleId, token: members[authorIndex].token, authorIndex, server, origin: servers[server].origin };
	};
	const steps = [];
	async function step(rate) {
		const cpuBefore = target.cpu();
		const servicesBefore = target.serviceCpu();
		const mainBefore = process.cpuUsage();
		const started = nowMs();
		const startedAt = Date.now();
		// Over a quarter-second of posts unanswered means p99 is far past 100 ms: stop the step there.
		const maxInFlight = Math.max(50, rate / 4);
		const records = await openLoopPosts({
			rate,
			seconds: options.writeStep,
			first: markers.next(rate * options.writeStep),
			target: postTarget,
			maxInFlight
		});
		const wall = (nowMs() - started) / 1000;
		const main = process.cpuUsage(mainBefore);
		const latency = percentiles(records.map((r) => r.doneAt - r.sentAt));
		const failed = records.filter((r) => !r.ok).length;
		const result = {
			rate,
			...latency,
			failed,
			failureSamples: [...new Set(records.filter((r) => !r.ok).map((r) => `${r.status} ${r.error ?? ''}`))].slice(0, 3),
			senderLagP99: percentiles(records.map((r) => r.lagMs)).p99,
			serverCpuShare: (target.cpu() - cpuBefore) / wall,
			servicesCpuShare: shares(servicesBefore, target.serviceCpu(), wall),
			senderCpuShare: (main.user + main.system) / 1e6 / wall,
			stoppedEarly: records.aborted,
			sessionTouches: await target.sessionTouches(startedAt, Date.now()),
			held: latency.p99 < 100 && failed === 0 && !records.aborted
		};
		steps.push(result);
		const touches = result.sessionTouches === undefined ? '' : `, ${result.sessionTouches} session touches`;
		const serviceText = Object.entries(result.servicesCpuShare)
			.map(([name, share]) => `, ${name} CPU ${(share * 100).toFixed(0)}%`)
			.join('');
		log(
			`${target.name}: ${rate} posts/s → p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, ${failed} failed, server CPU ${(result.serverCpuShare * 100).toFixed(0)}%${serviceText}, sender CPU ${(result.senderCpuShare * 100).toFixed(0)}%${touches}`
		);
		if (failed > 0) console.warn(`  failures: ${result.failureSamples.join('; ')}`);
		await settle(target); // let the queue drain before the next step
		return result;
	}
	/**
	 * A rate holds if one of two tries does: one stray pause (a WAL checkpoint, a GC) is not the
	 * limit. A step that was far off (stopped early, or p99 over 300 ms) is not tried again.
	 */
	async function holds(rate) {
		const first = await step(rate);
		const marginal = !first.stoppedEarly && first.failed === 0 && first.p99 < 300;
		return first.held || !marginal ? first : step(rate);
	}
	await settle(target);
	let held = null;
	let broke = null;
	// Doubling while the answers stay fast, then smaller steps.
	for (let rate = options.writeStart; rate < 100_000;) {
		const result = await holds(rate);
		if (!result.held) {
			broke = result;
			break;
		}
		held = result;
		rate = Math.round(rate * (result.p99 < 25 ? 2 : 1.25));
	}
	for (let i = 0; i < 2 && held && broke; i++) {
		const result = await holds(Math.round((held.rate + broke.rate) / 2));
		if (result.held) held = result;
		else broke = result;
	}
	return { maxRate: held?.rate ?? 0, atMax: held, firstBroken: broke, steps };
}

// ---------------------------------------------------------------------------------------------
// Page speed

/** Page figures of one server of `target` (each server of several is measured in turn). */
async function pageSpeed(target, server, page, options) {
	const headers = { cookie: `hearth_session=${page.token}` };
	const urls = {
		home: `${server.origin}/circles/${page.circleId}`,
		// The home page's load functions alone, without rendering: tells data from HTML cost.
		homeData: `${server.origin}/circles/${page.circleId}/__data.json`,
		feed: `${server.origin}/circles/${page.circleId}/checkins`,
		help: `${server.origin}/help`
	};
	const result = {};
	const firstAnswers = {};
	await settle(target);
	for (const [name, url] of Object.entries(urls)) {
		const first = await get(url, headers);
		if (first.status !== 200) throw new Error(`GET ${url} answered ${first.status}: ${first.text?.slice(0, 200)}`);
		firstAnswers[name] = first.text;
		await fixedConcurrency({ url, headers, concurrency: 4, seconds: 1 }); // warm-up
		const sequential = [];
		for (let i = 0; i < options.pageRequests; i++) {
			const response = await get(url, headers);
			if (response.status === 200) sequential.push(response.doneAt - response.sentAt);
		}
		const cpuBefore = server.cpu();
		const servicesBefore = target.serviceCpu();
		const throughput = await fixedConcurrency({ url, headers, concurrency: options.concurrency, seconds: options.pageSeconds });
		result[name] = {
			url: url.replace(server.origin, ''),
			bytes: Buffer.byteLength(first.text),
			sequential: percentiles(sequential),
			throughput: {
				rps: throughput.rps,
				failed: throughput.failed,
				firstFailure: throughput.firstFailure,
				serverCpuShare: (server.cpu() - cpuBefore) / throughput.seconds,
				servicesCpuShare: shares(servicesBefore, target.serviceCpu(), throughput.seconds),
				...percentiles(throughput.latencies)
			}
		};
		log(
			`${server.name}: ${name} p50 ${result[name].sequential.p50.toFixed(2)} ms, p99 ${result[name].sequential.p99.toFixed(2)} ms one at a time; ${Math.round(throughput.rps)} req/s at concurrency ${options.concurrency}`
		);
	}
	result.home.checkinsInHtml = checkInsShownOnHome(firstAnswers.home, firstAnswers.feed);
	const halfRate = Math.max(1, Math.round(result.home.throughput.rps / 2));
	const half = await openLoopGets({ url: urls.home, headers, rate: halfRate, seconds: options.pageSeconds });
	result.home.halfRate = { rate: halfRate, failed: half.failed, ...percentiles(half.latencies) };
	log(`${server.name}: home at ${halfRate} req/s (open loop) → p99 ${result.home.halfRate.p99.toFixed(1)} ms`);
	return result;
}

/**
 * The home page must be the page families get, with the feed's first page in its HTML. Until
 * 2026-11-30 it rendered none (the list was filled by an effect, and effects never run on the
 * server), and the benchmark measured that lighter page for a day without noticing.
 */
function checkInsShownOnHome(homeHtml, feedJson) {
	const shown = (homeHtml.match(/<article[^>]*aria-labelledby="by-/g) ?? []).length;
	const expected = JSON.parse(feedJson).checkins.length;
	if (expected === 0 || shown !== expected) {
		throw new Error(
			`The circle home page's HTML shows ${shown} check-ins, but the feed's first page has ${expected}: the page measured would not be the page families get.`
		);
	}
	return shown;
}

async function measureAssets(server, page) {
	const url = `${server.origin}/circles/${page.circleId}`;
	const response = await fetch(url, { headers: { cookie: `hearth_session=${page.token}` } });
	return firstVisitAssets(url, await response.text(), response.headers.get('link'));
}

// ---------------------------------------------------------------------------------------------

/**
 * What a fan-out, write or page measurement runs against: one server, or several behind one
 * database and one Redis (`services`: their CPU is read beside the servers').
 */
function deployment({ name, servers, services = [], sessionTouches = async () => undefined }) {
	const cpu = () => sum(servers.map((s) => s.cpu()));
	return {
		name,
		servers,
		services,
		cpu,
		serviceCpu: () => Object.fromEntries(services.map((s) => [s.name, s.cpu()])),
		allCpu: () => cpu() + sum(services.map((s) => s.cpu())),
		rss: () => servers.map((s) => s.rss()),
		sessionTouches,
		stop: () => Promise.all(servers.map((s) => s.stop()))
	};
}

/**
 * Each member's server (`server`, a number): a circle's members take turns over the servers,
 * starting one further on in each circle, so the servers hold about as many sockets each and every
 * circle has members on more than one server (with 2 servers and 5 members: 3 and 2).
 */
function spreadOverServers(members, circles, count) {
	const spread = members.map((member) => ({ ...member, server: 0 }));
	circles.forEach((circle, c) => circle.forEach((memberIndex, k) => (spread[memberIndex].server = (k + c) % count)));
	return spread;
}

/** Members in a flat list, and circles as lists of member indexes, from a seeder's output. */
function membersOf(seeded) {
	const members = [];
	const circles = seeded.fanout.map(({ circleId, members: list }) => list.map((member) => members.push({ index: members.length, circleId, ...member }) - 1));
	return { members, circles };
}

/**
 * The PostgreSQL half's database: migrated, then filled with the SQLite fixture's rows (`copy`) or
 * seeded through the domain modules (`domain`). Seeding is not durable (synchronous_commit off on
 * the database), and that setting is reset before any server connects: the servers' connections run
 * with the cluster's synchronous_commit=on, which is read back from a fresh connection and recorded.
 */
async function preparePostgres(postgres, options, dir, sqliteSeeded) {
	const started = nowMs();
	let seeded;
	if (options.pgSeed === 'copy') {
		const pool = createPostgresPool(postgres.url, { max: 1 });
		try {
			await migrate(pool, path.join(ROOT, 'migrations/postgres'));
		} finally {
			await pool.end();
		}
		const copy = await copySqliteToPostgres(sqliteSeeded.file, postgres.url);
		log(`copied the SQLite fixture into PostgreSQL in ${copy.seconds.toFixed(1)} s (${copy.rows.checkins} check-ins, ${copy.rows.circle_events} events)`);
		seeded = { ...sqliteSeeded, copy };
	} else {
		await postgres.query('ALTER DATABASE hearth SET synchronous_commit = off', [], postgres.adminUrl);
		log(`seeding PostgreSQL through the domain modules, ${options.seedLanes} circles at a time…`);
		seeded = await seedDatabase(options, dir, { databaseUrl: postgres.url, lanes: options.seedLanes });
		await postgres.query('ALTER DATABASE hearth RESET synchronous_commit', [], postgres.adminUrl);
		await postgres.query('VACUUM ANALYZE');
		await postgres.query('CHECKPOINT');
		log(`seeded PostgreSQL in ${seeded.timings.totalSeconds.toFixed(1)} s`, seeded.counts);
	}
	const [settings] = await postgres.query(
		"SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit, current_setting('full_page_writes') AS full_page_writes, current_setting('shared_buffers') AS shared_buffers, pg_database_size('hearth') AS database_bytes"
	);
	if (settings.fsync !== 'on' || settings.synchronous_commit !== 'on') {
		throw new Error(`PostgreSQL is not durable for the servers: fsync=${settings.fsync}, synchronous_commit=${settings.synchronous_commit}`);
	}
	return { seeded, settings: { ...settings, database_bytes: Number(settings.database_bytes) }, seconds: (nowMs() - started) / 1000 };
}

/**
 * One measured deployment: fan-out, then writes, then pages (each server's in turn). With
 * `--pg-statements`, PostgreSQL's own count of the costliest statements is taken for each part.
 */
async function measure(target, members, circles, page, options, markers, fanoutExtras) {
	const postgres = target.services.find((s) => s.name === 'postgres');
	const statements = {};
	const counted = async (name, run) => {
		await postgres?.resetStatements();
		const value = await run();
		if (postgres) statements[name] = await postgres.topStatements();
		return value;
	};
	const live = await counted('fanout', () => liveFanout(target, members, circles, options, markers, fanoutExtras));
	const writes = options.skipWrites ? undefined : await counted('writes', () => writeStepUp(target, members, options, markers));
	const pages = [];
	if (!options.skipPages) {
		await counted('pages', async () => {
			for (const server of target.servers) pages.push(await pageSpeed(target, server, page, options));
		});
	}
	// Why any request failed, as the servers logged it.
	const errors = Object.fromEntries(target.servers.map((server) => [server.name, loggedErrors(server.logFile)]));
	for (const [name, list] of Object.entries(errors)) {
		if (list.length) console.warn(`${name} logged errors:\n${list.map((e) => `  ${e.count} × ${e.kind}`).join('\n')}`);
	}
	return { live, writes, pages, errors, statements: options.pgStatements ? statements : undefined };
}

async function main() {
	const options = readOptions();
	if (!existsSync(path.join(ROOT, 'build/handler.js'))) throw new Error('No production build: run `npm run build` first (the benchmark builds nothing).');
	if (options.postgres) {
		const why = servicesUnavailable();
		if (why) throw new Error(why);
		if (!(options.nodes >= 1)) throw new Error('--nodes must be 1 or more');
	} else if (options.skipSqlite) throw new Error('--skip-sqlite leaves nothing to measure without --postgres');
	warnAboutOtherLoad();
	const startedAt = new Date().toISOString();
	const result = { startedAt, machine: machine(), options };
	const needed = options.circles * MEMBERS_PER_CIRCLE + 200;
	if (result.machine.openFilesLimit < needed) {
		console.warn(`WARNING: the open-files limit (${result.machine.openFilesLimit}) is below the ${needed} the server needs; raise it with \`ulimit -n\`.`);
	}
	const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-'));
	const profileDir = options.profile ? path.join(ROOT, 'bench/results/profiles', startedAt.replace(/[:.]/g, '-')) : undefined;
	const runStarted = nowMs();
	let postgres, redis;
	try {
		if (options.postgres) {
			[postgres, redis] = await Promise.all([startBenchPostgres({ statements: options.pgStatements }), startBenchRedis()]);
			log(`PostgreSQL ${postgres.version} (pid ${postgres.pid}) and ${redis.version.split(' ').slice(0, 3).join(' ')} (pid ${redis.pid}) are up`);
		}
		log(
			`seeding ${options.historyCircles} history circles with ${options.historyCheckins} check-ins and ${options.circles} live circles (through the domain modules)…`
		);
		const seeded = await seedDatabase(options, dir);
		result.seed = { timings: seeded.timings, counts: seeded.counts };
		log(`seeded in ${seeded.timings.totalSeconds.toFixed(1)} s`, seeded.counts);
		const { members, circles } = membersOf(seeded);
		const markers = {
			at: 0,
			next(count) {
				const first = this.at;
				this.at += Math.ceil(count) + 1;
				return first;
			}
		};
		// Churned members run the app's own merge logic: its TypeScript, bundled once for this run.
		const fanoutExtras = options.churn > 0 ? { circleSyncModule: await compileCircleSync(dir) } : {};

		let pgSeed;
		if (postgres) {
			pgSeed = await preparePostgres(postgres, options, dir, seeded);
			result.postgres = {
				nodes: options.nodes,
				version: postgres.version,
				poolSizePerServer: options.poolSize,
				seededBy: options.pgSeed,
				seedSeconds: pgSeed.seconds,
				seed: pgSeed.seeded.copy ?? { timings: pgSeed.seeded.timings, counts: pgSeed.seeded.counts },
				settingsAsServersSee: pgSeed.settings,
				settingsGiven: postgres.settings,
				redis: redis.version
			};
		}

		// Hearth on SQLite, one server
		let hearth;
		if (!options.skipSqlite) {
			const sqlTrace = options.sqlTrace ? path.join(ROOT, 'bench/results', `sql-trace-${startedAt.replace(/[:.]/g, '-')}.json`) : undefined;
			// --push: the sink listens on 127.0.0.1, which Hearth refuses unless told it is a test.
			const extraEnv = options.push ? { HEARTH_PUSH_LOCAL_ENDPOINTS: '1' } : {};
			const server = await startHearth({ dbFile: seeded.file, logDir: dir, profileDir, sqlTrace, extraEnv });
			log(`Hearth is up at ${server.origin} (pid ${server.pid})`);
			const target = deployment({ name: 'hearth', servers: [server], sessionTouches: async (from, to) => sessionTouches(seeded.file, from, to) });
			try {
				hearth = await measure(target, members, circles, seeded.page, options, markers, fanoutExtras);
				if (!options.skipPages) result.assets = await measureAssets(server, seeded.page);
				if (options.push) result.push = await pushFanout(target, members, circles, seeded, options, markers, fanoutExtras);
			} finally {
				await target.stop();
			}
			if (sqlTrace) result.sqlTrace = sqlTrace;
		}

		// Hearth on PostgreSQL + Redis, N servers
		let onPostgres;
		if (postgres) {
			const pg = pgSeed.seeded.copy ? { members, circles } : membersOf(pgSeed.seeded);
			const servers = [];
			const target = deployment({
				name: `hearth-pg×${options.nodes}`,
				servers,
				services: [postgres, redis],
				sessionTouches: async (from, to) =>
					(await postgres.query('SELECT count(*)::int AS n FROM sessions WHERE last_seen_at BETWEEN $1 AND $2', [from, to]))[0].n
			});
			try {
				for (let i = 1; i <= options.nodes; i++) {
					servers.push(
						await startHearth({
							name: `hearth-pg-${i}`,
							databaseUrl: postgres.url,
							poolSize: options.poolSize,
							redisUrl: redis.url,
							logDir: dir,
							profileDir
						})
					);
				}
				log(`${servers.length} Hearth servers on PostgreSQL + Redis: ${servers.map((s) => `${s.origin} (pid ${s.pid})`).join(', ')}`);
				onPostgres = await measure(
					target,
					spreadOverServers(pg.members, pg.circles, servers.length),
					pg.circles,
					pgSeed.seeded.page,
					options,
					markers,
					fanoutExtras
				);
			} finally {
				await target.stop();
			}
		}

		// Bare server, same clients, same rooms, same rates.
		let bareLive, bareWrites;
		if (!options.skipBare) {
			const membersFile = path.join(dir, 'bare-members.json');
			const byToken = Object.fromEntries(members.map((m) => [m.token, { userId: m.userId, displayName: m.displayName, circleIds: [m.circleId] }]));
			writeFileSync(membersFile, JSON.stringify(byToken));
			const bare = await startBare({ dbFile: path.join(dir, 'bare.db'), membersFile, logDir: dir, profileDir });
			log(`bare server is up at ${bare.origin} (pid ${bare.pid})`);
			const target = deployment({ name: 'bare', servers: [bare] });
			try {
				bareLive = await liveFanout(target, members, circles, options, markers, fanoutExtras);
				if (!options.skipWrites) bareWrites = await writeStepUp(target, members, options, markers);
			} finally {
				await target.stop();
			}
		}

		result.fanout = { hearth: hearth?.live.fanout, postgres: onPostgres?.live.fanout, bare: bareLive?.fanout };
		result.memory = { hearth: hearth?.live.memory, postgres: onPostgres?.live.memory, bare: bareLive?.memory };
		result.writes = { hearth: hearth?.writes, postgres: onPostgres?.writes, bare: bareWrites };
		if (hearth?.pages.length) result.pages = hearth.pages[0];
		if (onPostgres?.pages.length) result.pagesPostgres = onPostgres.pages;
		if (onPostgres?.statements) result.postgres.statements = onPostgres.statements;
		result.serverErrors = { ...hearth?.errors, ...onPostgres?.errors };
		result.totalSeconds = (nowMs() - runStarted) / 1000;
		if (profileDir) result.profiles = profileDir;

		console.log(`\n${formatReport(result)}\n`);
		console.log(
			`Machine: ${result.machine.cores} cores (${result.machine.cpuModel}), Node ${result.machine.node} (servers: node ${result.machine.serverNodeOptions.join(' ')}); load average ${result.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} at the start, ${os
				.loadavg()
				.map((l) => l.toFixed(2))
				.join(' ')} at the end; whole run ${result.totalSeconds.toFixed(0)} s.`
		);
		if (result.postgres) {
			const s = result.postgres.settingsAsServersSee;
			console.log(
				`PostgreSQL ${result.postgres.version}: fsync=${s.fsync}, synchronous_commit=${s.synchronous_commit}, full_page_writes=${s.full_page_writes}, shared_buffers=${s.shared_buffers}, ${(s.database_bytes / 1024 / 1024).toFixed(0)} MB seeded (${result.postgres.seededBy}); ${result.postgres.nodes} servers with ${result.postgres.poolSizePerServer} connections each; ${result.postgres.redis}.`
			);
		}
		result.machine.loadAverageAtEnd = os.loadavg();
		const file = writeResult(path.join(ROOT, 'bench/results'), result);
		console.log(
			`Results: ${path.relative(process.cwd(), file)}${profileDir ? `\nCPU profiles: ${path.relative(process.cwd(), profileDir)}` : ''}${result.sqlTrace ? `\nSQL trace: ${path.relative(process.cwd(), result.sqlTrace)}` : ''}`
		);
	} finally {
		if (postgres && options.keep) copyFileSync(postgres.logFile, path.join(dir, 'postgres.log'));
		await redis?.stop();
		postgres?.stop();
		if (options.keep) console.log(`Kept ${dir}`);
		else rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
