// PostgreSQL goes away while members post (issue 17 point 6, and its fault test): two Hearth
// servers (`node server.js`, the production build) on one PostgreSQL and one Redis. Three members
// post check-ins back to back through the real form actions of either server while PostgreSQL is
// stopped (`pg_ctl stop -m fast`, then, in the second test, `-m immediate`, as a crash) and started
// again on the same port, with no server restarted. What must hold, exactly:
//
// - every post was answered: saved (a success with its check-in) or refused with a 503 and the
//   kind words (UNAVAILABLE_MESSAGE), nothing else (no 500, no hang, no "check your connection"),
//   except a post whose connection was lost during its COMMIT: a 503 saying it may have been saved
//   (UNSURE_MESSAGE), since the server may have committed it without the answer getting through;
// - every acknowledged post is in the database, once, with the id it was given; no refused post
//   is; nothing is there that was not acknowledged or answered "may have been saved";
// - the circle's log numbers its events 1…n with no gap, and every live client (a socket.io client
//   wired to the app's CircleSync as the page is, on each server, and one that was away through
//   the outage) applied exactly the log, each event once, in order;
// - /healthz answers 503 {"ok":false,"database":false,…} while PostgreSQL is away (Redis is up:
//   "redis":"connected"), 200 once it is back, by itself;
// - a socket that reconnects while PostgreSQL is away is told "unavailable" (and tries again),
//   never "not signed in";
// - in the first test, a member's browser (on server B) that was offline when PostgreSQL stopped
//   posts during the outage: the form says nothing was saved and keeps the words; a page opened
//   then is the kind 503 page; once PostgreSQL is back the page is live again by itself, catches up
//   with what it missed, and the same words posted again are saved.
//
// PostgreSQL runs with synchronous_commit=on (its default, what production uses): a COMMIT is
// acknowledged only once its WAL is written, so a server killed at once keeps it.
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { UNAVAILABLE_LIVE_MESSAGE, UNAVAILABLE_MESSAGE, UNAVAILABLE_TITLE, UNSURE_MESSAGE, unavailableLine } from '../../src/lib/unavailable';
import { openCheckInForm } from './circle-helpers';
import { LIVE, SESSION_COOKIE, expectPathname, gotoHydrated, liveStatus, logIn, sessionCookie, watchForTrouble } from './helpers';
import type { ServerProcess } from './server-process';
import { health, serversUnavailable, startServers, until, type SharedDatabase, type SharedServers } from './servers-kit';
import { LiveClient, Member, compareWithLog, describeDiff, joinCircle, makeCircle, signedInOn, signUpMember } from './sync-kit';

test.describe.configure({ mode: 'serial' });

const skipped = serversUnavailable('postgres');
test.skip(skipped !== null, skipped ?? '');

/** How many answers of each kind every poster must have seen in each phase. */
const EACH_PHASE = 3;

let kit: SharedServers | null = null;
let database: SharedDatabase;
let serverA: ServerProcess;
let serverB: ServerProcess;

test.beforeAll(async () => {
	test.setTimeout(90_000);
	kit = await startServers({ postgres: { synchronousCommit: true } });
	[serverA, serverB] = kit.servers as [ServerProcess, ServerProcess];
	database = kit.database;
});

test.afterEach(async () => kit?.attachOutput(test.info()));

test.afterAll(async () => kit?.remove());

interface Attempt {
	body: string;
	outcome: 'saved' | 'refused' | 'unsure' | 'other';
	/** The saved check-in's id. */
	id?: string;
	/** What an answer that was neither said. */
	detail?: string;
}

/** A member posting check-ins back to back, each answer recorded, until told to stop. */
class Poster {
	readonly attempts: Attempt[] = [];
	#stopped = false;
	#loop: Promise<void> | null = null;

	constructor(
		readonly member: Member,
		readonly circleId: string,
		readonly label: string
	) {}

	count(outcome: Attempt['outcome'], since = 0): number {
		return this.attempts.slice(since).filter((attempt) => attempt.outcome === outcome).length;
	}

	start(): void {
		this.#loop = (async () => {
			for (let n = 1; !this.#stopped; n += 1) {
				const body = `${this.label} post ${n}`;
				try {
					const answer = await this.member.postCheckIn(this.circleId, { mood: 3, body });
					if (answer.type === 'success' && answer.data?.checkin?.body === body) this.attempts.push({ body, outcome: 'saved', id: answer.data.checkin.id });
					else if (answer.httpStatus === 503 && answer.type === 'error' && answer.error?.message === UNAVAILABLE_MESSAGE)
						this.attempts.push({ body, outcome: 'refused' });
					else if (answer.httpStatus === 503 && answer.type === 'error' && answer.error?.message === UNSURE_MESSAGE)
						this.attempts.push({ body, outcome: 'unsure' });
					else this.attempts.push({ body, outcome: 'other', detail: JSON.stringify(answer) });
				} catch (error) {
					this.attempts.push({ body, outcome: 'other', detail: (error as Error).message });
				}
			}
		})();
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		await this.#loop;
	}
}

const liveOn = (member: Member, circleId: string, label: string): Promise<LiveClient> => kit!.liveOn(member, circleId, label);

function checkInBy(page: Page, text: string) {
	return page.locator('article').filter({ hasText: text });
}

/** Both servers' /healthz say the database is `up` (200 ok) or away (503, database false, Redis still connected). */
async function bothHealthSay(up: boolean): Promise<boolean> {
	for (const server of [serverA, serverB]) {
		const { status, body } = await health(server.baseURL);
		const expected = up ? status === 200 && body.ok && body.database === true : status === 503 && !body.ok && body.database === false;
		if (!expected || body.redis !== 'connected') return false;
	}
	return true;
}

/** One outage from start to end; `browserPage` (on server B) adds the member's browser of the first test. */
async function outage(mode: 'fast' | 'immediate', browserPage: Page | null): Promise<void> {
	const cluster = database.postgres!;
	const owner = await signUpMember(serverA.baseURL, `Outage ${mode} owner`);
	const circleId = await makeCircle(owner, `Outage ${mode}`);
	const ownerOnB = await signedInOn(serverB.baseURL, owner);
	const onB = await signUpMember(serverB.baseURL, `Outage ${mode} B`);
	await joinCircle(onB, ownerOnB, circleId);
	const onA = await signUpMember(serverA.baseURL, `Outage ${mode} A`);
	await joinCircle(onA, owner, circleId);

	// Live clients: one on each server that stays connected, one that is away through the outage.
	const watchA = await liveOn(owner, circleId, `${mode}: owner on A`);
	const watchB = await liveOn(onB, circleId, `${mode}: member on B`);
	const away = await liveOn(await signedInOn(serverA.baseURL, onB), circleId, `${mode}: away on A`);

	let browserWords = '';
	if (browserPage) {
		const walker = await signUpMember(serverB.baseURL, `Outage ${mode} browser`);
		await joinCircle(walker, ownerOnB, circleId);
		await logIn(browserPage, { email: walker.email, password: walker.password });
		await gotoHydrated(browserPage, `/circles/${circleId}`);
		await expect(liveStatus(browserPage)).toHaveText(LIVE);
		browserWords = `Typed in the browser while Hearth was away (${mode}).`;
	}

	const posters = [
		new Poster(owner, circleId, `${mode} owner on A`),
		new Poster(onB, circleId, `${mode} member on B`),
		new Poster(onA, circleId, `${mode} member on A`)
	];
	const report = () =>
		posters
			.map((p) => {
				const other = [...new Set(p.attempts.filter((a) => a.outcome === 'other').map((a) => a.detail))].slice(0, 3);
				return `${p.label}: ${p.count('saved')} saved, ${p.count('refused')} refused, ${p.count('unsure')} unsure, ${p.count('other')} other${other.length ? ` (${other.join('; ')})` : ''}`;
			})
			.join('\n');
	for (const poster of posters) poster.start();
	try {
		await until('every poster saved some', () => posters.every((p) => p.count('saved') >= EACH_PHASE), 15_000, report);

		// Away: the socket drops, the browser goes offline; members go on posting meanwhile.
		away.disconnect();
		if (browserPage) {
			await browserPage.context().setOffline(true);
			await expect(liveStatus(browserPage)).not.toHaveText(LIVE);
		}
		const beforeAway = posters.map((p) => p.attempts.length);
		await until(
			'every poster saved some while the others were away',
			() => posters.every((p, i) => p.count('saved', beforeAway[i]) >= EACH_PHASE),
			15_000,
			report
		);

		// PostgreSQL stops while they post.
		const stopped = Date.now();
		const atStop = posters.map((p) => p.attempts.length);
		await cluster.stopServer(mode);
		await until('every poster refused some', () => posters.every((p, i) => p.count('refused', atStop[i]) >= EACH_PHASE), 15_000, report);
		await until('both servers’ /healthz say the database is away', () => bothHealthSay(false), 10_000);

		// A socket that comes back now is asked to try again, not told it is signed out.
		await expect(away.connect()).rejects.toThrow(UNAVAILABLE_LIVE_MESSAGE);
		// A page whose own load fails for it (no session to check: an invite link) is the 503 too,
		// and so is its data for a client-side navigation, marked for the error page.
		const invitePage = await fetch(`${serverA.baseURL}/join/${'a'.repeat(32)}`);
		expect(invitePage.status).toBe(503);
		expect(await invitePage.text()).toContain(UNAVAILABLE_TITLE);
		const inviteData = await fetch(`${serverA.baseURL}/join/${'a'.repeat(32)}/__data.json`);
		expect(JSON.stringify(await inviteData.json())).toContain('"unavailable":true');

		if (browserPage) {
			// The browser comes back online: its socket retries, and its post is refused with the words kept.
			await browserPage.context().setOffline(false);
			const form = await openCheckInForm(browserPage);
			await form.getByText('Okay', { exact: true }).click();
			await form.getByLabel(/A few words/).fill(browserWords);
			await form.getByRole('button', { name: 'Post check-in' }).click();
			await expect(form.getByRole('alert')).toHaveText(unavailableLine('Your check-in wasn’t posted.', true));
			await expect(form.getByLabel(/A few words/)).toHaveValue(browserWords);
			await expect(liveStatus(browserPage)).not.toHaveText(/Signed out/);
			// A page opened now is the kind 503 page (the header claims no one signed in or out).
			const other = await browserPage.context().newPage();
			const response = await other.goto(`/circles/${circleId}`);
			expect(response?.status()).toBe(503);
			expect(response?.headers()['retry-after']).toBeTruthy();
			await expect(other.getByRole('heading', { level: 1, name: UNAVAILABLE_TITLE })).toBeVisible();
			await expect(other.getByRole('link', { name: 'Try again' })).toBeVisible();
			await expect(other.getByRole('navigation', { name: 'Account' })).toHaveCount(0);
			await other.close();
		}

		// PostgreSQL comes back on the same port; nobody restarts the servers.
		await cluster.startServer();
		await until('both servers’ /healthz say the database is back', () => bothHealthSay(true), 15_000);
		const awayMs = Date.now() - stopped;
		const afterStart = posters.map((p) => p.attempts.length);
		await until('every poster saved again after the restart', () => posters.every((p, i) => p.count('saved', afterStart[i]) >= EACH_PHASE), 15_000, report);
		// Enough: the rest is about catching up with what was posted (the posters would only add load).
		await Promise.all(posters.map((p) => p.stop()));
		console.log(`${mode}: PostgreSQL away for ${awayMs} ms\n${report()}`);

		await away.connect();
		if (browserPage) {
			await expect(liveStatus(browserPage)).toHaveText(LIVE, { timeout: 15_000 });
			// The words were kept: posting again is one press.
			await browserPage.getByRole('region', { name: 'Check in' }).getByRole('button', { name: 'Post check-in' }).click();
			await expect(checkInBy(browserPage, browserWords)).toHaveCount(1);
		}
	} finally {
		await Promise.all(posters.map((p) => p.stop()));
	}

	// Every answer was a save or the kind refusal.
	const attempts = posters.flatMap((p) => p.attempts);
	expect(
		attempts.filter((a) => a.outcome === 'other'),
		'answers that were neither saved nor refused with the kind words'
	).toEqual([]);
	for (const poster of posters) expect(poster.count('refused'), `${poster.label} was refused at least once`).toBeGreaterThan(0);

	// The database holds exactly what was acknowledged.
	const stored = await database.readCheckIns(circleId);
	const storedByBody = new Map<string, string[]>();
	for (const row of stored) storedByBody.set(row.body, [...(storedByBody.get(row.body) ?? []), row.id]);
	const saved = attempts.filter((a) => a.outcome === 'saved');
	const refused = attempts.filter((a) => a.outcome === 'refused');
	expect(
		saved.filter((a) => storedByBody.get(a.body)?.join() !== a.id),
		'acknowledged posts missing (or not exactly once, with their id)'
	).toEqual([]);
	expect(
		refused.filter((a) => storedByBody.has(a.body)).map((a) => a.body),
		'refused posts that were saved after all'
	).toEqual([]);
	const unsure = attempts.filter((a) => a.outcome === 'unsure');
	const toldSaved = new Set([...saved.map((a) => a.body), ...(browserWords ? [browserWords] : [])]);
	const toldMaybe = new Set(unsure.map((a) => a.body));
	expect(
		stored.filter((row) => !toldSaved.has(row.body) && !toldMaybe.has(row.body)).map((row) => row.body),
		'stored posts nobody was told were (or may have been) saved'
	).toEqual([]);
	expect(
		unsure.filter((a) => (storedByBody.get(a.body)?.length ?? 0) > 1),
		'a post that may have been saved is there at most once'
	).toEqual([]);
	if (unsure.length > 0) {
		const kept = unsure.filter((a) => storedByBody.has(a.body)).length;
		console.log(`${mode}: ${unsure.length} posts lost their connection during COMMIT (${kept} of them committed), each answered "may have been saved"`);
	}
	if (browserWords) expect(storedByBody.get(browserWords)?.length, 'the browser’s post, saved once').toBe(1);

	// The log has no gap, and every live client applied exactly it.
	const log = await database.readLog(circleId);
	expect(log.map((event) => event.seq)).toEqual(log.map((_event, index) => index + 1));
	expect(log.filter((event) => event.type === 'checkin.posted').length).toBe(stored.length);
	const last = log.at(-1)!.seq;
	for (const client of [watchA, watchB, away]) {
		await client.waitSettled(last, 20_000);
		const diff = compareWithLog(client, log);
		expect(diff.ok, describeDiff(diff)).toBe(true);
	}
	expect(away.catchUps, 'the client that was away caught up').toBeGreaterThan(1);

	if (browserPage) {
		// The page shows the newest check-ins, newest first, as the database has them.
		const newest = await database.query<{ body: string }>('SELECT body FROM checkins WHERE circle_id = ? ORDER BY created_at DESC, id DESC LIMIT 10', [
			circleId
		]);
		const feed = browserPage.getByRole('region', { name: /Check-ins/ }).locator('article');
		await expect
			.poll(async () => (await feed.allInnerTexts()).slice(0, 10).map((text) => newest.find((row) => text.includes(row.body))?.body ?? text))
			.toEqual(newest.map((row) => row.body));
	}

	expect(serverA.hasExited || serverB.hasExited, 'no server stopped').toBe(false);
	for (const server of [serverA, serverB]) expect(server.output(), 'no unexpected error in the server logs').not.toMatch(/\[error [0-9a-f-]+\]/);
}

test('PostgreSQL stopped (fast) while members post and a browser is away: every acknowledged post is kept, refused ones were told so, live catch-up has no gap', async ({
	browser
}) => {
	test.setTimeout(120_000);
	const context = await browser.newContext({ baseURL: serverB.baseURL });
	const page = await context.newPage();
	const trouble = watchForTrouble(page);
	try {
		await outage('fast', page);
		// The refused post answered 503 by design; nothing else went wrong in the page.
		expect(trouble.filter((line) => !line.startsWith('503 from POST '))).toEqual([]);
	} finally {
		await context.close();
	}
});

test('PostgreSQL killed at once (immediate) while members post: the same holds after crash recovery', async () => {
	test.setTimeout(120_000);
	await outage('immediate', null);
});

/** The agreement a member proposes through the form (as the enhanced form sends it); its id. */
async function proposeAgreement(member: Member, circleId: string, title: string): Promise<string> {
	const response = await member.fetch(`/circles/${circleId}/agreements/new`, {
		method: 'POST',
		headers: { origin: member.origin, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'x-sveltekit-action': 'true' },
		body: new URLSearchParams({ title, category: 'home', body: 'Visits on Sundays, after lunch.', support: '', consequence: '', reviewOn: '' }).toString()
	});
	const answer = (await response.json()) as { type: string; location?: string };
	const id = answer.type === 'redirect' ? answer.location?.split('/').at(-1) : undefined;
	if (!id) throw new Error(`proposing an agreement answered ${JSON.stringify(answer)}`);
	return id;
}

/** A browser context signed in as `member` on `baseURL` (a session of its own), with or without JavaScript. */
async function browserAs(browser: Browser, baseURL: string, member: Member, javaScriptEnabled = true): Promise<{ context: BrowserContext; token: string }> {
	const there = await signedInOn(baseURL, member);
	const context = await browser.newContext({ baseURL, javaScriptEnabled });
	await context.addCookies([{ name: SESSION_COOKIE, value: there.sessionToken!, url: baseURL }]);
	return { context, token: there.sessionToken! };
}

test('PostgreSQL stopped while a member fills in forms: each keeps what was typed and says so, without JavaScript the words come back on the 503 page, and logging out says plainly what it could not do', async ({
	browser
}) => {
	test.setTimeout(120_000);
	const cluster = database!.postgres!;
	const base = serverA.baseURL;
	const owner = await signUpMember(base, 'Forms owner');
	const circleId = await makeCircle(owner, 'Forms outage');
	const walker = await signUpMember(base, 'Forms walker');
	await joinCircle(walker, owner, circleId);
	const circle = `/circles/${circleId}`;
	// In recovery, with a date; an agreement waiting for answers; a small victory of their own.
	expect((await walker.action(`${circle}/members`, 'updateProfile', { relationship: 'Me', inRecovery: 'yes' })).type).toBe('success');
	expect((await walker.action(`${circle}/recovery`, 'setDate', { startedOn: '2024-01-01' })).type).toBe('success');
	const agreementId = await proposeAgreement(owner, circleId, 'Sunday visits');
	const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
	const victory = 'Cooked dinner for everyone';
	expect((await walker.action(`${circle}/milestones`, 'addVictory', { title: victory, reachedOn: yesterday, note: '', forWhom: 'me' })).type).toBe('success');

	const words = 'Posted from an old phone while Hearth was away.';
	const { context, token } = await browserAs(browser, base, walker);
	const noScript = await browserAs(browser, base, walker, false);
	const trouble: string[] = [];
	try {
		// Every page open (and hydrated) before PostgreSQL stops: none can be loaded while it is away.
		const open = async (path: string, hydrated = true) => {
			const page = await (hydrated ? context : noScript.context).newPage();
			trouble.push(...watchForTrouble(page));
			if (hydrated) await gotoHydrated(page, path);
			else await page.goto(path);
			return page;
		};
		const recovery = await open(`${circle}/recovery`);
		const agreement = await open(`${circle}/agreements/${agreementId}`);
		const milestones = await open(`${circle}/milestones`);
		const account = await open('/account');
		// Without JavaScript the form is opened (a page with ?compose) before the database goes.
		const plain = await open(`${circle}?compose`, false);

		await cluster.stopServer('fast');
		try {
			await until('/healthz says the database is away', async () => (await health(base)).status === 503, 10_000);

			// The recovery date and a lapse: what was chosen and typed stays, with the kind line beside it.
			const dateForm = recovery.getByRole('region', { name: 'Change the day your recovery began' });
			await dateForm.getByLabel('Day your recovery began').fill('2024-02-02');
			await dateForm.getByRole('button', { name: 'Change the day' }).click();
			await expect(dateForm.getByRole('alert')).toHaveText(unavailableLine('The day wasn’t changed.', true));
			await expect(dateForm.getByLabel('Day your recovery began')).toHaveValue('2024-02-02');
			const lapseForm = recovery.getByRole('region', { name: 'Record a lapse' });
			await lapseForm.locator('summary').click();
			const note = 'A hard weekend. Back on track today.';
			await lapseForm.getByLabel(/A private note/).fill(note);
			await lapseForm.getByLabel('Not now: keep it to myself').check();
			await lapseForm.getByRole('button', { name: 'Record it' }).click();
			await expect(lapseForm.getByRole('alert')).toHaveText(unavailableLine('The lapse wasn’t recorded.', true));
			await expect(lapseForm.getByLabel(/A private note/)).toHaveValue(note);
			await expect(lapseForm.getByLabel('Not now: keep it to myself')).toBeChecked();

			// An agreement: "I agree" with a comment, and a proposal to withdraw it with a reason.
			const answer = agreement.getByRole('region', { name: /Waiting for answers/ });
			const comment = 'Yes, and we can talk again in a month.';
			await answer.getByLabel('Comment').fill(comment);
			await answer.getByRole('button', { name: 'I agree' }).click();
			await expect(answer.getByRole('alert')).toHaveText(unavailableLine('Your answer wasn’t sent.', true));
			await expect(answer.getByLabel('Comment')).toHaveValue(comment);
			await agreement.locator('summary', { hasText: 'Propose withdrawing it' }).click();
			const withdraw = agreement.locator('form[action="?/withdraw"]');
			const reason = 'Sundays are hard for us now.';
			await withdraw.getByLabel('Why').fill(reason);
			await withdraw.getByRole('button', { name: 'Ask everyone' }).click();
			await expect(withdraw.getByRole('alert')).toHaveText(unavailableLine('Your proposal wasn’t sent.', true));
			await expect(withdraw.getByLabel('Why')).toHaveValue(reason);

			// Removing a victory, and ending another session: not done, and the page says so in place.
			const card = milestones.locator('article').filter({ hasText: victory });
			await card.locator('summary', { hasText: 'Remove' }).click();
			await card.getByRole('button', { name: 'Remove milestone' }).click();
			await expect(card.getByRole('alert')).toHaveText(unavailableLine('The milestone wasn’t removed.', false));
			await expect(card).toBeVisible();
			const devices = account.getByRole('region', { name: 'Where you’re logged in' });
			await devices
				.locator('li')
				.filter({ hasNotText: 'This device' })
				.first()
				.getByRole('button', { name: /^Log out/ })
				.click();
			await expect(devices.getByRole('alert')).toHaveText(unavailableLine('That device wasn’t logged out.', false));
			for (const page of [recovery, agreement, milestones, account])
				await expect(page.getByRole('heading', { level: 1, name: UNAVAILABLE_TITLE })).toHaveCount(0);

			// Without JavaScript: the 503 page, with the words sent shown back to copy.
			const form = await openCheckInForm(plain);
			await form.getByText('Okay', { exact: true }).click();
			await form.getByLabel(/A few words/).fill(words);
			const [posted] = await Promise.all([
				plain.waitForResponse((r) => r.request().method() === 'POST'),
				form.getByRole('button', { name: 'Post check-in' }).click()
			]);
			expect(posted.status()).toBe(503);
			expect(posted.headers()['cache-control']).toBe('no-store');
			await expect(plain.getByRole('heading', { level: 1, name: UNAVAILABLE_TITLE })).toBeVisible();
			await expect(plain.getByRole('heading', { name: 'What you wrote' })).toBeVisible();
			await expect(plain.getByLabel('Your words')).toHaveValue(words);

			// Logging out: this device is logged out, and the page says the session is not ended yet.
			await recovery.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Log out' }).click();
			await expect(recovery.getByRole('heading', { level: 1, name: 'You’re logged out on this device' })).toBeVisible();
			await expect(recovery.getByText(/couldn’t close your session on its side yet/)).toBeVisible();
			expect(await sessionCookie(context), 'the session cookie is gone').toBeUndefined();
		} finally {
			await cluster.startServer();
		}
		await until('/healthz says the database is back', async () => (await health(base)).status === 200, 15_000);
		const sessionId = createHash('sha256').update(token).digest('hex');
		const stillOpen = () => database!.query<{ id: string }>('SELECT id FROM sessions WHERE id = ?', [sessionId]);
		expect(await stillOpen(), 'the session is still there until the device comes back').toHaveLength(1);
		// The device's next request ends it, and it is on the log-in page as anyone logged out is.
		await recovery.goto('/circles');
		await expectPathname(recovery, '/login');
		expect(await stillOpen(), 'the session logged out of is ended').toEqual([]);
		// Nothing was saved meanwhile: the victory is there, the lapse is not, the dates are as they were.
		const lapses = await database!.query<{ id: string }>('SELECT id FROM recovery_stretches WHERE ended_on IS NOT NULL AND circle_id = ?', [circleId]);
		expect(lapses).toEqual([]);
		expect(await database!.query('SELECT id FROM milestones WHERE title = ?', [victory])).toHaveLength(1);
		expect(await database!.query('SELECT id FROM checkins WHERE body = ?', [words])).toEqual([]);
		// The answered 503s by design; nothing else went wrong in any page.
		expect(trouble.filter((line) => !line.startsWith('503 from POST '))).toEqual([]);
	} finally {
		await context.close();
		await noScript.context.close();
	}
});
