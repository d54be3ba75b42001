/**
 * Maps the incident context's events (stream `incident-<id>`) to what a notice needs: the
 * PHI-free facts (occurred period, discovery date, HHS breach type and locations, and a "what
 * happened" drafted from them, never the internal summary), the kinds of information involved
 * (the incident's own and its current list's columns), its datasets, the current
 * affected-individuals list and the current counts. Pure: a fold over events.
 */
import { draftWhatHappened } from './draft-content';

export interface IncidentEventLike {
  type: string;
  data: Record<string, unknown>;
}

export interface NoticeFactsFromIncident {
  facts: {
    incidentId: string;
    whatHappened?: string;
    discoveredOn?: string;
    breachStartedOn?: string;
    breachEndedOn?: string;
    breachType?: string;
    locations?: string[];
  };
  /** Kinds of information (data-element codes) the incident names and its current list's columns hold. */
  dataElements: string[];
  /** Datasets the incident names: their declared kinds of information are drafted into the notice too. */
  datasetIds: string[];
  /** Digest of the latest imported affected-individuals artifact. */
  recipientsArtifact?: string;
  counts?: { byState: Record<string, number>; insufficientContact: number };
  /** Rows of the current list still unresolved: neither fixed by a re-import nor excluded with a reason. */
  unresolvedOpen: number;
  /** Obligation ids completed on the incident (with their evidence). */
  completedObligations: string[];
}

export function noticeFactsFromIncident(incidentId: string, events: IncidentEventLike[]): NoticeFactsFromIncident {
  const out: NoticeFactsFromIncident = {
    facts: { incidentId },
    dataElements: [],
    datasetIds: [],
    unresolvedOpen: 0,
    completedObligations: [],
  };
  let listVersion = 0;
  let incidentElements: string[] = [];
  let listElements: string[] = [];
  const scope = (d: Record<string, unknown>) => {
    if (Array.isArray(d.dataElements)) incidentElements = d.dataElements as string[];
    if (Array.isArray(d.datasetIds)) out.datasetIds = d.datasetIds as string[];
  };
  const f = out.facts;
  const occurred = (d: Record<string, unknown>) => {
    const o = d.occurred as { from?: string; to?: string } | undefined;
    if (o?.from) {
      f.breachStartedOn = o.from;
      if (o.to) f.breachEndedOn = o.to;
      else delete f.breachEndedOn;
    }
  };
  for (const e of events) {
    const d = e.data;
    switch (e.type) {
      case 'IncidentReported':
        f.discoveredOn = d.discoveredOn as string;
        scope(d);
        occurred(d);
        if (d.breachType) f.breachType = d.breachType as string;
        if (Array.isArray(d.locations) && d.locations.length) f.locations = d.locations as string[];
        break;
      case 'IncidentFactsRevised':
        occurred(d);
        scope(d);
        if (d.breachType) f.breachType = d.breachType as string;
        if (Array.isArray(d.locations) && d.locations.length) f.locations = d.locations as string[];
        break;
      case 'AffectedListImported': {
        out.recipientsArtifact = d.digest as string;
        const c = d.counts as { byState: Record<string, number>; insufficientContact: number; unresolved?: number };
        listVersion = d.listVersion as number;
        listElements = Array.isArray(d.dataElements) ? (d.dataElements as string[]) : [];
        out.unresolvedOpen = c.unresolved ?? 0;
        out.counts = { byState: { ...c.byState }, insufficientContact: c.insufficientContact };
        break;
      }
      case 'ObligationCompleted':
        out.completedObligations.push(d.obligationId as string);
        break;
      case 'UnresolvedRowsExcluded':
        if (d.listVersion === listVersion) out.unresolvedOpen = 0;
        break;
      case 'AffectedCountsRevised': {
        const c = d.counts as { byState: Record<string, number>; insufficientContact: number };
        out.counts = { byState: { ...c.byState }, insufficientContact: c.insufficientContact };
        break;
      }
    }
  }
  // The letter's own, reviewed field: drafted from the facts, never the internal summary.
  if (f.discoveredOn || f.breachType) f.whatHappened = draftWhatHappened(f);
  out.dataElements = [...new Set([...incidentElements, ...listElements])];
  return out;
}
