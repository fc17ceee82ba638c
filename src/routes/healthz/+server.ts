import { json } from '@sveltejs/kit';
import { getDb, isDatabaseHealthy } from '$lib/server/db';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async () => {
	const healthy = await isDatabaseHealthy(getDb());
	return json({ ok: healthy }, { status: healthy ? 200 : 503, headers: { 'cache-control': 'no-store' } });
};
