// Summarises a V8 .cpuprofile (from `node --cpu-prof`, or `npm run bench -- --profile`):
// self time by function and by file, and total time (self + callees) for functions matching a
// filter. `node bench/profile-summary.js <file.cpuprofile> [rows] [inclusive-filter]`
import { readFileSync } from 'node:fs';

const [file, rowsText = '30', filter] = process.argv.slice(2);
if (!file) {
	console.error('usage: node bench/profile-summary.js <file.cpuprofile> [rows] [filter]');
	process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const rows = Number(rowsText);
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const selfTime = new Map();
profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

const shortUrl = (url) =>
	url
		.replace(/^file:\/\//, '')
		.split('/')
		.slice(-3)
		.join('/');
const label = (node) => `${node.callFrame.functionName || '(anonymous)'}  ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;

function top(map, title) {
	console.log(`\n${title}`);
	for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
		console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
	}
}

const byFunction = new Map();
const byFile = new Map();
for (const [id, us] of selfTime) {
	const node = nodes.get(id);
	const fn = label(node);
	byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
	const where = node.callFrame.url ? shortUrl(node.callFrame.url) : node.callFrame.functionName;
	byFile.set(where, (byFile.get(where) ?? 0) + us);
}
console.log(`${file}\nsampled ${(total / 1000).toFixed(0)} ms`);
top(byFunction, 'Self time by function');
top(byFile, 'Self time by file');

if (filter) {
	// Inclusive time: every sample whose stack contains a matching frame (counted once per sample).
	const inclusive = new Map();
	for (const [id, us] of selfTime) {
		const seen = new Set();
		for (let at = id; at !== undefined; at = parent.get(at)) {
			const key = label(nodes.get(at));
			if (key.includes(filter) && !seen.has(key)) {
				seen.add(key);
				inclusive.set(key, (inclusive.get(key) ?? 0) + us);
			}
		}
	}
	top(inclusive, `Total time (self + callees) of functions matching "${filter}"`);
}
