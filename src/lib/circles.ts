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

/** A member's place, in words: "Mom · Member · In recovery", "Owner". */
export function memberDescription(member: { relationship: string; role: CircleRole; inRecovery: boolean }): string {
	return [member.relationship.trim(), ROLE_LABELS[member.role], member.inRecovery ? 'In recovery' : ''].filter(Boolean).join(' · ');
}

/** Whom an invite link is for, from its note ("for Grandma" and "Grandma" both give "Grandma"); null without a note. */
export function inviteRecipient(note: string): string | null {
	return (
		note
			.trim()
			.replace(/^for\s+/i, '')
			.trim() || null
	);
}
