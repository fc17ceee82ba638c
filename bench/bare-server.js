// The bare server: the least a server can do for the same live check-ins, as the lower bound that
// Hearth's figures are compared with. Plain node:http + socket.io + better-sqlite3, opened with
// Hearth's own openSqlite (so the same PRAGMAs: WAL, synchronous=FULL, foreign keys, busy timeout).
// No SvelteKit, no sessions in the database, no access checks, no event log: the member list
// (cookie token -> user and circles) is read once from BARE_MEMBERS_FILE, a POST inserts one row
// and emits it to the circle's room, in the same event shape Hearth sends.
// For the churn mode it speaks the same sync protocol, as simply as it can: each circle's check-ins
// are numbered 1, 2, 3, … (`seq`, counted in memory, stored in the row), `circle:sync` answers
// with the rows after `afterSeq` (autocommit inserts: every row it reads is committed), and
// GET /circles/<id>/checkins gives only the `live` position a page load would.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Server } from 'socket.io';
import { openSqlite } from '../src/lib/server/db/sqlite/connection.js';

const sqlite = openSqlite(process.env.BARE_DATABASE_PATH);
sqlite.exec(`CREATE TABLE IF NOT EXISTS checkins (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL,
	author_id TEXT NOT NULL,
	mood INTEGER NOT NULL,
	body TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS checkins_feed ON checkins (circle_id, created_at, id);`);
const insert = sqlite.prepare('INSERT INTO checkins (id, circle_id, author_id, mood, body, created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?)');
// No index of its own: the feed index's circle_id prefix finds the circle's rows (a few hundred).
const after = sqlite.prepare('SELECT id, author_id, mood, body, created_at, seq FROM checkins WHERE circle_id = ? AND seq > ? ORDER BY seq LIMIT ?');
const SYNC_LIMIT = 500;
const GENERATION = randomBytes(8).toString('hex');

/** token -> { userId, displayName, circleIds } */
const members = new Map(Object.entries(JSON.parse(readFileSync(process.env.BARE_MEMBERS_FILE, 'utf8'))));
const userNames = new Map([...members.values()].map((m) => [m.userId, m.displayName]));
/** circleId -> last seq handed out (the database starts empty every run). */
const lastSeq = new Map();

function checkInView({ id, circleId, authorId, mood, body, createdAt }) {
	return {
		id,
		circleId,
		author: { id: authorId, displayName: userNames.get(authorId) ?? '', relationship: '' },
		mood,
		craving: null,
		need: null,
		body,
		createdAt,
		editedAt: null,
		removed: false,
		reactions: { love: [], proud: [], here: [] },
		replies: []
	};
}

function checkInEvent(seq, checkin) {
	return { seq, circleId: checkin.circleId, actorId: checkin.author.id, type: 'checkin.posted', payload: { checkin }, createdAt: checkin.createdAt };
}

function cookieToken(header) {
	const match = /(?:^|;\s*)hearth_session=([^;]*)/.exec(header ?? '');
	return match ? match[1] : null;
}

const httpServer = createServer();
// The same options as Hearth's socket-host.js (per-message compression stays off, the default).
const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 64 * 1024 });

io.use((socket, next) => {
	const member = members.get(cookieToken(socket.handshake.headers.cookie));
	if (!member) return next(new Error('not signed in'));
	socket.data.member = member;
	next();
});
io.on('connection', (socket) => {
	socket.on('circle:sync', (request, reply) => {
		if (typeof reply !== 'function') return;
		const circleId = request?.circleId;
		const afterSeq = request?.afterSeq;
		if (!socket.data.member.circleIds.includes(circleId) || !Number.isSafeInteger(afterSeq) || afterSeq < 0) return reply({ ok: false, reason: 'not-found' });
		const rows = after.all(circleId, afterSeq, SYNC_LIMIT + 1);
		const events = rows
			.slice(0, SYNC_LIMIT)
			.map((row) =>
				checkInEvent(row.seq, checkInView({ id: row.id, circleId, authorId: row.author_id, mood: row.mood, body: row.body, createdAt: row.created_at }))
			);
		reply({ ok: true, generation: GENERATION, events, complete: rows.length <= SYNC_LIMIT, online: [] });
	});
	socket.join(socket.data.member.circleIds.map((id) => `circle:${id}`));
});

function send(res, status, body) {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
	res.end(text);
}

httpServer.on('request', (req, res) => {
	if (req.url.startsWith('/socket.io/')) return; // socket.io answers these itself
	if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { ok: true });
	const feed = /^\/circles\/([a-z2-7]+)\/checkins$/.exec(req.url);
	if (req.method === 'GET' && feed) {
		const member = members.get(cookieToken(req.headers.cookie));
		if (!member || !member.circleIds.includes(feed[1])) return send(res, 404, { message: 'Not found' });
		return send(res, 200, { checkins: [], nextCursor: null, live: { generation: GENERATION, seq: lastSeq.get(feed[1]) ?? 0 } });
	}
	const match = /^\/circles\/([a-z2-7]+)\?\/post$/.exec(req.url);
	if (req.method !== 'POST' || !match) return send(res, 404, { message: 'Not found' });
	const chunks = [];
	req.on('data', (chunk) => chunks.push(chunk));
	req.on('end', () => {
		const member = members.get(cookieToken(req.headers.cookie));
		const circleId = match[1];
		if (!member || !member.circleIds.includes(circleId)) return send(res, 404, { message: 'Not found' });
		const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
		const now = Date.now();
		const checkin = checkInView({
			id: randomBytes(15).toString('base64url'),
			circleId,
			authorId: member.userId,
			mood: Number(form.get('mood')),
			body: form.get('body') ?? '',
			createdAt: now
		});
		const seq = (lastSeq.get(circleId) ?? 0) + 1;
		insert.run(checkin.id, circleId, member.userId, checkin.mood, checkin.body, now, seq);
		lastSeq.set(circleId, seq); // after the insert: a failed one hands out no number
		io.to(`circle:${circleId}`).emit('circle:event', checkInEvent(seq, checkin));
		send(res, 200, { type: 'success', status: 200, data: JSON.stringify([{ action: 'post', checkin }]) });
	});
});

httpServer.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
	console.log(`bare server on ${process.env.HOST}:${process.env.PORT}`);
});

function shutDown() {
	io.close();
	httpServer.close(() => process.exit(0));
	setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', shutDown);
process.on('SIGINT', shutDown);
