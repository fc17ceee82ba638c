import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { loadFeedPage } from '$lib/server/checkins/checkins';
import { requireCircleAction } from '$lib/server/circles/access';
import { logPositionFor } from '$lib/server/realtime/log-position';
import type { RequestHandler } from './$types';

/** Older check-ins for "Load more" (members only; others get 404 like every circle address). */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	// Read before the page, so the browser can replay over it the events that came after.
	const live = await logPositionFor(locals, params.circleId);
	// Membership is checked once; the page is read with the checked access.
	const access = await requireCircleAction(getDb(), locals.user, params.circleId, 'view');
	const authorId = url.searchParams.get('author') ?? undefined;
	const page = await loadFeedPage(getDb(), access, { cursor: url.searchParams.get('before'), authorId });
	return json({ ...page, live }, { headers: { 'cache-control': 'private, no-store' } });
};
