/**
 * The incident's state: a left fold of its events (Emmett style, pure). Lifecycle:
 *   reported → triage → not-a-breach (documented) | breach → notifying → closed
 */
import type { DataElement } from '../triage/data-elements';
import { COMPARED } from './obligations';
import type { AffectedListFacts } from './evidence';
import type {
  AffectedCounts,
  BreachLocation,
  BreachType,
  ExceptionAssessedData,
  HoldRecordedData,
  IncidentEvent,
  LawEnforcementPolicy,
  ObligationEvidence,
  ObligationSpec,
  ReporterKind,
  RiskAssessmentRecordedData,
  SafeguardsRecordedData,
  TriageDecidedData,
} from './events';

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
  dataElements: DataElement[] | null;
  imminentMisuse: boolean;
  exception: ExceptionAssessedData | null;
  assessment: RiskAssessmentRecordedData | null;
  safeguards: SafeguardsRecordedData | null;
  affected: AffectedCounts | null;
  listVersion: number;
  /** The current list: its digest, and its unresolved rows still open (neither fixed nor excluded). */
  affectedList: AffectedListFacts | null;
  holds: HoldState[];
  decisions: number;
  lastDecision: TriageDecidedData | null;
  lawEnforcementPolicy: LawEnforcementPolicy;
  obligations: Record<string, ObligationState>;
}

export function initialIncidentState(): IncidentState {
  return {
    exists: false,
    status: 'none',
    incidentId: null,
    discoveredOn: null,
    title: null,
    summary: null,
    reporter: null,
    occurred: null,
    breachType: null,
    locations: [],
    datasetIds: [],
    hostIds: [],
    imminentMisuse: false,
    dataElements: null,
    exception: null,
    assessment: null,
    safeguards: null,
    affected: null,
    listVersion: 0,
    affectedList: null,
    holds: [],
    decisions: 0,
    lastDecision: null,
    lawEnforcementPolicy: 'toll',
    obligations: {},
  };
}

function afterFacts(state: IncidentState): IncidentStatus {
  return state.status === 'reported' ? 'triage' : state.status;
}

export function evolveIncident(state: IncidentState, event: IncidentEvent): IncidentState {
  switch (event.type) {
    case 'IncidentReported': {
      const d = event.data;
      return {
        ...initialIncidentState(),
        exists: true,
        status: 'reported',
        incidentId: d.incidentId,
        discoveredOn: d.discoveredOn,
        title: d.title,
        summary: d.summary,
        reporter: d.reporter,
        occurred: d.occurred ?? null,
        breachType: d.breachType ?? null,
        locations: d.locations ?? [],
        datasetIds: d.datasetIds ?? [],
        hostIds: d.hostIds ?? [],
        dataElements: d.dataElements ?? null,
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
        dataElements: d.dataElements ?? state.dataElements,
      };
    }
    case 'ExceptionAssessed':
      return { ...state, status: afterFacts(state), exception: event.data };
    case 'RiskAssessmentRecorded':
      return { ...state, status: afterFacts(state), assessment: event.data };
    case 'SafeguardsRecorded':
      return { ...state, status: afterFacts(state), safeguards: event.data };
    case 'AffectedListImported':
      return {
        ...state,
        status: afterFacts(state),
        affected: { byState: event.data.counts.byState, insufficientContact: event.data.counts.insufficientContact },
        listVersion: event.data.listVersion,
        affectedList: { digest: event.data.digest, listVersion: event.data.listVersion, unresolvedOpen: event.data.counts.unresolved ?? 0 },
      };
    case 'UnresolvedRowsExcluded':
      return state.affectedList && state.affectedList.listVersion === event.data.listVersion
        ? { ...state, affectedList: { ...state.affectedList, unresolvedOpen: 0 } }
        : state;
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
          obligations[c.obligationId] = {
            ...prior,
            ...spec,
            ruleVersion: prior.ruleVersion,
            status: prior.status === 'withdrawn' ? 'open' : prior.status,
          };
          // Optional facts the new decision no longer states are dropped (a condition now confirmed by the data, …).
          for (const k of [...COMPARED, 'nonBusinessDay', 'needsLegalReview'] as const)
            if (!(k in spec)) delete obligations[c.obligationId][k];
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
      return withObligation(state, event.data.obligationId, {
        waiverRequest: { reason: event.data.reason, requestedBy: event.data.requestedBy },
      });
    case 'ObligationWaived': {
      const { reason, requestedBy, approvedBy } = event.data;
      return withObligation(state, event.data.obligationId, {
        status: 'waived',
        waiver: { reason, requestedBy, approvedBy },
        waiverRequest: undefined,
      });
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
