// End-to-end tests against the production build, served exactly as in production by `npm start`
// (the SvelteKit handler and socket.io on one HTTP server). Run with `npm run test:e2e`, which builds first.
import { defineConfig } from '@playwright/test';
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The system Chromium (this machine has no internet, so Playwright never downloads a browser). */
function systemChromium(): string | undefined {
	if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
	try {
		const found = execSync('command -v chromium', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
		return found || undefined;
	} catch {
		return undefined;
	}
}

/** A port nobody is listening on right now, found synchronously (the config cannot await). */
function freePort(): string {
	const script =
		"const s = require('node:net').createServer();" + "s.listen(0, '127.0.0.1', () => { process.stdout.write(String(s.address().port)); s.close(); });";
	return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
}

// Worker processes evaluate this file again and inherit the environment: storing the choices there
// makes every process agree on one server and one database.
process.env.E2E_PORT ??= freePort();
process.env.E2E_DB_DIR ??= mkdtempSync(path.join(tmpdir(), 'hearth-e2e-'));

const port = process.env.E2E_PORT;
// localhost, not 127.0.0.1: the socket handshake compares the Origin's host with the Host header.
const baseURL = `http://localhost:${port}`;

export default defineConfig({
	testDir: 'tests/e2e',
	// Whole files per worker. Fully parallel gained 0.3 of 11 minutes in one run and the next CI run
	// had a context teardown time out: not worth it until the e2e idle time is understood.
	fullyParallel: false,
	workers: 2,
	retries: 0,
	forbidOnly: !!process.env.CI,
	reporter: 'list',
	timeout: 60_000,
	expect: { timeout: 10_000 },
	globalTeardown: './tests/e2e/global-teardown.ts',
	use: {
		browserName: 'chromium',
		baseURL,
		trace: 'retain-on-failure',
		launchOptions: {
			executablePath: systemChromium(),
			args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
		}
	},
	webServer: {
		command: 'npm start',
		url: `${baseURL}/healthz`,
		reuseExistingServer: false,
		timeout: 60_000,
		stdout: 'ignore',
		stderr: 'pipe',
		env: {
			PORT: port,
			HOST: '127.0.0.1',
			DATABASE_PATH: path.join(process.env.E2E_DB_DIR, 'hearth.db'),
			// Every test signs up from 127.0.0.1, far more than a family would in an hour.
			SIGNUPS_PER_ADDRESS_PER_HOUR: '100000'
		}
	}
});
