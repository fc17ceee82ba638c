import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Removes the throwaway database directory that playwright.config.ts made for this run. */
export default function globalTeardown(): void {
	const dir = process.env.E2E_DB_DIR;
	// Only ever a directory the config made under the system temp folder.
	if (dir && path.basename(dir).startsWith('hearth-e2e-') && path.dirname(dir) === tmpdir()) {
		rmSync(dir, { recursive: true, force: true });
	}
}
