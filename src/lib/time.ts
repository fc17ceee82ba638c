const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
	['year', 365 * 24 * 3600 * 1000],
	['month', 30 * 24 * 3600 * 1000],
	['week', 7 * 24 * 3600 * 1000],
	['day', 24 * 3600 * 1000],
	['hour', 3600 * 1000],
	['minute', 60 * 1000]
];

// Building an Intl formatter costs far more than using one; pages format many times.
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

/** "2 hours ago", "yesterday", "just now". */
export function formatRelativeTime(timestamp: number, now = Date.now(), locale = 'en'): string {
	const elapsed = timestamp - now;
	if (Math.abs(elapsed) < 60 * 1000) return 'just now';
	let format = relativeFormats.get(locale);
	if (!format) relativeFormats.set(locale, (format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })));
	for (const [unit, size] of UNITS) {
		if (Math.abs(elapsed) >= size) return format.format(Math.round(elapsed / size), unit);
	}
	return 'just now';
}

/** The exact moment, in the reader's own time zone. */
export function formatExactTime(timestamp: number, locale?: string): string {
	return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(timestamp);
}
