import { createHash } from 'node:crypto';
import { assertSecondApprover } from '../../auth/domain/two-person-rule';
import type { Role } from '../../auth/domain/roles';
import type { Decider } from '../../ledger/decider';
import type { DomainEvent } from '../../ledger/ledger';
import { addDays, isIsoDate, nonBusinessDay, type NonBusinessDay } from '../../shared/calendar';
import { emptyOverlaySet, type StateOverlaySet } from './triage/state-overlays';
import { evaluateTriage, type Obligation, type StateObligation, type TriageResult } from './triage/triage';
import type { TriageInput } from './triage/triage-input';
import type { WorkflowDefinition } from '../../workflows/domain/definition';
import {
  cancelTimeline, completeTimeline, scheduleTimeline,
  type TimelineCancelledData, type TimelineCompletedData, type TimelineScheduledData,
} from '../../workflows/domain/timeline';

/**
 * The incident aggregate (Emmett style: pure evolve/decide). Lifecycle:
 *   reported → triage → not-a-breach (documented) | breach → notifying → closed
 * Facts here are PHI-free by contract: title and summary describe what happened, never who;
 * the affected people live in an encrypted artifact and events carry its digest and counts.
 * The discovery date is day 0 of every clock and never moves once reported.
 */

export type ReporterKind = 'covered-entity' | 'business-associate';

/** HHS breach portal vocabulary: type of breach. */
export const BREACH_TYPES = [
  'hacking-it-incident', 'unauthorized-access-disclosure', 'theft', 'loss', 'improper-disposal', 'other',
] as const;
/** HHS breach portal vocabulary: location of breached information. */
export const BREACH_LOCATIONS = [
  'laptop', 'desktop-computer', 'network-server', 'email', 'electronic-medical-record',
  'other-portable-electronic-device', 'paper-films', 'other',
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

/** Evidence of a "not a breach" outcome is kept six years (164.530(j), burden of proof 164.414). */
export const EVIDENCE_RETENTION_YEARS = 6;
/** Days before an oral law-enforcement hold reaches its 30-day cap when responders are reminded. */
export const ORAL_HOLD_REMINDER_DAYS_BEFORE = 5;

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
}

export interface FactsRevisedData {
  incidentId: string;
  occurred?: { from: string; to?: string };
  breachType?: BreachType;
  locations?: BreachLocation[];
  datasetIds?: string[];
  hostIds?: string[];
  imminentMisuse?: boolean;
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
  };
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
  'IncidentReported', 'IncidentDetailsAmended', 'IncidentFactsRevised', 'ExceptionAssessed', 'RiskAssessmentRecorded',
  'SafeguardsRecorded', 'AffectedListImported', 'AffectedCountsRevised', 'LawEnforcementHoldRecorded',
  'LawEnforcementHoldEnded', 'TriageDecided', 'ObligationStarted', 'ObligationCompleted', 'ObligationWaiverRequested',
  'ObligationWaived', 'IncidentClosed',
] as const;

export type IncidentStatus = 'none' | 'reported' | 'triage' | 'not-a-breach' | 'breach' | 'notifying' | 'closed';
export type ObligationStatus = 'open' | 'in-progress' | 'done' | 'waived' | 'withdrawn';

export interface ObligationState extends ObligationSpec {
  status: ObligationStatus;
  evidence?: ObligationEvidence;
  waiverRequest?: { reason: string; requestedBy: string };
  waiver?: { reason: string; requestedBy: string; approvedBy: string };
}

export interface HoldState extends HoldRecordedData {
  endedOn?: string;
}

export interface IncidentState {
  exists: boolean;
  status: IncidentStatus;
  incidentId: string | null;
  discoveredOn: string | null;
  title: string | null;
  summary: string | null;
  reporter: { kind: ReporterKind; actsAsAgent?: boolean } | null;
  occurred: { from: string; to?: string } | null;
  breachType: BreachType | null;
  locations: BreachLocation[];
  datasetIds: string[];
  hostIds: string[];
  imminentMisuse: boolean;
  exception: ExceptionAssessedData | null;
  assessment: RiskAssessmentRecordedData | null;
  safeguards: SafeguardsRecordedData | null;
  affected: AffectedCounts | null;
  listVersion: number;
  holds: HoldState[];
  decisions: number;
  lastDecision: TriageDecidedData | null;
  lawEnforcementPolicy: LawEnforcementPolicy;
  obligations: Record<string, ObligationState>;
}

/** What the datasets/keys context answers about safe harbor (engineer 6's port plugs in here). */
export interface SafeguardFacts {
  encryption: SafeguardsRecordedData['encryption'];
  keyCompromised: boolean;
  destruction: SafeguardsRecordedData['destruction'];
}

export interface Actor {
  id: string;
  role: Role | string;
}

interface Base {
  actor: Actor;
  /** Today in the organization's calendar (from the injected clock), YYYY-MM-DD. */
  today: string;
}

export type IncidentCommand =
  | { kind: 'report'; data: IncidentReportedData }
  | { kind: 'amend'; incidentId: string; title?: string; summary?: string }
  | (Base & { kind: 'revise-facts'; facts: Omit<FactsRevisedData, 'incidentId'> })
  | (Base & { kind: 'assess-exception'; exception: ExceptionKind | null; rationale: string })
  | (Base & { kind: 'record-risk-assessment'; factors: Partial<Record<Factor, FactorAnswer>>; lowProbabilityOfCompromise: boolean })
  | (Base & { kind: 'record-safeguards'; safeguards: Omit<SafeguardsRecordedData, 'incidentId'> })
  | (Base & { kind: 'record-affected-list'; list: Omit<AffectedListImportedData, 'incidentId' | 'listVersion'> })
  | (Base & { kind: 'revise-affected-counts'; counts: AffectedCounts; reason: AffectedCountsRevisedData['reason']; note?: string })
  | (Base & { kind: 'record-hold'; holdId: string; statement: 'oral' | 'written'; madeOn: string; until?: string; official: HoldRecordedData['official'] })
  | (Base & { kind: 'end-hold'; holdId: string; endedOn: string; reason: string })
  | (Base & {
      kind: 'decide-triage';
      decisionId: string;
      policy?: LawEnforcementPolicy;
      /** From the SafeguardsSource port; when absent, the facts recorded on the incident are used. */
      safeguards?: SafeguardFacts;
    })
  /** A new answer from the datasets/keys ledger (SafeguardsSource): recorded, and re-triaged if decided. */
  | (Base & { kind: 'refresh-safeguards'; safeguards: SafeguardFacts })
  | (Base & { kind: 'start-obligation'; obligationId: string })
  | (Base & { kind: 'complete-obligation'; obligationId: string; evidence: ObligationEvidence })
  | (Base & { kind: 'request-waiver'; obligationId: string; reason: string })
  | (Base & { kind: 'approve-waiver'; obligationId: string })
  | (Base & { kind: 'close'; note?: string });

export class IncidentRuleError extends Error {
  readonly code = 'INCIDENT_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'IncidentRuleError';
  }
}

export const incidentStream = (incidentId: string) => `incident-${incidentId}`;

export function initialIncidentState(): IncidentState {
  return {
    exists: false, status: 'none', incidentId: null, discoveredOn: null, title: null, summary: null, reporter: null,
    occurred: null, breachType: null, locations: [], datasetIds: [], hostIds: [], imminentMisuse: false,
    exception: null, assessment: null, safeguards: null, affected: null, listVersion: 0, holds: [], decisions: 0,
    lastDecision: null, lawEnforcementPolicy: 'toll', obligations: {},
  };
}

/** Six years on (29 February → 1 March, the later day). */
export function retainUntil(date: string): string {
  const y = Number(date.slice(0, 4)) + EVIDENCE_RETENTION_YEARS;
  const candidate = `${y}${date.slice(4)}`;
  return isIsoDate(candidate) ? candidate : `${y}-03-01`;
}

function afterFacts(state: IncidentState): IncidentStatus {
  return state.status === 'reported' ? 'triage' : state.status;
}

function evolve(state: IncidentState, event: IncidentEvent): IncidentState {
  switch (event.type) {
    case 'IncidentReported': {
      const d = event.data;
      return {
        ...initialIncidentState(),
        exists: true, status: 'reported', incidentId: d.incidentId, discoveredOn: d.discoveredOn, title: d.title, summary: d.summary,
        reporter: d.reporter, occurred: d.occurred ?? null, breachType: d.breachType ?? null, locations: d.locations ?? [],
        datasetIds: d.datasetIds ?? [], hostIds: d.hostIds ?? [],
      };
    }
    case 'IncidentDetailsAmended':
      return { ...state, title: event.data.title ?? state.title, summary: event.data.summary ?? state.summary };
    case 'IncidentFactsRevised': {
      const d = event.data;
      return {
        ...state,
        status: afterFacts(state),
        occurred: d.occurred ?? state.occurred,
        breachType: d.breachType ?? state.breachType,
        locations: d.locations ?? state.locations,
        datasetIds: d.datasetIds ?? state.datasetIds,
        hostIds: d.hostIds ?? state.hostIds,
        imminentMisuse: d.imminentMisuse ?? state.imminentMisuse,
      };
    }
    case 'ExceptionAssessed':
      return { ...state, status: afterFacts(state), exception: event.data };
    case 'RiskAssessmentRecorded':
      return { ...state, status: afterFacts(state), assessment: event.data };
    case 'SafeguardsRecorded':
      return { ...state, status: afterFacts(state), safeguards: event.data };
    case 'AffectedListImported':
      return { ...state, status: afterFacts(state), affected: { byState: event.data.counts.byState, insufficientContact: event.data.counts.insufficientContact }, listVersion: event.data.listVersion };
    case 'AffectedCountsRevised':
      return { ...state, status: afterFacts(state), affected: event.data.counts };
    case 'LawEnforcementHoldRecorded':
      return { ...state, status: afterFacts(state), holds: [...state.holds, { ...event.data }] };
    case 'LawEnforcementHoldEnded':
      return { ...state, holds: state.holds.map((h) => (h.holdId === event.data.holdId ? { ...h, endedOn: event.data.endedOn } : h)) };
    case 'TriageDecided': {
      const d = event.data;
      const obligations = { ...state.obligations };
      for (const c of d.changes) {
        if (c.change === 'withdrawn') {
          obligations[c.obligationId] = { ...obligations[c.obligationId], status: 'withdrawn' };
        } else if (c.change === 'added') {
          const { change: _c, ...spec } = c;
          obligations[c.obligationId] = { ...spec, status: 'open' };
        } else {
          const { change: _c, previous: _p, ...spec } = c;
          const prior = obligations[c.obligationId];
          // A withdrawn obligation that applies again reopens; its rule version is the one it was created under.
          obligations[c.obligationId] = { ...prior, ...spec, ruleVersion: prior.ruleVersion, status: prior.status === 'withdrawn' ? 'open' : prior.status };
          if (!('nonBusinessDay' in spec)) delete obligations[c.obligationId].nonBusinessDay;
          if (spec.dueOn === undefined) delete obligations[c.obligationId].dueOn;
          if (spec.dueRule === undefined) delete obligations[c.obligationId].dueRule;
        }
      }
      let status: IncidentStatus = d.result.breach ? 'breach' : 'not-a-breach';
      if (d.result.breach && state.status === 'notifying') status = 'notifying';
      return {
        ...state,
        status,
        decisions: d.sequence,
        lastDecision: d,
        lawEnforcementPolicy: d.input.lawEnforcementPolicy,
        obligations,
      };
    }
    case 'ObligationStarted':
      return withObligation({ ...state, status: 'notifying' }, event.data.obligationId, { status: 'in-progress' });
    case 'ObligationCompleted':
      return withObligation({ ...state, status: 'notifying' }, event.data.obligationId, { status: 'done', evidence: event.data.evidence });
    case 'ObligationWaiverRequested':
      return withObligation(state, event.data.obligationId, { waiverRequest: { reason: event.data.reason, requestedBy: event.data.requestedBy } });
    case 'ObligationWaived': {
      const { reason, requestedBy, approvedBy } = event.data;
      return withObligation(state, event.data.obligationId, { status: 'waived', waiver: { reason, requestedBy, approvedBy }, waiverRequest: undefined });
    }
    case 'IncidentClosed':
      return { ...state, status: 'closed' };
    default:
      return state;
  }
}

function withObligation(state: IncidentState, id: string, patch: Partial<ObligationState>): IncidentState {
  const o = state.obligations[id];
  if (!o) return state;
  const next = { ...o, ...patch };
  if (patch.waiverRequest === undefined && 'waiverRequest' in patch) delete next.waiverRequest;
  return { ...state, obligations: { ...state.obligations, [id]: next } };
}

/** The active law-enforcement hold for triage: the latest recorded, with an early end applied. */
function activeHold(state: IncidentState): TriageInput['lawEnforcementDelay'] {
  const h = state.holds[state.holds.length - 1];
  if (!h) return null;
  let until = h.until;
  if (h.endedOn !== undefined && (until === undefined || h.endedOn < until)) until = h.endedOn;
  if (until !== undefined && until < h.madeOn) until = h.madeOn;
  return until === undefined ? { statement: h.statement, madeOn: h.madeOn } : { statement: h.statement, madeOn: h.madeOn, until };
}

/** Builds the contract input from the incident's facts: the workflow calls the same engine. */
export function triageInputFromState(state: IncidentState, policy: LawEnforcementPolicy, safeguards?: SafeguardFacts): TriageInput {
  if (!state.exists || !state.discoveredOn || !state.reporter) throw new IncidentRuleError('incident does not exist');
  if (!state.affected) {
    throw new IncidentRuleError('import the affected-individuals list or record (estimated) counts before triage');
  }
  const sg: SafeguardFacts = safeguards ?? {
    encryption: state.safeguards?.encryption ?? null,
    keyCompromised: (state.safeguards?.keyCompromised ?? false) || state.safeguards?.keyLocation === 'with-data',
    destruction: state.safeguards?.destruction ?? null,
  };
  const total = Object.values(state.affected.byState).reduce((a, b) => a + b, 0);
  const input: TriageInput = {
    reporter: state.reporter.kind,
    discoveredOn: state.discoveredOn,
    affectedByState: { ...state.affected.byState },
    exception: state.exception?.exception ?? null,
    safeguards: { encryption: sg.encryption, keyCompromised: sg.keyCompromised, destruction: sg.destruction },
    riskAssessment: state.assessment
      ? { complete: state.assessment.complete, lowProbabilityOfCompromise: state.assessment.lowProbabilityOfCompromise }
      : null,
    insufficientContact: Math.min(state.affected.insufficientContact, total),
    imminentMisuse: state.imminentMisuse,
    lawEnforcementDelay: activeHold(state),
    lawEnforcementPolicy: policy,
    businessAssociateIsAgent: state.reporter.actsAsAgent ?? false,
  };
  if (state.occurred && state.occurred.from <= state.discoveredOn) input.occurredOn = state.occurred.from;
  return input;
}

function stateObligationId(o: StateObligation): string {
  const h = createHash('sha256').update(`${o.kind}|${o.regulator ?? ''}|${o.citation}`).digest('hex').slice(0, 10);
  return `state.${o.jurisdiction}.${o.kind}.${h}`;
}

/** The obligations a triage result states, as specs keyed by a stable id (for diffing decisions). */
export function obligationSpecs(result: TriageResult): ObligationSpec[] {
  const specs: ObligationSpec[] = [];
  const flag = (s: ObligationSpec): ObligationSpec => {
    if (s.dueOn) {
      const nb = nonBusinessDay(s.dueOn);
      if (nb) s.nonBusinessDay = nb;
    }
    return s;
  };
  for (const o of result.obligations as Obligation[]) {
    const id = o.kind === 'media-notice' ? `media-notice.${o.jurisdiction}` : o.kind;
    const s: ObligationSpec = { obligationId: id, kind: o.kind, scope: 'federal', dueOn: o.dueOn, citation: o.citation, ruleVersion: result.ruleVersion };
    if ('jurisdiction' in o) s.jurisdiction = o.jurisdiction;
    if ('form' in o) s.form = o.form;
    if ('people' in o) s.people = o.people;
    if ('timing' in o) s.timing = o.timing;
    if ('coveredEntityDiscoveredOn' in o && o.coveredEntityDiscoveredOn) s.coveredEntityDiscoveredOn = o.coveredEntityDiscoveredOn;
    specs.push(flag(s));
  }
  for (const o of result.stateObligations) {
    const s: ObligationSpec = { obligationId: stateObligationId(o), kind: o.kind, scope: 'state', jurisdiction: o.jurisdiction, citation: o.citation, ruleVersion: o.ruleVersion };
    if (o.regulator) s.regulator = o.regulator;
    if (o.dueOn) s.dueOn = o.dueOn;
    if (o.dueRule) s.dueRule = o.dueRule;
    if (o.condition) s.condition = o.condition;
    specs.push(flag(s));
  }
  return specs;
}

const COMPARED: Array<keyof ObligationSpec> = ['dueOn', 'dueRule', 'form', 'people', 'timing', 'regulator', 'condition', 'coveredEntityDiscoveredOn'];

/** Adds, changes or withdraws obligations; closed (done/waived) obligations are never rewritten. */
export function diffObligations(current: Record<string, ObligationState>, next: ObligationSpec[]): ObligationChange[] {
  const changes: ObligationChange[] = [];
  const seen = new Set<string>();
  for (const spec of next) {
    seen.add(spec.obligationId);
    const cur = current[spec.obligationId];
    if (!cur) {
      changes.push({ change: 'added', ...spec });
      continue;
    }
    if (cur.status === 'done' || cur.status === 'waived') continue;
    const previous: Partial<ObligationSpec> = {};
    for (const k of COMPARED) if (cur[k] !== spec[k]) (previous as Record<string, unknown>)[k] = cur[k];
    if (Object.keys(previous).length > 0 || cur.status === 'withdrawn') {
      changes.push({ change: 'changed', previous, ...spec, ruleVersion: cur.ruleVersion });
    }
  }
  for (const [id, cur] of Object.entries(current)) {
    if (!seen.has(id) && (cur.status === 'open' || cur.status === 'in-progress')) {
      changes.push({ change: 'withdrawn', obligationId: id, reason: 'no longer required by the latest triage decision' });
    }
  }
  return changes;
}

function sameSafeguards(recorded: SafeguardsRecordedData | null, sg: SafeguardFacts): boolean {
  if (!recorded) return sg.encryption === null && !sg.keyCompromised && sg.destruction === null;
  const recordedCompromised = recorded.keyCompromised || recorded.keyLocation === 'with-data';
  return recorded.encryption === sg.encryption && recordedCompromised === sg.keyCompromised && recorded.destruction === sg.destruction;
}

function safeguardsFromLedger(incidentId: string, sg: SafeguardFacts): IncidentEvent {
  return {
    type: 'SafeguardsRecorded',
    data: { incidentId, encryption: sg.encryption, keyCompromised: sg.keyCompromised, destruction: sg.destruction, source: 'datasets-ledger' },
  };
}

function nonEmpty(s: string | undefined, what: string): string {
  if (typeof s !== 'string' || s.trim() === '') throw new IncidentRuleError(`${what} is required`);
  return s.trim();
}

export interface IncidentDeciderDeps {
  overlays: StateOverlaySet;
  /**
   * The breach-notification workflow definition (workflows/breach-notification.yaml). When given,
   * every dated obligation — and the 30-day cap of an oral law-enforcement hold — gets a timeline
   * whose reminders and escalations the workflows engine drives.
   */
  breachWorkflow?: WorkflowDefinition;
}

/** The timeline subject of an obligation: opaque ids only. */
export function obligationSubject(incidentId: string, obligationId: string): { kind: string; id: string } {
  return { kind: 'obligation', id: `${incidentId}.${obligationId}` };
}

/** The timeline subject of an oral hold's 30-day cap (164.412(b)): reminders before it lapses. */
export function holdCapSubject(incidentId: string, holdId: string): { kind: string; id: string } {
  return { kind: 'obligation', id: `${incidentId}.hold-cap.${holdId}` };
}

/**
 * Timeline events implied by one incident event, given the state before it. Pure. Obligations
 * with a date get (or move) a timeline; withdrawn, waived and dateless ones are cancelled;
 * completion completes it. An oral hold's cap is a timeline until the hold ends or is superseded.
 */
export function timelineEventsFor(def: WorkflowDefinition, before: IncidentState, event: IncidentEvent): IncidentEvent[] {
  const out: IncidentEvent[] = [];
  const incidentId = before.incidentId ?? (event.data as { incidentId?: string }).incidentId;
  if (!incidentId) return out;
  const push = (draft: { type: string; data: object }) => out.push({ type: draft.type, data: draft.data } as IncidentEvent);
  const timed = (o: { status: string; dueOn?: string } | undefined) => !!o && o.dueOn !== undefined && (o.status === 'open' || o.status === 'in-progress');
  switch (event.type) {
    case 'TriageDecided':
      for (const c of event.data.changes) {
        const subject = obligationSubject(incidentId, c.obligationId);
        const prior = before.obligations[c.obligationId];
        if (c.change === 'withdrawn') {
          if (timed(prior)) push(cancelTimeline(def, subject, 'obligation withdrawn by a later triage decision'));
        } else if (c.dueOn !== undefined) {
          if (c.change === 'added' || prior?.dueOn !== c.dueOn || prior?.status === 'withdrawn') push(scheduleTimeline(def, { subject, dueOn: c.dueOn }));
        } else if (c.change === 'changed' && timed(prior)) {
          push(cancelTimeline(def, subject, 'obligation now due relative to another notice'));
        }
      }
      break;
    case 'ObligationCompleted': {
      const o = before.obligations[event.data.obligationId];
      if (timed(o)) for (const d of completeTimeline(def, { subject: obligationSubject(incidentId, o.obligationId), dueOn: o.dueOn! }, event.data.evidence.completedOn)) push(d);
      break;
    }
    case 'ObligationWaived': {
      const o = before.obligations[event.data.obligationId];
      if (timed(o)) push(cancelTimeline(def, obligationSubject(incidentId, o.obligationId), 'obligation waived'));
      break;
    }
    case 'LawEnforcementHoldRecorded': {
      // A later statement supersedes the earlier hold's cap.
      for (const r of holdCapReminders(before)) push(cancelTimeline(def, holdCapSubject(incidentId, r.holdId), 'superseded by a later statement'));
      const after = evolve(before, event);
      for (const r of holdCapReminders(after)) push(scheduleTimeline(def, { subject: holdCapSubject(incidentId, r.holdId), dueOn: r.capOn }));
      break;
    }
    case 'LawEnforcementHoldEnded':
      for (const r of holdCapReminders(before)) {
        if (r.holdId === event.data.holdId) push(cancelTimeline(def, holdCapSubject(incidentId, r.holdId), 'hold ended'));
      }
      break;
    default:
      break;
  }
  return out;
}

/** Builds the decider with the state-overlay data (loaded once at start, passed in: the domain does no I/O). */
export function createIncidentDecider(deps: IncidentDeciderDeps): Decider<IncidentState, IncidentCommand, IncidentEvent> {
  const retriage = (
    state: IncidentState,
    events: IncidentEvent[],
    cmd: Base,
    trigger: 'decision' | 'facts-changed',
    decisionId: string,
    policy?: LawEnforcementPolicy,
    safeguards?: SafeguardFacts,
  ): IncidentEvent[] => {
    let next = state;
    for (const e of events) next = evolve(next, e);
    const pol = policy ?? next.lawEnforcementPolicy;
    const input = triageInputFromState(next, pol, safeguards);
    const result = evaluateTriage(input, deps.overlays);
    const changes = diffObligations(next.obligations, result.breach ? obligationSpecs(result) : []);
    const sequence = next.decisions + 1;
    const data: TriageDecidedData = {
      incidentId: next.incidentId!, decisionId, sequence, trigger, decidedOn: cmd.today, decidedBy: cmd.actor.id,
      input, result, ruleSet: result.ruleSet, ruleVersion: result.ruleVersion, changes,
    };
    if (!result.breach) data.evidenceRetainUntil = retainUntil(cmd.today);
    return [...events, { type: 'TriageDecided', data }];
  };

  /** Facts changed after a decision: a new decision is appended with them (the discovery date never moves). */
  const withRetriage = (state: IncidentState, events: IncidentEvent[], cmd: Base): IncidentEvent[] => {
    if (state.decisions === 0) return events;
    const id = createHash('sha256').update(`${state.incidentId}|retriage|${state.decisions + 1}`).digest('hex').slice(0, 32);
    return retriage(state, events, cmd, 'facts-changed', id);
  };

  const requireOpen = (state: IncidentState) => {
    if (!state.exists) throw new IncidentRuleError('incident does not exist');
    if (state.status === 'closed') throw new IncidentRuleError('incident is closed');
  };

  const obligation = (state: IncidentState, id: string): ObligationState => {
    const o = state.obligations[id];
    if (!o) throw new IncidentRuleError(`no obligation ${id} on this incident`);
    return o;
  };

  const withTimelines = (state: IncidentState, events: IncidentEvent[]): IncidentEvent[] => {
    const def = deps.breachWorkflow;
    if (!def) return events;
    const out: IncidentEvent[] = [];
    let cur = state;
    for (const e of events) {
      out.push(e, ...timelineEventsFor(def, cur, e));
      cur = evolve(cur, e);
    }
    return out;
  };

  return {
    initialState: initialIncidentState,
    evolve,
    decide(command, state) {
      return withTimelines(state, decideRaw(command, state));
    },
  };

  function decideRaw(command: IncidentCommand, state: IncidentState): IncidentEvent[] {
      const incidentId = state.incidentId!;
      switch (command.kind) {
        case 'report':
          if (state.exists) throw new IncidentRuleError('incident already reported');
          if (command.data.occurred && command.data.occurred.from > command.data.discoveredOn) {
            throw new IncidentRuleError('occurred.from must not be after discoveredOn');
          }
          return [{ type: 'IncidentReported', data: command.data }];
        case 'amend': {
          requireOpen(state);
          const changed: { title?: string; summary?: string } = {};
          if (command.title !== undefined && command.title !== state.title) changed.title = command.title;
          if (command.summary !== undefined && command.summary !== state.summary) changed.summary = command.summary;
          if (Object.keys(changed).length === 0) return [];
          return [{ type: 'IncidentDetailsAmended', data: { incidentId: command.incidentId, ...changed } }];
        }
        case 'revise-facts': {
          requireOpen(state);
          const f = command.facts;
          if (f.occurred && f.occurred.from > state.discoveredOn!) throw new IncidentRuleError('occurred.from must not be after the discovery date');
          if (f.occurred?.to !== undefined && f.occurred.to < f.occurred.from) throw new IncidentRuleError('occurred.to must not be before occurred.from');
          return withRetriage(state, [{ type: 'IncidentFactsRevised', data: { incidentId, ...f } }], command);
        }
        case 'assess-exception':
          requireOpen(state);
          return withRetriage(state, [{
            type: 'ExceptionAssessed',
            data: {
              incidentId, exception: command.exception, rationale: nonEmpty(command.rationale, 'rationale'),
              assessedBy: command.actor.id, assessedOn: command.today, evidenceRetainUntil: retainUntil(command.today),
            },
          }], command);
        case 'record-risk-assessment': {
          requireOpen(state);
          const factors: Partial<Record<Factor, FactorAnswer>> = {};
          for (const f of FACTORS) {
            const a = command.factors[f];
            if (a) factors[f] = { risk: a.risk, rationale: nonEmpty(a.rationale, `factors.${f}.rationale`) };
          }
          const complete = FACTORS.every((f) => factors[f] !== undefined);
          return withRetriage(state, [{
            type: 'RiskAssessmentRecorded',
            data: {
              incidentId, factors, complete, lowProbabilityOfCompromise: command.lowProbabilityOfCompromise,
              assessedBy: command.actor.id, assessedOn: command.today, evidenceRetainUntil: retainUntil(command.today),
            },
          }], command);
        }
        case 'record-safeguards':
          requireOpen(state);
          return withRetriage(state, [{ type: 'SafeguardsRecorded', data: { incidentId, ...command.safeguards } }], command);
        case 'record-affected-list':
          requireOpen(state);
          return withRetriage(state, [{ type: 'AffectedListImported', data: { incidentId, listVersion: state.listVersion + 1, ...command.list } }], command);
        case 'revise-affected-counts': {
          requireOpen(state);
          const c = command.counts;
          const total = Object.values(c.byState).reduce((a, b) => a + b, 0);
          if (c.insufficientContact > total) throw new IncidentRuleError('insufficientContact must not exceed the total affected');
          const data: AffectedCountsRevisedData = { incidentId, counts: c, reason: command.reason };
          if (command.note) data.note = command.note;
          return withRetriage(state, [{ type: 'AffectedCountsRevised', data }], command);
        }
        case 'record-hold': {
          requireOpen(state);
          if (state.holds.some((h) => h.holdId === command.holdId)) throw new IncidentRuleError('hold already recorded');
          if (command.statement === 'written' && command.until === undefined) throw new IncidentRuleError('a written statement names the period: until is required');
          if (command.until !== undefined && command.until < command.madeOn) throw new IncidentRuleError('until must not be before madeOn');
          nonEmpty(command.official?.name, 'official.name');
          nonEmpty(command.official?.agency, 'official.agency');
          const data: HoldRecordedData = {
            incidentId, holdId: command.holdId, statement: command.statement, madeOn: command.madeOn,
            official: command.official, documentedBy: command.actor.id,
          };
          if (command.until !== undefined) data.until = command.until;
          return withRetriage(state, [{ type: 'LawEnforcementHoldRecorded', data }], command);
        }
        case 'end-hold': {
          requireOpen(state);
          const h = state.holds.find((x) => x.holdId === command.holdId);
          if (!h) throw new IncidentRuleError('no such hold');
          if (h.endedOn !== undefined) throw new IncidentRuleError('hold already ended');
          if (command.endedOn < h.madeOn) throw new IncidentRuleError('endedOn must not be before the statement');
          return withRetriage(state, [{
            type: 'LawEnforcementHoldEnded',
            data: { incidentId, holdId: command.holdId, endedOn: command.endedOn, reason: nonEmpty(command.reason, 'reason') },
          }], command);
        }
        case 'decide-triage': {
          requireOpen(state);
          // An answer from the datasets/keys ledger that differs from what is recorded is recorded
          // first, so later re-triages start from it too.
          const sg = command.safeguards;
          const pre: IncidentEvent[] = sg && !sameSafeguards(state.safeguards, sg) ? [safeguardsFromLedger(incidentId, sg)] : [];
          return retriage(state, pre, command, 'decision', command.decisionId, command.policy);
        }
        case 'refresh-safeguards': {
          requireOpen(state);
          if (sameSafeguards(state.safeguards, command.safeguards)) return [];
          return withRetriage(state, [safeguardsFromLedger(incidentId, command.safeguards)], command);
        }
        case 'start-obligation': {
          requireOpen(state);
          const o = obligation(state, command.obligationId);
          if (o.status !== 'open') throw new IncidentRuleError(`obligation is ${o.status}, not open`);
          return [{ type: 'ObligationStarted', data: { incidentId, obligationId: o.obligationId, startedBy: command.actor.id } }];
        }
        case 'complete-obligation': {
          requireOpen(state);
          const o = obligation(state, command.obligationId);
          if (o.status !== 'open' && o.status !== 'in-progress') throw new IncidentRuleError(`obligation is ${o.status}`);
          const ev = command.evidence;
          nonEmpty(ev?.description, 'evidence.description');
          if (!isIsoDate(ev.completedOn) || ev.completedOn > command.today) throw new IncidentRuleError('evidence.completedOn must be a date not in the future');
          return [{ type: 'ObligationCompleted', data: { incidentId, obligationId: o.obligationId, completedBy: command.actor.id, evidence: ev } }];
        }
        case 'request-waiver': {
          requireOpen(state);
          const o = obligation(state, command.obligationId);
          if (o.status !== 'open' && o.status !== 'in-progress') throw new IncidentRuleError(`obligation is ${o.status}`);
          return [{
            type: 'ObligationWaiverRequested',
            data: { incidentId, obligationId: o.obligationId, reason: nonEmpty(command.reason, 'reason'), requestedBy: command.actor.id },
          }];
        }
        case 'approve-waiver': {
          requireOpen(state);
          const o = obligation(state, command.obligationId);
          if (!o.waiverRequest) throw new IncidentRuleError('no waiver was requested for this obligation');
          if (o.status !== 'open' && o.status !== 'in-progress') throw new IncidentRuleError(`obligation is ${o.status}`);
          assertSecondApprover({ id: o.waiverRequest.requestedBy }, { id: command.actor.id, role: command.actor.role as Role }, ['compliance-officer']);
          return [{
            type: 'ObligationWaived',
            data: { incidentId, obligationId: o.obligationId, reason: o.waiverRequest.reason, requestedBy: o.waiverRequest.requestedBy, approvedBy: command.actor.id },
          }];
        }
        case 'close': {
          requireOpen(state);
          if (state.decisions === 0) throw new IncidentRuleError('a triage decision is required before closing');
          const pending = Object.values(state.obligations).filter((o) => o.status === 'open' || o.status === 'in-progress');
          if (pending.length > 0) {
            throw new IncidentRuleError(`obligations still open: ${pending.map((o) => o.obligationId).join(', ')}`);
          }
          const data: { incidentId: string; closedBy: string; closedOn: string; note?: string } = { incidentId, closedBy: command.actor.id, closedOn: command.today };
          if (command.note) data.note = command.note;
          return [{ type: 'IncidentClosed', data }];
        }
      }
  }
}

/** The lead's slice used a decider without overlays; kept for report/amend (no triage involved). */
export const incidentDecider = createIncidentDecider({ overlays: emptyOverlaySet() });

/** Reminder dates for oral holds nearing their 30-day cap (164.412(b)): for the timers engine. */
export function holdCapReminders(state: IncidentState): Array<{ holdId: string; capOn: string; remindOn: string }> {
  const out: Array<{ holdId: string; capOn: string; remindOn: string }> = [];
  const latest = state.holds[state.holds.length - 1];
  for (const h of state.holds) {
    if (h.statement !== 'oral' || h.endedOn !== undefined || h !== latest) continue;
    const capOn = addDays(h.madeOn, 30);
    if (h.until !== undefined && h.until < capOn) continue;
    out.push({ holdId: h.holdId, capOn, remindOn: addDays(capOn, -ORAL_HOLD_REMINDER_DAYS_BEFORE) });
  }
  return out;
}
