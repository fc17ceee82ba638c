// Which committed events reach a member's lock screen, and what it says. A notification can be
// read by anyone near the phone, so it says NOTHING of what happened: never a mood, never the
// words of a check-in or reply, never a substance, never "lapse", "relapse" or "recovery" (a
// shared lapse is pushed like any news: "Something new in …"). Only the circle's name, and not
// even that when the member chose to hide it. Opening it goes to the circle's home, or to the
// agreement waiting for their answer.
import type { CircleEvent, CircleEventType } from '$lib/realtime/events';
import { circleTag, type PushLevel, type PushMessage } from '$lib/push';

/** News a member would want to hear of when they chose "Everything". Housekeeping, edits and removals are not. */
const NEWS: ReadonlySet<CircleEventType> = new Set<CircleEventType>([
	'checkin.posted',
	'checkin.replied',
	'agreement.proposed',
	'agreement.revision-proposed',
	'agreement.withdrawal-proposed',
	'agreement.retirement-proposed',
	'agreement.answered',
	'agreement.commented',
	'agreement.agreed',
	'agreement.withdrawn',
	'agreement.proposal-withdrawn',
	'agreement.retired',
	'milestone.reached',
	'milestone.added',
	'milestone.cheered',
	'member.joined',
	'recovery.date-set',
	'recovery.lapse-shared'
]);

/** A proposal every other member is asked to answer. */
const WAITS_FOR_AN_ANSWER: ReadonlySet<CircleEventType> = new Set<CircleEventType>([
	'agreement.proposed',
	'agreement.revision-proposed',
	'agreement.withdrawal-proposed',
	'agreement.retirement-proposed'
]);

/** Whether an event may be pushed to anyone at all (the rest never costs a query). */
export function isNews(event: CircleEvent): boolean {
	return NEWS.has(event.type);
}

/**
 * "Only what needs me": an agreement waiting for my answer, a reply to my check-in, a milestone,
 * someone joining.
 */
export function needsMember(event: CircleEvent, userId: string): boolean {
	if (WAITS_FOR_AN_ANSWER.has(event.type)) return true;
	if (event.type === 'checkin.replied') return event.payload.checkin.author.id === userId;
	return event.type === 'milestone.reached' || event.type === 'milestone.added' || event.type === 'member.joined';
}

/** Whether this member, at this level, hears of this event (never of their own doing). */
export function reaches(event: CircleEvent, userId: string, level: PushLevel): boolean {
	if (event.actorId === userId || !isNews(event)) return false;
	if (level === 'everything') return true;
	return level === 'needs-me' && needsMember(event, userId);
}

/**
 * Words a circle's name may hold that would tell a lock screen's reader what the family lives
 * through: such a name is never shown ("Something new in Hearth" instead), whatever was chosen.
 */
const TELLING_WORDS =
	/lapse|recover|sober|opioid|opiate|fentanyl|heroin|oxycod|oxycontin|methadone|suboxone|narcan|naloxone|overdose|rehab|detox|addict|drug|treatment/i;

/** The circle's name as a lock screen may show it (one line, not too long), or null if it must not. */
export function shownName(name: string): string | null {
	const line = name.replace(/\s+/g, ' ').trim();
	if (line === '' || TELLING_WORDS.test(line)) return null;
	return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** What the notification says and where it opens. */
export function messageFor(event: CircleEvent, circleName: string, hideName: boolean): PushMessage {
	const circleHome = `/circles/${event.circleId}`;
	const name = hideName ? null : shownName(circleName);
	const url = WAITS_FOR_AN_ANSWER.has(event.type) && 'agreementId' in event.payload ? `${circleHome}/agreements/${event.payload.agreementId}` : circleHome;
	return {
		title: 'Hearth',
		body: name === null ? 'Something new in Hearth' : `Something new in ${name}`,
		url,
		tag: circleTag(event.circleId)
	};
}
