-- One server does each background job (issue 17, point 5): the milestone clock and the housekeeping
-- run on the server that holds the job's lease here (src/lib/server/background/leader.ts). A server
-- takes or renews a lease with one upsert that succeeds only if the lease is its own or has expired,
-- so however many servers try at once, one holds it. The same table and queries serve PostgreSQL
-- (migrations/postgres/0014_background_leases.sql).
CREATE TABLE background_leases (
	-- the job's name, e.g. 'milestone-clock'
	job TEXT PRIMARY KEY,
	-- the random id of the server process holding it
	holder TEXT NOT NULL,
	-- ms since the epoch: until then nobody else may take it (unless the holder gives it up)
	expires_at INTEGER NOT NULL
);
