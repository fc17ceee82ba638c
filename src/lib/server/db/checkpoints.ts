// WAL checkpoints on a worker thread.
//
// In WAL mode SQLite copies the log back into the database file every 1,000 pages, inside
// whichever COMMIT crosses that line, and with synchronous=FULL that copy ends with an fsync of
// the database file. better-sqlite3 runs on the event loop, so every such COMMIT stalled every
// request and live update for 5-12 ms, a few times a second under load: that was most of the
// p99 of live delivery (BENCHMARKS.md).
//
// Here the app's connection never checkpoints. A worker thread with its own connection runs a
// PASSIVE checkpoint every CHECKPOINT_INTERVAL: it copies what it can without waiting for
// anyone, and the app's next write starts the log over once everything is copied. Should the log
// still grow past WAL_LIMIT_BYTES (writes so steady the copy never catches up), the worker asks
// for a RESTART checkpoint, which waits for a gap between writes. If the worker cannot start or
// stops, the app's connection checkpoints by itself again, as before.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const CHECKPOINT_INTERVAL = 250;
const WAL_LIMIT_BYTES = 64 * 1024 * 1024;
/** SQLite's default: what the app's connection goes back to without the worker. */
const DEFAULT_AUTOCHECKPOINT = 1000;

// Plain CommonJS, run with `eval`, so the build needs no separate worker file.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const walSize = () => { try { return statSync(workerData.file + '-wal').size; } catch { return 0; } };
const timer = setInterval(() => {
	try {
		db.pragma(walSize() > workerData.walLimit ? 'wal_checkpoint(RESTART)' : 'wal_checkpoint(PASSIVE)');
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
		workerData: { driver, file, interval: CHECKPOINT_INTERVAL, walLimit: WAL_LIMIT_BYTES }
	});
	sqlite.pragma('wal_autocheckpoint = 0');
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
