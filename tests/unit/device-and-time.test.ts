import { describe, expect, it } from 'vitest';
import { describeDevice } from '$lib/server/auth/device';
import { formatRelativeTime } from '$lib/time';

describe('device labels', () => {
	it.each([
		['Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1', 'Safari on iPhone'],
		['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36', 'Chrome on Android'],
		['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox on Windows'],
		['Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0', 'Edge on Windows'],
		['', 'Unknown device']
	])('%s → %s', (ua, label) => {
		expect(describeDevice(ua)).toBe(label);
	});
});

describe('relative times', () => {
	const now = Date.UTC(2026, 10, 22, 12, 0, 0);
	it.each([
		[now - 20_000, 'just now'],
		[now - 5 * 60_000, '5 minutes ago'],
		[now - 2 * 3600_000, '2 hours ago'],
		[now - 24 * 3600_000, 'yesterday'],
		[now - 3 * 24 * 3600_000, '3 days ago']
	])('%s', (timestamp, text) => {
		expect(formatRelativeTime(timestamp, now)).toBe(text);
	});
});
