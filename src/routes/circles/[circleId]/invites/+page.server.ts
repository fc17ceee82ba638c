import { fail } from '@sveltejs/kit';
import QRCode from 'qrcode';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { parseInviteForm } from '$lib/server/circles/circle-forms';
import { createInvite, listActiveInvites, revokeInvite } from '$lib/server/circles/invites';
import { readForm } from '$lib/server/forms';
import { readText } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { circleId } = event.params;
	event.depends(`circle:${circleId}`);
	return { invites: await listActiveInvites(getDb(), user, circleId) };
};

export const actions: Actions = {
	create: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseInviteForm(form);
		if (!parsed.ok) return fail(400, { action: 'create', errors: parsed.errors, values: parsed.values });
		const invite = await createInvite(getDb(), user, event.params.circleId, parsed.data);
		// The token is stored only as a hash: this response is the one time the link exists in full.
		const link = new URL(`/join/${invite.token}`, event.url.origin).href;
		const qrSvg = await QRCode.toString(link, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
		return { action: 'create', link, qrSvg, expiresAt: invite.expiresAt, note: parsed.data.note };
	},

	revoke: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const result = await revokeInvite(getDb(), user, event.params.circleId, readText(form, 'inviteId'));
		if ('status' in result) return result;
		return { action: 'revoke', success: 'That link no longer works.' };
	}
};
