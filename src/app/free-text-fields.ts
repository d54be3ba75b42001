import type { FreeTextFields } from '../phi';

/**
 * Every free-text field the service stores, by event type (issue 14, item 7: free text is PHI
 * until proven otherwise). Each is sealed at append under the incident's data key when the event
 * belongs to an incident (`incident:<id>`: crypto-shredding the incident covers it), else under
 * `text:<stream>`. A new event type with a field a person types into belongs here; the test
 * test/integration/phi/free-text-sealing.spec.ts fails on a registered type whose text is not
 * declared or on a declaration naming no registered type.
 *
 * Paths: dot-separated keys, `*` for every key of an object or element of an array.
 */
export const FREE_TEXT_FIELDS: FreeTextFields = {
  // incidents
  IncidentReported: ['title', 'summary', 'discovery.note'],
  IncidentDetailsAmended: ['title', 'summary'],
  ExceptionAssessed: ['rationale'],
  RiskAssessmentRecorded: ['factors.*.rationale'],
  SafeguardsRecorded: ['note'],
  UnresolvedRowsExcluded: ['reason'],
  AffectedCountsRevised: ['note'],
  LawEnforcementHoldRecorded: ['official.name', 'official.agency', 'official.contact'],
  LawEnforcementHoldEnded: ['reason'],
  ObligationCompleted: ['evidence.description'],
  ObligationWaiverRequested: ['reason'],
  ObligationWaived: ['reason'],
  IncidentClosed: ['note'],
  TriageDecided: ['changes.*.reason'],
  // risk
  RiskAssessmentStarted: ['title'],
  // names people type for keys, assets and programs: free text like the rest
  RiskProgramEstablished: ['name'],
  RiskAssetRegistered: ['name'],
  RiskIdentified: ['title', 'threat', 'vulnerability'],
  RiskRated: ['rationale'],
  RiskTreatmentPlanned: ['plan'],
  RiskAccepted: ['rationale'],
  RiskCandidateProposed: ['title', 'detail'],
  RiskCandidateDismissed: ['reason'],
  // access
  AccessGrantRequested: ['purpose'],
  AccessGrantRejected: ['reason'],
  AccessGrantRevoked: ['reason'],
  RecertificationDecided: ['reason'],
  // keys
  KeyGenerated: ['name'],
  KeySuspended: ['reason'],
  KeyDeactivated: ['reason'],
  KeyRevocationRequested: ['reason'],
  KeyRevoked: ['reason'],
  KeyTrimRequested: ['reason'],
  KeyCompromised: ['reason'],
  KeyDestructionScheduled: ['reason'],
  // agents and containment
  AgentRevoked: ['reason'],
  ContainmentProposed: ['reason'],
  ContainmentRejected: ['reason'],
  // people and principals
  PrincipalDisabled: ['reason'],
  PrincipalRoleChanged: ['reason'],
  InvitationRevoked: ['reason'],
  PasskeyRemoved: ['reason'],
  // notices
  NoticeBatchCancelled: ['reason'],
  // workflows
  TimelineCancelled: ['reason'],
  // exercises: the title, and the incident events each step carries
  ExerciseOpened: ['title'],
  ExerciseStepRecorded: [
    'incidentEvents.*.data.title',
    'incidentEvents.*.data.summary',
    'incidentEvents.*.data.discovery.note',
    'incidentEvents.*.data.rationale',
    'incidentEvents.*.data.factors.*.rationale',
    'incidentEvents.*.data.note',
    'incidentEvents.*.data.reason',
    'incidentEvents.*.data.evidence.description',
    'incidentEvents.*.data.official.name',
    'incidentEvents.*.data.official.agency',
    'incidentEvents.*.data.official.contact',
    'incidentEvents.*.data.changes.*.reason',
  ],
};

/** Request-body keys screened for likely identifiers before a write (src/app/free-text.interceptor.ts). */
export const FREE_TEXT_KEYS: ReadonlySet<string> = new Set([
  'title',
  'summary',
  'note',
  'notes',
  'rationale',
  'reason',
  'description',
  'detail',
  'plan',
  'threat',
  'vulnerability',
  'purpose',
  'explanation',
  'comment',
  'whatHappened',
]);

export function freeTextFieldCount(): number {
  return Object.values(FREE_TEXT_FIELDS).reduce((n, p) => n + p.length, 0);
}
