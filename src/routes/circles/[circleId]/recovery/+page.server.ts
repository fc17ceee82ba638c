import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { todayFor } from '$lib/server/circles/today';
import { getMyRecovery, recordLapse, setRecoveryDate, shareLapse } from '$lib/server/milestones/recovery';
import { lapseSchema, recoveryDateSchema, stretchIdSchema } from '$lib/server/milestones/milestone-forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	event.depends(`circle:${event.params.circleId}`);
	const access = await circleAccess(event, 'setOwnRecovery');
	return { mine: await getMyRecovery(getDb(), access) };
};

// Every action here acts on the signed-in member's own record: there is no field naming a person.
export const actions: Actions = {
	setDate: async (event) => {
		const access = await circleAccess(event, 'setOwnRecovery');
		return formAction(event, 'setDate', recoveryDateSchema(todayFor(access, Date.now())), async ({ startedOn }) => {
			await setRecoveryDate(getDb(), access, startedOn);
			return { saved: true };
		});
	},

	lapse: async (event) => {
		const access = await circleAccess(event, 'setOwnRecovery');
		return formAction(event, 'lapse', lapseSchema(todayFor(access, Date.now())), async (lapse) => {
			const { shared } = await recordLapse(getDb(), access, lapse);
			return { saved: true, shared };
		});
	},

	shareLapse: async (event) => {
		const access = await circleAccess(event, 'setOwnRecovery');
		return formAction(event, 'shareLapse', stretchIdSchema, async ({ stretchId }) => {
			await shareLapse(getDb(), access, stretchId);
			return { saved: true };
		});
	}
};
