// Event types shared by the server (src/lib/server/realtime) and the browser client.
import type { CircleRole } from '$lib/circles';
import type { CheckInView } from '$lib/checkins';
import type { AnswerKind } from '$lib/agreements';
import type { MilestoneView } from '$lib/milestones';
import type { UnreadCount } from '$lib/unread';

/** Why the server ended a socket's session. */
export type SessionEndReason = 'logged-out' | 'logged-out-everywhere' | 'session-ended' | 'password-changed' | 'account-deleted';

/**
 * Why a handshake was refused; sent as `err.data.reason` with a plain message. `starting` and
 * `unavailable` (the database could not be reached to check the session) pass: the page retries.
 */
export type HandshakeRefusal = 'not-signed-in' | 'origin-not-allowed' | 'starting' | 'unavailable';

interface EventOf<T extends string, P> {
	/** 1, 2, 3, … within the circle, in commit order, no gaps: a client applies each once, in order. */
	seq: number;
	circleId: string;
	actorId: string | null;
	type: T;
	payload: P;
	createdAt: number;
}

/** One row of a circle's event log, as broadcast and as replayed on catch-up. */
export type CircleEvent =
	| EventOf<'circle.created', { name: string }>
	| EventOf<'member.joined', { userId: string; displayName: string; role: CircleRole }>
	| EventOf<'member.left', { userId: string; displayName: string }>
	| EventOf<'member.removed', { userId: string; displayName: string }>
	| EventOf<'member.role-changed', { userId: string; displayName: string; role: CircleRole }>
	| EventOf<'member.profile-changed', { userId: string; displayName: string; relationship: string; inRecovery: boolean }>
	| EventOf<'circle.ownership-transferred', { fromUserId: string; toUserId: string; toDisplayName: string }>
	| EventOf<'invite.created', { inviteId: string }>
	| EventOf<'invite.revoked', { inviteId: string }>
	| EventOf<CheckInEventType, { checkin: CheckInView }>
	// What a member gets in place of an event about a check-in they may not see (issue 20): it
	// keeps the event's number (no gap), says nothing of it, and takes the check-in off their page
	// if it was there (its audience was narrowed). Never stored: made per member on the way out.
	| EventOf<'checkin.hidden', { checkinId: string }>
	| { [T in AgreementEventType]: EventOf<T, AgreementEventPayload> }[AgreementEventType]
	| { [T in MilestoneEventType]: EventOf<T, { milestone: MilestoneView; celebrate: boolean }> }[MilestoneEventType]
	| EventOf<'milestone.removed', { milestoneId: string; title: string }>
	| EventOf<'recovery.date-set', { userId: string; displayName: string; startedOn: string }>
	| EventOf<'recovery.lapse-shared', { userId: string; displayName: string }>
	| EventOf<'circle.time-zone-changed', { timeZone: string }>
	// The safety and overdose plan: which plan (ownerId null: the family's overdose plan) and its new
	// version; never its words, which pages load afresh (membership checked again).
	| EventOf<'plan.changed', { ownerId: string | null; version: number }>
	| EventOf<'plan.suggested', { ownerId: string; suggestionId: string }>
	| EventOf<'plan.suggestion-answered', { ownerId: string; suggestionId: string; accepted: boolean }>
	// Someone deleted their account: what they shared is gone, so open pages read the circle afresh.
	// It names nobody; neither does anything left in the log (account/erase-from-log.ts).
	| EventOf<'member.account-deleted', Record<string, never>>
	// An event that was only about someone whose account is gone: it keeps its place in the order.
	| EventOf<'event.erased', Record<string, never>>;

/**
 * Milestone events carry the milestone as it now is (like check-ins); `celebrate` is true when
 * it was reached today or just added, and the circle's open pages celebrate it.
 */
export type MilestoneEventType = 'milestone.reached' | 'milestone.added' | 'milestone.cheered' | 'milestone.cheer-edited';

export function isMilestoneEvent(event: CircleEvent): event is Extract<CircleEvent, { type: MilestoneEventType }> {
	return (
		event.type === 'milestone.reached' || event.type === 'milestone.added' || event.type === 'milestone.cheered' || event.type === 'milestone.cheer-edited'
	);
}

/**
 * Agreement events name the agreement and what happened; pages reload the agreement's data
 * (membership checked again) rather than trusting a payload to rebuild it.
 */
export type AgreementEventType =
	| 'agreement.proposed'
	| 'agreement.revision-proposed'
	| 'agreement.withdrawal-proposed'
	| 'agreement.retirement-proposed'
	| 'agreement.answered'
	| 'agreement.commented'
	| 'agreement.agreed'
	| 'agreement.withdrawn'
	| 'agreement.proposal-withdrawn'
	| 'agreement.retired';

export interface AgreementEventPayload {
	agreementId: string;
	title: string;
	/** The version proposed or agreed, where there is one. */
	version?: number;
	answer?: AnswerKind;
	/** An answer given to an agreement already in force. */
	acknowledgement?: boolean;
}

/** Every check-in event carries the check-in as it now is, so applying one is a plain upsert. */
export type CheckInEventType =
	'checkin.posted' | 'checkin.edited' | 'checkin.removed' | 'checkin.reacted' | 'checkin.replied' | 'checkin.reply-edited' | 'checkin.reply-removed';

export function isCheckInEvent(event: CircleEvent): event is Extract<CircleEvent, { type: CheckInEventType }> {
	return event.type.startsWith('checkin.') && event.type !== 'checkin.hidden';
}

/** The stand-in for a check-in event its receiver may not see: its number and time, nothing else. */
export function checkInHidden(event: Extract<CircleEvent, { type: CheckInEventType }>): CircleEvent {
	return {
		seq: event.seq,
		circleId: event.circleId,
		actorId: null,
		type: 'checkin.hidden',
		payload: { checkinId: event.payload.checkin.id },
		createdAt: event.createdAt
	};
}

export type CircleEventType = CircleEvent['type'];

export type CircleGoneReason = 'removed' | 'left' | 'deleted';

/** Where a page's data stands in its circle's log: it reflects at least every event up to `seq`. */
export interface LogPosition {
	/** Which history the numbers belong to (a restored backup starts a new one). */
	generation: string;
	seq: number;
}

export interface CircleSyncRequest {
	circleId: string;
	/** The last event the client has applied (its log position's seq). */
	afterSeq: number;
}

export type CircleSyncResponse =
	| {
			ok: true;
			generation: string;
			/** Committed events after `afterSeq`, in order, no gaps. */
			events: CircleEvent[];
			/** False when more were left out (the client was away too long): it reloads instead. */
			complete: boolean;
			online: string[];
	  }
	| MessageRefusal;

/**
 * A socket message the server would not answer: the domain's reason and words (a refusal, see
 * server/refusal.ts). Catch-up answers every outsider, removed member and malformed request alike:
 * not found. Any message sent too often is answered `throttled`, with `retryAfterMs`.
 */
export interface MessageRefusal {
	ok: false;
	reason: 'not-found' | 'forbidden' | 'invalid' | 'conflict' | 'throttled' | 'too-large';
	message?: string;
	field?: string;
	/** With `throttled`: how long to wait before asking again (ms). */
	retryAfterMs?: number;
}

export interface ServerToClientEvents {
	/** Sent just before the server disconnects a socket whose session has ended. */
	'session:ended': (payload: { reason: SessionEndReason }) => void;
	/** A committed change in one of the user's circles. */
	'circle:event': (event: CircleEvent) => void;
	/** The user is no longer in this circle (sent to the user's own sockets only). */
	'circle:gone': (payload: { circleId: string; reason: CircleGoneReason }) => void;
	/** Someone in the circle came online or went offline. */
	'presence:changed': (payload: { circleId: string; userId: string; online: boolean }) => void;
	/** The user read the circle up to `seq`, on this device or another (sent to the user's own sockets only). */
	'circle:read': (payload: { circleId: string; seq: number }) => void;
}

export interface ClientToServerEvents {
	/** "I have applied everything up to afterSeq": answers with what came after, membership re-checked. */
	'circle:sync': (request: CircleSyncRequest, reply: (response: CircleSyncResponse) => void) => void;
	/** "I have seen this circle up to seq" (clamped to its newest; membership checked). */
	'circle:read': (request: CircleReadRequest, reply: (response: { ok: true } | MessageRefusal) => void) => void;
	/** "How many new in each of my circles?": asked on every (re)connect, rather than trusting what was added live. */
	'unread:counts': (reply: (response: { ok: true; counts: UnreadCount[] } | MessageRefusal) => void) => void;
}

export interface CircleReadRequest {
	circleId: string;
	/** The last event the page has applied. */
	seq: number;
}

export interface SocketData {
	userId: string;
	sessionId: string;
}

export const userRoom = (userId: string) => `user:${userId}`;
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
export const circleRoom = (circleId: string) => `circle:${circleId}`;
