import { error, json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { loadFeedPage } from '$lib/server/checkins/checkins';
import { circleAccess, requireSessionChecked } from '$lib/server/http/guards';
import { orError } from '$lib/server/http/respond';
import { logPositionFor } from '$lib/server/realtime/log-position';
import { NOT_FOUND_MESSAGE } from '$lib/server/refusal';
import type { RequestHandler } from './$types';

/** Older check-ins for "Load more" (members only; others get 404 like every circle address). */
export const GET: RequestHandler = async (event) => {
	const { locals, params, url } = event;
	// Read before the page, so the browser can replay over it the events that came after.
	const live = await logPositionFor(locals, params.circleId);
	// An endpoint has no page to log in to: signed out, it is the outsiders' 404 too.
	requireSessionChecked(locals);
	if (!locals.user) error(404, NOT_FOUND_MESSAGE);
	// Membership is checked once; the page is read with the checked access.
	const access = await circleAccess(event);
	const authorId = url.searchParams.get('author') ?? undefined;
	const page = await orError(() => loadFeedPage(getDb(), access, { cursor: url.searchParams.get('before'), authorId }));
	// Cache-Control: no-store, as on every signed-in answer (hooks.server.ts).
	return json({ ...page, live });
};
