import QRCode from 'qrcode';
import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { inviteSchema, revokeInviteSchema } from '$lib/server/circles/circle-forms';
import { createInvite, listActiveInvites, revokeInvite } from '$lib/server/circles/invites';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	event.depends(`circle:${event.params.circleId}`);
	const access = await circleAccess(event, 'manageInvites');
	return { invites: await listActiveInvites(getDb(), access) };
};

export const actions: Actions = {
	create: async (event) => {
		const access = await circleAccess(event, 'manageInvites');
		return formAction(event, 'create', inviteSchema, async (input) => {
			const invite = await createInvite(getDb(), access, input);
			// The token is stored only as a hash: this response is the one time the link exists in full.
			const link = new URL(`/join/${invite.token}`, event.url.origin).href;
			const qrSvg = await QRCode.toString(link, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
			return { link, qrSvg, expiresAt: invite.expiresAt, note: input.note };
		});
	},

	revoke: async (event) => {
		const access = await circleAccess(event, 'manageInvites');
		return formAction(event, 'revoke', revokeInviteSchema, async ({ inviteId }) => {
			await revokeInvite(getDb(), access, inviteId);
			return { success: 'That link no longer works.' };
		});
	}
};
