// Where Hearth may send a push: a push service's https: address, never an address inside the
// network Hearth runs in. A subscription's endpoint is chosen by the browser, so anyone signed in
// can hand Hearth any URL; without these rules a hostile one would make the server POST to its
// own neighbours (a database's admin port, a cloud's metadata address). So:
// - at subscribe time: https: only, a host name (not an IP literal, not localhost), no user:password;
// - at send time (delivery.ts): the name is resolved, and an address that is loopback, private,
//   link-local, shared (CGNAT), multicast or reserved (INTERNAL_ADDRESSES) is refused (the
//   connection is never opened), and a redirect is never followed (node's request does not).
// Tests and local development need a push endpoint on this machine: HEARTH_PUSH_LOCAL_ENDPOINTS=1
// allows http: and https: to 127.0.0.1 only. It is never on by default; never set it in production.
import { BlockList, isIP } from 'node:net';

/** The environment flag that lets endpoints on 127.0.0.1 through (tests, local development). */
export const LOCAL_ENDPOINTS_FLAG = 'HEARTH_PUSH_LOCAL_ENDPOINTS';

/** The longest endpoint kept (real ones are 150–500 characters). */
export const MAX_ENDPOINT_LENGTH = 2048;

export const BAD_ENDPOINT = 'That isn’t an address a browser’s push service gives (it must start with https://).';

export function localEndpointsAllowed(env: Record<string, string | undefined> = process.env): boolean {
	return env[LOCAL_ENDPOINTS_FLAG] === '1';
}

const LOOPBACK_FOR_TESTS = '127.0.0.1';

/** Whether an endpoint may be stored: the reason it may not, or null. */
export function endpointProblem(endpoint: string, allowLocal: boolean): string | null {
	if (endpoint.length > MAX_ENDPOINT_LENGTH) return BAD_ENDPOINT;
	let url: URL;
	try {
		url = new URL(endpoint);
	} catch {
		return BAD_ENDPOINT;
	}
	if (url.username || url.password || url.hash) return BAD_ENDPOINT;
	if (allowLocal && url.hostname === LOOPBACK_FOR_TESTS && (url.protocol === 'http:' || url.protocol === 'https:')) return null;
	if (url.protocol !== 'https:') return BAD_ENDPOINT;
	const host = url.hostname.replace(/^\[|\]$/g, '');
	if (isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) return BAD_ENDPOINT;
	return null;
}

/**
 * Addresses no push service has: this machine, private networks, and the like. An IPv4 address
 * written as IPv6 (::ffff:10.0.0.1) is checked against the IPv4 rules by BlockList itself.
 */
export const INTERNAL_ADDRESSES = new BlockList();
for (const [network, prefix] of [
	['0.0.0.0', 8],
	['10.0.0.0', 8],
	['100.64.0.0', 10],
	['127.0.0.0', 8],
	['169.254.0.0', 16],
	['172.16.0.0', 12],
	['192.0.0.0', 24],
	['192.168.0.0', 16],
	['198.18.0.0', 15],
	['224.0.0.0', 4],
	['240.0.0.0', 4]
] as const)
	INTERNAL_ADDRESSES.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
	['::', 128],
	['::1', 128],
	['fc00::', 7],
	['fe80::', 10],
	['ff00::', 8],
	['64:ff9b::', 96]
] as const)
	INTERNAL_ADDRESSES.addSubnet(network, prefix, 'ipv6');

/** Whether an address is inside (this machine, a private network, …) rather than on the internet. */
export function isInternalAddress(address: string): boolean {
	const family = isIP(address);
	if (family === 0) return true;
	return INTERNAL_ADDRESSES.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
