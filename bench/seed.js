// Seeds a throwaway database through Hearth's own domain modules (not raw SQL), before the server
// starts. Run as a child process by run.js: `node bench/seed.js <options-json>`; it writes what the
// benchmark needs (circle ids, members, session tokens) to the `out` file named in the options.
//
// It seeds an SQLite file (`file`) or a PostgreSQL database (`databaseUrl`), with the same
// fixture. Shortcuts, none of which is measured:
// - Accounts are one Kysely insert each into `users`, with one argon2 hash computed once and
//   reused: signUp hashes every password (~50 ms each), which would take minutes for thousands.
// - SQLite: PRAGMA synchronous=OFF while seeding (the server reopens the file with the app's FULL).
//   PostgreSQL: the caller sets synchronous_commit off on the database while seeding and resets it
//   after (bench/run.js), and circles are seeded `lanes` at a time, each lane on its own pooled
//   connection: one circle's writes are serial (lockCircle), different circles' are not.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// As server.js does: the migrations are found wherever the seeder is started from.
process.env.HEARTH_MIGRATIONS_DIR ??= path.join(ROOT, 'migrations');
const DAY = 24 * 60 * 60 * 1000;
const MEMBERS_PER_CIRCLE = 5;
const RELATIONSHIPS = ['Me', 'Mom', 'Dad', 'Sister', 'Brother'];
const WORDS =
	'slept well today long shift meeting went fine called my sponsor tired but okay walked the dog kids were loud grateful for dinner hard morning better evening'.split(
		' '
	);

/**
 * Loads the domain modules with Vite's SSR loader. No config file: only the `$lib` alias is
 * needed (the server modules import nothing from `$app` or `$env`), and leaving the SvelteKit
 * plugin out means seeding never writes `.svelte-kit/` (a build may be running next to it).
 */
export async function loadDomain() {
	const vite = await createServer({
		root: ROOT,
		configFile: false,
		resolve: { alias: { $lib: path.join(ROOT, 'src/lib') } },
		server: { middlewareMode: true, hmr: false, ws: false },
		appType: 'custom',
		logLevel: 'error',
		optimizeDeps: { noDiscovery: true, include: [] }
	});
	const load = (file) => vite.ssrLoadModule(file);
	const [db, ids, passwords, sessions, access, circles, invites, checkins, recovery] = await Promise.all([
		load('/src/lib/server/db/index.ts'),
		load('/src/lib/server/ids.ts'),
		load('/src/lib/server/auth/passwords.ts'),
		load('/src/lib/server/auth/sessions.ts'),
		load('/src/lib/server/circles/access.ts'),
		load('/src/lib/server/circles/circles.ts'),
		load('/src/lib/server/circles/invites.ts'),
		load('/src/lib/server/checkins/checkins.ts'),
		load('/src/lib/server/milestones/recovery.ts')
	]);
	return { vite, db, ids, passwords, sessions, access, circles, invites, checkins, recovery };
}

function sentence(n) {
	const words = [];
	for (let i = 0; i < 6 + (n % 10); i++) words.push(WORDS[(n * 7 + i * 13) % WORDS.length]);
	return words.join(' ');
}

/** Runs `task(0 … count-1)`, `lanes` at a time, in order of index within each lane. */
async function inLanes(count, lanes, task) {
	let next = 0;
	const lane = async () => {
		while (next < count) await task(next++);
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, count)) }, lane));
}

export async function seed(options) {
	const { file, databaseUrl, fanoutCircles, fanoutHistory, historyCircles, historyCheckins, awayMembers = 0 } = options;
	const lanes = options.lanes ?? 1;
	const started = performance.now();
	const domain = await loadDomain();
	// Both open and migrate; PostgreSQL gets a connection per lane (and a spare).
	const opened = databaseUrl ? await domain.db.openPostgresDatabase(databaseUrl, { poolSize: lanes + 1 }) : domain.db.openSqliteDatabase(file);
	if (opened.dialect === 'sqlite') opened.sqlite.pragma('synchronous = OFF');
	const { db } = opened;
	const passwordHash = await domain.passwords.hashPassword('bench password, not used to log in');
	const now = Date.now();
	let userCount = 0;

	async function createUser(label) {
		const id = domain.ids.newId();
		userCount += 1;
		const user = { id, email: `bench-${userCount}-${id.slice(0, 6)}@example.com`, displayName: `${label} ${userCount}` };
		await db
			.insertInto('users')
			.values({ id, email: user.email, display_name: user.displayName, password_hash: passwordHash, created_at: now - 120 * DAY, updated_at: now - 120 * DAY })
			.execute();
		return user;
	}

	/** A circle of five: the owner creates it and one invite, which the other four accept. */
	async function createFamily(name, createdAt, away = 0) {
		const users = [];
		for (let i = 0; i < MEMBERS_PER_CIRCLE + away; i++) users.push(await createUser(RELATIONSHIPS[i] ?? 'Grandpa'));
		const { circleId } = await domain.circles.createCircle(db, users[0], { name, description: '', timeZone: 'UTC' }, createdAt);
		const ownerAccess = await domain.access.requireMember(db, users[0], circleId);
		const invite = await domain.invites.createInvite(
			db,
			ownerAccess,
			{ expiresInDays: 7, maxUses: MEMBERS_PER_CIRCLE + away - 1, role: 'member', note: '' },
			createdAt
		);
		for (const user of users.slice(1)) {
			const accepted = await domain.invites.acceptInvite(db, user, invite.token, createdAt + 1000);
			if (!accepted.ok) throw new Error('seeding: invite was refused');
		}
		return { circleId, users };
	}

	/** `count` check-ins spread evenly over the last 90 days, authors taking turns. */
	async function postHistory(circleId, users, count, seedNumber) {
		const span = 90 * DAY;
		const accesses = await Promise.all(users.map((user) => domain.access.requireMember(db, user, circleId)));
		for (let j = 0; j < count; j++) {
			const at = now - span + Math.floor(((j + 0.5) * span) / count);
			const author = accesses[(j + seedNumber) % users.length];
			await domain.checkins.postCheckIn(db, author, { mood: 1 + ((j + seedNumber) % 5), craving: null, need: null, body: sentence(j + seedNumber) }, at);
		}
	}

	const timings = {};
	let mark = performance.now();

	// History circles: the page-speed measurements run against one of them (the first), whose
	// person in recovery has set a recovery date, as a real circle would, so the home page shows it.
	const perCircle = historyCircles > 0 ? Math.floor(historyCheckins / historyCircles) : 0;
	const leftOver = historyCheckins - perCircle * historyCircles;
	let page = null;
	await inLanes(historyCircles, lanes, async (c) => {
		const { circleId, users } = await createFamily(`History family ${c + 1}`, now - 100 * DAY);
		if (c === 0) {
			const person = users[0];
			const at = now - 99 * DAY;
			const personAccess = await domain.access.requireMember(db, person, circleId);
			await domain.circles.updateOwnProfile(db, personAccess, { relationship: 'Me', inRecovery: true }, at);
			// Read again: the access now says they are in recovery.
			const inRecovery = await domain.access.requireMember(db, person, circleId);
			const set = await domain.recovery.setRecoveryDate(db, inRecovery, new Date(at).toISOString().slice(0, 10), at);
			if (!set?.startedOn) throw new Error(`seeding: the recovery date was refused: ${JSON.stringify(set)}`);
			const { token } = await domain.sessions.createSession(db, users[1].id, { userAgent: 'hearth-bench' });
			page = { circleId, userId: users[1].id, token };
		}
		// The first `leftOver` circles get one more.
		await postHistory(circleId, users, perCircle + (c < leftOver ? 1 : 0), c);
	});
	timings.historySeconds = (performance.now() - mark) / 1000;
	mark = performance.now();

	// Fan-out circles: every member gets a session (their socket and their posts use it).
	const fanout = new Array(fanoutCircles);
	await inLanes(fanoutCircles, lanes, async (c) => {
		const { circleId, users } = await createFamily(`Live family ${c + 1}`, now - 30 * DAY, awayMembers);
		await postHistory(circleId, users.slice(0, MEMBERS_PER_CIRCLE), fanoutHistory, c);
		const members = [];
		const away = [];
		for (const [i, user] of users.entries()) {
			const { token, session } = await domain.sessions.createSession(db, user.id, { userAgent: 'hearth-bench' });
			(i < MEMBERS_PER_CIRCLE ? members : away).push({ userId: user.id, displayName: user.displayName, token, sessionId: session.id });
		}
		fanout[c] = { circleId, members, away };
	});
	timings.fanoutSeconds = (performance.now() - mark) / 1000;

	if (opened.dialect === 'sqlite') opened.sqlite.pragma('wal_checkpoint(TRUNCATE)');
	await opened.close();
	await domain.vite.close();
	timings.totalSeconds = (performance.now() - started) / 1000;
	const counts = {
		dialect: opened.dialect,
		lanes,
		users: userCount,
		circles: historyCircles + fanoutCircles,
		checkins: historyCheckins + fanoutCircles * fanoutHistory
	};
	return { fanout, page, timings, counts };
}

// Child-process entry point.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const options = JSON.parse(process.argv[2]);
	const result = await seed(options);
	writeFileSync(options.out, JSON.stringify(result));
	process.exit(0);
}
