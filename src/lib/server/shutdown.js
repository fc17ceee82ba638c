// @ts-check
// What the app must finish before the process exits (commit the open batch, close the database).
// Plain JavaScript on globalThis, like socket-host.js: server.js runs the steps, the app (inside
// the built handler, a separate copy of this module) registers them from its init hook.
const STEPS_KEY = Symbol.for('hearth.shutdown-steps');

/** @returns {Array<() => Promise<void> | void>} */
function steps() {
	const global = /** @type {any} */ (globalThis);
	return (global[STEPS_KEY] ??= []);
}

/** @param {() => Promise<void> | void} step */
export function onShutdown(step) {
	steps().push(step);
}

/** Runs every registered step, the last registered first; a failing step does not stop the rest. */
export async function runShutdownSteps() {
	for (const step of steps().splice(0).reverse()) {
		try {
			await step();
		} catch (error) {
			console.error('A shutdown step failed', error);
		}
	}
}
