// What the browser and the server both know about push notifications (issue 18, item 3).

/** How much of a circle a member hears: everything new, only what needs them, or nothing. */
export const PUSH_LEVELS = ['everything', 'needs-me', 'nothing'] as const;
export type PushLevel = (typeof PUSH_LEVELS)[number];

export const PUSH_LEVEL_LABELS: Record<PushLevel, string> = {
	everything: 'Everything new',
	'needs-me': 'Only what needs me',
	nothing: 'Nothing'
};

/** The level of a circle the member has not chosen one for. */
export const DEFAULT_PUSH_LEVEL: PushLevel = 'everything';

/** What a notification carries (the service worker shows it): never health information. */
export interface PushMessage {
	title: string;
	body: string;
	/** A same-origin path to open. */
	url: string;
	/** One notification per tag: a newer one replaces it (one per circle). */
	tag: string;
}

/** The tag of a circle's notifications, and of the daily reminder. */
export const circleTag = (circleId: string) => `hearth-circle-${circleId}`;
export const REMINDER_TAG = 'hearth-reminder';

/** "21:30" ↔ minutes after midnight. */
export function minutesOf(time: string): number | null {
	const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
	return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

export function timeOf(minutes: number | null): string {
	if (minutes === null) return '';
	return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
