import { getCommittedDb, getDb } from '$lib/server/db';
import { markCircleRead, readPositionOf } from '$lib/server/unread/positions';
import { circleAccess } from '$lib/server/http/guards';
import { formAction, orError } from '$lib/server/http/respond';
import { loadCircleHome } from '$lib/server/circles/home';
import {
	checkInAudienceSchema,
	checkInIdSchema,
	editCheckInSchema,
	editReplySchema,
	postCheckInSchema,
	postReplySchema,
	reactionSchema,
	replyIdSchema
} from '$lib/server/checkins/checkin-forms';
import {
	changeCheckInAudience,
	editCheckIn,
	editReply,
	postCheckIn,
	postReply,
	removeCheckIn,
	removeReply,
	toggleReaction
} from '$lib/server/checkins/checkins';
import { logPositionFor } from '$lib/server/realtime/log-position';
import { packFeedPage } from '$lib/checkin-wire';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { circleId } = event.params;
	// Check-ins arrive live one by one and are applied in the page; membership changes reload
	// this data (circle:<id>), and so does a catch-up that was too far behind (circle:<id>:feed).
	event.depends(`circle:${circleId}`, `circle:${circleId}:feed`);
	// Read before any data, the membership included (shared with the layout's load): the page
	// replays the events after it.
	const live = await logPositionFor(event.locals, circleId);
	const access = await circleAccess(event);
	const home = await orError(() => loadCircleHome(getDb(), access, { cursor: event.url.searchParams.get('before') }));
	// What arrived since the last visit is marked on the page: where they had read to, before this visit moves it.
	const lastVisit = await readPositionOf(getDb(), access);
	// The circle opened as a whole page (typed, a link from elsewhere, without JavaScript) has been
	// seen up to what it shows. A navigation inside the app (and a preload on hover, which must
	// not count) is a data request: the page marks what it has applied itself, while it is visible.
	if (!event.isDataRequest) await orError(() => markCircleRead(getDb(), access, live.seq, { committed: getCommittedDb() }));
	// Fresh keys for the page's forms, so that without JavaScript too a form sent twice (a double
	// click, a reload that sends it again) posts once (checkins/post-keys.ts). With JavaScript each
	// form makes its own for every post. One for all reply forms: a page without JavaScript sends
	// one form and is then replaced by the answer, which brings new keys.
	const postKeys = { checkIn: crypto.randomUUID(), reply: crypto.randomUUID() };
	return {
		...home,
		feed: packFeedPage(circleId, home.feed),
		live,
		olderPage: event.url.searchParams.has('before'),
		postKeys,
		lastVisitSeenAt: lastVisit.seenAt
	};
};

// Each failure keeps the check-in's or reply's id among its values (checkinId, replyId), so the
// page shows the message beside the one it is about.
export const actions: Actions = {
	post: async (event) => {
		const access = await circleAccess(event, 'postCheckIn');
		return formAction(event, 'post', postCheckInSchema, async (input) => ({ checkin: await postCheckIn(getDb(), access, input) }));
	},

	edit: async (event) => {
		const access = await circleAccess(event, 'postCheckIn');
		return formAction(event, 'edit', editCheckInSchema, ({ checkinId, ...input }) => editCheckIn(getDb(), access, checkinId, input));
	},

	// Who sees it, at any time (the words only within the edit window: `edit`).
	audience: async (event) => {
		const access = await circleAccess(event, 'postCheckIn');
		return formAction(event, 'audience', checkInAudienceSchema, ({ checkinId, ...input }) => changeCheckInAudience(getDb(), access, checkinId, input));
	},

	remove: async (event) => {
		const access = await circleAccess(event, 'postCheckIn');
		return formAction(event, 'remove', checkInIdSchema, ({ checkinId }) => removeCheckIn(getDb(), access, checkinId));
	},

	react: async (event) => {
		const access = await circleAccess(event, 'respond');
		return formAction(event, 'react', reactionSchema, ({ checkinId, kind }) => toggleReaction(getDb(), access, checkinId, kind));
	},

	reply: async (event) => {
		const access = await circleAccess(event, 'respond');
		return formAction(event, 'reply', postReplySchema, ({ checkinId, body, clientKey }) => postReply(getDb(), access, checkinId, body, Date.now(), clientKey));
	},

	editReply: async (event) => {
		const access = await circleAccess(event, 'respond');
		return formAction(event, 'editReply', editReplySchema, ({ replyId, body }) => editReply(getDb(), access, replyId, body));
	},

	removeReply: async (event) => {
		const access = await circleAccess(event, 'respond');
		return formAction(event, 'removeReply', replyIdSchema, ({ replyId }) => removeReply(getDb(), access, replyId));
	}
};
