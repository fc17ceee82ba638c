// HTTP load: open-loop check-in posts (a steady rate that a slow server cannot slow down) and a
// fixed-concurrency GET loop (requests per second). Plain node:http with keep-alive agents: light
// enough on the client side, and nothing to install.
import http from 'node:http';
import { nowMs } from './clients.js';

const REQUEST_TIMEOUT_MS = 15_000;

/** One request; resolves with the status, the body text and the time the request was sent. */
function request(agent, url, { method = 'GET', headers = {}, body } = {}) {
	return new Promise((resolve) => {
		const sentAt = nowMs();
		const req = http.request(url, { method, agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
			const chunks = [];
			res.on('data', (chunk) => chunks.push(chunk));
			res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'), sentAt, doneAt: nowMs() }));
			res.on('error', (error) => resolve({ status: 0, error: error.message, sentAt, doneAt: nowMs() }));
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', (error) => resolve({ status: 0, error: error.message, sentAt, doneAt: nowMs() }));
		req.end(body);
	});
}

/** What the browser sends for the check-in form with JavaScript on (use:enhance). */
export function checkInRequest(origin, circleId, token, marker) {
	const body = new URLSearchParams({ mood: String(1 + (marker % 5)), body: `bench:${marker} feeling steady, thanks for asking` }).toString();
	return {
		url: `${origin}/circles/${circleId}?/post`,
		options: {
			method: 'POST',
			headers: {
				origin,
				cookie: `hearth_session=${token}`,
				'x-sveltekit-action': 'true',
				accept: 'application/json',
				'content-type': 'application/x-www-form-urlencoded',
				'content-length': Buffer.byteLength(body)
			},
			body
		}
	};
}

/** A form action answers 200 with JSON {type: 'success'} when the check-in was saved. */
function isSaved(response) {
	if (response.status !== 200) return false;
	try {
		return JSON.parse(response.text).type === 'success';
	} catch {
		return false;
	}
}

/**
 * Open loop: post number `first + i` is due at start + i / rate, whether or not earlier posts have
 * been answered (the agent opens as many connections as it needs). `target(marker)` picks the
 * circle and author, and may pick the server (`origin`, and its number `server`; otherwise the
 * post goes to `origin`). Resolves when every post has been answered or has failed.
 * Returns one record per post: marker, circle, author, server, sentAt, doneAt, ok, and `lagMs`, how late
 * the sender itself was (to show the sender kept to the schedule). With `maxInFlight`, sending
 * stops once that many posts are unanswered (the array then has `aborted` set).
 */
export async function openLoopPosts({ origin, rate, seconds, first = 0, target, maxInFlight = Infinity }) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
	const total = Math.round(rate * seconds);
	const records = new Array(total);
	const inFlight = [];
	const start = nowMs() + 5;
	let sent = 0;
	let answered = 0;
	let aborted = false;
	await new Promise((resolve) => {
		function tick() {
			// A step that is clearly lost (answers far behind) stops early rather than piling up more.
			if (sent - answered > maxInFlight) {
				aborted = true;
				return resolve();
			}
			const due = Math.min(total, Math.floor(((nowMs() - start) * rate) / 1000) + 1);
			while (sent < due) {
				const i = sent++;
				const marker = first + i;
				const { circleId, token, authorIndex, origin: to = origin, server = 0 } = target(marker);
				const { url, options } = checkInRequest(to, circleId, token, marker);
				const scheduledAt = start + (i * 1000) / rate;
				inFlight.push(
					request(agent, url, options).then((response) => {
						answered += 1;
						records[i] = {
							marker,
							circleId,
							authorIndex,
							server,
							sentAt: response.sentAt,
							doneAt: response.doneAt,
							ok: isSaved(response),
							status: response.status,
							error: response.error ?? (isSaved(response) ? undefined : response.text.slice(0, 200)),
							lagMs: response.sentAt - scheduledAt
						};
					})
				);
			}
			if (sent < total) setTimeout(tick, Math.max(0, Math.min(5, start + (sent * 1000) / rate - nowMs())));
			else resolve();
		}
		setTimeout(tick, 5);
	});
	await Promise.all(inFlight);
	agent.destroy();
	const done = records.slice(0, sent);
	done.aborted = aborted;
	return done;
}

/**
 * `concurrency` loops, each sending its next GET as soon as the last is answered, for `seconds`.
 * Returns the latencies (ms) of the answered requests, how many failed, and the elapsed time.
 */
export async function fixedConcurrency({ url, headers, concurrency, seconds, expectStatus = 200 }) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
	const latencies = [];
	let failed = 0;
	let firstFailure;
	const started = nowMs();
	const stopAt = started + seconds * 1000;
	async function loop() {
		while (nowMs() < stopAt) {
			const response = await request(agent, url, { headers });
			if (response.status === expectStatus) latencies.push(response.doneAt - response.sentAt);
			else {
				failed += 1;
				firstFailure ??= `${response.status} ${response.error ?? response.text.slice(0, 200)}`;
			}
		}
	}
	await Promise.all(Array.from({ length: concurrency }, loop));
	const elapsed = (nowMs() - started) / 1000;
	agent.destroy();
	return { latencies, failed, firstFailure, seconds: elapsed, rps: latencies.length / elapsed };
}

/** Open-loop GETs at a fixed rate (latency at a given load, not at saturation). */
export async function openLoopGets({ url, headers, rate, seconds, expectStatus = 200 }) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
	const total = Math.round(rate * seconds);
	const pending = [];
	const latencies = [];
	let failed = 0;
	const start = nowMs() + 5;
	let sent = 0;
	await new Promise((resolve) => {
		function tick() {
			const due = Math.min(total, Math.floor(((nowMs() - start) * rate) / 1000) + 1);
			while (sent < due) {
				sent += 1;
				pending.push(
					request(agent, url, { headers }).then((response) => {
						if (response.status === expectStatus) latencies.push(response.doneAt - response.sentAt);
						else failed += 1;
					})
				);
			}
			if (sent < total) setTimeout(tick, Math.max(0, Math.min(5, start + (sent * 1000) / rate - nowMs())));
			else resolve();
		}
		setTimeout(tick, 5);
	});
	await Promise.all(pending);
	agent.destroy();
	return { latencies, failed, rate };
}

/** One GET, for warming up and for reading pages. */
export function get(url, headers) {
	return request(undefined, url, { headers });
}
