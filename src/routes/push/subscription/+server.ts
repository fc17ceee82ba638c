import { error, json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireSessionChecked } from '$lib/server/http/guards';
import { jsonRefusals } from '$lib/server/http/respond';
import { getPush, localEndpointsAllowed } from '$lib/server/push';
import { NOT_JSON, parseJsonBody, removeSubscription, saveSubscription, subscribeSchema, unsubscribeSchema } from '$lib/server/push/subscriptions';
import { NOT_FOUND_MESSAGE, Refusal } from '$lib/server/refusal';
import type { RequestEvent, RequestHandler } from './$types';

/** This device's session, for a JSON endpoint: signed out is the outsiders' 404 (nothing to log in to). */
function sessionOf(event: RequestEvent) {
	requireSessionChecked(event.locals);
	const { user, session } = event.locals;
	if (!user || !session) error(404, NOT_FOUND_MESSAGE);
	return session;
}

/**
 * The body as text, only when sent as JSON: a form posted from another site (the one kind of
 * cross-site request a browser sends without asking) is refused before anything is read.
 */
async function jsonText(request: Request): Promise<string> {
	const type = request.headers.get('content-type') ?? '';
	if (!/^application\/json\s*(;|$)/i.test(type)) throw new Refusal('invalid', NOT_JSON);
	return request.text();
}

/** Turns notifications on for this device: the PushSubscription's JSON, and the one it replaces. */
export const POST: RequestHandler = (event) =>
	jsonRefusals(async () => {
		const session = sessionOf(event);
		if (!getPush()) error(503, 'Notifications aren’t running on this Hearth just now. Please try again in a moment.');
		const input = parseJsonBody(subscribeSchema, await jsonText(event.request));
		await saveSubscription(getDb(), session, input, { allowLocal: localEndpointsAllowed() });
		return json({ ok: true }, { status: 201 });
	});

/** Turns them off for this device. Another session's endpoint is not found, like one never kept. */
export const DELETE: RequestHandler = (event) =>
	jsonRefusals(async () => {
		const session = sessionOf(event);
		const { endpoint } = parseJsonBody(unsubscribeSchema, await jsonText(event.request));
		await removeSubscription(getDb(), session.id, endpoint);
		return json({ ok: true });
	});
