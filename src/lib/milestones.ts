// Milestones and recovery days: the words and shapes shared by the server and the browser.
import { formatDay, type PersonRef } from '$lib/agreements';
import type { IsoDay, RecoveryTotals } from '$lib/recovery-days';

export const MILESTONE_TITLE_MAX = 120;
export const MILESTONE_NOTE_MAX = 1000;
export const CHEER_MESSAGE_MAX = 500;
export const LAPSE_NOTE_MAX = 1000;
/** Dates before this are a typing slip, not a recovery date. */
export const EARLIEST_DAY = '1900-01-01';
/** For this many days after a lapse the circle was told about, the safety note is shown. */
export const SAFETY_NOTE_DAYS = 90;

export interface CheerView {
	person: PersonRef;
	message: string;
	createdAt: number;
	editedAt: number | null;
}

export interface MilestoneView {
	id: string;
	circleId: string;
	kind: 'automatic' | 'victory';
	/** Whose milestone; null when it is the whole circle's. */
	subject: PersonRef | null;
	/** "30 days", "Came back", or the words of a small victory. */
	title: string;
	note: string;
	reachedOn: IsoDay;
	/** Who added a small victory (null for automatic ones). */
	createdBy: PersonRef | null;
	createdAt: number;
	/**
	 * Set on an automatic milestone whose stretch has since ended with a lapse the circle was told
	 * of: it stays in the history, with its cheers, as part of that earlier stretch. Never set
	 * for a lapse kept private (the circle's stretch carries on).
	 */
	earlierStretch: { startedOn: IsoDay } | null;
	cheers: CheerView[];
}

/** A person in recovery as the circle sees them. */
export interface RecoverySummary {
	person: PersonRef;
	/** The day the stretch the circle knows of began. */
	startedOn: IsoDay;
	totals: RecoveryTotals;
	next: { label: string; on: IsoDay; inDays: number };
	/** The current stretch began after a lapse the circle was told about. */
	cameBack: boolean;
	/** Show the safety note for families (a shared lapse in the last SAFETY_NOTE_DAYS days). */
	showSafetyNote: boolean;
}

/** "Sam · 30 days in recovery", "Sam came back", or the small victory's own words. */
export function milestoneHeadline(milestone: Pick<MilestoneView, 'kind' | 'title' | 'subject'>): string {
	if (milestone.kind === 'victory') return milestone.title;
	const name = milestone.subject?.displayName ?? 'Someone';
	if (milestone.title === 'Came back') return `${name} came back`;
	return `${name}: ${milestone.title} in recovery`;
}

/** "12 October – 11 November 2026", "3 – 9 May 2026", "12 December 2025 – 11 January 2026". */
export function dayRange(from: IsoDay, to: IsoDay): string {
	const [start, end] = [formatDay(from), formatDay(to)];
	if (from.slice(0, 4) !== to.slice(0, 4)) return `${start} – ${end}`;
	if (from.slice(0, 7) !== to.slice(0, 7)) return `${start.replace(/ \d+$/, '')} – ${end}`;
	return `${start.replace(/ \D+ \d+$/, '')} – ${end}`;
}

/** "Reached in an earlier stretch: 30 days, 12 October – 11 November 2026." (null for the current stretch's and small victories). */
export function earlierStretchNote(milestone: Pick<MilestoneView, 'title' | 'reachedOn' | 'earlierStretch'>): string | null {
	if (!milestone.earlierStretch) return null;
	return `Reached in an earlier stretch: ${milestone.title}, ${dayRange(milestone.earlierStretch.startedOn, milestone.reachedOn)}.`;
}

/** When the next milestone comes, after its name: ", on 31 December 2026 (in 30 days).", ", tomorrow (13 October 2026)." */
export function nextMilestoneWhen(next: { on: IsoDay; inDays: number }): string {
	if (next.inDays <= 1) return `, ${inDays(next.inDays)} (${formatDay(next.on)}).`;
	return `, on ${formatDay(next.on)} (${inDays(next.inDays)}).`;
}

export function inDays(days: number): string {
	if (days <= 0) return 'today';
	if (days === 1) return 'tomorrow';
	return `in ${days.toLocaleString('en')} days`;
}
