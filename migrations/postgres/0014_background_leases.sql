-- One server does each background job (issue 17, point 5): see migrations/sqlite/0014_background_leases.sql.
CREATE TABLE background_leases (
	job TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
