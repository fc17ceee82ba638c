// Sam, who has one of every kind of row Hearth keeps about a person, and Ana beside him in the
// same circle, who keeps a lapse private: for the tests of "take my data" and "delete my account".
import type { Database } from '$lib/server/db';
import { createSession } from '$lib/server/auth/sessions';
import * as checkins from '$lib/server/checkins/checkins';
import * as agreements from '$lib/server/boundaries/agreements';
import * as milestones from '$lib/server/milestones/milestones';
import * as recovery from '$lib/server/milestones/recovery';
import * as circles from '$lib/server/circles/circles';
import * as plans from '$lib/server/plans/plans';
import { emptyFamily, emptyPersonal } from '$lib/plans';
import { circleOf } from './circles';
import { asMember } from './as-member';

const postCheckIn = asMember(checkins.postCheckIn);
const postReply = asMember(checkins.postReply);
const toggleReaction = asMember(checkins.toggleReaction);
const proposeAgreement = asMember(agreements.proposeAgreement);
const answerProposal = asMember(agreements.answerProposal);
const commentOnAgreement = asMember(agreements.commentOnAgreement);
const getAgreement = asMember(agreements.getAgreement);
const addVictory = asMember(milestones.addVictory);
const cheerMilestone = asMember(milestones.cheerMilestone);
const setRecoveryDate = asMember(recovery.setRecoveryDate);
const recordLapse = asMember(recovery.recordLapse);
const updateOwnProfile = asMember(circles.updateOwnProfile);
const saveOwnPlan = asMember(plans.saveOwnPlan);
const saveFamilyPlan = asMember(plans.saveFamilyPlan);
const suggestAddition = asMember(plans.suggestAddition);
const answerSuggestion = asMember(plans.answerSuggestion);

const words = { category: 'money' as const, body: 'No loans for now.', support: '', consequence: '', reviewOn: null };

/** Sam, who has one of every kind of row, and Ana in the same circle, who keeps a lapse private. */
export async function samAndAna(db: Database) {
	const circle = await circleOf(db, ['Sam', 'Ana'], { name: 'The Lees' });
	const [maria, sam, ana] = circle.people;
	const { circleId } = circle;
	await createSession(db, sam.id, { userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' });
	for (const person of [sam, ana]) await updateOwnProfile(db, person, circleId, { relationship: 'Son', inRecovery: true });
	await setRecoveryDate(db, sam, circleId, '2026-01-01');
	await recordLapse(db, sam, circleId, { on: '2026-02-01', note: 'SAM-OWN-PRIVATE-NOTE', share: false });
	await setRecoveryDate(db, ana, circleId, '2026-01-01');
	await recordLapse(db, ana, circleId, { on: '2026-03-03', note: 'ANA-PRIVATE-NOTE', share: false });

	await postCheckIn(db, sam, circleId, { mood: 4, craving: 2, need: null, body: 'SAM-CHECKIN' });
	const anaCheckIn = await postCheckIn(db, ana, circleId, { mood: 2, craving: null, need: null, body: 'ANA-CHECKIN' });
	await postReply(db, sam, circleId, anaCheckIn.id, 'SAM-REPLY');
	await toggleReaction(db, sam, circleId, anaCheckIn.id, 'love');

	await proposeAgreement(db, sam, circleId, { title: 'SAM-PROPOSAL', ...words });
	const maria_s = await proposeAgreement(db, maria, circleId, { title: 'Groceries', ...words });
	const proposalId = (await getAgreement(db, sam, circleId, maria_s.agreementId)).openProposal!.id;
	await answerProposal(db, sam, circleId, maria_s.agreementId, proposalId, { answer: 'changes', comment: 'SAM-ANSWER' });
	await commentOnAgreement(db, sam, circleId, maria_s.agreementId, 'SAM-COMMENT');

	await addVictory(db, sam, circleId, { title: 'SAM-VICTORY', reachedOn: '2026-01-05', note: '', forCircle: false });
	const circleVictory = await addVictory(db, maria, circleId, { title: 'Family dinner', reachedOn: '2026-01-06', note: '', forCircle: true });
	await cheerMilestone(db, sam, circleId, circleVictory.milestone!.id, 'SAM-CHEER');

	// The plan: Sam's own (Ana is someone he can ask), his change to the family's overdose plan
	// (Maria and he carry naloxone), his suggestion that Ana took into hers (where he is someone she
	// can ask), and Ana's suggestion still waiting on his.
	await saveOwnPlan(db, sam, circleId, { ...emptyPersonal(), warningSigns: 'SAM-PLAN', helperMembers: [ana.id] }, 0);
	await saveOwnPlan(db, ana, circleId, { ...emptyPersonal(), warningSigns: 'ANA-PLAN', helperMembers: [sam.id] }, 0);
	await saveFamilyPlan(db, sam, circleId, { ...emptyFamily(), naloxoneWhere: 'SAM-NALOXONE', carrierMembers: [maria.id, sam.id] }, 0);
	const suggestion = await suggestAddition(db, sam, circleId, { ownerId: ana.id, section: 'helpers', body: 'SAM-SUGGESTION' });
	await answerSuggestion(db, ana, circleId, suggestion.suggestionId, 'accept');
	await suggestAddition(db, ana, circleId, { ownerId: sam.id, section: 'helpers', body: 'ANA-SUGGESTION' });
	return { circleId, maria, sam, ana };
}
