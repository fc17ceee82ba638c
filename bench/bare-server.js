// The bare server: the least a server can do for the same live check-ins, as the lower bound that
// Hearth's figures are compared with. Plain node:http + socket.io + better-sqlite3, opened with
// Hearth's own openSqlite (so the same PRAGMAs: WAL, synchronous=FULL, foreign keys, busy timeout).
// No SvelteKit, no sessions in the database, no access checks, no event log: the member list
// (cookie token -> user and circles) is read once from BARE_MEMBERS_FILE, a POST inserts one row
// and emits it to the circle's room, in the same event shape Hearth sends.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Server } from 'socket.io';
import { openSqlite } from '../src/lib/server/db/sqlite.js';

const sqlite = openSqlite(process.env.BARE_DATABASE_PATH);
sqlite.exec(`CREATE TABLE IF NOT EXISTS checkins (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL,
	author_id TEXT NOT NULL,
	mood INTEGER NOT NULL,
	body TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS checkins_feed ON checkins (circle_id, created_at, id);`);
const insert = sqlite.prepare('INSERT INTO checkins (id, circle_id, author_id, mood, body, created_at) VALUES (?, ?, ?, ?, ?, ?)');

/** token -> { userId, displayName, circleIds } */
const members = new Map(Object.entries(JSON.parse(readFileSync(process.env.BARE_MEMBERS_FILE, 'utf8'))));
let eventId = 0;

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
		const checkin = {
			id: randomBytes(15).toString('base64url'),
			circleId,
			author: { id: member.userId, displayName: member.displayName, relationship: '' },
			mood: Number(form.get('mood')),
			craving: null,
			need: null,
			body: form.get('body') ?? '',
			createdAt: now,
			editedAt: null,
			removed: false,
			reactions: { love: [], proud: [], here: [] },
			replies: []
		};
		insert.run(checkin.id, circleId, member.userId, checkin.mood, checkin.body, now);
		eventId += 1;
		io.to(`circle:${circleId}`).emit('circle:event', {
			id: eventId,
			circleId,
			actorId: member.userId,
			type: 'checkin.posted',
			payload: { checkin },
			createdAt: now
		});
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
