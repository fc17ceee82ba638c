// Diagnostic preload (`node --import ./bench/sql-trace.js server.js`, or `npm run bench -- --sql-trace`):
// counts and times every better-sqlite3 prepare and statement execution, by SQL text, and writes
// the totals to SQL_TRACE_OUT (JSON, slowest first) when the process exits. It adds a little
// overhead of its own: use it to see which statements run and how often, not for the headline figures.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(new URL('../package.json', import.meta.url));
const Database = require('better-sqlite3');
const stats = new Map();

function entry(sql) {
	let found = stats.get(sql);
	if (!found) stats.set(sql, (found = { prepares: 0, prepareMs: 0, runs: 0, runMs: 0 }));
	return found;
}

const prepare = Database.prototype.prepare;
let patched = false;
Database.prototype.prepare = function (sql, ...rest) {
	const started = performance.now();
	const statement = prepare.call(this, sql, ...rest);
	const found = entry(sql);
	found.prepares += 1;
	found.prepareMs += performance.now() - started;
	if (!patched) {
		patched = true;
		const proto = Object.getPrototypeOf(statement);
		for (const method of ['all', 'get', 'run']) {
			const original = proto[method];
			proto[method] = function (...args) {
				const t = performance.now();
				try {
					return original.apply(this, args);
				} finally {
					const e = entry(this.source);
					e.runs += 1;
					e.runMs += performance.now() - t;
				}
			};
		}
	}
	return statement;
};

process.on('exit', () => {
	const rows = [...stats].map(([sql, e]) => ({ sql: sql.replace(/\s+/g, ' '), ...e })).sort((a, b) => b.prepareMs + b.runMs - (a.prepareMs + a.runMs));
	writeFileSync(process.env.SQL_TRACE_OUT ?? 'sql-trace.json', `${JSON.stringify(rows, null, '\t')}\n`);
});
