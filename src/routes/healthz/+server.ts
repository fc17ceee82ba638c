import { json } from '@sveltejs/kit';
import { getDb, isDatabaseHealthy } from '$lib/server/db';
import { getSocketHost } from '$lib/server/realtime/socket-host.js';
import { getAppLeader } from '$lib/server/background/leader';
import type { RequestHandler } from './$types';

// `ok` is the database's health (`database` says the same by name): without it nothing works, so a
// server that cannot reach it answers 503 and leaves the load balancer until it can again. With
// REDIS_URL set, `redis` says whether live updates reach the other servers; a server without Redis
// still serves pages, saves posts and sends its own sockets their updates, so it stays in the load
// balancer (README, "Several servers"). `leader` says which background jobs this server runs now.
export const GET: RequestHandler = async () => {
	const healthy = await isDatabaseHealthy(getDb());
	const redis = getSocketHost()?.redis;
	const leader = getAppLeader()?.held() ?? {};
	const body = { ok: healthy, database: healthy, ...(redis ? { redis: redis.connected() ? 'connected' : 'disconnected' } : {}), leader };
	return json(body, { status: healthy ? 200 : 503, headers: { 'cache-control': 'no-store' } });
};
