// Boundary agreements, the area's one door for routes and the other domains. The rules are in
// agreement-rules.ts (pure), what members see in agreement-views.ts, what they do in
// agreement-commands.ts, and the rows those share in agreement-records.ts.
export { OPEN_PROPOSALS_LIMIT } from './agreement-rules';
export { countAgreementsWaitingFor, getAgreement, listAgreements } from './agreement-views';
export { answerProposal, commentOnAgreement, proposeAgreement, proposeRetirement, proposeRevision, proposeWithdrawal } from './agreement-commands';
export { settleAgreementsAfterMemberLeft } from './agreement-records';
