import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { refusalsAsErrors } from '$lib/server/http/respond';
import { listAgreements } from '$lib/server/boundaries/agreements';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = refusalsAsErrors(async (event) => {
	event.depends(`circle:${event.params.circleId}`);
	const access = await circleAccess(event);
	return { agreements: await listAgreements(getDb(), access) };
});
