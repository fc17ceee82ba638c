// The live members: one real socket.io-client connection per member, each with that member's own
// session cookie and an Origin header, so the handshake and the room joins are the server's own.
// They are spread over a few forked worker processes so the clients are not the bottleneck; each
// worker reports its CPU use and event-loop delay, which show whether it kept up.
//
// Arrival times use process.hrtime (CLOCK_MONOTONIC), which is the same clock in every process on
// the machine, so they can be compared with the send times taken in the parent.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const WORKER = fileURLToPath(import.meta.url);
const MARKER = /^bench:(\d+) /;

export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

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

	/** Connects every member (a bounded number of handshakes at a time in each worker). */
	async connect({ url, origin, parallel = 100, timeoutMs = 20_000 }) {
		const results = await Promise.all(this.workers.map((w) => w.call('connect', { url, origin, members: w.share, parallel, timeoutMs })));
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

	/** How many check-in arrivals each worker has recorded so far (cheap; for waiting). */
	async arrivalCount() {
		const counts = await Promise.all(this.workers.map((w) => w.call('count')));
		return counts.reduce((a, b) => a + b, 0);
	}

	/**
	 * Every arrival since the last reset as [marker, member index, time] triples, plus each
	 * worker's CPU share and event-loop delay over that time, and disconnections seen.
	 */
	async collect() {
		const results = await Promise.all(this.workers.map((w) => w.call('collect')));
		return {
			arrivals: results.flatMap((r) => r.arrivals),
			workers: results.map((r) => r.load),
			disconnects: results.reduce((sum, r) => sum + r.disconnects, 0)
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
	/** @type {import('socket.io-client').Socket[]} */
	let sockets = [];
	let arrivals = [];
	let disconnects = 0;
	let closing = false;
	let cpuStart = process.cpuUsage();
	let wallStart = nowMs();
	// Each sample is the interval between timer ticks: the delay is what exceeds the resolution.
	const LOOP_RESOLUTION_MS = 5;
	const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
	loopDelay.enable();

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
			socket.on('circle:event', (event) => {
				if (event.type !== 'checkin.posted') return;
				const match = MARKER.exec(event.payload?.checkin?.body ?? '');
				if (match) arrivals.push(Number(match[1]), member.index, nowMs());
			});
			socket.on('disconnect', () => {
				if (!closing) disconnects += 1;
			});
			socket.once('connect', () => resolve({ socket }));
			socket.once('connect_error', (error) => {
				socket.close();
				resolve({ error: error.message });
			});
		});
	}

	const commands = {
		async connect({ url, origin, members, parallel, timeoutMs }) {
			const started = nowMs();
			const errors = [];
			let next = 0;
			async function lane() {
				while (next < members.length) {
					const member = members[next++];
					const result = await openOne(url, origin, member, timeoutMs);
					if (result.socket) sockets.push(result.socket);
					else errors.push(result.error);
				}
			}
			await Promise.all(Array.from({ length: parallel }, lane));
			return { connected: sockets.length, failed: errors.length, errors: [...new Set(errors)], seconds: (nowMs() - started) / 1000 };
		},
		reset() {
			arrivals = [];
			disconnects = 0;
			cpuStart = process.cpuUsage();
			wallStart = nowMs();
			loopDelay.reset();
			return true;
		},
		count() {
			return arrivals.length / 3;
		},
		collect() {
			const cpu = process.cpuUsage(cpuStart);
			const wallMs = nowMs() - wallStart;
			const triples = [];
			for (let i = 0; i < arrivals.length; i += 3) triples.push([arrivals[i], arrivals[i + 1], arrivals[i + 2]]);
			return {
				arrivals: triples,
				disconnects,
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
			for (const socket of sockets) socket.close();
			sockets = [];
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
