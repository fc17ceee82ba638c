// Push notifications (issue 18, item 3), end to end on the server: a real push service of our own
// (support/push-sink.ts, on 127.0.0.1 under the test flag) receives real Web Push requests, which
// decrypt with the subscription's own keys to a text with no health information; members' choices,
// quiet hours, one push per circle until read, no push to a connected member (a real socket.io
// client), none for a private lapse, and cleanup on 410, on removal and on logout.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSession, invalidateSession, invalidateUserSessions, type SessionUser } from '$lib/server/auth/sessions';
import { postCheckIn, postReply } from '$lib/server/checkins/checkins';
import { removeMember, updateOwnProfile } from '$lib/server/circles/circles';
import { recordLapse, setRecoveryDate, shareLapse } from '$lib/server/milestones/recovery';
import { proposeAgreement } from '$lib/server/boundaries/agreements';
import { startRealtime } from '$lib/server/realtime';
import { onlineUserIds } from '$lib/server/realtime/publish';
import { clearPushNotice, startPush, type PushService } from '$lib/server/push';
import { endpointProblem, isInternalAddress } from '$lib/server/push/endpoints';
import { saveSubscription } from '$lib/server/push/subscriptions';
import { saveCirclePush, savePushTimes } from '$lib/server/push/preferences';
import { loadVapidKeys } from '$lib/server/push/vapid';
import { sendCheckInReminders } from '$lib/server/push/reminders';
import { markCircleRead } from '$lib/server/unread/positions';
import { exportAccountJson } from '$lib/server/account/export';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf } from './support/circles';
import { startSocketServer } from './support/socket-server';
import { browserKeys, decryptPush, startPushSink, type BrowserKeys } from './support/push-sink';

let testDb: TestDatabase;
let sink: Awaited<ReturnType<typeof startPushSink>>;
let sockets: Awaited<ReturnType<typeof startSocketServer>>;
let push: PushService;
let clock = Date.UTC(2026, 5, 15, 16, 0); // noon in New York
const logged: string[] = [];

/** What no lock screen may ever show. */
const HEALTH_WORDS = /lapse|relapse|recover|mood|craving|oxy|fentanyl|feel|rough|sober|day \d/i;

beforeAll(async () => {
	testDb = await createTestDatabase();
	sink = await startPushSink();
	sockets = await startSocketServer();
	startRealtime(testDb.db, { committed: testDb.committed, generation: testDb.generation });
	push = await startPush(testDb.db, {
		env: { HEARTH_PUSH_LOCAL_ENDPOINTS: '1' },
		now: () => clock,
		gatherMs: 20,
		sender: { log: (line) => logged.push(line) }
	});
});

afterAll(async () => {
	push?.stop();
	await sockets?.close();
	await sink?.close();
	await testDb?.dispose();
});

beforeEach(() => {
	clock = Date.UTC(2026, 5, 15, 16, 0);
});

interface Device {
	endpoint: string;
	keys: BrowserKeys;
	sessionId: string;
}

/** A browser of `user` that turned notifications on (its own session, as on a real device). */
async function deviceOf(user: SessionUser): Promise<Device> {
	// Events from before (the circle's making, people joining) are looked at before this device exists.
	await push.idle();
	const { session } = await createSession(testDb.db, user.id);
	const keys = browserKeys();
	const endpoint = sink.endpoint();
	await saveSubscription(testDb.db, session, { subscription: { endpoint, keys: keys.json } }, { allowLocal: true });
	return { endpoint, keys, sessionId: session.id };
}

/** Every push the device has been sent so far, decrypted, once all queued work is done. */
async function pushesTo(device: Device): Promise<Array<{ title: string; body: string; url: string; tag: string }>> {
	await push.idle();
	return sink.to(device.endpoint).map((received) => JSON.parse(decryptPush(received, device.keys)));
}

const checkIn = (body = 'Rough day, craving oxy, but I am sober.') => ({ mood: 2, craving: 4, need: null, body });

async function garcias() {
	const circle = await circleOf(testDb.db, ['Sam', 'Ana']);
	const [maria, sam, ana] = circle.people;
	return { ...circle, maria, sam, ana };
}

describe('a push', () => {
	it('is real Web Push (aes128gcm, VAPID, TTL, Topic) that decrypts with the subscription’s keys to words with no health information', async () => {
		const { circleId, maria, sam, accessOf } = await garcias();
		const phone = await deviceOf(maria);
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		await push.idle();
		const [received] = sink.to(phone.endpoint);
		expect(received).toBeDefined();
		expect(received!.method).toBe('POST');
		expect(received!.headers['content-encoding']).toBe('aes128gcm');
		expect(received!.headers['ttl']).toBe('86400');
		expect(received!.headers['topic']).toBe(circleId);
		const vapid = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(String(received!.headers['authorization']));
		expect(vapid).not.toBeNull();
		expect(vapid![2]).toBe(push.publicKey);
		const claims = JSON.parse(Buffer.from(vapid![1]!.split('.')[1]!, 'base64url').toString());
		expect(claims).toMatchObject({ aud: sink.origin, sub: expect.stringMatching(/^(mailto:|https:)/) });
		const text = decryptPush(received!, phone.keys);
		expect(JSON.parse(text)).toEqual({ title: 'Hearth', body: 'Something new in The Garcias', url: `/circles/${circleId}`, tag: `hearth-circle-${circleId}` });
		expect(text).not.toMatch(HEALTH_WORDS);
	});

	it('never reaches the one who did it, and goes to each of a member’s devices', async () => {
		const { maria, sam, accessOf } = await garcias();
		const [phone, laptop, own] = [await deviceOf(maria), await deviceOf(maria), await deviceOf(sam)];
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		expect(await pushesTo(phone)).toHaveLength(1);
		expect(await pushesTo(laptop)).toHaveLength(1);
		expect(await pushesTo(own)).toHaveLength(0);
	});

	it('says "Something new in Hearth" when the member hid the circle’s name, or when the name itself tells too much', async () => {
		const { circleId, maria, sam, accessOf } = await garcias();
		const phone = await deviceOf(maria);
		await saveCirclePush(testDb.db, maria, { circleId, level: 'everything', hideName: 'on' });
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		expect((await pushesTo(phone)).map((p) => p.body)).toEqual(['Something new in Hearth']);

		const telling = await circleOf(testDb.db, ['Sam'], { name: 'Sam’s Recovery' });
		const tablet = await deviceOf(telling.owner);
		await postCheckIn(testDb.db, await telling.accessOf(telling.people[1]), checkIn());
		expect((await pushesTo(tablet)).map((p) => p.body)).toEqual(['Something new in Hearth']);
	});

	it('opens the agreement waiting for the member’s answer', async () => {
		const { circleId, maria, sam, accessOf } = await garcias();
		const phone = await deviceOf(maria);
		const { agreementId } = await proposeAgreement(testDb.db, await accessOf(sam), {
			title: 'No using at home',
			category: 'home',
			body: 'We agree to keep home safe.',
			support: '',
			consequence: '',
			reviewOn: null
		});
		const [notice] = await pushesTo(phone);
		expect(notice).toMatchObject({ url: `/circles/${circleId}/agreements/${agreementId}`, body: 'Something new in The Garcias' });
		expect(JSON.stringify(notice)).not.toMatch(/using|safe/);
	});
});

describe('what a member chose', () => {
	it('"Nothing" sends nothing; "Only what needs me" sends a reply to my check-in, not someone else’s check-in; "Everything" sends both', async () => {
		const { circleId, maria, sam, ana, accessOf } = await garcias();
		const phone = await deviceOf(maria);
		await saveCirclePush(testDb.db, maria, { circleId, level: 'nothing', hideName: '' });
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		expect(await pushesTo(phone)).toHaveLength(0);

		await saveCirclePush(testDb.db, maria, { circleId, level: 'needs-me', hideName: '' });
		await postCheckIn(testDb.db, await accessOf(ana), checkIn('Thinking of you all.'));
		expect(await pushesTo(phone)).toHaveLength(0);
		const mine = await postCheckIn(testDb.db, await accessOf(maria), checkIn('Dinner at six.'));
		await postReply(testDb.db, await accessOf(sam), mine.id, 'I will be there.');
		expect(await pushesTo(phone)).toHaveLength(1);

		await clearPushNotice(testDb.db, maria.id, circleId);
		await saveCirclePush(testDb.db, maria, { circleId, level: 'everything', hideName: '' });
		await postCheckIn(testDb.db, await accessOf(ana), checkIn('Home safe.'));
		expect(await pushesTo(phone)).toHaveLength(2);
	});

	it('quiet hours, in the member’s time zone, hold everything back (across midnight)', async () => {
		const { maria, sam, accessOf } = await garcias();
		const phone = await deviceOf(maria);
		await savePushTimes(testDb.db, maria, { timeZone: 'America/New_York', quietStart: '22:00', quietEnd: '07:00', reminder: '', reminderAt: '' });
		clock = Date.UTC(2026, 5, 16, 3, 30); // 23:30 in New York (EDT)
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		clock = Date.UTC(2026, 5, 16, 10, 59); // 06:59
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		expect(await pushesTo(phone)).toHaveLength(0);
		clock = Date.UTC(2026, 5, 16, 11, 0); // 07:00: quiet hours are over
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		expect(await pushesTo(phone)).toHaveLength(1);
	});

	it('a circle left or removed from sends nothing more, and its choices and notices go with the membership', async () => {
		const { circleId, maria, sam, ana, accessOf } = await garcias();
		const phone = await deviceOf(sam);
		await saveCirclePush(testDb.db, sam, { circleId, level: 'everything', hideName: 'on' });
		await postCheckIn(testDb.db, await accessOf(ana), checkIn());
		expect(await pushesTo(phone)).toHaveLength(1);
		await removeMember(testDb.db, await accessOf(maria), sam.id);
		expect(Number(await testDb.value('SELECT COUNT(*) FROM push_preferences WHERE user_id = ?', sam.id))).toBe(0);
		expect(Number(await testDb.value('SELECT COUNT(*) FROM push_notices WHERE user_id = ?', sam.id))).toBe(0);
		await postCheckIn(testDb.db, await accessOf(ana), checkIn());
		expect(await pushesTo(phone)).toHaveLength(1);
	});
});

describe('one push per circle until read', () => {
	it('a second event sends nothing until the member read the circle; then the next one is pushed', async () => {
		const { circleId, maria, sam, ana, accessOf } = await garcias();
		const phone = await deviceOf(maria);
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		await postCheckIn(testDb.db, await accessOf(ana), checkIn());
		expect(await pushesTo(phone)).toHaveLength(1);
		// Read as the circle home reads it (unread/positions.ts), which clears the notice.
		await markCircleRead(testDb.db, await accessOf(maria), Number.MAX_SAFE_INTEGER);
		await postCheckIn(testDb.db, await accessOf(ana), checkIn());
		const both = await pushesTo(phone);
		expect(both).toHaveLength(2);
		expect(new Set(both.map((p) => p.tag))).toEqual(new Set([`hearth-circle-${circleId}`]));
		expect(new Set(sink.to(phone.endpoint).map((p) => p.headers['topic']))).toEqual(new Set([circleId]));
	});

	it('reading a circle already read to its newest event still clears a notice sent meanwhile', async () => {
		// A phone marked the circle read, then the push for that same event claimed its notice
		// (pushes are gathered for a moment): opening the circle again moves nothing, yet must let
		// the next push through.
		const { circleId, maria, sam, accessOf } = await garcias();
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		await markCircleRead(testDb.db, await accessOf(maria), Number.MAX_SAFE_INTEGER);
		await testDb.all('INSERT INTO push_notices (circle_id, user_id, pushed_at) VALUES (?, ?, ?)', circleId, maria.id, Date.now());
		expect(await markCircleRead(testDb.db, await accessOf(maria), Number.MAX_SAFE_INTEGER)).toMatchObject({ moved: false });
		expect(Number(await testDb.value('SELECT COUNT(*) FROM push_notices WHERE user_id = ?', maria.id))).toBe(0);
	});

	it('another circle is pushed on its own', async () => {
		const first = await garcias();
		const other = await circleOf(testDb.db, []);
		const { joinCircle } = await import('./support/circles');
		await joinCircle(testDb.db, other.circleId, other.owner, first.maria);
		const phone = await deviceOf(first.maria);
		await postCheckIn(testDb.db, await first.accessOf(first.sam), checkIn());
		await postCheckIn(testDb.db, await other.accessOf(other.owner), checkIn());
		expect((await pushesTo(phone)).map((p) => p.tag).sort()).toEqual([`hearth-circle-${first.circleId}`, `hearth-circle-${other.circleId}`].sort());
	});
	it('a busy moment in several circles at once: each away member gets one push per circle, none doubled', async () => {
		const circles = await Promise.all([garcias(), garcias(), garcias()]);
		const phones = await Promise.all(circles.map(({ maria }) => deviceOf(maria)));
		// Everyone but each circle's Maria posts at once, five times each, in all three circles.
		await Promise.all(
			circles.flatMap(({ sam, ana, accessOf }) =>
				[sam, ana].flatMap((person) => Array.from({ length: 5 }, async () => postCheckIn(testDb.db, await accessOf(person), checkIn())))
			)
		);
		for (const [index, phone] of phones.entries()) {
			expect((await pushesTo(phone)).map((p) => p.tag)).toEqual([`hearth-circle-${circles[index]!.circleId}`]);
		}
		const notices = await testDb.all<{ circle_id: string }>(
			`SELECT circle_id FROM push_notices WHERE circle_id IN (?, ?, ?)`,
			...circles.map(({ circleId }) => circleId)
		);
		expect(notices.map((n) => n.circle_id).sort()).toEqual(circles.map(({ circleId }) => circleId).sort());
	});
});

describe('no push', () => {
	it('of a check-in to anyone it is not shared with: "only me" reaches nobody, "only some people" only them (issue 20)', async () => {
		const { maria, sam, ana, accessOf } = await garcias();
		const [mariasPhone, anasPhone] = [await deviceOf(maria), await deviceOf(ana)];
		const samAccess = await accessOf(sam);
		await postCheckIn(testDb.db, samAccess, { ...checkIn(), audience: 'self' });
		expect(await pushesTo(mariasPhone)).toHaveLength(0);
		expect(await pushesTo(anasPhone)).toHaveLength(0);
		const forAna = await postCheckIn(testDb.db, samAccess, { ...checkIn(), audience: 'chosen', audienceMembers: [ana.id] });
		expect(await pushesTo(mariasPhone)).toHaveLength(0);
		expect(await pushesTo(anasPhone)).toHaveLength(1);
		// A reply to it (Sam's own answer) is news for Ana only, too.
		await clearPushNotice(testDb.db, ana.id, forAna.circleId);
		await postReply(testDb.db, samAccess, forAna.id, 'Thanks for listening.');
		expect(await pushesTo(mariasPhone)).toHaveLength(0);
		expect(await pushesTo(anasPhone)).toHaveLength(2);
	});

	it('to a member with Hearth open (a live socket), and again once they have closed it', async () => {
		const { circleId, maria, sam, accessOf } = await garcias();
		const phone = await deviceOf(maria);
		const open = await sockets.signedIn(testDb.db, maria);
		await expect.poll(() => onlineUserIds(circleId), { timeout: 5000 }).toContain(maria.id);
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		expect(await pushesTo(phone)).toHaveLength(0);
		open.disconnect();
		await expect.poll(() => onlineUserIds(circleId), { timeout: 5000 }).not.toContain(maria.id);
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		expect(await pushesTo(phone)).toHaveLength(1);
	});

	it('for a private lapse; a shared one is pushed without a word about it', async () => {
		const { circleId, maria, sam, accessOf } = await garcias();
		const phone = await deviceOf(maria);
		const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
		await updateOwnProfile(testDb.db, await accessOf(sam), { relationship: 'Son', inRecovery: true });
		await setRecoveryDate(testDb.db, await accessOf(sam), day(20));
		await push.idle();
		await clearPushNotice(testDb.db, maria.id, circleId);
		const before = sink.to(phone.endpoint).length;
		await recordLapse(testDb.db, await accessOf(sam), { on: day(3), note: 'Used on Friday.', share: false });
		expect(await pushesTo(phone)).toHaveLength(before);

		const [stretch] = await testDb.column<string>('SELECT id FROM recovery_stretches WHERE user_id = ? AND ended_on IS NOT NULL', sam.id);
		await shareLapse(testDb.db, await accessOf(sam), stretch!);
		const after = await pushesTo(phone);
		expect(after).toHaveLength(before + 1);
		expect(JSON.stringify(after.at(-1))).not.toMatch(HEALTH_WORDS);
	});
});

describe('subscriptions that are gone', () => {
	it('a 410 or 404 from the push service deletes the subscription; another failure keeps it and is logged once', async () => {
		const { circleId, maria, sam, ana, accessOf } = await garcias();
		const [gone, missing, failing] = [await deviceOf(maria), await deviceOf(ana), await deviceOf(maria)];
		sink.answer(gone.endpoint, 410);
		sink.answer(missing.endpoint, 404);
		sink.answer(failing.endpoint, 500);
		logged.length = 0;
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		await push.idle();
		const kept = await testDb.column<string>('SELECT endpoint FROM push_subscriptions WHERE user_id IN (?, ?)', maria.id, ana.id);
		expect(kept).toEqual([failing.endpoint]);
		await clearPushNotice(testDb.db, maria.id, circleId);
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		await push.idle();
		expect(sink.to(failing.endpoint)).toHaveLength(2);
		expect(logged.filter((line) => line.includes('answered 500'))).toHaveLength(1);
		expect(logged.join('\n')).not.toContain(new URL(failing.endpoint).pathname);
	});

	it('logging out, a session ended elsewhere, a password change and account deletion delete the device’s subscription', async () => {
		const { maria, sam, accessOf } = await garcias();
		const phone = await deviceOf(maria);
		const laptop = await deviceOf(maria);
		await invalidateSession(testDb.db, phone.sessionId);
		expect(await testDb.column('SELECT endpoint FROM push_subscriptions WHERE user_id = ?', maria.id)).toEqual([laptop.endpoint]);
		await postCheckIn(testDb.db, await accessOf(sam), checkIn());
		expect(await pushesTo(phone)).toHaveLength(0);
		expect(await pushesTo(laptop)).toHaveLength(1);
		await invalidateUserSessions(testDb.db, maria.id);
		expect(Number(await testDb.value('SELECT COUNT(*) FROM push_subscriptions WHERE user_id = ?', maria.id))).toBe(0);
		await deviceOf(sam);
		await testDb.db.deleteFrom('users').where('id', '=', sam.id).execute();
		expect(Number(await testDb.value('SELECT COUNT(*) FROM push_subscriptions WHERE user_id = ?', sam.id))).toBe(0);
	});

	it('the same browser subscribed by someone else who signs in on it is theirs alone from then on', async () => {
		const { maria, ana } = await garcias();
		const shared = await deviceOf(maria);
		const { session } = await createSession(testDb.db, ana.id);
		await saveSubscription(testDb.db, session, { subscription: { endpoint: shared.endpoint, keys: shared.keys.json } }, { allowLocal: true });
		expect(await testDb.all('SELECT user_id, session_id FROM push_subscriptions WHERE endpoint = ?', shared.endpoint)).toEqual([
			{ user_id: ana.id, session_id: session.id }
		]);
	});
});

describe('endpoints', () => {
	it('only https: push services; 127.0.0.1 only under the test flag, never by default', () => {
		expect(endpointProblem('https://fcm.googleapis.com/fcm/send/abc', false)).toBeNull();
		for (const bad of [
			'http://fcm.googleapis.com/fcm/send/abc',
			'http://127.0.0.1:9000/push',
			'https://127.0.0.1/push',
			'https://[::1]/push',
			'https://10.0.0.8/push',
			'https://localhost/push',
			'https://metadata/computeMetadata',
			'https://user:pw@push.example/x',
			'file:///etc/passwd',
			'not a url',
			`https://push.example/${'a'.repeat(2100)}`
		])
			expect(endpointProblem(bad, false), bad).not.toBeNull();
		expect(endpointProblem('http://127.0.0.1:9000/push', true)).toBeNull();
		expect(endpointProblem('http://10.0.0.1:9000/push', true)).not.toBeNull();
	});

	// That a name resolving to one of them is never connected to: push-delivery.test.ts.
	it('addresses inside this machine or its networks are internal', () => {
		for (const address of [
			'127.0.0.1',
			'10.1.2.3',
			'172.20.0.1',
			'192.168.1.1',
			'169.254.169.254',
			'100.64.0.1',
			'::1',
			'fe80::1',
			'fd00::1',
			'::ffff:127.0.0.1'
		])
			expect(isInternalAddress(address), address).toBe(true);
		for (const address of ['142.250.74.10', '2a00:1450:4001:82b::200a']) expect(isInternalAddress(address), address).toBe(false);
	});
});

describe('the VAPID key pair', () => {
	it('is made once and kept: servers starting at once end up with one pair', async () => {
		const other = await createTestDatabase();
		try {
			const pairs = await Promise.all([1, 2, 3, 4].map(() => loadVapidKeys(other.db, {})));
			expect(new Set(pairs.map((pair) => pair.publicKey)).size).toBe(1);
			expect(Number(await other.value('SELECT COUNT(*) FROM push_vapid_keys'))).toBe(1);
			expect((await loadVapidKeys(other.db, {})).publicKey).toBe(pairs[0]!.publicKey);
		} finally {
			await other.dispose();
		}
	});

	it('or is given by the environment (both keys, or neither)', async () => {
		const given = { VAPID_PUBLIC_KEY: push.publicKey, VAPID_PRIVATE_KEY: 'c2VjcmV0', VAPID_SUBJECT: 'mailto:care@example.org' };
		expect(await loadVapidKeys(testDb.db, given)).toEqual({ publicKey: push.publicKey, privateKey: 'c2VjcmV0', subject: 'mailto:care@example.org' });
		await expect(loadVapidKeys(testDb.db, { VAPID_PUBLIC_KEY: push.publicKey })).rejects.toThrow(/both/);
	});
});

describe('the daily check-in reminder', () => {
	const NY = 'America/New_York';
	const at = (day: number, hour: number, minute = 0) => Date.UTC(2026, 5, day, hour + 4, minute); // EDT: UTC−4

	it('is off by default; once chosen it says only "Time for your check-in" at that time in the member’s zone, once a day', async () => {
		const { circleId, sam } = await garcias();
		const phone = await deviceOf(sam);
		expect(await sendCheckInReminders(testDb.db, push, at(16, 20))).not.toContain(sam.id);
		await savePushTimes(testDb.db, sam, { timeZone: NY, quietStart: '', quietEnd: '', reminder: 'on', reminderAt: '20:00' });
		expect(await sendCheckInReminders(testDb.db, push, at(16, 19, 59))).not.toContain(sam.id);
		expect(await sendCheckInReminders(testDb.db, push, at(16, 20))).toContain(sam.id);
		expect(await sendCheckInReminders(testDb.db, push, at(16, 20, 1))).not.toContain(sam.id);
		expect(await sendCheckInReminders(testDb.db, push, at(16, 21, 30))).not.toContain(sam.id);
		const [reminder] = await pushesTo(phone);
		expect(reminder).toEqual({ title: 'Hearth', body: 'Time for your check-in', url: `/circles/${circleId}`, tag: 'hearth-reminder' });
		expect(await sendCheckInReminders(testDb.db, push, at(17, 20, 5))).toContain(sam.id);
		expect(await pushesTo(phone)).toHaveLength(2);
	});

	it('is not sent on a day the member already checked in, nor long after its time', async () => {
		const { sam, accessOf } = await garcias();
		const phone = await deviceOf(sam);
		await savePushTimes(testDb.db, sam, { timeZone: NY, quietStart: '', quietEnd: '', reminder: 'on', reminderAt: '20:00' });
		await postCheckIn(testDb.db, await accessOf(sam), checkIn('Okay today.'), at(16, 9));
		expect(await sendCheckInReminders(testDb.db, push, at(16, 20))).not.toContain(sam.id);
		expect(await sendCheckInReminders(testDb.db, push, at(17, 23))).not.toContain(sam.id); // three hours late: not today
		expect(await pushesTo(phone)).toHaveLength(0);
	});

	it('two servers at once (or a restart) send it once', async () => {
		const { sam } = await garcias();
		const phone = await deviceOf(sam);
		await savePushTimes(testDb.db, sam, { timeZone: NY, quietStart: '', quietEnd: '', reminder: 'on', reminderAt: '07:30' });
		const both = await Promise.all([sendCheckInReminders(testDb.db, push, at(20, 7, 31)), sendCheckInReminders(testDb.db, push, at(20, 7, 31))]);
		expect(both.flat().filter((id) => id === sam.id)).toHaveLength(1);
		expect(await pushesTo(phone)).toHaveLength(1);
	});
});

describe('the account export', () => {
	it('holds the devices with notifications on (never their push address or keys), each circle’s choice and the member’s times', async () => {
		const { circleId, sam } = await garcias();
		const phone = await deviceOf(sam);
		await saveCirclePush(testDb.db, sam, { circleId, level: 'needs-me', hideName: 'on' });
		await savePushTimes(testDb.db, sam, { timeZone: 'Europe/Berlin', quietStart: '22:00', quietEnd: '07:00', reminder: 'on', reminderAt: '20:30' });
		let text = '';
		for await (const chunk of exportAccountJson(testDb.db, sam.id)) text += chunk;
		const data = JSON.parse(text);
		expect(data.notificationDevices).toEqual([{ device: expect.any(String), since: expect.any(String) }]);
		expect(data.notificationChoices).toEqual([{ circle: 'The Garcias', notifies: 'needs-me', hidesCircleName: true }]);
		expect(data.notificationTimes).toEqual([{ timeZone: 'Europe/Berlin', quietFrom: '22:00', quietUntil: '07:00', dailyReminderAt: '20:30' }]);
		expect(text).not.toContain(new URL(phone.endpoint).pathname);
		expect(text).not.toContain(phone.keys.json.p256dh);
	});
});
