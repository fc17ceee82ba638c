// WAL checkpoints on a worker thread.
//
// In WAL mode SQLite copies the log back into the database file every 1,000 pages, inside
// whichever COMMIT crosses that line, and with synchronous=FULL that copy ends with an fsync of
// the database file. better-sqlite3 runs on the event loop, so every such COMMIT stalled every
// request and live update for 5-12 ms, a few times a second under load (BENCHMARKS.md).
//
// Here a worker thread with its own connection runs a PASSIVE checkpoint every
// CHECKPOINT_INTERVAL: it copies what it can without waiting for, or blocking, anyone. The app's
// connection checkpoints only past MAIN_AUTOCHECKPOINT_PAGES. That is a backstop for writes so
// steady that the worker never finds the log fully copied, which is when SQLite starts the log
// over: the app's own checkpoint then has little left to copy and lets the log start over, so it
// cannot grow without end. (A blocking RESTART checkpoint in the worker would stall the app's
// writers instead, on the event loop.) If the worker cannot start or stops, the app's connection
// goes back to SQLite's default.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const CHECKPOINT_INTERVAL = 100;
/** 16 MB of 4 KB pages: the most the log grows before the app's connection helps. */
const MAIN_AUTOCHECKPOINT_PAGES = 4000;
/** SQLite's default: what the app's connection goes back to without the worker. */
const DEFAULT_AUTOCHECKPOINT = 1000;

// Plain CommonJS, run with `eval`, so the build needs no separate worker file.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
	try {
		db.pragma('wal_checkpoint(PASSIVE)');
	} catch (error) {
		// Busy or the like: the next round tries again.
	}
}, workerData.interval);
parentPort.on('message', (message) => {
	if (message === 'stop') {
		clearInterval(timer);
		db.close();
		parentPort.close();
	}
});
`;

export interface Checkpointer {
	/** Stops the worker (after one last checkpoint round is no longer running) and hands checkpoints back. */
	stop(): Promise<void>;
}

/** Moves this connection's WAL checkpoints to a worker thread; `file` is the connection's database file. */
export function checkpointInBackground(sqlite: BetterSqlite3.Database, file: string): Checkpointer {
	const driver = createRequire(import.meta.url).resolve('better-sqlite3');
	const worker = new Worker(WORKER_SOURCE, {
		eval: true,
		workerData: { driver, file, interval: CHECKPOINT_INTERVAL }
	});
	sqlite.pragma(`wal_autocheckpoint = ${MAIN_AUTOCHECKPOINT_PAGES}`);
	const handBack = () => {
		if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
	};
	worker.on('error', (error) => {
		console.error('The checkpoint worker failed; checkpoints are back on the main thread.', error);
		handBack();
	});
	worker.on('exit', handBack);
	worker.unref();
	return {
		stop: () =>
			new Promise<void>((resolve) => {
				worker.once('exit', () => resolve());
				worker.postMessage('stop');
			})
	};
}
