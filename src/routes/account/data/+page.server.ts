import { getDb } from '$lib/server/db';
import { summarizeAccountData } from '$lib/server/account/export';
import { requireUser } from '$lib/server/http/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { summary: await summarizeAccountData(getDb(), user.id) };
};
