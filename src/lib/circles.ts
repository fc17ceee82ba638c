// Circle words shared by the server and the browser.

export type CircleRole = 'owner' | 'admin' | 'member';

export const ROLE_LABELS: Record<CircleRole, string> = {
	owner: 'Owner',
	admin: 'Admin',
	member: 'Member'
};

export const CIRCLE_NAME_MAX = 80;
export const CIRCLE_DESCRIPTION_MAX = 280;
export const RELATIONSHIP_MAX = 40;
export const INVITE_NOTE_MAX = 80;
export const INVITE_DEFAULT_DAYS = 7;
export const INVITE_MAX_DAYS = 30;
export const INVITE_DEFAULT_USES = 1;
export const INVITE_MAX_USES = 20;
