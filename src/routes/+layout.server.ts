import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({
	user: locals.user ? { displayName: locals.user.displayName } : null,
	// The session could not be checked (the database is away): neither signed in nor signed out.
	databaseAway: locals.databaseAway === true && !locals.user
});
