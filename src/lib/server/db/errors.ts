/**
 * Whether a write failed on a UNIQUE or PRIMARY KEY constraint (two writers racing for one email,
 * one link): SQLite's codes, and PostgreSQL's 23505 for the dialect to come.
 */
export function isUniqueViolation(error: unknown): boolean {
	const code = (error as { code?: unknown } | null)?.code;
	return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
