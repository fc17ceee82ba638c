// Days in recovery are counted in calendar days, in the circle's time zone: the start day is
// day 0 and each local midnight adds one, however long that day was (23 or 25 hours across a
// daylight-saving change). Dates are civil dates ("YYYY-MM-DD"), so the arithmetic below never
// touches clock time; only "what is today, there" needs the time zone.

/** A civil date as YYYY-MM-DD. */
export type IsoDay = string;

const DAY_MS = 86_400_000;

/** Whether text is a real calendar date in YYYY-MM-DD form. */
export function isIsoDay(text: string): boolean {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
	if (!match) return false;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	const date = new Date(Date.UTC(year, month - 1, day));
	return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Whether a time zone name is one this runtime knows ("Europe/Amsterdam", "UTC"). */
export function isTimeZone(name: string): boolean {
	if (!name || name.length > 64) return false;
	try {
		new Intl.DateTimeFormat('en', { timeZone: name });
		return true;
	} catch {
		return false;
	}
}

const formatters = new Map<string, Intl.DateTimeFormat>();

// formatToParts takes several microseconds, and every opening of a circle asks what day it is
// there more than once. Today's zones are all whole minutes off UTC, so a date can only turn at
// the start of a minute: the last answer per zone holds for the rest of its minute.
const lastAnswers = new Map<string, { minute: number; day: IsoDay }>();

/** The calendar date at instant `at` in `timeZone`. */
export function dayIn(timeZone: string, at: number): IsoDay {
	const minute = Math.floor(at / 60_000);
	const last = lastAnswers.get(timeZone);
	if (last?.minute === minute) return last.day;
	let format = formatters.get(timeZone);
	if (!format) {
		format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hourCycle: 'h23' });
		formatters.set(timeZone, format);
	}
	const parts = Object.fromEntries(format.formatToParts(at).map((part) => [part.type, part.value]));
	const day = `${parts.year!.padStart(4, '0')}-${parts.month}-${parts.day}`;
	lastAnswers.set(timeZone, { minute, day });
	return day;
}

/** Days since 1970-01-01 of a civil date. */
export function dayNumber(day: IsoDay): number {
	const [year, month, date] = day.split('-').map(Number);
	return Math.round(Date.UTC(year!, month! - 1, date!) / DAY_MS);
}

function fromDayNumber(number: number): IsoDay {
	return new Date(number * DAY_MS).toISOString().slice(0, 10);
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDay, to: IsoDay): number {
	return dayNumber(to) - dayNumber(from);
}

export function addDays(day: IsoDay, days: number): IsoDay {
	return fromDayNumber(dayNumber(day) + days);
}

/** The same day of the month `months` later; the month's last day when it is shorter (31 Aug + 6 months = 28 or 29 Feb). */
export function addMonths(day: IsoDay, months: number): IsoDay {
	const [year, month, date] = day.split('-').map(Number);
	const target = new Date(Date.UTC(year!, month! - 1 + months, 1));
	const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
	return fromDayNumber(Math.round(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(date!, lastDay)) / DAY_MS));
}

export interface ScheduledMilestone {
	/** Stable name within one stretch: "day-1", "week-1", "day-30", "month-6", "year-1", "year-2"… */
	kind: string;
	label: string;
	on: IsoDay;
}

/**
 * The automatic milestones of a stretch that started on `start`, in order and without end:
 * 1 day, 1 week, 30, 60 and 90 days, 6 and 9 months, 1 year, 18 months, then every year.
 * After a lapse, the first day is "Came back" rather than "1 day".
 */
function* schedule(start: IsoDay, cameBack: boolean): Generator<ScheduledMilestone> {
	yield cameBack ? { kind: 'came-back', label: 'Came back', on: addDays(start, 1) } : { kind: 'day-1', label: '1 day', on: addDays(start, 1) };
	yield { kind: 'week-1', label: '1 week', on: addDays(start, 7) };
	yield { kind: 'day-30', label: '30 days', on: addDays(start, 30) };
	yield { kind: 'day-60', label: '60 days', on: addDays(start, 60) };
	yield { kind: 'day-90', label: '90 days', on: addDays(start, 90) };
	yield { kind: 'month-6', label: '6 months', on: addMonths(start, 6) };
	yield { kind: 'month-9', label: '9 months', on: addMonths(start, 9) };
	yield { kind: 'year-1', label: '1 year', on: addMonths(start, 12) };
	yield { kind: 'month-18', label: '18 months', on: addMonths(start, 18) };
	for (let years = 2; ; years++) yield { kind: `year-${years}`, label: `${years} years`, on: addMonths(start, years * 12) };
}

/** The automatic milestones of a stretch that started on `start`, in order, up to and including `until`. */
export function milestonesUntil(start: IsoDay, until: IsoDay, { cameBack = false } = {}): ScheduledMilestone[] {
	const reached: ScheduledMilestone[] = [];
	for (const milestone of schedule(start, cameBack)) {
		if (milestone.on > until) break;
		reached.push(milestone);
	}
	return reached;
}

/** The first automatic milestone after `today`. */
export function nextMilestone(start: IsoDay, today: IsoDay, { cameBack = false }: { cameBack?: boolean } = {}): ScheduledMilestone {
	// Every opening of a circle asks it for each person in recovery: stop at the first one ahead
	// rather than listing every milestone since the start.
	for (const milestone of schedule(start, cameBack)) if (milestone.on > today) return milestone;
	throw new Error('unreachable: the schedule has no end');
}

export interface Stretch {
	startedOn: IsoDay;
	/** The day of the lapse that ended it; null for the current stretch. */
	endedOn: IsoDay | null;
}

export interface RecoveryTotals {
	/** Days in the current stretch (0 on its first day). */
	current: number;
	longest: number;
	/** Every day in recovery, across all stretches. */
	total: number;
}

/**
 * Totals over a person's stretches, oldest first. A stretch that ended with a lapse on day L
 * counts the days before it (L − start); a lapse never takes away the days that came before.
 */
export function recoveryTotals(stretches: Stretch[], today: IsoDay): RecoveryTotals {
	let total = 0;
	let longest = 0;
	let current = 0;
	for (const stretch of stretches) {
		const days = Math.max(0, daysBetween(stretch.startedOn, stretch.endedOn ?? today));
		total += days;
		longest = Math.max(longest, days);
		if (stretch.endedOn === null) current = days;
	}
	return { current, longest, total };
}

/** "1 day", "12 days". */
export function dayCount(days: number): string {
	return days === 1 ? '1 day' : `${days.toLocaleString('en')} days`;
}

export interface StretchRecord extends Stretch {
	/** Whether the circle was told about the lapse that ended this stretch. */
	lapseShared: boolean;
}

/**
 * The stretches as the circle knows them: a lapse it was not told about does not split a
 * stretch, so nothing changes for the circle until the person chooses to share it.
 */
export function sharedStretches(records: StretchRecord[]): Stretch[] {
	const merged: Stretch[] = [];
	let joinNext = false;
	for (const record of records) {
		const last = merged[merged.length - 1];
		if (last && joinNext) last.endedOn = record.endedOn;
		else merged.push({ startedOn: record.startedOn, endedOn: record.endedOn });
		joinNext = record.endedOn !== null && !record.lapseShared;
	}
	return merged;
}
