// Global setup of the vitest project "postgres": one throwaway cluster for the whole run (its own
// folder, a free port, no system service), and one database migrated once that every test
// database is copied from (support/database.ts createTestDatabase).
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../../src/lib/server/db/postgres/connection.js';
import { findPostgresBin, startTestPostgres } from './postgres';

const TEMPLATE = 'hearth_template';

export default async function setup(project: TestProject) {
	const bin = findPostgresBin();
	if (!bin) throw new Error('The "postgres" project needs initdb and pg_ctl (vite.config.ts leaves it out when they are missing, outside CI).');
	const cluster = await startTestPostgres(bin);
	const admin = new pg.Client({ connectionString: cluster.adminUrl });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE ${TEMPLATE}`);
	} finally {
		await admin.end();
	}
	const pool = new pg.Pool({ connectionString: cluster.adminUrl.replace(/\/[^/]*$/, `/${TEMPLATE}`), max: 1 });
	try {
		await migrate(pool);
	} finally {
		await pool.end();
	}
	project.provide('postgresAdminUrl', cluster.adminUrl);
	project.provide('postgresTemplate', TEMPLATE);
	return () => cluster.stop();
}
