// @ts-check
// One free loopback port, for every throwaway server the tests and the benchmark start (PostgreSQL,
// Redis, Hearth itself). Plain JavaScript so that bench/ can import it too.
import net from 'node:net';

/** @returns {Promise<number>} a port nobody listens on right now (on 127.0.0.1; the OS picks it) */
export function freePort() {
	return new Promise((resolve, reject) => {
		const probe = net.createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
		});
	});
}
