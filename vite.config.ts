import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import type { Server as HttpServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { attachSocketServer } from './src/lib/server/realtime/socket-host.js';
import { findPostgresBin, LEFT_OUT } from './tests/unit/support/postgres';

/** In development, socket.io rides on Vite's own HTTP server, as it rides on server.js in production. */
function socketIoDevServer(): Plugin {
	return {
		name: 'hearth-socket-io',
		configureServer(server) {
			if (server.httpServer) attachSocketServer(server.httpServer as HttpServer);
		}
	};
}

/**
 * Files the "postgres" project leaves out: about SQLite itself (its file, group commit, WAL
 * checkpoints, a table rebuild), PostgreSQL's own cluster tests, or touching no database at all.
 */
const NOT_ABOUT_THE_DOMAIN_DATABASE = [
	...['checkpoints', 'group-commit', 'migration-0012', 'outage-forms', 'postgres', 'postgres-outage'],
	...['account-forms', 'activity', 'celebration', 'character-count', 'circle-sync', 'device-and-time', 'enhanced-forms', 'forms', 'live-feed'],
	...['mail-messages', 'mood-chart', 'push-notifications', 'realtime-redis', 'redirects', 'request-signal', 'service-worker-cache-policy', 'session-ended'],
	...['kind-words', 'push-delivery', 'sentences', 'unread-live']
].map((name) => `tests/unit/${name}.test.ts`);

/**
 * The whole suite runs twice, against SQLite and against PostgreSQL (a throwaway cluster the
 * project's global setup starts). Without PostgreSQL installed the second half is left out, and
 * says so; under CI that is a failure instead (support/postgres.ts postgresAvailable).
 */
function testProjects(): TestProjectInlineConfiguration[] {
	const sqlite: TestProjectInlineConfiguration = { extends: true, test: { name: 'sqlite' } };
	if (!findPostgresBin()) {
		if (process.env.CI) throw new Error(`CI is set but PostgreSQL is not installed: ${LEFT_OUT}`);
		console.warn(LEFT_OUT);
		return [sqlite];
	}
	const postgres: TestProjectInlineConfiguration = {
		extends: true,
		test: {
			name: 'postgres',
			env: { HEARTH_TEST_DIALECT: 'postgres' },
			globalSetup: ['tests/unit/support/postgres-global-setup.ts'],
			exclude: NOT_ABOUT_THE_DOMAIN_DATABASE
		}
	};
	return [sqlite, postgres];
}

export default defineConfig({
	plugins: [sveltekit(), socketIoDevServer()],
	test: {
		include: ['tests/unit/**/*.test.ts'],
		environment: 'node',
		// The tests wait mostly on databases, sockets and argon2, so one worker per core (vitest's
		// default leaves one core idle: a single worker on 2 cores, 300 s instead of 200 s). At most 4:
		// each worker's PostgreSQL tests open pools of up to 20 on one throwaway cluster.
		maxWorkers: Math.min(4, availableParallelism()),
		// argon2 hashing and real SQLite files: give slow machines room, never a timing assertion.
		testTimeout: 20_000,
		hookTimeout: 20_000,
		// A test that asserts nothing proves nothing: it fails.
		expect: { requireAssertions: true },
		projects: process.env.VITEST ? testProjects() : undefined
	}
});
