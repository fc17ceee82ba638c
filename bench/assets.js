// What the browser downloads for a first visit to a page: the scripts and stylesheets the page
// names (in its HTML and its `link` preload header), plus everything those scripts import
// statically. Dynamic imports are not counted (app.js can lazily import every route's code; only
// this route's nodes are named by the page). Sizes are the gzip files adapter-node serves from
// build/client (gzipped here at level 9 if one is missing).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// Not servers.js's ROOT: an end-to-end test counts the same way (phone-home.spec.ts), and should
// not pull the benchmark's server handling into the type check.
export const CLIENT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'build/client');

/**
 * @param {string} html
 * @param {string | null} linkHeader
 */
function namedByPage(html, linkHeader) {
	/** @type {string[]} */
	const urls = [];
	for (const match of (linkHeader ?? '').matchAll(/<([^>]+)>;\s*rel="(modulepreload|preload)"/g)) urls.push(match[1] ?? '');
	for (const match of html.matchAll(/<link\b[^>]*>/g)) {
		const tag = match[0];
		const href = /href="([^"]+)"/.exec(tag)?.[1];
		if (href && /rel="(stylesheet|modulepreload)"/.test(tag)) urls.push(href);
	}
	for (const match of html.matchAll(/import\(\s*"([^"]+)"\s*\)/g)) urls.push(match[1] ?? '');
	return urls.filter((url) => /\.(js|css)$/.test(url));
}

/**
 * Static imports of a minified module: `import ... from "x"`, `export ... from "x"`, `import "x"`.
 * @param {string} source
 */
function staticImports(source) {
	/** @type {string[]} */
	const found = [];
	for (const match of source.matchAll(/(?:\bimport|\bexport)\s*(?:[\w$*{}\s,]*?\bfrom\s*)?["']([^"']+\.js)["']/g)) found.push(match[1] ?? '');
	return found;
}

/** @param {string} file */
function gzipBytes(file) {
	const gz = `${file}.gz`;
	if (existsSync(gz)) return readFileSync(gz).length;
	return gzipSync(readFileSync(file), { level: 9 }).length;
}

/**
 * @param {string} pageUrl the page's address (relative hrefs are resolved against it)
 * @param {string} html the page as served
 * @param {string | null} linkHeader its `link` response header
 */
export function firstVisitAssets(pageUrl, html, linkHeader) {
	const seen = new Map(); // pathname -> { kind, raw, gzip }
	const missing = [];
	const queue = namedByPage(html, linkHeader).map((href) => new URL(href, pageUrl));
	for (let url = queue.shift(); url; url = queue.shift()) {
		const pathname = url.pathname;
		if (seen.has(pathname)) continue;
		const file = path.join(CLIENT_DIR, decodeURIComponent(pathname));
		if (!file.startsWith(CLIENT_DIR) || !existsSync(file)) {
			missing.push(pathname);
			continue;
		}
		const kind = pathname.endsWith('.css') ? 'css' : 'js';
		const source = readFileSync(file);
		seen.set(pathname, { kind, raw: source.length, gzip: gzipBytes(file) });
		if (kind === 'js') for (const spec of staticImports(source.toString('utf8'))) queue.push(new URL(spec, url));
	}
	/** @param {'js' | 'css'} kind @param {'raw' | 'gzip'} key */
	const sum = (kind, key) => [...seen.values()].filter((a) => a.kind === kind).reduce((total, a) => total + a[key], 0);
	return {
		jsFiles: [...seen.values()].filter((a) => a.kind === 'js').length,
		cssFiles: [...seen.values()].filter((a) => a.kind === 'css').length,
		jsGzipBytes: sum('js', 'gzip'),
		cssGzipBytes: sum('css', 'gzip'),
		jsRawBytes: sum('js', 'raw'),
		cssRawBytes: sum('css', 'raw'),
		files: Object.fromEntries([...seen].map(([name, a]) => [name, a.gzip])),
		missing
	};
}
