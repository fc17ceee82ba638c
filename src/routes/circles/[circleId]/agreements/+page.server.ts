import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { listAgreements } from '$lib/server/boundaries/agreements';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	event.depends(`circle:${event.params.circleId}`);
	return { agreements: await listAgreements(getDb(), user, event.params.circleId) };
};
