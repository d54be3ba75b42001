/**
 * "If this leaked today, what would we owe, by when, and what would it cost — and how much of
 * that does encryption remove?" The hypothetical breach is put to the real triage engine (the
 * one incidents use, passed in) twice: as the ledger proves it today (unsecured unless the safe
 * harbor holds), and with the safe harbor granted. Pure: no clock, no I/O.
 */
import type { PopulationFacts } from '../../datasets';
import type { Obligation, StateObligation, TriageInputJson, TriageResult } from '../../incidents';
import { daysBetween } from '../../shared/calendar';
import type { CostModel } from './cost-model';

/** The triage engine with its overlays bound: raw contract JSON in, result out. */
export type TriageFn = (input: TriageInputJson) => TriageResult;

export interface ExposureSubject {
  /** One dataset, or a set leaked together (their populations are added: a ceiling, people held twice count twice). */
  datasetIds: string[];
  population: PopulationFacts;
  /** The ledger's answer for today: does the safe harbor hold for every dataset? */
  safeguards: {
    secured: boolean;
    encryption: 'nist-800-111' | null;
    keyCompromised: boolean;
    destruction: 'nist-800-88' | null;
    reasons: string[];
  };
  /** Any population in the subject not certified within the recertification period. */
  populationStale: boolean;
}

export interface CostBreakdown {
  letters: number;
  emails: number;
  callCenter: number;
  creditMonitoring: number;
  mediaNotice: number;
  substituteNotice: number;
  total: number;
}

export interface Scenario {
  breach: boolean;
  basis: TriageResult['basis'];
  individualNotice: { dueOn: string; letters: number; emails: number } | null;
  substituteNotice: { people: number; form: string; dueOn: string } | null;
  mediaNotice: Array<{ jurisdiction: string; residents: number; dueOn: string }>;
  hhsNotice: { timing: 'contemporaneous' | 'annual'; dueOn: string } | null;
  stateRegulators: Array<{ jurisdiction: string; regulator: string | null; dueOn: string; dueBasis: string; citation: string }>;
  creditMonitoring: Array<{ jurisdiction: string; people: number; months: number; requiredByState: boolean }>;
  /** Every obligation as the engine gave it (federal, then state). */
  obligations: Obligation[];
  stateObligations: StateObligation[];
  letters: number;
  emails: number;
  /** The first legal deadline (state dates that are only targets excluded) and the days left to it. */
  firstDueOn: string | null;
  daysAvailable: number | null;
  cost: CostBreakdown;
}

export interface Exposure {
  datasetIds: string[];
  individuals: number;
  byState: Record<string, number>;
  dataElements: string[];
  populationStale: boolean;
  /** Which scenario the ledger supports today. */
  today: 'unsecured' | 'secured';
  safeHarborReasons: string[];
  /** Leaked today without the safe harbor. */
  unsecured: Scenario;
  /** The same leak with the safe harbor granted (encrypted with an uncompromised key). */
  secured: Scenario;
  /** What today's answer costs, and what encrypting (securing) would remove from it. */
  costToday: number;
  encryptionWouldSave: number;
}

const cents = (x: number) => Math.round(x * 100) / 100;

function scenario(r: TriageResult, p: PopulationFacts, today: string, m: CostModel): Scenario {
  const total = Object.values(p.byState).reduce((a, b) => a + b, 0);
  const individual = r.obligations.find((o) => o.kind === 'individual-notice');
  const substitute = r.obligations.find((o) => o.kind === 'substitute-notice');
  const hhs = r.obligations.find((o) => o.kind === 'hhs-notice');
  const media = r.obligations.filter((o): o is Extract<Obligation, { kind: 'media-notice' }> => o.kind === 'media-notice');
  const emails = individual ? p.emailAgreed : 0;
  const letters = individual ? total - p.emailAgreed - p.noContact : 0;
  const stateRequired = new Map<string, number>();
  for (const o of r.stateObligations)
    if (o.kind === 'state-credit-monitoring-offer')
      stateRequired.set(o.jurisdiction, Math.max(stateRequired.get(o.jurisdiction) ?? 0, o.months ?? 0));
  const ssn = r.breach && p.dataElements.includes('ssn');
  const creditMonitoring = Object.entries(p.byState)
    .filter(([st, n]) => n > 0 && (ssn || stateRequired.has(st)))
    .map(([jurisdiction, people]) => ({
      jurisdiction,
      people,
      months: Math.max(m.creditMonitoringMonths, stateRequired.get(jurisdiction) ?? 0),
      requiredByState: stateRequired.has(jurisdiction),
    }));
  const deadlines = [
    ...r.obligations.map((o) => o.dueOn),
    ...r.stateObligations.filter((o) => o.dueBasis !== 'target').map((o) => o.dueOn),
  ].sort();
  const firstDueOn = deadlines[0] ?? null;
  const cost = {
    letters: cents(letters * (m.printPerLetter + m.postagePerLetter)),
    emails: cents(emails * m.perEmail),
    callCenter: cents(individual ? (total / 1000) * m.callCenterPer1000 : 0),
    creditMonitoring: cents(
      creditMonitoring.reduce((a, c) => a + c.people * c.months * m.creditMonitoringPerPersonMonth * m.creditMonitoringUptake, 0),
    ),
    mediaNotice: cents(media.length * m.mediaNoticePerJurisdiction),
    substituteNotice: cents(substitute && substitute.form === 'posting-or-media-with-toll-free' ? m.substituteNotice : 0),
  };
  return {
    breach: r.breach,
    basis: r.basis,
    individualNotice: individual ? { dueOn: individual.dueOn, letters, emails } : null,
    substituteNotice: substitute ? { people: substitute.people, form: substitute.form, dueOn: substitute.dueOn } : null,
    mediaNotice: media.map((o) => ({ jurisdiction: o.jurisdiction, residents: p.byState[o.jurisdiction] ?? 0, dueOn: o.dueOn })),
    hhsNotice: hhs ? { timing: hhs.timing, dueOn: hhs.dueOn } : null,
    stateRegulators: r.stateObligations
      .filter((o) => o.kind === 'state-regulator-notice')
      .map((o) => ({
        jurisdiction: o.jurisdiction,
        regulator: o.regulator ?? null,
        dueOn: o.dueOn,
        dueBasis: o.dueBasis,
        citation: o.citation,
      })),
    creditMonitoring,
    obligations: r.obligations,
    stateObligations: r.stateObligations,
    letters,
    emails,
    firstDueOn,
    daysAvailable: firstDueOn ? daysBetween(today, firstDueOn) : null,
    cost: { ...cost, total: cents(Object.values(cost).reduce((a, b) => a + b, 0)) },
  };
}

/** The hypothetical breach, discovered and occurring today, reported by the covered entity itself. */
export function analyzeExposure(subject: ExposureSubject, today: string, triage: TriageFn, model: CostModel): Exposure {
  const p = subject.population;
  const input = (safeguards: TriageInputJson['safeguards']): TriageInputJson => ({
    reporter: 'covered-entity',
    discoveredOn: today,
    occurredOn: today,
    affectedByState: p.byState,
    safeguards,
    insufficientContact: p.noContact,
    dataElements: p.dataElements,
    recordForms: p.recordForms,
  });
  const unsecured = scenario(triage(input({ encryption: null, destruction: null })), p, today, model);
  const secured = scenario(triage(input({ encryption: 'nist-800-111', keyCompromised: false, destruction: null })), p, today, model);
  const isSecured = subject.safeguards.secured;
  const costToday = isSecured ? secured.cost.total : unsecured.cost.total;
  return {
    datasetIds: subject.datasetIds,
    individuals: Object.values(p.byState).reduce((a, b) => a + b, 0),
    byState: p.byState,
    dataElements: p.dataElements,
    populationStale: subject.populationStale,
    today: isSecured ? 'secured' : 'unsecured',
    safeHarborReasons: subject.safeguards.reasons,
    unsecured,
    secured,
    costToday,
    encryptionWouldSave: cents(costToday - secured.cost.total),
  };
}

/** Several datasets leaked together: counts add per state, identifier kinds and forms unite. */
export function combinePopulations(ps: readonly PopulationFacts[]): PopulationFacts {
  const byState: Record<string, number> = {};
  for (const p of ps) for (const [k, v] of Object.entries(p.byState)) byState[k] = (byState[k] ?? 0) + v;
  const union = <T>(xs: T[][]) => [...new Set(xs.flat())];
  return {
    byState: Object.fromEntries(Object.entries(byState).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    dataElements: union(ps.map((p) => p.dataElements)),
    recordForms: union(ps.map((p) => p.recordForms)),
    emailAgreed: ps.reduce((a, p) => a + p.emailAgreed, 0),
    noContact: ps.reduce((a, p) => a + p.noContact, 0),
  };
}

/** Largest exposure first: today's cost, then individuals, then id (a stable order). */
export function rankExposures(xs: readonly Exposure[]): Exposure[] {
  return [...xs].sort(
    (a, b) => b.costToday - a.costToday || b.individuals - a.individuals || (a.datasetIds.join() < b.datasetIds.join() ? -1 : 1),
  );
}
