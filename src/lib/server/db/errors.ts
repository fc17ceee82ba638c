/**
 * Whether a write failed on a UNIQUE or PRIMARY KEY constraint (two writers racing for one email,
 * one link): SQLite's codes, and PostgreSQL's 23505.
 */
export function isUniqueViolation(error: unknown): boolean {
	const code = codeOf(error);
	return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * Whether a write failed on a FOREIGN KEY: the row it refers to is gone (an account deleted while
 * it logs in elsewhere). SQLite's code, and PostgreSQL's 23503.
 */
export function isForeignKeyViolation(error: unknown): boolean {
	const code = codeOf(error);
	return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/**
 * Whether PostgreSQL broke a deadlock (40P01) or a serialization conflict (40001) by aborting this
 * transaction: nothing of it was written, and running it again may well succeed (see retrying in
 * dialect.ts). SQLite never reports either.
 */
export function isDeadlockOrSerializationFailure(error: unknown): boolean {
	const code = codeOf(error);
	return code === '40P01' || code === '40001';
}

function codeOf(error: unknown): unknown {
	return (error as { code?: unknown } | null)?.code;
}
