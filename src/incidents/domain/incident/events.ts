/**
 * The incident's events and their vocabulary. Facts here are PHI-free by contract: title and
 * summary describe what happened, never who; the affected people live in an encrypted artifact
 * and events carry its digest and counts. The discovery date is day 0 of every clock and never
 * moves once reported.
 */
import type { DomainEvent } from '../../../ledger/ledger';
import type { TimelineCancelledData, TimelineCompletedData, TimelineScheduledData } from '../../../workflows';
import type { NonBusinessDay } from '../../../shared/calendar';
import type { TriageExplanation, TriageResult } from '../triage/triage';
import type { DataElement } from '../triage/data-elements';
import type { ObligationProof } from './evidence';
import type { TriageInput } from '../triage/triage-input';

export type ReporterKind = 'covered-entity' | 'business-associate';

/** HHS breach portal vocabulary: type of breach. */
export const BREACH_TYPES = [
  'hacking-it-incident',
  'unauthorized-access-disclosure',
  'theft',
  'loss',
  'improper-disposal',
  'other',
] as const;
/** HHS breach portal vocabulary: location of breached information. */
export const BREACH_LOCATIONS = [
  'laptop',
  'desktop-computer',
  'network-server',
  'email',
  'electronic-medical-record',
  'other-portable-electronic-device',
  'paper-films',
  'other',
] as const;
/** How the discovery date was established (164.404(a)(2)): known, or would have been known by reasonable diligence. */
export const DISCOVERY_BASES = ['actual-knowledge', 'reasonable-diligence'] as const;
export const EXCEPTION_KINDS = ['unintentional-workforce', 'inadvertent-authorized', 'unable-to-retain'] as const;
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export const FACTORS = ['natureAndExtent', 'unauthorizedRecipient', 'acquiredOrViewed', 'mitigation'] as const;

export type BreachType = (typeof BREACH_TYPES)[number];
export type BreachLocation = (typeof BREACH_LOCATIONS)[number];
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];
export type Factor = (typeof FACTORS)[number];
export type LawEnforcementPolicy = 'toll' | 'strict';

export interface IncidentReportedData {
  incidentId: string;
  title: string;
  /** YYYY-MM-DD: day 0 of every HITECH clock. Never moves once reported. */
  discoveredOn: string;
  summary: string;
  reporter: { kind: ReporterKind; actsAsAgent?: boolean };
  discovery?: { basis: (typeof DISCOVERY_BASES)[number]; note?: string };
  occurred?: { from: string; to?: string };
  breachType?: BreachType;
  locations?: BreachLocation[];
  datasetIds?: string[];
  hostIds?: string[];
  /** The kinds of information involved (codes, never values): state statutes decide from them. */
  dataElements?: DataElement[];
}

export interface FactsRevisedData {
  incidentId: string;
  occurred?: { from: string; to?: string };
  breachType?: BreachType;
  locations?: BreachLocation[];
  datasetIds?: string[];
  hostIds?: string[];
  imminentMisuse?: boolean;
  dataElements?: DataElement[];
}

export interface ExceptionAssessedData {
  incidentId: string;
  /** null: assessed, and no exception applies. */
  exception: ExceptionKind | null;
  rationale: string;
  assessedBy: string;
  assessedOn: string;
  evidenceRetainUntil: string;
}

export interface FactorAnswer {
  /** Risk this factor contributes to compromise. */
  risk: (typeof RISK_LEVELS)[number];
  rationale: string;
}

export interface RiskAssessmentRecordedData {
  incidentId: string;
  factors: Partial<Record<Factor, FactorAnswer>>;
  /** All four factors answered with a rationale (computed, never asserted). */
  complete: boolean;
  /** The assessor's conclusion; rebuts the presumption only when complete. */
  lowProbabilityOfCompromise: boolean;
  assessedBy: string;
  assessedOn: string;
  evidenceRetainUntil: string;
}

export interface SafeguardsRecordedData {
  incidentId: string;
  encryption: 'nist-800-111' | 'nist-800-52' | 'nist-800-77' | 'nist-800-113' | null;
  keyCompromised: boolean;
  /** Where the decryption key was held: kept with the data counts as compromised. */
  keyLocation?: 'separate' | 'with-data' | 'unknown';
  destruction: 'shredded' | 'nist-800-88' | null;
  /** Where the answer came from: the responder, or the datasets/keys ledger. */
  source: 'responder' | 'datasets-ledger';
  note?: string;
}

export interface AffectedCounts {
  /** Per USPS code, plus `unknown`. */
  byState: Record<string, number>;
  insufficientContact: number;
}

export interface AffectedListImportedData {
  incidentId: string;
  /** 1, 2, …: an amended list is a new version. */
  listVersion: number;
  /** Content address of the encrypted NDJSON artifact (no PHI in the event). */
  digest: string;
  size: number;
  reportDigest?: string;
  counts: AffectedCounts & {
    rows: number;
    accepted: number;
    rejected: number;
    duplicates: number;
    deceased: number;
    deceasedWithoutNextOfKinAddress: number;
    emailConsent: number;
    /** Rows still rejected after normalization, kept encrypted (`unresolvedDigest`) until fixed or excluded. */
    unresolved?: number;
    /** People with no usable street address (owed substitute notice), counted in byState. */
    withoutAddress?: number;
  };
  /** Kinds of information the list's own columns hold (codes, never headers or values): drafted into the notice. */
  dataElements?: DataElement[];
  /** Digest of the encrypted NDJSON of unresolved rows (line, problems, raw cells): never in an event. */
  unresolvedDigest?: string;
  /** The normalization report (line, column, kind of change; never the value): encrypted artifact. */
  normalizationDigest?: string;
}

/** A compliance officer excludes the unresolved rows of one list version from notice, saying why. */
export interface UnresolvedRowsExcludedData {
  incidentId: string;
  listVersion: number;
  count: number;
  reason: string;
  excludedBy: string;
  excludedOn: string;
}

export interface AffectedCountsRevisedData {
  incidentId: string;
  counts: AffectedCounts;
  reason: 'estimate' | 'revised-count' | 'returned-mail';
  note?: string;
}

export interface HoldRecordedData {
  incidentId: string;
  holdId: string;
  statement: 'oral' | 'written';
  madeOn: string;
  until?: string;
  /** The official's identity (164.412(b) requires it documented for oral statements). */
  official: { name: string; agency: string; contact?: string };
  documentedBy: string;
}

export interface HoldEndedData {
  incidentId: string;
  holdId: string;
  endedOn: string;
  reason: string;
}

export type ObligationChange =
  | ({ change: 'added' } & ObligationSpec)
  | ({ change: 'changed'; previous: Partial<ObligationSpec> } & ObligationSpec)
  | { change: 'withdrawn'; obligationId: string; reason: string };

/** An obligation as triage states it, plus its identity and rule version. */
export interface ObligationSpec {
  obligationId: string;
  kind: string;
  scope: 'federal' | 'state';
  jurisdiction?: string;
  regulator?: string;
  form?: string;
  people?: number;
  timing?: string;
  dueOn?: string;
  dueRule?: string;
  citation: string;
  ruleVersion: string;
  condition?: string;
  coveredEntityDiscoveredOn?: string;
  /** State obligations: the overlay duty, how the date was found, months of monitoring, review flag. */
  duty?: string;
  dueBasis?: string;
  months?: number;
  needsLegalReview?: true;
  /** The due date falls on a weekend or federal holiday: it is not moved; act earlier. */
  nonBusinessDay?: NonBusinessDay;
}

export interface TriageDecidedData {
  incidentId: string;
  decisionId: string;
  sequence: number;
  trigger: 'decision' | 'facts-changed';
  decidedOn: string;
  decidedBy: string;
  input: TriageInput;
  result: TriageResult;
  /** Why each jurisdiction's duties are or are not owed, with rule versions and citations. */
  explain?: TriageExplanation;
  ruleSet: string;
  ruleVersion: string;
  /** For a "not a breach" outcome: the evidence is kept until then. */
  evidenceRetainUntil?: string;
  changes: ObligationChange[];
}

export interface ObligationEvidence {
  description: string;
  completedOn: string;
  artifactDigest?: string;
  /** What closes it (evidence.ts): the batch, the HHS submission or the posting. Absent = a description only. */
  proof?: ObligationProof;
}

export type IncidentEvent =
  | DomainEvent<'IncidentReported', IncidentReportedData>
  | DomainEvent<'IncidentDetailsAmended', { incidentId: string; title?: string; summary?: string }>
  | DomainEvent<'IncidentFactsRevised', FactsRevisedData>
  | DomainEvent<'ExceptionAssessed', ExceptionAssessedData>
  | DomainEvent<'RiskAssessmentRecorded', RiskAssessmentRecordedData>
  | DomainEvent<'SafeguardsRecorded', SafeguardsRecordedData>
  | DomainEvent<'AffectedListImported', AffectedListImportedData>
  | DomainEvent<'AffectedCountsRevised', AffectedCountsRevisedData>
  | DomainEvent<'UnresolvedRowsExcluded', UnresolvedRowsExcludedData>
  | DomainEvent<'LawEnforcementHoldRecorded', HoldRecordedData>
  | DomainEvent<'LawEnforcementHoldEnded', HoldEndedData>
  | DomainEvent<'TriageDecided', TriageDecidedData>
  | DomainEvent<'ObligationStarted', { incidentId: string; obligationId: string; startedBy: string }>
  | DomainEvent<'ObligationCompleted', { incidentId: string; obligationId: string; completedBy: string; evidence: ObligationEvidence }>
  | DomainEvent<'ObligationWaiverRequested', { incidentId: string; obligationId: string; reason: string; requestedBy: string }>
  | DomainEvent<'ObligationWaived', { incidentId: string; obligationId: string; reason: string; requestedBy: string; approvedBy: string }>
  | DomainEvent<'IncidentClosed', { incidentId: string; closedBy: string; closedOn: string; note?: string }>
  // Declared in the incident's own stream, in the same append as the fact that causes them, so
  // the workflows engine's timers never disagree with the obligations (docs/workflows.md).
  | DomainEvent<'TimelineScheduled', TimelineScheduledData>
  | DomainEvent<'TimelineCompleted', TimelineCompletedData>
  | DomainEvent<'TimelineCancelled', TimelineCancelledData>;

export const INCIDENT_EVENT_TYPES = [
  'IncidentReported',
  'IncidentDetailsAmended',
  'IncidentFactsRevised',
  'ExceptionAssessed',
  'RiskAssessmentRecorded',
  'SafeguardsRecorded',
  'AffectedListImported',
  'AffectedCountsRevised',
  'UnresolvedRowsExcluded',
  'LawEnforcementHoldRecorded',
  'LawEnforcementHoldEnded',
  'TriageDecided',
  'ObligationStarted',
  'ObligationCompleted',
  'ObligationWaiverRequested',
  'ObligationWaived',
  'IncidentClosed',
] as const;

export const incidentStream = (incidentId: string) => `incident-${incidentId}`;
