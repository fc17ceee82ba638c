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

const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
const verdict = (ok) => (ok === undefined ? '' : ok ? 'met' : 'NOT MET');

/** The table on stdout: Hearth | bare | ratio | target | verdict. */
export function formatReport(result) {
	const { fanout, writes, pages, assets, memory, options } = result;
	const h = fanout.hearth;
	const b = fanout.bare;
	const rows = [];
	const section = (title) => rows.push(title);
	const row = (label, hv, bv, unit, target, ok, r = ratio(hv, bv)) =>
		rows.push([`  ${label}`, fmt[unit](hv), fmt[unit](bv), bv === undefined ? '' : fmt.x(r), target ?? '', verdict(ok)]);

	const churnNote = options.churn > 0 ? `, ${options.churn}% of members (${fmt.n(h.churn?.members)}) reconnecting once` : '';
	section(
		`Live fan-out: ${fmt.n(options.circles * 5)} members in ${fmt.n(options.circles)} circles, ${options.rate} check-ins/s for ${options.duration} s${churnNote}`
	);
	row('delivery p50', h.latency.p50, b?.latency.p50, 'ms');
	row('delivery p95', h.latency.p95, b?.latency.p95, 'ms');
	row('delivery p99', h.latency.p99, b?.latency.p99, 'ms', '≤ 50 ms, ≤ 2× bare', h.latency.p99 <= 50 && (!b || h.latency.p99 <= 2 * b.latency.p99));
	row('delivery max', h.latency.max, b?.latency.max, 'ms');
	row('deliveries per second', h.deliveriesPerSecond, b?.deliveriesPerSecond, 'rate');
	row('POST p99 (answer)', h.post.p99, b?.post.p99, 'ms');
	row('failed POSTs', h.failedShare, b?.failedShare, 'pct', '0', h.failedShare === 0, undefined);
	row('missing deliveries', h.missing, b?.missing, 'n', '0', h.missing === 0, undefined);
	row('duplicate deliveries', h.duplicates, b?.duplicates, 'n', '0', h.duplicates === 0, undefined);
	row('delivered outside the circle', h.deliveredOutsideCircle, b?.deliveredOutsideCircle, 'n', '0', h.deliveredOutsideCircle === 0, undefined);
	row('server CPU (of one core)', h.serverCpuShare, b?.serverCpuShare, 'pct');
	row('server CPU idle, clients connected', h.serverIdleCpuShare, b?.serverIdleCpuShare, 'pct');
	rows.push(['  session touches (last_seen_at writes)', fmt.n(h.sessionTouches), '', '', '', '']);
	row('server CPU per check-in (above idle)', h.serverCpuMsPerCheckIn, b?.serverCpuMsPerCheckIn, 'ms');
	row('busiest client process CPU', h.clientMaxCpuShare, b?.clientMaxCpuShare, 'pct');
	row('client event-loop delay p99', h.clientMaxLoopDelayP99Ms, b?.clientMaxLoopDelayP99Ms, 'ms');
	row('sender process CPU', h.senderCpuShare, b?.senderCpuShare, 'pct');
	row('sender lag p99', h.senderLag.p99, b?.senderLag.p99, 'ms');
	if (h.churn) {
		const hc = h.churn;
		const bc = b?.churn;
		section(`Churn: members that disconnect once, stay away ${(hc.away.p50 / 1000).toFixed(1)} s (p50) and catch up through CircleSync`);
		row('reconnects during the window', hc.reconnects, bc?.reconnects, 'n', undefined, undefined, NaN);
		row('… that had missed events', hc.withMissedEvents, bc?.withMissedEvents, 'n', undefined, undefined, NaN);
		row('events caught up', hc.eventsCaughtUp, bc?.eventsCaughtUp, 'n', undefined, undefined, NaN);
		row('missing at churned members', h.missingAtChurned, b?.missingAtChurned, 'n', '0', h.missingAtChurned === 0, undefined);
		row('catch-up after reconnect p50', hc.catchUp.p50, bc?.catchUp.p50, 'ms');
		row('catch-up after reconnect p99', hc.catchUp.p99, bc?.catchUp.p99, 'ms');
		row('catch-up after reconnect max', hc.catchUp.max, bc?.catchUp.max, 'ms');
		row('… p99 of those that had missed events', hc.catchUpWithMissed.p99, bc?.catchUpWithMissed.p99, 'ms');
		row('reconnect handshake p99', hc.handshake.p99, bc?.handshake.p99, 'ms');
		row('reconnects never caught up', hc.unfinished, bc?.unfinished, 'n', '0', hc.unfinished === 0, undefined);
		row(
			'events applied out of order or twice',
			hc.syncGaps + hc.syncDuplicates,
			bc ? bc.syncGaps + bc.syncDuplicates : undefined,
			'n',
			'0',
			hc.syncGaps + hc.syncDuplicates === 0,
			undefined
		);
		row('reloads (too far behind)', hc.reloads, bc?.reloads, 'n', undefined, undefined, NaN);
	}

	if (writes.hearth) {
		section('Writes: highest open-loop rate with POST p99 < 100 ms (synchronous=FULL, no sockets connected)');
		row(
			'sustained check-in posts',
			writes.hearth?.maxRate,
			writes.bare?.maxRate,
			'rate',
			'≥ 1,000/s, ≥ ½ bare',
			writes.hearth && writes.hearth.maxRate >= 1000 && (!writes.bare || writes.hearth.maxRate >= writes.bare.maxRate / 2)
		);
		row('p99 at that rate', writes.hearth?.atMax?.p99, writes.bare?.atMax?.p99, 'ms');
		row('server CPU at that rate', writes.hearth?.atMax?.serverCpuShare, writes.bare?.atMax?.serverCpuShare, 'pct');
		row('sender CPU at that rate', writes.hearth?.atMax?.senderCpuShare, writes.bare?.atMax?.senderCpuShare, 'pct');
		row('first rate that did not hold', writes.hearth?.firstBroken?.rate, writes.bare?.firstBroken?.rate, 'rate');
		rows.push(['  session touches during that step', fmt.n(writes.hearth?.atMax?.sessionTouches), '', '', '', '']);
	}

	if (pages) {
		section(`Page speed: ${fmt.n(result.seed.counts.circles)} circles, ${fmt.n(result.seed.counts.checkins)} check-ins (Hearth | /help | ratio)`);
		const rp = (label, a, c, unit, target, ok) => rows.push([`  ${label}`, fmt[unit](a), fmt[unit](c), fmt.x(ratio(a, c)), target ?? '', verdict(ok)]);
		rows.push(['  circle home HTML', `${fmt.kb(pages.home.bytes)}, ${pages.home.checkinsInHtml ?? '?'} check-ins`, fmt.kb(pages.help.bytes), '', '', '']);
		rp('circle home render p50 (1 at a time)', pages.home.sequential.p50, pages.help.sequential.p50, 'ms');
		rp('circle home render p99 (1 at a time)', pages.home.sequential.p99, pages.help.sequential.p99, 'ms');
		rp('feed JSON page p50 (1 at a time)', pages.feed.sequential.p50, pages.help.sequential.p50, 'ms');
		rp('feed JSON page p99 (1 at a time)', pages.feed.sequential.p99, pages.help.sequential.p99, 'ms');
		rp(
			`circle home req/s (concurrency ${options.concurrency})`,
			pages.home.throughput.rps,
			pages.help.throughput.rps,
			'rate',
			'≥ ½ of /help',
			pages.home.throughput.rps >= pages.help.throughput.rps / 2
		);
		if (pages.homeData) rp(`circle home data only (__data.json) req/s`, pages.homeData.throughput.rps, pages.help.throughput.rps, 'rate');
		rp(`feed JSON req/s (concurrency ${options.concurrency})`, pages.feed.throughput.rps, pages.help.throughput.rps, 'rate');
		rows.push([
			`  circle home p99 at ${fmt.rate(pages.home.halfRate.rate)} (half its max)`,
			fmt.ms(pages.home.halfRate.p99),
			'',
			'',
			'≤ 30 ms',
			verdict(pages.home.halfRate.p99 <= 30)
		]);
	}
	if (assets) {
		section('First visit to a circle: what the browser downloads (gzip)');
		rows.push(['  JavaScript', `${fmt.kb(assets.jsGzipBytes)} (${assets.jsFiles} files)`, '', '', '≤ 80 KB', verdict(assets.jsGzipBytes <= 80 * 1024)]);
		rows.push(['  CSS', `${fmt.kb(assets.cssGzipBytes)} (${assets.cssFiles} files)`, '', '', '', '']);
	}
	section(`Memory: server RSS with ${fmt.n(memory.hearth.connections)} members connected`);
	row('RSS before connecting', memory.hearth.before, memory.bare?.before, 'mb');
	row('RSS connected', memory.hearth.after, memory.bare?.after, 'mb');
	row('RSS at end of fan-out', memory.hearth.afterFanout, memory.bare?.afterFanout, 'mb');
	row('per connected member', memory.hearth.perConnection, memory.bare?.perConnection, 'kb', '≤ 30 KB', memory.hearth.perConnection <= 30 * 1024);

	const header = ['', 'Hearth', 'bare', 'ratio', 'target', ''];
	return table(rows, header);
}

export function writeResult(dir, result) {
	mkdirSync(dir, { recursive: true });
	const file = path.join(dir, `${result.startedAt.replace(/[:.]/g, '-')}.json`);
	writeFileSync(file, `${JSON.stringify(result, null, '\t')}\n`);
	return file;
}
