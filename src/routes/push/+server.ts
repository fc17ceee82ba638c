import { json } from '@sveltejs/kit';
import { getPush } from '$lib/server/push';
import type { RequestHandler } from './$types';

/** The VAPID public key browsers subscribe with (public by design; the service worker asks for it on pushsubscriptionchange). */
export const GET: RequestHandler = () => {
	const push = getPush();
	return json({ publicKey: push?.publicKey ?? null });
};
