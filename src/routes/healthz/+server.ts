import { json } from '@sveltejs/kit';
import { getDb, isDatabaseHealthy } from '$lib/server/db';
import { getSocketHost } from '$lib/server/realtime/socket-host.js';
import type { RequestHandler } from './$types';

// `ok` is the database's health: without it nothing works. With REDIS_URL set, `redis` says whether
// live updates reach the other servers; a server without Redis still serves pages, saves posts and
// sends its own sockets their updates, so it stays in the load balancer (README, "Several servers").
export const GET: RequestHandler = async () => {
	const healthy = await isDatabaseHealthy(getDb());
	const redis = getSocketHost()?.redis;
	const body = redis ? { ok: healthy, redis: redis.connected() ? 'connected' : 'disconnected' } : { ok: healthy };
	return json(body, { status: healthy ? 200 : 503, headers: { 'cache-control': 'no-store' } });
};
