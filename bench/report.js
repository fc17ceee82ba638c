// Summary statistics, the table printed at the end, and the JSON written under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Nearest-rank percentile of numbers (sorted here). */
export function percentiles(values, ps = [50, 95, 99]) {
	const sorted = Float64Array.from(values).sort();
	const at = (p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
	const result = { count: sorted.length };
	for (const p of ps) result[`p${p}`] = at(p);
	result.max = sorted.length ? sorted[sorted.length - 1] : NaN;
	return result;
}

const fmt = {
	ms: (v) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ms` : '—'),
	n: (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en') : '—'),
	rate: (v) => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en')}/s` : '—'),
	pct: (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(v > 0 && v < 0.001 ? 3 : 1)}%` : '—'),
	kb: (v) => (Number.isFinite(v) ? `${(v / 1024).toFixed(1)} KB` : '—'),
	mb: (v) => (Number.isFinite(v) ? `${(v / 1024 / 1024).toFixed(0)} MB` : '—'),
	x: (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '—'),
	text: (v) => (v === undefined || v === null ? '—' : String(v))
};

/** Rows are arrays of cells; a row that is a plain string is a section heading on its own line. */
function table(rows, header) {
	const cellsRows = rows.filter((r) => Array.isArray(r));
	const widths = header.map((h, i) => Math.max(h.length, ...cellsRows.map((r) => (r[i] ?? '').length)));
	const line = (cells) =>
		cells
			.map((c, i) => (i === 0 ? (c ?? '').padEnd(widths[i]) : (c ?? '').padStart(widths[i])))
			.join('  ')
			.trimEnd();
	const rule = widths.map((w) => '-'.repeat(w)).join('  ');
	return [line(header), rule, ...rows.map((r) => (Array.isArray(r) ? line(r) : `\n${r}`))].join('\n');
}

/** A figure, or one per server ("a / b", or just "a" when they all read the same). */
function format(unit, v) {
	if (!Array.isArray(v)) return fmt[unit](v);
	const cells = v.map((x) => fmt[unit](x));
	return cells.every((c) => c === cells[0]) ? cells[0] : cells.join(' / ');
}
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
const verdict = (ok) => (ok === undefined ? '' : ok ? 'met' : 'NOT MET');

/**
 * The table on stdout: Hearth | bare | ratio | target | verdict. With `--postgres` the
 * PostgreSQL + Redis servers get a column of their own beside the one-server SQLite figures
 * (SQLite ×1 | PG+Redis ×N | bare | SQLite/bare | target | SQLite | PG). The PG column is judged
 * by issue 17's targets only (no bare ratio; see BENCHMARKS.md); a cell with one figure per server
 * reads "server 1 / server 2".
 */
export function formatReport(result) {
	const { fanout, writes, pages, pagesPostgres, assets, memory, options } = result;
	const withPg = Boolean(fanout.postgres);
	const nodes = result.postgres?.nodes ?? options.nodes;
	const columns = [];
	if (fanout.hearth) columns.push({ key: 'hearth', title: withPg ? 'SQLite ×1' : 'Hearth', judge: 'sqlite' });
	if (withPg) columns.push({ key: 'postgres', title: `PG+Redis ×${nodes}`, judge: 'pg' });
	const first = columns[0].key;
	const rows = [];
	const section = (title) => rows.push(title);
	/**
	 * One row: `get(data, key)` reads the figure from a deployment's data (fanout, writes or memory
	 * of `hearth`, `postgres`, `bare`); `ok[judge](value, data)` says whether a column met its target.
	 */
	const rowOf = (source, label, get, unit, { target = '', ok = {}, ratio: withRatio = true, bare: withBare = true } = {}) => {
		const value = (key) => (source[key] === undefined ? undefined : get(source[key], key));
		const values = columns.map((c) => value(c.key));
		const bare = value('bare');
		const cells = [`  ${label}`, ...values.map((v) => format(unit, v)), withBare ? format(unit, bare) : ''];
		cells.push(source.bare === undefined || !withBare ? '' : withRatio ? fmt.x(ratio(values[0], bare)) : fmt.x(undefined));
		cells.push(target);
		for (const [i, c] of columns.entries()) cells.push(ok[c.judge] && values[i] !== undefined ? verdict(ok[c.judge](values[i], source[c.key])) : '');
		rows.push(cells);
	};
	/** A row of figures the SQLite side or the bare server does not have (left blank there). */
	const pgOnly = (source, label, get, unit, options) =>
		withPg && rowOf(source, label, (d, key) => (key === 'postgres' ? get(d) : undefined), unit, { bare: false, ...options });

	const zero = { sqlite: (v) => v === 0, pg: (v) => v === 0 };
	const f = fanout;
	const churnNote = options.churn > 0 ? `, ${options.churn}% of members (${fmt.n(f[first].churn?.members)}) reconnecting once` : '';
	const pgNote = withPg ? `; on PostgreSQL each circle's sockets spread over ${nodes} servers and the posts go to the servers in turn` : '';
	section(
		`Live fan-out: ${fmt.n(options.circles * 5)} members in ${fmt.n(options.circles)} circles, ${options.rate} check-ins/s for ${options.duration} s${churnNote}${pgNote}`
	);
	rowOf(f, 'delivery p50', (d) => d.latency.p50, 'ms');
	rowOf(f, 'delivery p95', (d) => d.latency.p95, 'ms');
	rowOf(f, 'delivery p99', (d) => d.latency.p99, 'ms', {
		target: withPg ? '≤ 50 ms (SQLite: ≤ 2× bare)' : '≤ 50 ms, ≤ 2× bare',
		ok: { sqlite: (v) => v <= 50 && (!f.bare || v <= 2 * f.bare.latency.p99), pg: (v) => v <= 50 }
	});
	rowOf(f, 'delivery max', (d) => d.latency.max, 'ms');
	pgOnly(f, '… p99 to sockets on another server', (d) => d.crossServer?.latency.p99, 'ms');
	pgOnly(f, '… p99 to sockets on the posting server', (d) => d.sameServer?.latency.p99, 'ms');
	pgOnly(f, 'deliveries that crossed servers', (d) => d.crossServer?.delivered, 'n');
	rowOf(f, 'deliveries per second', (d) => d.deliveriesPerSecond, 'rate');
	rowOf(f, 'POST p99 (answer)', (d) => d.post.p99, 'ms');
	rowOf(f, 'failed POSTs', (d) => d.failedShare, 'pct', { target: '0', ok: zero, ratio: false });
	rowOf(f, 'missing deliveries', (d) => d.missing, 'n', { target: '0', ok: zero, ratio: false });
	rowOf(f, 'duplicate deliveries', (d) => d.duplicates, 'n', { target: '0', ok: zero, ratio: false });
	rowOf(f, 'delivered outside the circle', (d) => d.deliveredOutsideCircle, 'n', { target: '0', ok: zero, ratio: false });
	rowOf(f, withPg ? 'Hearth CPU (of one core; PG: all servers)' : 'server CPU (of one core)', (d) => d.serverCpuShare, 'pct');
	pgOnly(f, '… each server', (d) => d.perServerCpuShare, 'pct');
	pgOnly(f, 'PostgreSQL CPU (all its processes)', (d) => d.servicesCpuShare?.postgres, 'pct');
	pgOnly(f, 'Redis CPU', (d) => d.servicesCpuShare?.redis, 'pct');
	rowOf(f, 'server CPU idle, clients connected', (d) => d.serverIdleCpuShare, 'pct');
	rowOf(f, 'session touches (last_seen_at writes)', (d) => d.sessionTouches, 'n', { bare: false });
	rowOf(f, 'server CPU per check-in (above idle)', (d) => d.serverCpuMsPerCheckIn, 'ms');
	pgOnly(f, '… with PostgreSQL and Redis', (d) => d.allCpuMsPerCheckIn, 'ms');
	rowOf(f, 'busiest client process CPU', (d) => d.clientMaxCpuShare, 'pct');
	rowOf(f, 'client event-loop delay p99', (d) => d.clientMaxLoopDelayP99Ms, 'ms');
	rowOf(f, 'sender process CPU', (d) => d.senderCpuShare, 'pct');
	rowOf(f, 'sender lag p99', (d) => d.senderLag.p99, 'ms');
	if (f[first].churn) {
		const c = (get) => (d) => (d.churn ? get(d.churn, d) : undefined);
		section(`Churn: members that disconnect once, stay away ${(f[first].churn.away.p50 / 1000).toFixed(1)} s (p50) and catch up through CircleSync`);
		rowOf(
			f,
			'reconnects during the window',
			c((x) => x.reconnects),
			'n',
			{ ratio: false }
		);
		rowOf(
			f,
			'… that had missed events',
			c((x) => x.withMissedEvents),
			'n',
			{ ratio: false }
		);
		rowOf(
			f,
			'events caught up',
			c((x) => x.eventsCaughtUp),
			'n',
			{ ratio: false }
		);
		rowOf(f, 'missing at churned members', (d) => d.missingAtChurned, 'n', { target: '0', ok: zero, ratio: false });
		rowOf(
			f,
			'catch-up after reconnect p50',
			c((x) => x.catchUp.p50),
			'ms'
		);
		rowOf(
			f,
			'catch-up after reconnect p99',
			c((x) => x.catchUp.p99),
			'ms'
		);
		rowOf(
			f,
			'catch-up after reconnect max',
			c((x) => x.catchUp.max),
			'ms'
		);
		rowOf(
			f,
			'… p99 of those that had missed events',
			c((x) => x.catchUpWithMissed.p99),
			'ms'
		);
		rowOf(
			f,
			'reconnect handshake p99',
			c((x) => x.handshake.p99),
			'ms'
		);
		rowOf(
			f,
			'reconnects never caught up',
			c((x) => x.unfinished),
			'n',
			{ target: '0', ok: zero, ratio: false }
		);
		rowOf(
			f,
			'events applied out of order or twice',
			c((x) => x.syncGaps + x.syncDuplicates),
			'n',
			{ target: '0', ok: zero, ratio: false }
		);
		rowOf(
			f,
			'reloads (too far behind)',
			c((x) => x.reloads),
			'n',
			{ ratio: false }
		);
	}

	if (columns.some((c) => writes[c.key])) {
		const w = writes;
		section(
			withPg
				? `Writes: highest open-loop rate with POST p99 < 100 ms (SQLite synchronous=FULL; PostgreSQL synchronous_commit=on, posts to the ${nodes} servers in turn; no sockets connected)`
				: 'Writes: highest open-loop rate with POST p99 < 100 ms (synchronous=FULL, no sockets connected)'
		);
		rowOf(w, 'sustained check-in posts', (d) => d.maxRate, 'rate', {
			target: withPg ? '≥ 1,000/s (SQLite: ≥ ½ bare)' : '≥ 1,000/s, ≥ ½ bare',
			ok: { sqlite: (v) => v >= 1000 && (!w.bare || v >= w.bare.maxRate / 2), pg: (v) => v >= 1000 }
		});
		rowOf(w, 'p99 at that rate', (d) => d.atMax?.p99, 'ms');
		rowOf(w, withPg ? 'Hearth CPU at that rate (PG: all servers)' : 'server CPU at that rate', (d) => d.atMax?.serverCpuShare, 'pct');
		pgOnly(w, 'PostgreSQL CPU at that rate', (d) => d.atMax?.servicesCpuShare?.postgres, 'pct');
		rowOf(w, 'sender CPU at that rate', (d) => d.atMax?.senderCpuShare, 'pct');
		rowOf(w, 'first rate that did not hold', (d) => d.firstBroken?.rate, 'rate');
		pgOnly(w, '… its p99, failed posts', (d) => (d.firstBroken ? `${fmt.ms(d.firstBroken.p99)}, ${d.firstBroken.failed}` : undefined), 'text');
		rowOf(w, 'session touches during that step', (d) => d.atMax?.sessionTouches, 'n', { bare: false });
	}

	if (pages || pagesPostgres) {
		// Here the bare column is the SQLite server's own /help, and the ratio the page's to it.
		const p = { hearth: pages, postgres: pagesPostgres, bare: pages?.help };
		const each = (get) => (d, key) => (key === 'postgres' ? d.map(get) : key === 'bare' ? undefined : get(d));
		const rp = (label, get, unit, help, options) =>
			rowOf(p, label, (d, key) => (key === 'bare' ? (help ? help(d) : undefined) : each(get)(d, key)), unit, options);
		section(
			`Page speed: ${fmt.n(result.seed.counts.circles)} circles, ${fmt.n(result.seed.counts.checkins)} check-ins (${!withPg ? 'Hearth | /help | ratio' : pages ? `SQLite | PostgreSQL, server 1 / 2 / … | SQLite's /help | ratio` : 'PostgreSQL, server 1 / 2 / …'})`
		);
		rp(
			'circle home HTML',
			(x) => `${fmt.kb(x.home.bytes)}, ${x.home.checkinsInHtml ?? '?'} check-ins`,
			'text',
			(help) => fmt.kb(help.bytes),
			{ ratio: false, target: '≤ 30 KB', ok: { sqlite: (_, d) => d.home.bytes <= 30 * 1024 } }
		);
		rp(
			'circle home render p50 (1 at a time)',
			(x) => x.home.sequential.p50,
			'ms',
			(help) => help.sequential.p50
		);
		rp(
			'circle home render p99 (1 at a time)',
			(x) => x.home.sequential.p99,
			'ms',
			(help) => help.sequential.p99
		);
		rp(
			'feed JSON page p50 (1 at a time)',
			(x) => x.feed.sequential.p50,
			'ms',
			(help) => help.sequential.p50
		);
		rp(
			'feed JSON page p99 (1 at a time)',
			(x) => x.feed.sequential.p99,
			'ms',
			(help) => help.sequential.p99
		);
		rp(
			`circle home req/s (concurrency ${options.concurrency})`,
			(x) => x.home.throughput.rps,
			'rate',
			(help) => help.throughput.rps,
			// Issue 19's figures (the ½ of an earlier round was never near: BENCHMARKS.md).
			{
				target: '≥ 0.4× /help',
				ok: { sqlite: (v, d) => v >= 0.4 * d.help.throughput.rps }
			}
		);
		rp(
			`circle home data only (__data.json) req/s`,
			(x) => x.homeData?.throughput.rps,
			'rate',
			(help) => help.throughput.rps,
			{
				target: '≥ ½ of /help',
				ok: { sqlite: (v, d) => v >= d.help.throughput.rps / 2 }
			}
		);
		rp(
			`feed JSON req/s (concurrency ${options.concurrency})`,
			(x) => x.feed.throughput.rps,
			'rate',
			(help) => help.throughput.rps
		);
		if (withPg) {
			rp('/help req/s (each its own)', (x) => x.help.throughput.rps, 'rate', undefined, { bare: false });
			rp('circle home req/s ÷ its /help', (x) => x.home.throughput.rps / x.help.throughput.rps, 'x', undefined, { bare: false });
			pgOnly(p, 'PostgreSQL CPU during circle home req/s', (d) => d.map((x) => x.home.throughput.servicesCpuShare?.postgres), 'pct');
		}
		rp('circle home p99 at half its max req/s', (x) => x.home.halfRate.p99, 'ms', undefined, {
			target: '≤ 30 ms',
			bare: false,
			ok: { sqlite: (v) => v <= 30 }
		});
		rp('… that rate', (x) => x.home.halfRate.rate, 'rate', undefined, { bare: false });
	}
	if (assets) {
		section('First visit to a circle: what the browser downloads (gzip)');
		const blank = columns.slice(1).map(() => '');
		rows.push([
			'  JavaScript',
			`${fmt.kb(assets.jsGzipBytes)} (${assets.jsFiles} files)`,
			...blank,
			'',
			'',
			'≤ 80 KB',
			verdict(assets.jsGzipBytes <= 80 * 1024),
			...blank
		]);
		rows.push(['  CSS', `${fmt.kb(assets.cssGzipBytes)} (${assets.cssFiles} files)`, ...blank, '', '', '', '', ...blank]);
	}
	section(
		`Memory: server RSS with ${fmt.n(memory[first].connections)} members connected${withPg ? ` (PG: the sum over ${nodes} servers, PostgreSQL and Redis not counted)` : ''}`
	);
	rowOf(memory, 'RSS before connecting', (d) => d.before, 'mb');
	rowOf(memory, 'RSS connected', (d) => d.after, 'mb');
	rowOf(memory, 'RSS at end of fan-out', (d) => d.afterFanout, 'mb');
	rowOf(memory, 'per connected member', (d) => d.perConnection, 'kb', { target: '≤ 30 KB', ok: { sqlite: (v) => v <= 30 * 1024 } });

	const header = ['', ...columns.map((c) => c.title), 'bare', withPg ? `${columns[0].title.split(' ')[0]}/bare` : 'ratio', 'target'];
	header.push(...(columns.length === 1 ? [''] : columns.map((c) => (c.judge === 'pg' ? 'PG' : 'SQLite'))));
	return table(rows, header);
}

export function writeResult(dir, result) {
	mkdirSync(dir, { recursive: true });
	const file = path.join(dir, `${result.startedAt.replace(/[:.]/g, '-')}.json`);
	writeFileSync(file, `${JSON.stringify(result, null, '\t')}\n`);
	return file;
}
