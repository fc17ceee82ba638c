// The live members: one real socket.io-client connection per member, each with that member's own
// session cookie and an Origin header, so the handshake and the room joins are the server's own.
// They are spread over a few forked worker processes so the clients are not the bottleneck; each
// worker reports its CPU use and event-loop delay, which show whether it kept up.
//
// Arrival times use process.hrtime (CLOCK_MONOTONIC), which is the same clock in every process on
// the machine, so they can be compared with the send times taken in the parent.
//
// Churn (`--churn`): the members picked for it follow their circle through the app's own merge
// logic, `CircleSync` (src/lib/realtime/circle-sync.ts), wired to the socket exactly as the page's
// `CircleLive` wires it. The TypeScript file is bundled once per run to a temporary .mjs with
// rolldown (Vite's own bundler, in node_modules), so the bench runs the real code, not a copy.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const WORKER = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MARKER = /^bench:(\d+) /;
/** Fields per arrival in the flat arrays: marker, member index, time, seq, via (0 live socket, 1 CircleSync). */
const ARRIVAL_FIELDS = 5;

export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Bundles src/lib/realtime/circle-sync.ts (and whatever it imports) into `<dir>/circle-sync.mjs`
 * with rolldown, the bundler Vite builds the app with. Returns the file's path.
 */
export async function compileCircleSync(dir) {
	const require = createRequire(path.join(ROOT, 'package.json'));
	const { build } = await import(pathToFileURL(require.resolve('rolldown')).href);
	const file = path.join(dir, 'circle-sync.mjs');
	await build({
		input: path.join(ROOT, 'src/lib/realtime/circle-sync.ts'),
		cwd: ROOT,
		logLevel: 'warn',
		resolve: { alias: { $lib: path.join(ROOT, 'src/lib') } },
		output: { file, format: 'esm' },
		write: true
	});
	return file;
}

// ---------------------------------------------------------------------------------------------
// Parent side: a fleet of worker processes.

export class ClientFleet {
	/**
	 * @param {Array<{ index: number, circleId: string, token: string }>} members
	 * @param {number} processes
	 */
	constructor(members, processes) {
		this.workers = [];
		for (let p = 0; p < processes; p++) {
			const share = members.filter((_, i) => i % processes === p);
			if (share.length === 0) continue;
			const child = fork(WORKER, ['worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
			const pending = new Map();
			child.on('message', (message) => {
				const resolve = pending.get(message.id);
				pending.delete(message.id);
				resolve?.(message.result);
			});
			let nextId = 0;
			const call = (command, args = {}) =>
				new Promise((resolve) => {
					const id = nextId++;
					pending.set(id, resolve);
					child.send({ id, command, args });
				});
			this.workers.push({ child, share, call });
		}
	}

	get pids() {
		return this.workers.map((worker) => worker.child.pid);
	}

	/**
	 * Connects every member (a bounded number of handshakes at a time in each worker), each to the
	 * server `origins[member.server ?? 0]`, with that server's origin as its Origin header.
	 */
	async connect({ origins, parallel = 100, timeoutMs = 20_000 }) {
		const results = await Promise.all(this.workers.map((w) => w.call('connect', { origins, members: w.share, parallel, timeoutMs })));
		return {
			connected: results.reduce((sum, r) => sum + r.connected, 0),
			failed: results.reduce((sum, r) => sum + r.failed, 0),
			errors: results.flatMap((r) => r.errors).slice(0, 5),
			seconds: Math.max(...results.map((r) => r.seconds))
		};
	}

	/** Forgets recorded arrivals and restarts the CPU and event-loop measurements. */
	reset() {
		return Promise.all(this.workers.map((w) => w.call('reset')));
	}

	/**
	 * How many check-in arrivals the workers have recorded so far, and how many churn cycles are
	 * not finished yet (cheap; for waiting).
	 */
	async progress() {
		const counts = await Promise.all(this.workers.map((w) => w.call('count')));
		return {
			arrivals: counts.reduce((sum, c) => sum + c.arrivals, 0),
			churnPending: counts.reduce((sum, c) => sum + c.churnPending, 0)
		};
	}

	/**
	 * Gives the members named by `indexes` a CircleSync (from `module`, see compileCircleSync),
	 * each starting where the circle's JSON feed endpoint says its data stands (`live`), as a page
	 * load would. From then on their live events go through it.
	 */
	async prepareChurn({ indexes, module }) {
		const wanted = new Set(indexes);
		const results = await Promise.all(
			this.workers.map((w) => w.call('prepareChurn', { module, indexes: w.share.filter((m) => wanted.has(m.index)).map((m) => m.index) }))
		);
		return { prepared: results.reduce((sum, r) => sum + r.prepared, 0), errors: results.flatMap((r) => r.errors).slice(0, 5) };
	}

	/**
	 * Starts the churn plan: each `{ index, disconnectAtMs, awayMs }` member disconnects at
	 * `at + disconnectAtMs` (hrtime ms, shared by all processes) and reconnects `awayMs` later.
	 */
	startChurn({ at, plan }) {
		const byIndex = new Map(plan.map((p) => [p.index, p]));
		return Promise.all(
			this.workers.map((w) => w.call('startChurn', { at, plan: w.share.filter((m) => byIndex.has(m.index)).map((m) => byIndex.get(m.index)) }))
		);
	}

	/**
	 * Every arrival since the last reset as [marker, member index, time, seq, via] (via 0: a live
	 * `circle:event` at a member without CircleSync; 1: delivered by a churned member's
	 * CircleSync, live or catch-up), plus each worker's CPU share and event-loop delay over that
	 * time, disconnections seen, and the churn cycles with every churned member's applied events.
	 */
	async collect() {
		const results = await Promise.all(this.workers.map((w) => w.call('collect')));
		const sum = (key) => results.reduce((total, r) => total + r.churn[key], 0);
		return {
			arrivals: results.flatMap((r) => r.arrivals),
			workers: results.map((r) => r.load),
			disconnects: results.reduce((total, r) => total + r.disconnects, 0),
			churn: {
				cycles: results.flatMap((r) => r.churn.cycles),
				applied: Object.assign({}, ...results.map((r) => r.churn.applied)),
				reloads: sum('reloads'),
				notFound: sum('notFound'),
				syncDuplicates: sum('syncDuplicates'),
				syncGaps: sum('syncGaps'),
				syncErrors: results.flatMap((r) => r.churn.syncErrors).slice(0, 5)
			}
		};
	}

	disconnect() {
		return Promise.all(this.workers.map((w) => w.call('disconnect')));
	}

	async close() {
		await Promise.all(this.workers.map((w) => w.call('exit').catch(() => {})));
		for (const { child } of this.workers) if (child.exitCode === null) child.kill();
	}
}

// ---------------------------------------------------------------------------------------------
// Worker side.

async function runWorker() {
	const { io } = await import('socket.io-client');
	/** One per member this worker holds: its socket and, when it churns, its CircleSync. */
	const states = new Map();
	let sockets = [];
	let arrivals = [];
	let disconnects = 0;
	let closing = false;
	let cpuStart = process.cpuUsage();
	let wallStart = nowMs();
	// Churn: cycles since the last reset, and counters of what CircleSync asked for.
	let cycles = [];
	let churnCounters = { reloads: 0, notFound: 0, syncDuplicates: 0, syncGaps: 0 };
	let syncErrors = [];
	// Each sample is the interval between timer ticks: the delay is what exceeds the resolution.
	const LOOP_RESOLUTION_MS = 5;
	const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
	loopDelay.enable();

	function record(event, state, via) {
		if (event.type !== 'checkin.posted') return;
		const match = MARKER.exec(event.payload?.checkin?.body ?? '');
		if (match) arrivals.push(Number(match[1]), state.member.index, nowMs(), event.seq, via);
	}

	function openOne(url, origin, member, timeoutMs) {
		return new Promise((resolve) => {
			const socket = io(url, {
				transports: ['websocket'],
				// One connection per member: without this, sockets to the same URL share one Manager.
				forceNew: true,
				reconnection: false,
				timeout: timeoutMs,
				extraHeaders: { cookie: `hearth_session=${member.token}`, origin }
			});
			const state = { member, socket, url, sync: null, applied: [], lastDelivered: 0, cycle: null };
			socket.on('circle:event', (event) => {
				// A churned member's events go through CircleSync, as in the page (CircleLive).
				if (state.sync) {
					if (event.circleId === member.circleId) state.sync.receive(event);
					checkSettled(state);
				} else record(event, state, 0);
			});
			socket.on('disconnect', (reason) => {
				// The churn's own disconnects are the client's ('io client disconnect'): not counted.
				if (!closing && reason !== 'io client disconnect') disconnects += 1;
			});
			const refused = (error) => {
				socket.off('connect', opened);
				socket.close();
				resolve({ error: error.message });
			};
			const opened = () => {
				socket.off('connect_error', refused); // later handshakes (churn) are handled there
				states.set(member.index, state);
				resolve({ socket });
			};
			socket.once('connect', opened);
			socket.once('connect_error', refused);
		});
	}

	async function feedPosition(state) {
		const response = await fetch(`${state.url}/circles/${state.member.circleId}/checkins`, {
			headers: { cookie: `hearth_session=${state.member.token}`, accept: 'application/json' }
		});
		if (!response.ok) throw new Error(`GET /circles/…/checkins answered ${response.status}`);
		const { live } = await response.json();
		if (!live || typeof live.seq !== 'number' || typeof live.generation !== 'string') throw new Error('the feed endpoint gave no `live` position');
		return live;
	}

	/** After a reconnect: done once the catch-up reply has been handled and nothing is held or asked for. */
	function checkSettled(state) {
		const cycle = state.cycle;
		if (cycle && cycle.connectAt && cycle.repliedAt && !cycle.settledAt && state.sync.settled) cycle.settledAt = nowMs();
	}

	function attachSync(state, CircleSync, position) {
		const { socket, member } = state;
		state.lastDelivered = position.seq;
		const sync = new CircleSync({
			position,
			deliver: (events) => {
				const at = nowMs();
				for (const event of events) {
					if (event.seq <= state.lastDelivered) churnCounters.syncDuplicates += 1;
					else if (event.seq !== state.lastDelivered + 1) churnCounters.syncGaps += 1;
					state.lastDelivered = Math.max(state.lastDelivered, event.seq);
					state.applied.push(event.seq, at);
					record(event, state, 1);
				}
			},
			// As CircleLive does; the wrapper only notes when the reply came.
			requestCatchUp: (afterSeq, replied) =>
				socket.emit('circle:sync', { circleId: member.circleId, afterSeq }, (response) => {
					replied(response);
					if (state.cycle?.connectAt && !state.cycle.repliedAt) state.cycle.repliedAt = nowMs();
					checkSettled(state);
				}),
			// What the page does: load its data again, then rebase on the position that came with it.
			reload: () => {
				churnCounters.reloads += 1;
				feedPosition(state)
					.then((live) => {
						sync.rebase(live);
						state.lastDelivered = sync.applied;
						checkSettled(state);
					})
					.catch((error) => syncErrors.push(`reload: ${error.message}`));
			},
			notFound: () => {
				churnCounters.notFound += 1;
			}
		});
		socket.on('connect', () => {
			const cycle = state.cycle;
			if (cycle && !cycle.connectAt) {
				cycle.connectAt = nowMs();
				cycle.appliedAtConnect = sync.applied;
			}
			sync.connected();
		});
		socket.on('disconnect', () => sync.disconnected());
		socket.on('connect_error', (error) => {
			// A refused or failed handshake while reconnecting: try again, as a browser would.
			const cycle = state.cycle;
			if (!cycle || cycle.connectAt || closing) return;
			cycle.connectErrors += 1;
			if (cycle.connectErrors <= 5) syncErrors.push(`reconnect: ${error.message}`);
			setTimeout(() => socket.connect(), 500);
		});
		state.sync = sync;
		if (socket.connected) sync.connected();
	}

	function churnOnce(state, plan) {
		const { socket, sync } = state;
		const cycle = {
			index: state.member.index,
			circleId: state.member.circleId,
			plannedAwayMs: plan.awayMs,
			disconnectAt: nowMs(),
			appliedAtDisconnect: sync.applied,
			reconnectAt: 0,
			connectAt: 0,
			appliedAtConnect: 0,
			repliedAt: 0,
			settledAt: 0,
			connectErrors: 0
		};
		state.cycle = cycle;
		cycles.push(cycle);
		socket.disconnect();
		setTimeout(() => {
			if (closing) return;
			cycle.reconnectAt = nowMs();
			socket.connect();
		}, plan.awayMs);
	}

	const commands = {
		async connect({ origins, members, parallel, timeoutMs }) {
			const started = nowMs();
			const errors = [];
			let next = 0;
			async function lane() {
				while (next < members.length) {
					const member = members[next++];
					const origin = origins[member.server ?? 0];
					const result = await openOne(origin, origin, member, timeoutMs);
					if (result.socket) sockets.push(result.socket);
					else errors.push(result.error);
				}
			}
			await Promise.all(Array.from({ length: parallel }, lane));
			return { connected: sockets.length, failed: errors.length, errors: [...new Set(errors)], seconds: (nowMs() - started) / 1000 };
		},
		async prepareChurn({ module, indexes }) {
			const { CircleSync } = await import(pathToFileURL(module).href);
			const errors = [];
			let prepared = 0;
			let next = 0;
			async function lane() {
				while (next < indexes.length) {
					const state = states.get(indexes[next++]);
					if (!state) continue; // its socket never connected
					try {
						attachSync(state, CircleSync, await feedPosition(state));
						prepared += 1;
					} catch (error) {
						errors.push(error.message);
					}
				}
			}
			await Promise.all(Array.from({ length: 16 }, lane));
			return { prepared, errors: [...new Set(errors)] };
		},
		startChurn({ at, plan }) {
			for (const item of plan) {
				const state = states.get(item.index);
				if (!state?.sync) continue;
				setTimeout(() => !closing && churnOnce(state, item), Math.max(0, at + item.disconnectAtMs - nowMs()));
			}
			return true;
		},
		reset() {
			arrivals = [];
			disconnects = 0;
			cycles = [];
			churnCounters = { reloads: 0, notFound: 0, syncDuplicates: 0, syncGaps: 0 };
			syncErrors = [];
			for (const state of states.values()) state.applied = [];
			cpuStart = process.cpuUsage();
			wallStart = nowMs();
			loopDelay.reset();
			return true;
		},
		count() {
			return { arrivals: arrivals.length / ARRIVAL_FIELDS, churnPending: cycles.filter((c) => !c.settledAt).length };
		},
		collect() {
			const cpu = process.cpuUsage(cpuStart);
			const wallMs = nowMs() - wallStart;
			const tuples = [];
			for (let i = 0; i < arrivals.length; i += ARRIVAL_FIELDS) tuples.push(arrivals.slice(i, i + ARRIVAL_FIELDS));
			// Every churned member's applied events since the reset, as flat [seq, time, seq, time, …].
			const applied = {};
			for (const state of states.values()) if (state.sync) applied[state.member.index] = state.applied;
			return {
				arrivals: tuples,
				disconnects,
				churn: { cycles, applied, ...churnCounters, syncErrors: [...new Set(syncErrors)] },
				load: {
					pid: process.pid,
					sockets: sockets.length,
					cpuShare: (cpu.user + cpu.system) / 1000 / wallMs,
					loopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
					loopDelayMaxMs: Math.max(0, loopDelay.max / 1e6 - LOOP_RESOLUTION_MS)
				}
			};
		},
		async disconnect() {
			closing = true;
			for (const state of states.values()) state.sync?.close();
			for (const socket of sockets) socket.close();
			sockets = [];
			states.clear();
			closing = false;
			return true;
		},
		exit() {
			setImmediate(() => process.exit(0));
			return true;
		}
	};

	process.on('message', async ({ id, command, args }) => {
		const result = await commands[command](args);
		process.send({ id, result });
	});
	process.on('disconnect', () => process.exit(0));
}

if (process.argv[1] === WORKER && process.argv[2] === 'worker') await runWorker();
