// Kysely's view of the tables in migrations/. Keep in step with the SQL files.

export interface UsersTable {
	id: string;
	email: string;
	display_name: string;
	password_hash: string;
	created_at: number;
	updated_at: number;
}

export interface SessionsTable {
	id: string;
	user_id: string;
	created_at: number;
	expires_at: number;
	last_seen_at: number;
	user_agent: string;
}

export interface AttemptThrottlesTable {
	key: string;
	window_started_at: number;
	failures: number;
	blocked_until: number;
}

export interface SchemaMigrationsTable {
	name: string;
	applied_at: number;
}

export interface DB {
	users: UsersTable;
	sessions: SessionsTable;
	attempt_throttles: AttemptThrottlesTable;
	schema_migrations: SchemaMigrationsTable;
}
