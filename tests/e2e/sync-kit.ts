// Helpers for node-level sync tests (no browser): members that act through the real HTTP forms,
// circles made and joined through the real forms, what a fresh page load says about the log,
// a TCP proxy that gives a connection a phone's round trip, socket.io clients that merge events
// with the app's own CircleSync exactly as the page does, and the circle's log as the database
// holds it. Used by sync-soak.spec.ts; written to be reused by crash/restart tests (nothing here
// depends on the Playwright test runner, so it works against a server a test restarts itself).
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse as parseDevalue, unflatten } from 'devalue';
import { io, type Socket } from 'socket.io-client';
import { CircleSync } from '../../src/lib/realtime/circle-sync';
import type { CheckInView } from '../../src/lib/checkins';
import type { CircleEvent, CircleSyncResponse, LogPosition } from '../../src/lib/realtime/events';

export type { CheckInView, CircleEvent, LogPosition };

const SESSION_COOKIE = 'hearth_session';

// ---------------------------------------------------------------------------------------------
// Members: an account made through the sign-up form, with its own cookie jar
// ---------------------------------------------------------------------------------------------

/** What a form action answered (SvelteKit's JSON answer to `accept: application/json`). */
export interface ActionAnswer<T = Record<string, unknown>> {
	/** HTTP status of the answer (a failure's or error's status; 200 for success and redirect). */
	httpStatus: number;
	type: 'success' | 'failure' | 'redirect' | 'error';
	/** The action's status (fail(400) gives 400; success 200; redirect 303). */
	status: number;
	/** The returned (or failed) data, parsed with devalue. */
	data?: T;
	/** Where a redirect goes. */
	location?: string;
	/** An error(...)'s body. */
	error?: { message?: string };
}

export type CheckInAnswer = ActionAnswer<{ action?: string; checkin: CheckInView; message?: string }>;

export interface CheckInFields {
	mood: number | string;
	body: string;
	need?: string;
	craving?: number | string;
}

let accountCounter = 0;

/** One signed-up account with its session; every call goes through the real HTTP forms. */
export class Member {
	readonly baseURL: string;
	readonly origin: string;
	readonly displayName: string;
	readonly email: string;
	readonly password: string;
	/** Known once a circle page was loaded (the circle layout's myUserId). */
	userId: string | null = null;
	readonly #cookies = new Map<string, string>();

	constructor(baseURL: string, user: { displayName: string; email: string; password: string }) {
		this.baseURL = baseURL;
		this.origin = new URL(baseURL).origin;
		this.displayName = user.displayName;
		this.email = user.email;
		this.password = user.password;
	}

	/** The Cookie header this member's browser would send. */
	get cookieHeader(): string {
		return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
	}

	get sessionToken(): string | undefined {
		return this.#cookies.get(SESSION_COOKIE);
	}

	/** A request as the member's browser would send it; keeps whatever cookies the answer sets. */
	async fetch(pathname: string, init: RequestInit = {}): Promise<Response> {
		const headers = new Headers(init.headers);
		if (this.#cookies.size > 0) headers.set('cookie', this.cookieHeader);
		const response = await fetch(new URL(pathname, this.baseURL), { redirect: 'manual', ...init, headers });
		for (const line of response.headers.getSetCookie()) {
			const [pair, ...attributes] = line.split(';');
			const index = pair!.indexOf('=');
			if (index < 1) continue;
			const name = pair!.slice(0, index).trim();
			const value = pair!.slice(index + 1).trim();
			const expired = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a)) || value === '';
			if (expired) this.#cookies.delete(name);
			else this.#cookies.set(name, value);
		}
		return response;
	}

	/** Posts a form as a browser without JavaScript would (same Origin, asking for HTML). */
	async postFormHtml(pathname: string, fields: Record<string, string>): Promise<Response> {
		return this.fetch(pathname, {
			method: 'POST',
			headers: { origin: this.origin, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams(fields).toString()
		});
	}

	/**
	 * Runs a form action (`/path?/name`) as the enhanced form does and returns its answer, parsed.
	 * Never throws for a refusal: the caller decides what a 4xx means.
	 */
	async action<T = Record<string, unknown>>(pathname: string, name: string, fields: Record<string, string | number | undefined>): Promise<ActionAnswer<T>> {
		const body = new URLSearchParams();
		for (const [key, value] of Object.entries(fields)) if (value !== undefined) body.set(key, String(value));
		const response = await this.fetch(`${pathname}?/${name}`, {
			method: 'POST',
			headers: {
				origin: this.origin,
				accept: 'application/json',
				'content-type': 'application/x-www-form-urlencoded',
				'x-sveltekit-action': 'true'
			},
			body: body.toString()
		});
		const text = await response.text();
		let json: { type: ActionAnswer['type']; status?: number; data?: string; location?: string; error?: { message?: string } };
		try {
			json = JSON.parse(text);
		} catch {
			throw new Error(`${name} on ${pathname} answered ${response.status} with no JSON: ${text.slice(0, 200)}`);
		}
		return {
			httpStatus: response.status,
			type: json.type,
			status: json.status ?? response.status,
			data: typeof json.data === 'string' ? (parseDevalue(json.data) as T) : undefined,
			location: json.location,
			error: json.error
		};
	}

	#circle(circleId: string): string {
		return `/circles/${circleId}`;
	}

	postCheckIn(circleId: string, fields: CheckInFields): Promise<CheckInAnswer> {
		return this.action(this.#circle(circleId), 'post', { ...fields });
	}

	editCheckIn(circleId: string, checkinId: string, fields: CheckInFields): Promise<CheckInAnswer> {
		return this.action(this.#circle(circleId), 'edit', { checkinId, ...fields });
	}

	removeCheckIn(circleId: string, checkinId: string): Promise<CheckInAnswer> {
		return this.action(this.#circle(circleId), 'remove', { checkinId });
	}

	react(circleId: string, checkinId: string, kind: 'love' | 'proud' | 'here'): Promise<CheckInAnswer> {
		return this.action(this.#circle(circleId), 'react', { checkinId, kind });
	}

	/**
	 * Replies; `replyId` is the new reply's id, found in the answered check-in (this member's reply
	 * with exactly this body, the newest such when there are several; null if the action failed).
	 */
	async reply(circleId: string, checkinId: string, body: string): Promise<CheckInAnswer & { replyId: string | null }> {
		const answer = await this.action<{ checkin: CheckInView }>(this.#circle(circleId), 'reply', { checkinId, body });
		let replyId: string | null = null;
		if (answer.type === 'success' && answer.data?.checkin) {
			const mine = answer.data.checkin.replies.filter((reply) => reply.body === body.trim() && (this.userId === null || reply.author.id === this.userId));
			mine.sort((a, b) => a.createdAt - b.createdAt);
			replyId = mine.at(-1)?.id ?? null;
		}
		return { ...answer, replyId };
	}

	editReply(circleId: string, replyId: string, body: string): Promise<CheckInAnswer> {
		return this.action(this.#circle(circleId), 'editReply', { replyId, body });
	}

	removeReply(circleId: string, replyId: string): Promise<CheckInAnswer> {
		return this.action(this.#circle(circleId), 'removeReply', { replyId });
	}

	/** Signs in again through the log-in form (a new session, e.g. after the server lost it). */
	async logIn(): Promise<void> {
		const response = await this.postFormHtml('/login', { email: this.email, password: this.password });
		if (response.status !== 303 || !this.sessionToken) throw new Error(`log-in of ${this.email} answered ${response.status}`);
	}
}

/** The same person, signed in on another server (a second session, as a second device would be). */
export async function signedInOn(baseURL: string, member: Member): Promise<Member> {
	const there = new Member(baseURL, { displayName: member.displayName, email: member.email, password: member.password });
	await there.logIn();
	there.userId = member.userId;
	return there;
}

/** A user nobody has signed up as yet (unique per call, across workers and runs). */
export function uniqueAccount(name: string): { displayName: string; email: string; password: string } {
	accountCounter += 1;
	const id = `${Date.now().toString(36)}${process.pid.toString(36)}${accountCounter}${Math.random().toString(36).slice(2, 7)}`;
	return { displayName: `${name} ${id.slice(-5)}`, email: `sync-${id}@example.com`, password: `quiet kitchen table ${id}` };
}

/** Signs up through the real sign-up form (POST /signup) and keeps the session cookie. */
export async function signUpMember(baseURL: string, name: string): Promise<Member> {
	const member = new Member(baseURL, uniqueAccount(name));
	const response = await member.postFormHtml('/signup', { displayName: member.displayName, email: member.email, password: member.password });
	if (response.status !== 303 || response.headers.get('location') !== '/circles' || !member.sessionToken) {
		throw new Error(`sign-up of ${member.email} answered ${response.status} (location ${response.headers.get('location')})`);
	}
	return member;
}

/** Starts a circle through the form on /circles; returns its id. */
export async function makeCircle(owner: Member, name: string): Promise<string> {
	const answer = await owner.action('/circles', 'create', { name, description: '', timeZone: 'UTC' });
	const match = answer.type === 'redirect' ? /^\/circles\/([a-z2-7]+)$/.exec(answer.location ?? '') : null;
	if (!match) throw new Error(`creating circle "${name}" answered ${JSON.stringify(answer)}`);
	const circleId = match[1]!;
	await loadPage(owner, circleId); // learns the owner's user id
	return circleId;
}

/** Makes an invite link on the Invites page (as `owner`), returns its path /join/<token>. */
export async function makeInviteLink(owner: Member, circleId: string, uses = 1): Promise<string> {
	const answer = await owner.action<{ link: string }>(`/circles/${circleId}/invites`, 'create', {
		note: '',
		expiresInDays: 7,
		maxUses: uses,
		role: 'member'
	});
	const link = answer.type === 'success' ? answer.data?.link : undefined;
	if (!link) throw new Error(`making an invite answered ${JSON.stringify(answer)}`);
	return new URL(link).pathname;
}

/** `owner` makes an invite and `member` (signed in) accepts it: "Join <circle>" on the join page. */
export async function joinCircle(member: Member, owner: Member, circleId: string): Promise<void> {
	const link = await makeInviteLink(owner, circleId);
	const answer = await member.action(link, 'accept', {});
	if (answer.type !== 'redirect' || answer.location !== `/circles/${circleId}`) {
		throw new Error(`${member.email} joining ${circleId} answered ${JSON.stringify(answer)}`);
	}
	await loadPage(member, circleId);
}

// ---------------------------------------------------------------------------------------------
// What a page load gives the browser
// ---------------------------------------------------------------------------------------------

/** The circle home page's data as the browser gets it (__data.json, every node unflattened). */
export async function loadPage(member: Member, circleId: string): Promise<{ nodes: Array<Record<string, unknown> | null> }> {
	const response = await member.fetch(`/circles/${circleId}/__data.json`, { headers: { accept: '*/*' } });
	const text = await response.text();
	if (response.status !== 200) throw new Error(`GET /circles/${circleId}/__data.json answered ${response.status}: ${text.slice(0, 200)}`);
	// With streamed promises the answer is newline-delimited: the first line holds the nodes.
	const first = JSON.parse(text.split('\n', 1)[0]!) as { type: string; nodes?: Array<{ type: string; data?: unknown } | null> };
	if (first.type !== 'data' || !first.nodes) throw new Error(`__data.json of ${circleId} answered ${text.slice(0, 200)}`);
	const nodes = first.nodes.map((node) =>
		node && node.type === 'data' && node.data ? (unflatten(node.data as number | unknown[]) as Record<string, unknown>) : null
	);
	for (const node of nodes) {
		if (node && typeof node.myUserId === 'string') member.userId = node.myUserId;
	}
	return { nodes };
}

/**
 * Where a fresh page load of the circle stands in its log: the `live` position its data carries
 * (the page's own, which the layout shares; every event up to `seq` is reflected in the data).
 */
export async function loadPagePosition(member: Member, circleId: string): Promise<LogPosition> {
	const { nodes } = await loadPage(member, circleId);
	const positions = nodes.map((node) => node?.live as LogPosition | undefined).filter((live): live is LogPosition => !!live);
	const position = positions.at(-1);
	if (!position || typeof position.seq !== 'number' || typeof position.generation !== 'string') {
		throw new Error(`the page data of ${circleId} has no live position`);
	}
	return { generation: position.generation, seq: position.seq };
}

// ---------------------------------------------------------------------------------------------
// A phone's round trip
// ---------------------------------------------------------------------------------------------

export interface DelayProxy {
	port: number;
	/** The origin to connect to (and to send as Origin): http://localhost:<port>. */
	origin: string;
	/** Connections open through it right now. */
	readonly openConnections: number;
	/** Cuts every connection at once, as a lost network would (no close frames). */
	dropAll(): void;
	close(): Promise<void>;
}

/** Forwards `from` → `to`, each chunk `delayMs` later, in order; a FIN follows the last chunk. */
function pipeDelayed(from: net.Socket, to: net.Socket, delayMs: number): void {
	const queue: Array<{ due: number; chunk: Buffer | null }> = [];
	let timer: ReturnType<typeof setTimeout> | null = null;
	const pump = () => {
		timer = null;
		const now = performance.now();
		while (queue.length > 0 && queue[0]!.due <= now + 0.5) {
			const item = queue.shift()!;
			if (to.destroyed) return;
			if (item.chunk === null) to.end();
			else to.write(item.chunk);
		}
		if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0]!.due - performance.now()));
	};
	const enqueue = (chunk: Buffer | null) => {
		queue.push({ due: performance.now() + delayMs, chunk });
		if (timer === null) timer = setTimeout(pump, Math.max(0, queue[0]!.due - performance.now()));
	};
	from.on('data', (chunk: Buffer) => enqueue(chunk));
	from.on('end', () => enqueue(null));
}

/**
 * A TCP proxy on a free loopback port that delays every chunk `delayMs` in each direction and
 * keeps their order. Clients connect to http://localhost:<port> with that as their Origin.
 */
export async function startDelayProxy(targetPort: number, delayMs: number, targetHost = '127.0.0.1'): Promise<DelayProxy> {
	const open = new Set<net.Socket>();
	const server = net.createServer({ allowHalfOpen: true }, (client) => {
		const upstream = net.connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
		for (const socket of [client, upstream]) {
			open.add(socket);
			socket.setNoDelay(true);
			socket.on('error', () => {
				client.destroy();
				upstream.destroy();
			});
			socket.on('close', () => {
				open.delete(socket);
				// One side is gone for good: the other follows once what was on its way has arrived.
				const other = socket === client ? upstream : client;
				setTimeout(() => other.destroy(), delayMs + 5);
			});
		}
		pipeDelayed(client, upstream, delayMs);
		pipeDelayed(upstream, client, delayMs);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const port = (server.address() as net.AddressInfo).port;
	return {
		port,
		origin: `http://localhost:${port}`,
		get openConnections() {
			return open.size;
		},
		dropAll() {
			for (const socket of open) socket.destroy();
		},
		close() {
			for (const socket of open) socket.destroy();
			return new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}

// ---------------------------------------------------------------------------------------------
// A socket.io client that merges like the page
// ---------------------------------------------------------------------------------------------

export interface LiveClientOptions {
	member: Member;
	circleId: string;
	/** Where the client's data stands at first (e.g. loadPagePosition); what it applies comes after. */
	position: LogPosition;
	/** Where to connect (the app, or a DelayProxy's origin); Origin is sent as this URL's origin. */
	url?: string;
	label?: string;
}

export interface ReloadRecord {
	reason: 'too-far-behind' | 'new-history';
	/** The client's position when it reloaded, and where the new data stands. */
	from: LogPosition;
	to: LogPosition;
	at: number;
}

/**
 * One socket.io connection (WebSocket only, no automatic reconnection: the test decides when)
 * wired to the app's CircleSync exactly as src/lib/realtime/circle-live.svelte.ts does, recording
 * every delivered event in order.
 */
export class LiveClient {
	readonly label: string;
	readonly member: Member;
	readonly circleId: string;
	readonly start: LogPosition;
	readonly url: string;
	readonly socket: Socket;
	readonly sync: CircleSync;
	/** Every event CircleSync delivered, in delivery order. */
	readonly delivered: CircleEvent[] = [];
	readonly reloads: ReloadRecord[] = [];
	connects = 0;
	disconnects = 0;
	catchUps = 0;
	/** Catch-ups whose reply was overtaken by at least one live event (the race issue 14 is about). */
	overtakenCatchUps = 0;
	notFound = false;
	errors: string[] = [];
	/** What happened when (ms since the client was made): connects, drops, catch-ups and replies. */
	readonly history: string[] = [];
	readonly #born = performance.now();
	#reloading: Promise<void> | null = null;
	readonly #pending = new Set<{ overtaken: boolean }>();

	constructor(options: LiveClientOptions) {
		this.member = options.member;
		this.circleId = options.circleId;
		this.start = { ...options.position };
		this.url = options.url ?? options.member.baseURL;
		this.label = options.label ?? `${options.member.displayName}@${this.url}`;
		const origin = new URL(this.url).origin;
		this.socket = io(this.url, {
			transports: ['websocket'],
			reconnection: false,
			forceNew: true,
			autoConnect: false,
			extraHeaders: { cookie: options.member.cookieHeader, origin }
		});
		const { circleId } = this;
		this.sync = new CircleSync({
			position: options.position,
			deliver: (events) => {
				for (const event of events) this.delivered.push(event);
			},
			requestCatchUp: (afterSeq, replied) => {
				this.catchUps += 1;
				const request = { overtaken: false };
				this.#pending.add(request);
				this.#note(`catch-up after ${afterSeq}`);
				this.socket.emit('circle:sync', { circleId, afterSeq }, (response: CircleSyncResponse) => {
					this.#pending.delete(request);
					if (request.overtaken) this.overtakenCatchUps += 1;
					this.#note(
						response.ok
							? `reply after ${afterSeq}: ${response.events.length} events${response.complete ? '' : ' (incomplete)'}${request.overtaken ? ', overtaken' : ''}`
							: `reply after ${afterSeq}: ${response.reason}`
					);
					replied(response);
				});
			},
			reload: (reason) => this.#reload(reason),
			notFound: () => {
				this.notFound = true;
			}
		});
		this.socket.on('circle:event', (event: CircleEvent) => {
			if (event.circleId !== circleId) return;
			for (const request of this.#pending) request.overtaken = true;
			this.sync.receive(event);
		});
		this.socket.on('connect', () => {
			this.connects += 1;
			this.#note('connected');
			this.sync.connected();
		});
		this.socket.on('disconnect', (reason) => {
			this.disconnects += 1;
			this.#note(`disconnected (${reason})`);
			this.#pending.clear();
			this.sync.disconnected();
		});
	}

	#note(what: string): void {
		this.history.push(`${(performance.now() - this.#born).toFixed(0)} ms, applied ${this.sync.applied}: ${what}`);
	}

	/** What the page does on `reload`: loads fresh data (its position) and rebases onto it. */
	#reload(reason: ReloadRecord['reason']): void {
		const from = { generation: this.sync.generation, seq: this.sync.applied };
		const attempt = async (): Promise<void> => {
			for (let tries = 0; ; tries += 1) {
				try {
					const to = await loadPagePosition(this.member, this.circleId);
					this.reloads.push({ reason, from, to, at: Date.now() });
					this.#note(`reloaded (${reason}): ${from.seq} → ${to.seq}`);
					this.sync.rebase(to);
					return;
				} catch (error) {
					if (tries >= 50) {
						this.errors.push(`reload failed: ${(error as Error).message}`);
						return;
					}
					await sleep(200);
				}
			}
		};
		this.#reloading = attempt().finally(() => {
			this.#reloading = null;
		});
	}

	get connected(): boolean {
		return this.socket.connected;
	}

	/** The last event applied. */
	get applied(): number {
		return this.sync.applied;
	}

	/** Connects (first time or again) and waits for the handshake. */
	connect(timeoutMs = 10_000): Promise<void> {
		if (this.socket.connected) return Promise.resolve();
		this.#note('connecting');
		return new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				cleanup();
				reject(new Error(`${this.label}: no connection within ${timeoutMs} ms`));
			}, timeoutMs);
			const onConnect = () => {
				cleanup();
				resolve();
			};
			const onError = (error: Error) => {
				cleanup();
				reject(new Error(`${this.label}: connect_error ${error.message}`));
			};
			const cleanup = () => {
				clearTimeout(timer);
				this.socket.off('connect', onConnect);
				this.socket.off('connect_error', onError);
			};
			this.socket.on('connect', onConnect);
			this.socket.on('connect_error', onError);
			this.socket.connect();
		});
	}

	/** As the page does when the browser goes offline: drops the socket at once. */
	disconnect(): void {
		this.socket.disconnect();
	}

	/** Comes back (the browser is online again): connects, and CircleSync catches up. */
	reconnect(timeoutMs?: number): Promise<void> {
		return this.connect(timeoutMs);
	}

	/** Waits until the client has applied `targetSeq` and nothing is held, in flight or reloading. */
	async waitSettled(targetSeq: number, timeoutMs = 20_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!(this.sync.applied >= targetSeq && this.sync.settled && this.#reloading === null)) {
			if (Date.now() > deadline) {
				throw new Error(
					`${this.label}: not settled at ${targetSeq} within ${timeoutMs} ms (applied ${this.sync.applied}, settled ${this.sync.settled}, ` +
						`connected ${this.socket.connected}, reloads ${this.reloads.length}, notFound ${this.notFound})`
				);
			}
			await sleep(20);
		}
	}

	close(): void {
		this.sync.close();
		this.socket.removeAllListeners();
		this.socket.disconnect();
	}
}

// ---------------------------------------------------------------------------------------------
// The circle's log as the database holds it
// ---------------------------------------------------------------------------------------------

export interface LoggedEvent {
	seq: number;
	circleId: string;
	actorId: string | null;
	type: string;
	payload: unknown;
	createdAt: number;
}

/** The database file the Playwright config's server writes. */
export function e2eDatabasePath(): string {
	const dir = process.env.E2E_DB_DIR;
	if (!dir) throw new Error('E2E_DB_DIR is not set (run under playwright.config.ts)');
	return path.join(dir, 'hearth.db');
}

/** The circle's check-ins (id and body) straight from the database file, in no order. */
export function readServerCheckIns(circleId: string, databasePath = e2eDatabasePath()): Array<{ id: string; body: string }> {
	const db = new Database(databasePath, { readonly: true, fileMustExist: true });
	try {
		return db.prepare('SELECT id, body FROM checkins WHERE circle_id = ?').all(circleId) as Array<{ id: string; body: string }>;
	} finally {
		db.close();
	}
}

/** The circle's events straight from the database file (read-only), ordered by seq. */
export function readServerLog(circleId: string, databasePath = e2eDatabasePath()): LoggedEvent[] {
	const db = new Database(databasePath, { readonly: true, fileMustExist: true });
	try {
		const rows = db
			.prepare('SELECT seq, circle_id, actor_id, type, payload, created_at FROM circle_events WHERE circle_id = ? ORDER BY seq')
			.all(circleId) as Array<{ seq: number; circle_id: string; actor_id: string | null; type: string; payload: string; created_at: number }>;
		return rows.map((row) => ({
			seq: row.seq,
			circleId: row.circle_id,
			actorId: row.actor_id,
			type: row.type,
			payload: JSON.parse(row.payload),
			createdAt: row.created_at
		}));
	} finally {
		db.close();
	}
}

// ---------------------------------------------------------------------------------------------
// Comparing what a client applied with the log
// ---------------------------------------------------------------------------------------------

/** JSON with object keys sorted, so equal values compare equal as text. */
export function canonicalJson(value: unknown): string {
	return JSON.stringify(value, (_key, inner: unknown) =>
		inner && typeof inner === 'object' && !Array.isArray(inner)
			? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
			: inner
	);
}

export interface LogDiff {
	label: string;
	/** Events the client should have applied (the log after its start, minus what reloads stood in for). */
	expected: number;
	applied: number;
	/** Seqs in the log the client never applied. */
	missing: number[];
	/** Seqs applied more than once. */
	duplicated: number[];
	/** Seqs applied that the log does not have (or that a reload stood in for). */
	unexpected: number[];
	/** Places where an event came no later than the one before it. */
	outOfOrder: number;
	/** Seqs applied with another type or payload than the log's. */
	mismatched: number[];
	/** Events a reload stood in for (not replayed; the fresh data reflects them). */
	coveredByReload: number;
	ok: boolean;
}

/**
 * Compares a client's delivered events with the log: it must have applied exactly the log's
 * events after its start position (except those a reload's fresh data stands in for), in order,
 * each once, with the same type and payload.
 */
export function compareWithLog(
	client: { label: string; start: LogPosition; delivered: Array<{ seq: number; type: string; payload: unknown }>; reloads: ReloadRecord[] },
	log: LoggedEvent[]
): LogDiff {
	const covered = (seq: number) => client.reloads.some((r) => r.to.generation === client.start.generation && seq > r.from.seq && seq <= r.to.seq);
	const expected = log.filter((event) => event.seq > client.start.seq && !covered(event.seq));
	const bySeq = new Map(expected.map((event) => [event.seq, event]));
	const seen = new Map<number, number>();
	const mismatched: number[] = [];
	const unexpected: number[] = [];
	let outOfOrder = 0;
	client.delivered.forEach((event, index) => {
		seen.set(event.seq, (seen.get(event.seq) ?? 0) + 1);
		if (index > 0 && event.seq <= client.delivered[index - 1]!.seq) outOfOrder += 1;
		const logged = bySeq.get(event.seq);
		if (!logged) unexpected.push(event.seq);
		else if (logged.type !== event.type || canonicalJson(logged.payload) !== canonicalJson(event.payload)) mismatched.push(event.seq);
	});
	const missing = expected.filter((event) => !seen.has(event.seq)).map((event) => event.seq);
	const duplicated = [...seen].filter(([, count]) => count > 1).map(([seq]) => seq);
	const ok =
		missing.length === 0 &&
		duplicated.length === 0 &&
		unexpected.length === 0 &&
		outOfOrder === 0 &&
		mismatched.length === 0 &&
		client.delivered.length === expected.length;
	return {
		label: client.label,
		expected: expected.length,
		applied: client.delivered.length,
		missing,
		duplicated,
		unexpected,
		outOfOrder,
		mismatched,
		coveredByReload: log.filter((event) => event.seq > client.start.seq && covered(event.seq)).length,
		ok
	};
}

/** A one-line account of a diff, with the first few seqs of each kind of trouble. */
export function describeDiff(diff: LogDiff): string {
	const few = (seqs: number[]) => (seqs.length === 0 ? '0' : `${seqs.length} [${seqs.slice(0, 8).join(', ')}${seqs.length > 8 ? ', …' : ''}]`);
	return (
		`${diff.label}: expected ${diff.expected}, applied ${diff.applied}; missing ${few(diff.missing)}, duplicated ${few(diff.duplicated)}, ` +
		`unexpected ${few(diff.unexpected)}, out of order ${diff.outOfOrder}, mismatched ${few(diff.mismatched)}` +
		(diff.coveredByReload ? `, covered by reload ${diff.coveredByReload}` : '')
	);
}

// ---------------------------------------------------------------------------------------------
// Small things
// ---------------------------------------------------------------------------------------------

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** A seeded PRNG (mulberry32): the same seed gives the same sequence of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** The port of a base URL (for startDelayProxy). */
export function portOf(baseURL: string): number {
	const url = new URL(baseURL);
	return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}
