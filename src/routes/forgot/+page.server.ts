import { getDb } from '$lib/server/db';
import { forgotPasswordSchema } from '$lib/server/auth/account-forms';
import { requestPasswordReset } from '$lib/server/auth/password-reset';
import { clientAddress } from '$lib/server/forms';
import { formAction } from '$lib/server/http/respond';
import { getMail, NO_EMAIL_SET_UP } from '$lib/server/mail';
import { conflict } from '$lib/server/refusal';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => ({ mailEnabled: getMail() !== null });

export const actions: Actions = {
	/**
	 * The answer is the same whether or not the email has an account: "if there is one, a link
	 * is on its way". Only asking too often is refused (429 with Retry-After), for any email alike.
	 */
	default: async (event) =>
		formAction(event, 'forgot', forgotPasswordSchema, async ({ email }) => {
			const mail = getMail();
			if (!mail) throw conflict(NO_EMAIL_SET_UP);
			await requestPasswordReset(getDb(), mail, email, { address: clientAddress(event) });
			return { sentTo: email };
		})
};
