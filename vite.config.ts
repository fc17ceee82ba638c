import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import type { Server as HttpServer } from 'node:http';
import { attachSocketServer } from './src/lib/server/realtime/socket-host.js';

/** In development, socket.io rides on Vite's own HTTP server, as it rides on server.js in production. */
function socketIoDevServer(): Plugin {
	return {
		name: 'hearth-socket-io',
		configureServer(server) {
			if (server.httpServer) attachSocketServer(server.httpServer as HttpServer);
		}
	};
}

export default defineConfig({
	plugins: [sveltekit(), socketIoDevServer()],
	test: {
		include: ['tests/unit/**/*.test.ts'],
		environment: 'node',
		// argon2 hashing and real SQLite files: give slow machines room, never a timing assertion.
		testTimeout: 20_000,
		hookTimeout: 20_000,
		// A test that asserts nothing proves nothing: it fails.
		expect: { requireAssertions: true }
	}
});
