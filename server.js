// @ts-check
// Production entry (`node server.js`, after `npm run build`): one HTTP server that carries both the
// SvelteKit app and socket.io. The socket server must exist before the built handler is imported,
// because importing it runs the app's init hook, which registers the realtime checks on it.
//
// `npm start` runs it as `node --v8-pool-size=1 server.js`. Node's default is 4 background threads
// for V8, whatever the machine. During a full garbage collection they all mark the heap at once,
// and on a 2-core server they crowd out the thread that answers requests: live deliveries stalled
// for 50-200 ms at a time. One background thread leaves a core for requests (see BENCHMARKS.md).
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { attachSocketServer } from './src/lib/server/realtime/socket-host.js';
import { keepCallersSignalOnRequests } from './src/lib/server/request-signal.js';
import { runShutdownSteps } from './src/lib/server/shutdown.js';

// The migrations folder (one folder per dialect inside it), wherever the server is started from.
process.env.HEARTH_MIGRATIONS_DIR ??= fileURLToPath(new URL('./migrations', import.meta.url));

// adapter-node takes the request's protocol from ORIGIN or PROTOCOL_HEADER, and otherwise assumes
// https. This server speaks plain http, so with neither set it tells the handler so on every
// request (overwriting whatever a client sent). Without this, every form post to
// http://localhost:3000 is refused as cross-site (its Origin is http://, the app thinks https://).
// Behind an HTTPS proxy, set ORIGIN (or PROTOCOL_HEADER), as the README says; then this is off.
const PLAIN_HTTP_HEADER = 'x-hearth-plain-http-protocol';
const markPlainHttp = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
if (markPlainHttp) process.env.PROTOCOL_HEADER = PLAIN_HTTP_HEADER;

/** @type {Array<[string, string]>} */
const STATIC_SECURITY_HEADERS = [
	['x-content-type-options', 'nosniff'],
	['x-frame-options', 'DENY'],
	['content-security-policy', "frame-ancestors 'none'"],
	['referrer-policy', 'strict-origin-when-cross-origin']
];

/** Set on SIGTERM (see shutDown below). */
let stopping = false;
const httpServer = createServer();
const socketHost = attachSocketServer(httpServer);
// Before the handler loads: adapter-node's requests then skip undici's per-request signal
// bookkeeping, which filled the old generation under load (request-signal.js says why).
keepCallersSignalOnRequests();

// build/ exists only after `npm run build`; a computed specifier keeps type-checking out of it.
const builtHandler = './build/handler.js';
const { handler } = await import(builtHandler);
// socket.io answers its own path (/socket.io/) before this listener sees the request.
httpServer.on('request', (req, res) => {
	if (req.url?.startsWith('/socket.io/')) return;
	// Files answered without the app's hooks (static/, the build's scripts, the prerendered offline
	// page) get the headers hooks.server.ts gives every page; the app's own answers set theirs over
	// these (its pages carry the whole Content-Security-Policy, not only frame-ancestors).
	for (const [name, value] of STATIC_SECURITY_HEADERS) res.setHeader(name, value);
	if (markPlainHttp) req.headers[PLAIN_HTTP_HEADER] = 'http';
	// Shutting down: a kept-alive connection is closed once this response is sent, or a client that
	// keeps posting would keep it busy, and the server open, for ever.
	if (stopping) res.setHeader('connection', 'close');
	handler(req, res);
});

const host = process.env.HOST ?? '0.0.0.0';
const port = Number(process.env.PORT ?? 3000);
httpServer.listen(port, host, () => {
	const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
	console.log(`Hearth is running at ${process.env.ORIGIN ?? `http://${shown}:${port}`}`);
});

// A deploy or restart (SIGTERM): take no new requests or sockets, tell every socket to go (the
// browsers reconnect by themselves and catch up from the next server), let the requests in flight
// finish, then commit what the database still holds and exit. Nothing a user was told is saved
// is lost, and nothing half-done is left: a write either committed or its request failed.
async function shutDown() {
	if (stopping) return;
	stopping = true;
	setTimeout(() => {
		console.error('Shutdown took longer than 10 s; exiting anyway.');
		process.exit(1);
	}, 10_000).unref();
	const closed = new Promise((resolve) => httpServer.once('close', resolve));
	// Closes the sockets (their browsers see the transport close and reconnect) and the HTTP server.
	socketHost.io.close();
	// Connections busy now become idle when their response is sent: close each as soon as it is.
	httpServer.closeIdleConnections();
	const closeIdle = setInterval(() => httpServer.closeIdleConnections(), 20);
	await closed;
	clearInterval(closeIdle);
	await runShutdownSteps();
	// Last: the database has committed, so nothing more is published; Redis gets a clean goodbye.
	await socketHost.redis?.close();
	process.exit(0);
}
process.on('SIGTERM', shutDown);
process.on('SIGINT', shutDown);
