import { json } from '@sveltejs/kit';
import { getDb, isDatabaseHealthy } from '$lib/server/db';
import { getSocketHost } from '$lib/server/realtime/socket-host.js';
import { getAppLeader } from '$lib/server/background/leader';
import type { RequestHandler } from './$types';

// `ok` is the database's health: without it nothing works. With REDIS_URL set, `redis` says whether
// live updates reach the other servers; a server without Redis still serves pages, saves posts and
// sends its own sockets their updates, so it stays in the load balancer (README, "Several servers").
// `leader` says which background jobs this server runs now (only one server runs each).
export const GET: RequestHandler = async () => {
	const healthy = await isDatabaseHealthy(getDb());
	const redis = getSocketHost()?.redis;
	const leader = getAppLeader()?.held() ?? {};
	const body = redis ? { ok: healthy, redis: redis.connected() ? 'connected' : 'disconnected', leader } : { ok: healthy, leader };
	return json(body, { status: healthy ? 200 : 503, headers: { 'cache-control': 'no-store' } });
};
