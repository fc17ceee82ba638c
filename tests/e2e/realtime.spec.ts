// The live connection: the page's own socket, and the handshake rules checked from outside a
// browser with socket.io-client (no session → refused; session → accepted; foreign Origin → refused).
import { io } from 'socket.io-client';
import { LIVE, SESSION_COOKIE, expect, liveStatus, sessionCookie, signUp, test, uniqueUser } from './helpers';

type Outcome = { connected: true } | { connected: false; message: string; reason: string | undefined };

/** One handshake attempt over a WebSocket, with the headers given; never retries. */
function handshake(baseURL: string, headers: Record<string, string>): Promise<Outcome> {
	return new Promise((resolve) => {
		const socket = io(baseURL, {
			transports: ['websocket'],
			extraHeaders: headers,
			reconnection: false,
			forceNew: true,
			timeout: 15_000
		});
		socket.on('connect', () => {
			socket.disconnect();
			resolve({ connected: true });
		});
		socket.on('connect_error', (error) => {
			socket.disconnect();
			const reason = (error as Error & { data?: { reason?: string } }).data?.reason;
			resolve({ connected: false, message: error.message, reason });
		});
	});
}

test('the page opens a WebSocket to socket.io and shows Live once signed in', async ({ page }) => {
	const sockets: string[] = [];
	page.on('websocket', (socket) => sockets.push(socket.url()));

	await page.goto('/');
	await expect(liveStatus(page)).toHaveCount(0);

	await signUp(page, uniqueUser());
	await expect(liveStatus(page)).toHaveRole('status');
	await expect(liveStatus(page)).toHaveText(LIVE);
	expect(sockets.some((url) => new URL(url).pathname === '/socket.io/')).toBe(true);
});

test('the socket handshake is refused without a session', async ({ baseURL }) => {
	const outcome = await handshake(baseURL!, { origin: baseURL! });
	expect(outcome.connected).toBe(false);
	expect(outcome.connected ? '' : outcome.message).toMatch(/not signed in/i);
	expect(outcome.connected ? '' : outcome.reason).toBe('not-signed-in');

	const forged = await handshake(baseURL!, { origin: baseURL!, cookie: `${SESSION_COOKIE}=abcdefghijklmnopqrstuvwxyz234567abcdefghijklmn` });
	expect(forged.connected).toBe(false);
	expect(forged.connected ? '' : forged.message).toMatch(/not signed in/i);
});

test('the socket handshake accepts a valid session cookie, but not from a foreign Origin, nor after logging out', async ({ page, context, baseURL }) => {
	await signUp(page, uniqueUser());
	const cookie = await sessionCookie(context);
	expect(cookie, 'the session cookie').toBeDefined();
	const cookieHeader = `${SESSION_COOKIE}=${cookie!.value}`;

	expect(await handshake(baseURL!, { origin: baseURL!, cookie: cookieHeader })).toEqual({ connected: true });

	const foreign = await handshake(baseURL!, { origin: 'https://evil.example', cookie: cookieHeader });
	expect(foreign.connected).toBe(false);
	expect(foreign.connected ? '' : foreign.message).toMatch(/Origin not allowed/);
	expect(foreign.connected ? '' : foreign.reason).toBe('origin-not-allowed');

	const noOrigin = await handshake(baseURL!, { cookie: cookieHeader });
	expect(noOrigin.connected).toBe(false);

	await page.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Log out', exact: true }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Log in' })).toBeVisible();
	const afterLogout = await handshake(baseURL!, { origin: baseURL!, cookie: cookieHeader });
	expect(afterLogout.connected).toBe(false);
	expect(afterLogout.connected ? '' : afterLogout.message).toMatch(/not signed in/i);
});
