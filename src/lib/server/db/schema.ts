import type { Generated } from 'kysely';
import type { CircleRole } from '$lib/circles';

export type { CircleRole };

// Kysely's view of the tables in migrations/ (sqlite/ and postgres/). Keep in step with the SQL files.

export interface UsersTable {
	id: string;
	email: string;
	display_name: string;
	password_hash: string;
	created_at: number;
	updated_at: number;
	/** When a link sent to `email` was followed (migration 0011); null until then. */
	email_confirmed_at: Generated<number | null>;
	/** Kind-words help while writing, 1 (the default) or 0 when turned off (migration 0020). */
	kind_words_help: Generated<number>;
}

/** A link sent by email (migration 0011): only the token's SHA-256 is stored. */
export interface EmailTokensTable {
	id: string;
	user_id: string;
	purpose: 'reset-password' | 'confirm-email';
	email: string;
	created_at: number;
	expires_at: number;
}

/** A sign-up waiting for the link sent to its address (migration 0013). */
export interface PendingSignupsTable {
	/** SHA-256 (hex) of the link's token. */
	id: string;
	email: string;
	display_name: string;
	/** argon2id, as users.password_hash. */
	password_hash: string;
	/** Where to go afterwards, sealed with the link's token (pending-signups.ts). */
	redirect_sealed: string;
	created_at: number;
	expires_at: number;
}

export interface SessionsTable {
	id: string;
	user_id: string;
	created_at: number;
	expires_at: number;
	last_seen_at: number;
	user_agent: string;
}

export interface AttemptThrottlesTable {
	key: string;
	window_started_at: number;
	/** Defaults to 15 minutes (0009_login_attempts.sql). */
	window_ms: Generated<number>;
	failures: number;
	blocked_until: number;
}

export interface KnownDevicesTable {
	token_hash: string;
	user_id: string;
	created_at: number;
	last_used_at: number;
}

export interface EventLogIdentityTable {
	only_row: number;
	generation: string;
	is_copy: number;
}

/** The VAPID key pair made on first start (0017_push.sql): one row. */
export interface PushVapidKeysTable {
	only_row: number;
	public_key: string;
	private_key: string;
	created_at: number;
}

/** A browser's push subscription, belonging to the session that made it (0017_push.sql). */
export interface PushSubscriptionsTable {
	endpoint: string;
	session_id: string;
	user_id: string;
	p256dh: string;
	auth: string;
	created_at: number;
}

/** What a member hears of one circle (0017_push.sql); no row: everything, with the name. */
export interface PushPreferencesTable {
	circle_id: string;
	user_id: string;
	level: 'everything' | 'needs-me' | 'nothing';
	hide_name: Generated<number>;
}

/** A member's quiet hours and daily reminder, minutes after midnight in time_zone (0017_push.sql). */
export interface PushSettingsTable {
	user_id: string;
	time_zone: string;
	quiet_start: number | null;
	quiet_end: number | null;
	reminder_at: number | null;
	reminder_sent_on: string | null;
}

/** One push per member and circle until read (0017_push.sql). */
export interface PushNoticesTable {
	circle_id: string;
	user_id: string;
	pushed_at: number;
}

/** Which server runs a background job, until when (0014_background_leases.sql). */
export interface BackgroundLeasesTable {
	job: string;
	holder: string;
	expires_at: number;
}

export interface SchemaMigrationsTable {
	name: string;
	applied_at: number;
}

export interface DB {
	users: UsersTable;
	sessions: SessionsTable;
	attempt_throttles: AttemptThrottlesTable;
	known_devices: KnownDevicesTable;
	schema_migrations: SchemaMigrationsTable;
	event_log_identity: EventLogIdentityTable;
	circles: CirclesTable;
	memberships: MembershipsTable;
	circle_removals: CircleRemovalsTable;
	invites: InvitesTable;
	circle_events: CircleEventsTable;
	checkins: CheckinsTable;
	checkin_audience: CheckinAudienceTable;
	checkin_reactions: CheckinReactionsTable;
	checkin_replies: CheckinRepliesTable;
	post_keys: PostKeysTable;
	read_positions: ReadPositionsTable;
	agreements: AgreementsTable;
	agreement_versions: AgreementVersionsTable;
	agreement_proposals: AgreementProposalsTable;
	agreement_answers: AgreementAnswersTable;
	agreement_comments: AgreementCommentsTable;
	recovery_stretches: RecoveryStretchesTable;
	milestones: MilestonesTable;
	milestone_cheers: MilestoneCheersTable;
	email_tokens: EmailTokensTable;
	pending_signups: PendingSignupsTable;
	background_leases: BackgroundLeasesTable;
	push_vapid_keys: PushVapidKeysTable;
	push_subscriptions: PushSubscriptionsTable;
	push_preferences: PushPreferencesTable;
	push_settings: PushSettingsTable;
	push_notices: PushNoticesTable;
	plan_versions: PlanVersionsTable;
	plan_suggestions: PlanSuggestionsTable;
}

export interface CirclesTable {
	id: string;
	name: string;
	description: string;
	created_by: string | null;
	created_at: number;
	/** Written when the circle is created; since 2026-11-30 "latest activity" is its newest event (listMyCircles). */
	last_activity_at: number;
	time_zone: Generated<string>;
}

export interface MembershipsTable {
	circle_id: string;
	user_id: string;
	role: CircleRole;
	relationship: string;
	in_recovery: number;
	joined_at: number;
}

/** Someone removed from a circle: invite links made before `removed_at` do not let them back in. */
export interface CircleRemovalsTable {
	circle_id: string;
	user_id: string;
	removed_at: number;
}

export interface InvitesTable {
	id: string;
	circle_id: string;
	token_hash: string;
	created_by: string | null;
	role: Exclude<CircleRole, 'owner'>;
	note: string;
	max_uses: number;
	uses: number;
	expires_at: number;
	revoked_at: number | null;
	created_at: number;
}

export interface CircleEventsTable {
	id: Generated<number>;
	circle_id: string;
	/** 1, 2, 3, … within the circle, in commit order, no gaps (migration 0008). */
	seq: number;
	actor_id: string | null;
	type: string;
	payload: string;
	created_at: number;
	/** The check-in the event is about, if any (migration 0022): per-member reads leave out those they may not see. */
	checkin_id: string | null;
}

export interface CheckinsTable {
	id: string;
	circle_id: string;
	author_id: string;
	mood: number | null;
	craving: number | null;
	need: string | null;
	body: string;
	created_at: number;
	edited_at: number | null;
	deleted_at: number | null;
	/** Who sees it besides its author (migration 0022): 'chosen' names them in checkin_audience. */
	audience: Generated<string>;
}

/** The members a 'chosen' check-in is shared with (its author always sees it). */
export interface CheckinAudienceTable {
	checkin_id: string;
	circle_id: string;
	user_id: string;
}

export interface CheckinReactionsTable {
	checkin_id: string;
	user_id: string;
	kind: string;
	created_at: number;
}

export interface CheckinRepliesTable {
	id: string;
	checkin_id: string;
	author_id: string;
	body: string;
	created_at: number;
	edited_at: number | null;
}

/** A check-in's or reply's key from its sender's device: posted once (0016_post_keys.sql). */
export interface PostKeysTable {
	circle_id: string;
	author_id: string;
	client_key: string;
	kind: 'checkin' | 'reply';
	/** SHA-256 of what was sent; null once those words were edited or removed. */
	words_hash: string | null;
	checkin_id: string;
	reply_id: string | null;
	created_at: number;
}

/** How far a member has read in a circle (0018_read_positions.sql): only moves forward; goes with the membership. */
export interface ReadPositionsTable {
	circle_id: string;
	user_id: string;
	/** The last event of the circle's log (circle_events.seq) they have seen. */
	read_seq: number;
	read_at: number;
}

export interface AgreementsTable {
	id: string;
	circle_id: string;
	/** null: a former member (they deleted their account; migration 0012). */
	created_by: string | null;
	created_at: number;
	status: 'proposed' | 'agreed' | 'withdrawn' | 'retired';
	in_force_version: number | null;
	open_proposal_id: string | null;
	updated_at: number;
}

export interface AgreementVersionsTable {
	agreement_id: string;
	number: number;
	title: string;
	category: string;
	body: string;
	support: string;
	consequence: string;
	review_on: string | null;
	/** null: a former member (they deleted their account; migration 0012). */
	created_by: string | null;
	created_at: number;
}

export interface AgreementProposalsTable {
	id: string;
	agreement_id: string;
	kind: 'version' | 'withdraw' | 'retire';
	version: number | null;
	withdraws_proposal_id: string | null;
	reason: string;
	/** null: a former member (they deleted their account; migration 0012). */
	created_by: string | null;
	created_at: number;
	outcome: 'agreed' | 'replaced' | null;
	decided_at: number | null;
}

export interface AgreementAnswersTable {
	id: string;
	proposal_id: string;
	/** null: a former member (they deleted their account; migration 0012). */
	user_id: string | null;
	answer: 'agree' | 'changes';
	comment: string;
	created_at: number;
}

export interface AgreementCommentsTable {
	id: string;
	agreement_id: string;
	/** null: a former member (they deleted their account; migration 0012). */
	author_id: string | null;
	body: string;
	created_at: number;
}

export interface RecoveryStretchesTable {
	id: string;
	circle_id: string;
	user_id: string;
	started_on: string;
	ended_on: string | null;
	lapse_note: string;
	lapse_shared: number;
	created_at: number;
}

export interface MilestonesTable {
	id: string;
	circle_id: string;
	subject_id: string | null;
	kind: 'automatic' | 'victory';
	auto_key: string | null;
	stretch_started_on: string | null;
	title: string;
	note: string;
	reached_on: string;
	created_by: string | null;
	created_at: number;
}

export interface MilestoneCheersTable {
	milestone_id: string;
	user_id: string;
	message: string;
	created_at: number;
	edited_at: number | null;
}

/** The safety and overdose plan's history, append-only (migration 0021). */
export interface PlanVersionsTable {
	id: string;
	circle_id: string;
	/** The person in recovery whose plan it is; null: the family's overdose plan. */
	owner_id: string | null;
	number: number;
	/** JSON object of section texts (src/lib/plans.ts). */
	sections: string;
	/** null: a former member (they deleted their account). */
	created_by: string | null;
	/** Whose accepted suggestion it was; null: none, or a former member. */
	suggested_by: string | null;
	created_at: number;
}

export interface PlanSuggestionsTable {
	id: string;
	circle_id: string;
	owner_id: string;
	section: string;
	body: string;
	created_by: string;
	created_at: number;
	status: Generated<'open' | 'accepted' | 'declined'>;
	decided_at: number | null;
}
