// "Take my data": everything Hearth holds about one person, as one JSON document (its shape is in
// README, "Your data: export"). Every kind of row is read in pages by keyset (a page at a time,
// ordered by its key), so a long history is streamed as text chunks and never held in memory.
// Every query is bounded by the person's own id: nobody else's rows (their lapses, their notes,
// their email) are ever read; other people appear at most as the circle's name for context, and
// by name where the person chose them for a plan (plans.ts exportedPlan).
// All of an export's reads see one moment (db/snapshot.ts): a change made while it streams (a
// check-in posted, a name changed) is either wholly in it or not at all.
import { sql, type Expression } from 'kysely';
import type { Database } from '$lib/server/db';
import { openReadSnapshot, withReadSnapshot } from '$lib/server/db/snapshot';
import { describeDevice } from '$lib/server/auth/device';
import { timeOf } from '$lib/push';
import { chosenNamesFor, exportedPlan } from '$lib/server/plans/plans';

/** Rows read per query. */
export const EXPORT_PAGE_SIZE = 500;

export interface ExportOptions {
	pageSize?: number;
	now?: number;
}

type Row = Record<string, unknown>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * One kind of row: its rows after `after` (the last row of the page before, or null), ordered by
 * its key, as a query a page is cut from; and what each row says in the export. How many there
 * are is counted over the same query, so the count and the pages cannot disagree.
 */
interface Kind<R> {
	key: ExportKey;
	label: string;
	rows(db: Database, userId: string, after: R | null): RowsQuery<R>;
	/** What a page of rows needs read beside them (in the same snapshot) before each is shown. */
	context?(db: Database, userId: string, rows: R[]): Promise<unknown>;
	view(row: R, context: unknown): Row;
}

/** A select query (Kysely's builder) whose rows are R. */
type RowsQuery<R> = Expression<unknown> & { limit(limit: number): { execute(): Promise<R[]> } };

function page<R>(definition: Kind<R>, db: Database, userId: string, after: R | null, limit: number): Promise<R[]> {
	return definition.rows(db, userId, after).limit(limit).execute();
}

/** A page of rows as the export shows them. */
async function viewsOf<R>(definition: Kind<R>, db: Database, userId: string, rows: R[]): Promise<Row[]> {
	const context = definition.context ? await definition.context(db, userId, rows) : undefined;
	return rows.map((row) => definition.view(row, context));
}

async function count<R>(definition: Kind<R>, db: Database, userId: string): Promise<number> {
	const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM (${definition.rows(db, userId, null)}) AS kind_rows`.execute(db);
	return Number(rows[0]?.n ?? 0);
}

export type ExportKey =
	| 'sessions'
	| 'memberships'
	| 'checkIns'
	| 'replies'
	| 'reactions'
	| 'agreementProposals'
	| 'agreementAnswers'
	| 'agreementComments'
	| 'recovery'
	| 'milestones'
	| 'victories'
	| 'cheers'
	| 'safetyPlan'
	| 'overdosePlanChanges'
	| 'planSuggestions'
	| 'notificationDevices'
	| 'notificationChoices'
	| 'notificationTimes';

function kind<R, C = undefined>(
	definition: Omit<Kind<R>, 'context' | 'view'> & { context?(db: Database, userId: string, rows: R[]): Promise<C>; view(row: R, context: C): Row }
): Kind<unknown> {
	return definition as Kind<unknown>;
}

/** A plan version's row: its circle and what it holds. */
interface PlanRow {
	id: string;
	circle_id: string;
	circle: string;
	number: number;
	sections: string;
	created_at: number;
}

/**
 * Whom a plan chose from its circle is shown by name, as the person chose them: only members of
 * a circle the person is in now, and as "someone no longer in the circle with you" otherwise
 * (plans.ts exportedPlan). Never their id, and never the reference a version keeps.
 */
const planKind = (definition: Pick<Kind<PlanRow>, 'key' | 'label' | 'rows'>) =>
	kind({
		...definition,
		context: (db: Database, userId: string, rows: PlanRow[]) =>
			chosenNamesFor(
				db,
				userId,
				rows.map((row) => row.circle_id)
			),
		view: (row: PlanRow, names: Awaited<ReturnType<typeof chosenNamesFor>>) => ({
			id: row.id,
			circle: row.circle,
			version: row.number,
			sections: exportedPlan(row.sections, row.circle_id, names),
			createdAt: iso(row.created_at)
		})
	});

const KINDS: Kind<unknown>[] = [
	kind({
		key: 'sessions',
		label: 'Devices logged in',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('sessions')
				.select(['id', 'user_agent', 'created_at', 'last_seen_at', 'expires_at'])
				.where('user_id', '=', userId)
				.$if(after !== null, (q) => q.where('id', '>', after!.id))
				.orderBy('id'),
		view: (row: { id: string; user_agent: string; created_at: number; last_seen_at: number; expires_at: number }) => ({
			device: describeDevice(row.user_agent),
			createdAt: iso(row.created_at),
			lastSeenAt: iso(row.last_seen_at),
			expiresAt: iso(row.expires_at)
		})
	}),
	kind({
		key: 'memberships',
		label: 'Circles',
		rows: (db, userId, after: { circle_id: string } | null) =>
			db
				.selectFrom('memberships')
				.innerJoin('circles', 'circles.id', 'memberships.circle_id')
				.select(['memberships.circle_id', 'circles.name', 'memberships.role', 'memberships.relationship', 'memberships.in_recovery', 'memberships.joined_at'])
				.where('memberships.user_id', '=', userId)
				.$if(after !== null, (q) => q.where('memberships.circle_id', '>', after!.circle_id))
				.orderBy('memberships.circle_id'),
		view: (row: { circle_id: string; name: string; role: string; relationship: string; in_recovery: number; joined_at: number }) => ({
			circleId: row.circle_id,
			circle: row.name,
			role: row.role,
			relationship: row.relationship,
			inRecovery: row.in_recovery === 1,
			joinedAt: iso(row.joined_at)
		})
	}),
	kind({
		key: 'checkIns',
		label: 'Check-ins',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('checkins')
				.innerJoin('circles', 'circles.id', 'checkins.circle_id')
				.select([
					'checkins.id',
					'circles.name as circle',
					'checkins.mood',
					'checkins.craving',
					'checkins.need',
					'checkins.body',
					'checkins.created_at',
					'checkins.edited_at',
					'checkins.audience'
				])
				.where('checkins.author_id', '=', userId)
				.where('checkins.deleted_at', 'is', null)
				.$if(after !== null, (q) => q.where('checkins.id', '>', after!.id))
				.orderBy('checkins.id'),
		view: (row: {
			id: string;
			circle: string;
			mood: number | null;
			craving: number | null;
			need: string | null;
			body: string;
			created_at: number;
			edited_at: number | null;
			audience: string;
		}) => ({
			id: row.id,
			circle: row.circle,
			mood: row.mood,
			craving: row.craving,
			need: row.need,
			body: row.body,
			createdAt: iso(row.created_at),
			editedAt: iso(row.edited_at),
			// Who they shared it with: the whole circle, chosen members, or only themselves.
			audience: row.audience
		})
	}),
	kind({
		key: 'replies',
		label: 'Replies',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('checkin_replies')
				.innerJoin('checkins', 'checkins.id', 'checkin_replies.checkin_id')
				.innerJoin('circles', 'circles.id', 'checkins.circle_id')
				.select([
					'checkin_replies.id',
					'checkin_replies.checkin_id',
					'circles.name as circle',
					'checkin_replies.body',
					'checkin_replies.created_at',
					'checkin_replies.edited_at'
				])
				.where('checkin_replies.author_id', '=', userId)
				.$if(after !== null, (q) => q.where('checkin_replies.id', '>', after!.id))
				.orderBy('checkin_replies.id'),
		view: (row: { id: string; checkin_id: string; circle: string; body: string; created_at: number; edited_at: number | null }) => ({
			id: row.id,
			checkInId: row.checkin_id,
			circle: row.circle,
			body: row.body,
			createdAt: iso(row.created_at),
			editedAt: iso(row.edited_at)
		})
	}),
	kind({
		key: 'reactions',
		label: 'Reactions',
		rows: (db, userId, after: { checkin_id: string; kind: string } | null) =>
			db
				.selectFrom('checkin_reactions')
				.innerJoin('checkins', 'checkins.id', 'checkin_reactions.checkin_id')
				.innerJoin('circles', 'circles.id', 'checkins.circle_id')
				.select(['checkin_reactions.checkin_id', 'checkin_reactions.kind', 'circles.name as circle', 'checkin_reactions.created_at'])
				.where('checkin_reactions.user_id', '=', userId)
				.$if(after !== null, (q) =>
					q.where((eb) =>
						eb.or([
							eb('checkin_reactions.checkin_id', '>', after!.checkin_id),
							eb.and([eb('checkin_reactions.checkin_id', '=', after!.checkin_id), eb('checkin_reactions.kind', '>', after!.kind)])
						])
					)
				)
				.orderBy('checkin_reactions.checkin_id')
				.orderBy('checkin_reactions.kind'),
		view: (row: { checkin_id: string; kind: string; circle: string; created_at: number }) => ({
			checkInId: row.checkin_id,
			circle: row.circle,
			reaction: row.kind,
			createdAt: iso(row.created_at)
		})
	}),
	kind({
		key: 'agreementProposals',
		label: 'Agreement proposals',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('agreement_proposals')
				.innerJoin('agreements', 'agreements.id', 'agreement_proposals.agreement_id')
				.innerJoin('circles', 'circles.id', 'agreements.circle_id')
				.leftJoin('agreement_versions', (join) =>
					join
						.onRef('agreement_versions.agreement_id', '=', 'agreement_proposals.agreement_id')
						.onRef('agreement_versions.number', '=', 'agreement_proposals.version')
				)
				.select([
					'agreement_proposals.id',
					'agreement_proposals.agreement_id',
					'circles.name as circle',
					'agreement_proposals.kind',
					'agreement_proposals.reason',
					'agreement_proposals.outcome',
					'agreement_proposals.created_at',
					'agreement_proposals.decided_at',
					'agreement_versions.title',
					'agreement_versions.category',
					'agreement_versions.body',
					'agreement_versions.support',
					'agreement_versions.consequence',
					'agreement_versions.review_on'
				])
				.where('agreement_proposals.created_by', '=', userId)
				.$if(after !== null, (q) => q.where('agreement_proposals.id', '>', after!.id))
				.orderBy('agreement_proposals.id'),
		view: (row: {
			id: string;
			agreement_id: string;
			circle: string;
			kind: string;
			reason: string;
			outcome: string | null;
			created_at: number;
			decided_at: number | null;
			title: string | null;
			category: string | null;
			body: string | null;
			support: string | null;
			consequence: string | null;
			review_on: string | null;
		}) => ({
			id: row.id,
			agreementId: row.agreement_id,
			circle: row.circle,
			proposal: row.kind,
			wording:
				row.title === null
					? null
					: { title: row.title, category: row.category, body: row.body, support: row.support, consequence: row.consequence, reviewOn: row.review_on },
			reason: row.reason,
			outcome: row.outcome,
			createdAt: iso(row.created_at),
			decidedAt: iso(row.decided_at)
		})
	}),
	kind({
		key: 'agreementAnswers',
		label: 'Answers to agreement proposals',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('agreement_answers')
				.innerJoin('agreement_proposals', 'agreement_proposals.id', 'agreement_answers.proposal_id')
				.innerJoin('agreements', 'agreements.id', 'agreement_proposals.agreement_id')
				.innerJoin('circles', 'circles.id', 'agreements.circle_id')
				.select([
					'agreement_answers.id',
					'agreement_answers.proposal_id',
					'agreements.id as agreement_id',
					'circles.name as circle',
					'agreement_answers.answer',
					'agreement_answers.comment',
					'agreement_answers.created_at'
				])
				.where('agreement_answers.user_id', '=', userId)
				.$if(after !== null, (q) => q.where('agreement_answers.id', '>', after!.id))
				.orderBy('agreement_answers.id'),
		view: (row: { id: string; proposal_id: string; agreement_id: string; circle: string; answer: string; comment: string; created_at: number }) => ({
			id: row.id,
			agreementId: row.agreement_id,
			proposalId: row.proposal_id,
			circle: row.circle,
			answer: row.answer,
			comment: row.comment,
			createdAt: iso(row.created_at)
		})
	}),
	kind({
		key: 'agreementComments',
		label: 'Comments on agreements',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('agreement_comments')
				.innerJoin('agreements', 'agreements.id', 'agreement_comments.agreement_id')
				.innerJoin('circles', 'circles.id', 'agreements.circle_id')
				.select([
					'agreement_comments.id',
					'agreement_comments.agreement_id',
					'circles.name as circle',
					'agreement_comments.body',
					'agreement_comments.created_at'
				])
				.where('agreement_comments.author_id', '=', userId)
				.$if(after !== null, (q) => q.where('agreement_comments.id', '>', after!.id))
				.orderBy('agreement_comments.id'),
		view: (row: { id: string; agreement_id: string; circle: string; body: string; created_at: number }) => ({
			id: row.id,
			agreementId: row.agreement_id,
			circle: row.circle,
			body: row.body,
			createdAt: iso(row.created_at)
		})
	}),
	kind({
		key: 'recovery',
		label: 'Recovery dates and lapses',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('recovery_stretches')
				.innerJoin('circles', 'circles.id', 'recovery_stretches.circle_id')
				.select([
					'recovery_stretches.id',
					'circles.name as circle',
					'recovery_stretches.started_on',
					'recovery_stretches.ended_on',
					'recovery_stretches.lapse_note',
					'recovery_stretches.lapse_shared',
					'recovery_stretches.created_at'
				])
				.where('recovery_stretches.user_id', '=', userId)
				.$if(after !== null, (q) => q.where('recovery_stretches.id', '>', after!.id))
				.orderBy('recovery_stretches.id'),
		view: (row: { id: string; circle: string; started_on: string; ended_on: string | null; lapse_note: string; lapse_shared: number; created_at: number }) => ({
			id: row.id,
			circle: row.circle,
			recoveryDate: row.started_on,
			lapse: row.ended_on === null ? null : { on: row.ended_on, note: row.lapse_note, sharedWithCircle: row.lapse_shared === 1 },
			createdAt: iso(row.created_at)
		})
	}),
	kind({
		key: 'milestones',
		label: 'Milestones about you',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('milestones')
				.innerJoin('circles', 'circles.id', 'milestones.circle_id')
				.select([
					'milestones.id',
					'circles.name as circle',
					'milestones.kind',
					'milestones.title',
					'milestones.note',
					'milestones.reached_on',
					'milestones.created_at'
				])
				.where('milestones.subject_id', '=', userId)
				.$if(after !== null, (q) => q.where('milestones.id', '>', after!.id))
				.orderBy('milestones.id'),
		view: (row: { id: string; circle: string; kind: string; title: string; note: string; reached_on: string; created_at: number }) => ({
			id: row.id,
			circle: row.circle,
			kind: row.kind,
			title: row.title,
			note: row.note,
			reachedOn: row.reached_on,
			createdAt: iso(row.created_at)
		})
	}),
	kind({
		key: 'victories',
		label: 'Small victories you added',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('milestones')
				.innerJoin('circles', 'circles.id', 'milestones.circle_id')
				.select([
					'milestones.id',
					'circles.name as circle',
					'milestones.subject_id',
					'milestones.title',
					'milestones.note',
					'milestones.reached_on',
					'milestones.created_at'
				])
				.where('milestones.created_by', '=', userId)
				.where('milestones.kind', '=', 'victory')
				.$if(after !== null, (q) => q.where('milestones.id', '>', after!.id))
				.orderBy('milestones.id'),
		view: (row: { id: string; circle: string; subject_id: string | null; title: string; note: string; reached_on: string; created_at: number }) => ({
			id: row.id,
			circle: row.circle,
			// Whose victory: the whole circle's, or one person's (named by nothing more than that).
			forWhom: row.subject_id === null ? 'circle' : 'person',
			title: row.title,
			note: row.note,
			reachedOn: row.reached_on,
			createdAt: iso(row.created_at)
		})
	}),
	kind({
		key: 'cheers',
		label: 'Cheers you gave',
		rows: (db, userId, after: { milestone_id: string } | null) =>
			db
				.selectFrom('milestone_cheers')
				.innerJoin('milestones', 'milestones.id', 'milestone_cheers.milestone_id')
				.innerJoin('circles', 'circles.id', 'milestones.circle_id')
				.select([
					'milestone_cheers.milestone_id',
					'circles.name as circle',
					'milestone_cheers.message',
					'milestone_cheers.created_at',
					'milestone_cheers.edited_at'
				])
				.where('milestone_cheers.user_id', '=', userId)
				.$if(after !== null, (q) => q.where('milestone_cheers.milestone_id', '>', after!.milestone_id))
				.orderBy('milestone_cheers.milestone_id'),
		view: (row: { milestone_id: string; circle: string; message: string; created_at: number; edited_at: number | null }) => ({
			milestoneId: row.milestone_id,
			circle: row.circle,
			message: row.message,
			createdAt: iso(row.created_at),
			editedAt: iso(row.edited_at)
		})
	}),
	// The safety and overdose plan (plans/): every version of their own plan, the changes they
	// made to their circles' overdose plans, and what they suggested for someone else's plan.
	planKind({
		key: 'safetyPlan',
		label: 'Versions of your safety plan',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('plan_versions')
				.innerJoin('circles', 'circles.id', 'plan_versions.circle_id')
				.select([
					'plan_versions.id',
					'plan_versions.circle_id',
					'circles.name as circle',
					'plan_versions.number',
					'plan_versions.sections',
					'plan_versions.created_at'
				])
				.where('plan_versions.owner_id', '=', userId)
				.$if(after !== null, (q) => q.where('plan_versions.id', '>', after!.id))
				.orderBy('plan_versions.id')
	}),
	planKind({
		key: 'overdosePlanChanges',
		label: 'Changes you made to overdose plans',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('plan_versions')
				.innerJoin('circles', 'circles.id', 'plan_versions.circle_id')
				.select([
					'plan_versions.id',
					'plan_versions.circle_id',
					'circles.name as circle',
					'plan_versions.number',
					'plan_versions.sections',
					'plan_versions.created_at'
				])
				.where('plan_versions.owner_id', 'is', null)
				.where('plan_versions.created_by', '=', userId)
				.$if(after !== null, (q) => q.where('plan_versions.id', '>', after!.id))
				.orderBy('plan_versions.id')
	}),
	kind({
		key: 'planSuggestions',
		label: 'Suggestions you made for safety plans',
		rows: (db, userId, after: { id: string } | null) =>
			db
				.selectFrom('plan_suggestions')
				.innerJoin('circles', 'circles.id', 'plan_suggestions.circle_id')
				.select([
					'plan_suggestions.id',
					'circles.name as circle',
					'plan_suggestions.section',
					'plan_suggestions.body',
					'plan_suggestions.status',
					'plan_suggestions.created_at',
					'plan_suggestions.decided_at'
				])
				.where('plan_suggestions.created_by', '=', userId)
				.$if(after !== null, (q) => q.where('plan_suggestions.id', '>', after!.id))
				.orderBy('plan_suggestions.id'),
		// Whose plan it was is left out: it would name someone else (and their recovery).
		view: (row: { id: string; circle: string; section: string; body: string; status: string; created_at: number; decided_at: number | null }) => ({
			id: row.id,
			circle: row.circle,
			section: row.section,
			body: row.body,
			status: row.status,
			createdAt: iso(row.created_at),
			decidedAt: iso(row.decided_at)
		})
	}),
	// Push notifications (push/): which devices have them on (never the push service's address or
	// keys: they are the browser's), what each circle sends, and the member's own times.
	kind({
		key: 'notificationDevices',
		label: 'Devices with notifications on',
		rows: (db, userId, after: { endpoint: string } | null) =>
			db
				.selectFrom('push_subscriptions')
				.innerJoin('sessions', 'sessions.id', 'push_subscriptions.session_id')
				.select(['push_subscriptions.endpoint', 'sessions.user_agent', 'push_subscriptions.created_at'])
				.where('push_subscriptions.user_id', '=', userId)
				.$if(after !== null, (q) => q.where('push_subscriptions.endpoint', '>', after!.endpoint))
				.orderBy('push_subscriptions.endpoint'),
		view: (row: { endpoint: string; user_agent: string; created_at: number }) => ({
			device: describeDevice(row.user_agent),
			since: iso(row.created_at)
		})
	}),
	kind({
		key: 'notificationChoices',
		label: 'What each circle notifies you of',
		rows: (db, userId, after: { circle_id: string } | null) =>
			db
				.selectFrom('push_preferences')
				.innerJoin('circles', 'circles.id', 'push_preferences.circle_id')
				.select(['push_preferences.circle_id', 'circles.name as circle', 'push_preferences.level', 'push_preferences.hide_name'])
				.where('push_preferences.user_id', '=', userId)
				.$if(after !== null, (q) => q.where('push_preferences.circle_id', '>', after!.circle_id))
				.orderBy('push_preferences.circle_id'),
		view: (row: { circle_id: string; circle: string; level: string; hide_name: number }) => ({
			circle: row.circle,
			notifies: row.level,
			hidesCircleName: row.hide_name === 1
		})
	}),
	kind({
		key: 'notificationTimes',
		label: 'Quiet hours and reminder',
		rows: (db, userId, after: { user_id: string } | null) =>
			db
				.selectFrom('push_settings')
				.select(['user_id', 'time_zone', 'quiet_start', 'quiet_end', 'reminder_at'])
				.where('user_id', '=', userId)
				.$if(after !== null, (q) => q.where('user_id', '>', after!.user_id))
				.orderBy('user_id'),
		view: (row: { user_id: string; time_zone: string; quiet_start: number | null; quiet_end: number | null; reminder_at: number | null }) => ({
			timeZone: row.time_zone,
			quietFrom: timeOf(row.quiet_start) || null,
			quietUntil: timeOf(row.quiet_end) || null,
			dailyReminderAt: timeOf(row.reminder_at) || null
		})
	})
];

/** The lists of the export, in the order they appear, with a label for people. */
export const EXPORT_KINDS: ReadonlyArray<{ key: ExportKey; label: string }> = KINDS.map(({ key, label }) => ({ key, label }));

async function accountOf(db: Database, userId: string): Promise<Row | null> {
	const user = await db
		.selectFrom('users')
		.select(['id', 'display_name', 'email', 'email_confirmed_at', 'created_at', 'kind_words_help'])
		.where('id', '=', userId)
		.executeTakeFirst();
	if (!user) return null;
	return {
		id: user.id,
		name: user.display_name,
		email: user.email,
		emailConfirmed: user.email_confirmed_at !== null,
		emailConfirmedAt: iso(user.email_confirmed_at),
		createdAt: iso(user.created_at),
		gentlerWordsWhileWriting: user.kind_words_help === 1
	};
}

/** Every row of one kind, a page at a time. */
async function* rowsOf(db: Database, userId: string, definition: Kind<unknown>, pageSize: number): AsyncGenerator<unknown[]> {
	let after: unknown = null;
	for (;;) {
		const rows = await page(definition, db, userId, after, pageSize);
		if (rows.length === 0) return;
		yield rows;
		if (rows.length < pageSize) return;
		after = rows[rows.length - 1];
	}
}

/**
 * The person's export as JSON text, in chunks: the head (format, when, account), then each list a
 * page of rows per chunk. Joined, the chunks are one JSON document. Nothing but the current page
 * is held. Every read is of one snapshot, taken at the first chunk and ended with the last (or
 * when the download is given up: return() on the generator).
 */
export async function* exportAccountJson(
	db: Database,
	userId: string,
	{ pageSize = EXPORT_PAGE_SIZE, now = Date.now() }: ExportOptions = {}
): AsyncGenerator<string> {
	const snapshot = await openReadSnapshot(db);
	try {
		const account = await accountOf(snapshot.db, userId);
		yield `{"format":"hearth-export","version":1,"exportedAt":${JSON.stringify(iso(now))},"account":${JSON.stringify(account)}`;
		for (const definition of KINDS) {
			yield `,${JSON.stringify(definition.key)}:[`;
			let first = true;
			for await (const page of rowsOf(snapshot.db, userId, definition, pageSize)) {
				const text = (await viewsOf(definition, snapshot.db, userId, page)).map((row) => JSON.stringify(row)).join(',');
				yield first ? text : `,${text}`;
				first = false;
			}
			yield ']';
		}
		yield '}\n';
	} finally {
		await snapshot.end();
	}
}

export interface AccountDataSummary {
	account: Row | null;
	kinds: Array<{ key: ExportKey; label: string; count: number; rows: Row[] }>;
	/** How many of each kind are shown at most. */
	shown: number;
}

/** For the printable page: the account, and per kind how many there are and the first `shown`. */
export async function summarizeAccountData(db: Database, userId: string, shown = 200): Promise<AccountDataSummary> {
	// One snapshot, as the export: a list and its count cannot disagree.
	return withReadSnapshot(db, async (snapshot) => {
		const account = await accountOf(snapshot, userId);
		const kinds = [];
		for (const definition of KINDS) {
			const howMany = await count(definition, snapshot, userId);
			const rows = await page(definition, snapshot, userId, null, shown);
			kinds.push({ key: definition.key, label: definition.label, count: howMany, rows: await viewsOf(definition, snapshot, userId, rows) });
		}
		return { account, kinds, shown };
	});
}

/** How many rows of each kind Hearth holds about the person (what deleting the account takes away). */
export async function countAccountData(db: Database, userId: string): Promise<Array<{ key: ExportKey; label: string; count: number }>> {
	return Promise.all(KINDS.map(async (definition) => ({ key: definition.key, label: definition.label, count: await count(definition, db, userId) })));
}

/** The export's file name for a day: hearth-2026-12-01.json. */
export function exportFileName(now = Date.now()): string {
	return `hearth-${new Date(now).toISOString().slice(0, 10)}.json`;
}
