/**
 * Who a dataset holds: how many individuals per state or territory, and which kinds of
 * identifiers (codes, never values). Exposure analysis reads it to answer "if this leaked
 * today"; it is only as good as it is current, so it is recertified, and a population not
 * certified for `POPULATION_RECERTIFY_DAYS` is stale. Pure.
 */
import { addDays, daysBetween } from '../../shared/calendar';
import { DATA_ELEMENTS, RECORD_FORMS, type DataElement, type RecordForm } from '../../shared/data-elements';
import { isJurisdiction } from '../../shared/jurisdictions';

/** A population not certified for this many days is flagged stale (an annual risk-analysis cycle, halved). */
export const POPULATION_RECERTIFY_DAYS = 180;
/** No dataset holds more individuals than this; larger counts are typing errors (the triage contract's bound). */
export const MAX_POPULATION = 1_000_000_000;

/**
 * `declared`: an officer states the counts. `host-scan`: counted by the dataset's host agent
 * (from a verified scan result, idempotent by its command id).
 */
export type PopulationSource = 'declared' | 'host-scan';

export interface PopulationFacts {
  /** USPS code (50 states, DC, PR, GU, VI, AS, MP) or `unknown` → individuals. */
  byState: Record<string, number>;
  dataElements: DataElement[];
  recordForms: RecordForm[];
  /** Individuals who agreed to electronic notice (164.404(d)(1)(i)): notified by email, not letter. */
  emailAgreed: number;
  /** Individuals with insufficient or out-of-date contact information (substitute notice). */
  noContact: number;
}

export interface DatasetPopulation extends PopulationFacts {
  source: PopulationSource;
  declaredAt: string;
  declaredBy: string;
  /** Last declared or recertified. */
  certifiedAt: string;
  certifiedBy: string;
}

export class PopulationRuleError extends Error {
  readonly code = 'DATASET_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'PopulationRuleError';
  }
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_POPULATION;

export const populationTotal = (p: Pick<PopulationFacts, 'byState'>): number => Object.values(p.byState).reduce((a, b) => a + b, 0);

/** The rules a declared population must keep (the HTTP schema says the same with field paths). */
export function checkPopulation(p: PopulationFacts): void {
  const bad = (m: string): never => {
    throw new PopulationRuleError(m);
  };
  for (const [k, v] of Object.entries(p.byState)) {
    if (k !== 'unknown' && !isJurisdiction(k)) bad(`byState.${k}: is not a USPS state or territory code or "unknown"`);
    if (!isCount(v)) bad(`byState.${k}: must be a whole number 0–${MAX_POPULATION}`);
  }
  const total = populationTotal(p);
  if (total > MAX_POPULATION) bad(`byState: total must not exceed ${MAX_POPULATION}`);
  if (p.dataElements.length === 0) bad('dataElements: must name at least one kind of identifier');
  for (const e of p.dataElements) if (!(DATA_ELEMENTS as readonly string[]).includes(e)) bad(`dataElements: unknown kind ${e}`);
  if (new Set(p.dataElements).size !== p.dataElements.length) bad('dataElements: must not repeat');
  if (p.recordForms.length === 0) bad('recordForms: must name at least one form');
  for (const f of p.recordForms) if (!(RECORD_FORMS as readonly string[]).includes(f)) bad(`recordForms: unknown form ${f}`);
  if (!isCount(p.emailAgreed)) bad('emailAgreed: must be a whole number');
  if (!isCount(p.noContact)) bad('noContact: must be a whole number');
  if (p.emailAgreed + p.noContact > total) bad('emailAgreed + noContact: must not exceed the individuals counted');
}

/** Canonical order (states sorted, zero counts dropped, elements in vocabulary order): equal facts, equal events. */
export function normalizePopulation(p: PopulationFacts): PopulationFacts {
  const byState = Object.fromEntries(
    Object.entries(p.byState)
      .filter(([, v]) => v > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return {
    byState,
    dataElements: DATA_ELEMENTS.filter((e) => p.dataElements.includes(e)),
    recordForms: RECORD_FORMS.filter((f) => p.recordForms.includes(f)),
    emailAgreed: p.emailAgreed,
    noContact: p.noContact,
  };
}

export interface PopulationStatus {
  total: number;
  certifiedOn: string;
  ageDays: number;
  stale: boolean;
  recertifyBy: string;
}

/** Stale when not certified within `maxAgeDays` of `today` (calendar dates, UTC of the certification instant). */
export function populationStatus(p: DatasetPopulation, today: string, maxAgeDays = POPULATION_RECERTIFY_DAYS): PopulationStatus {
  const certifiedOn = p.certifiedAt.slice(0, 10);
  const ageDays = Math.max(0, daysBetween(certifiedOn, today));
  return { total: populationTotal(p), certifiedOn, ageDays, stale: ageDays > maxAgeDays, recertifyBy: addDays(certifiedOn, maxAgeDays) };
}
