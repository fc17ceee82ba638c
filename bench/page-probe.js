// A quick look at the page figures alone, for working on them: seeds (or reuses) a small
// database, starts the production server, and measures the circle home, its data and /help the
// way `npm run bench` does (requests per second at concurrency 8, and the home's HTML size), and
// the server's CPU time per request.
// `node bench/page-probe.js [--profile] [--seconds 4] [--only home|homeData] [--sql-trace] [--save] [--dir /tmp/hearth-page-probe]`
// The figures that count are `npm run bench`'s: this is for trying one change after another.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, startHearth } from './servers.js';
import { fixedConcurrency, get } from './load.js';

const { values } = parseArgs({
	options: {
		profile: { type: 'boolean', default: false },
		save: { type: 'boolean', default: false },
		seconds: { type: 'string', default: '4' },
		dir: { type: 'string', default: '/tmp/hearth-page-probe' },
		only: { type: 'string' },
		'sql-trace': { type: 'boolean', default: false }
	}
});
const dir = values.dir;
mkdirSync(dir, { recursive: true });
const out = path.join(dir, 'seed.json');
const file = path.join(dir, 'hearth.db');
if (!existsSync(out)) {
	const args = { file, out, fanoutCircles: 2, fanoutHistory: 5, historyCircles: 100, historyCheckins: 10000 };
	await new Promise((resolve, reject) => {
		const child = fork(path.join(ROOT, 'bench/seed.js'), [JSON.stringify(args)], { stdio: 'inherit' });
		child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`seeding failed (${code})`))));
	});
}
const { page } = JSON.parse(readFileSync(out, 'utf8'));
const server = await startHearth({
	dbFile: file,
	logDir: dir,
	profileDir: values.profile ? path.join(dir, 'profiles') : undefined,
	sqlTrace: values['sql-trace'] ? path.join(dir, 'sql-trace.json') : undefined
});
try {
	const headers = { cookie: `hearth_session=${page.token}` };
	const urls = {
		home: `${server.origin}/circles/${page.circleId}`,
		homeData: `${server.origin}/circles/${page.circleId}/__data.json`,
		help: `${server.origin}/help`
	};
	const figures = {};
	for (const [name, url] of Object.entries(urls)) {
		if (values.only && name !== values.only && name !== 'help') continue;
		const first = await get(url, headers);
		if (first.status !== 200) throw new Error(`${url}: ${first.status}`);
		// What was answered, to read what the bytes are (home.html, homeData.html, help.html).
		if (values.save) writeFileSync(path.join(dir, `${name}.html`), first.text);
		await fixedConcurrency({ url, headers, concurrency: 4, seconds: 1 });
		// The server's own CPU per request as well: on a shared machine whose speed drifts from one
		// minute to the next, it moves far less than requests per second do.
		const cpuBefore = server.cpu();
		const run = await fixedConcurrency({ url, headers, concurrency: 8, seconds: Number(values.seconds) });
		const cpuMs = ((server.cpu() - cpuBefore) * 1000) / run.latencies.length;
		figures[name] = { bytes: Buffer.byteLength(first.text), rps: Math.round(run.rps), cpuMs };
	}
	const ratio = (name) => (figures[name].rps / figures.help.rps).toFixed(2);
	const cpu = (name) => `${figures[name].cpuMs.toFixed(2)} ms CPU`;
	if (values.only)
		console.log(
			`${values.only} ${(figures[values.only].bytes / 1024).toFixed(1)} KB ${figures[values.only].rps}/s (${ratio(values.only)}× help, ${cpu(values.only)}) · help ${cpu('help')}`
		);
	else
		console.log(
			`home ${(figures.home.bytes / 1024).toFixed(1)} KB ${figures.home.rps}/s (${ratio('home')}× help, ${cpu('home')}) · data ${(figures.homeData.bytes / 1024).toFixed(1)} KB ${figures.homeData.rps}/s (${ratio('homeData')}×, ${cpu('homeData')}) · help ${figures.help.rps}/s (${cpu('help')})`
		);
} finally {
	await server.stop();
}
