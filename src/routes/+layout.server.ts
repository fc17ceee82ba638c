import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({
	// The id lets this device's outbox keep only the signed-in person's posts ($lib/outbox).
	// kindWordsHelp: whether forms offer gentler words while writing (components/KindWordsHint.svelte).
	user: locals.user ? { id: locals.user.id, displayName: locals.user.displayName, kindWordsHelp: locals.preferences?.kindWordsHelp ?? true } : null,
	// The session could not be checked (the database is away): neither signed in nor signed out.
	databaseAway: locals.databaseAway === true && !locals.user
});
