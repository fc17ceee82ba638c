// Whether an error means the database could not be reached at all (refused, cut, timed out,
// shutting down or starting up), as opposed to a query it refused: hooks.server.ts, http/ and the
// socket handlers answer those "try again in a moment" (a 503), never "saved" and never a bug.

/** PostgreSQL's codes for "the server is not there for you right now" (class 08 is all of them). */
const UNAVAILABLE_SQLSTATES = new Set([
	'57P01', // admin_shutdown: the server is stopping (pg_ctl stop -m fast), or the connection was ended
	'57P02', // crash_shutdown: another server process crashed, everyone is thrown out
	'57P03', // cannot_connect_now: starting up, shutting down, or in recovery
	'53300' // too_many_connections: full for now
]);

/** Node's words for a connection that could not be made or was cut. */
const UNAVAILABLE_SOCKET_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'EPIPE',
	'ETIMEDOUT',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ENOTFOUND',
	'EAI_AGAIN',
	'ECONNABORTED'
]);

/** What node-postgres (pg, pg-pool) says when the connection is gone or never came (they carry no code). */
const UNAVAILABLE_MESSAGES = [
	'Connection terminated', // also "… unexpectedly" and "… due to connection timeout"
	'timeout exceeded when trying to connect', // the pool's connectionTimeoutMillis
	'Client has encountered a connection error and is not queryable',
	'Client was closed and is not queryable', // ended at once after the server ended its session
	'timeout expired' // the client's own connect timeout
];

/**
 * Whether `error` says the database cannot be reached (refused, cut, timed out, shutting down or
 * starting up), as opposed to a query that the database refused. Such an error means the change
 * asked for did not happen, unless the connection was lost during its COMMIT (isCommitUnsure):
 * the answer is "try again in a moment", a 503, never "saved". Looks through `cause` and
 * AggregateError.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
	if (!error || typeof error !== 'object' || depth > 5) return false;
	const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
	if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code))) return true;
	if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((words) => message.startsWith(words))) return true;
	if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
	return isDatabaseUnavailable(cause, depth + 1);
}

const COMMIT_UNSURE = Symbol.for('hearth.commit-unsure');

/**
 * Marks an error as "the connection was lost while its transaction's COMMIT was on its way": the
 * server may have committed it without the answer reaching us, so nobody can say it was not saved
 * (postgres/index.ts marks these). Returns the error.
 */
export function markCommitUnsure<E>(error: E): E {
	if (error && typeof error === 'object') Object.defineProperty(error, COMMIT_UNSURE, { value: true });
	return error;
}

/** Whether the database became unreachable while a COMMIT was on its way (see markCommitUnsure). */
export function isCommitUnsure(error: unknown): boolean {
	return !!error && typeof error === 'object' && (error as Record<symbol, unknown>)[COMMIT_UNSURE] === true;
}
