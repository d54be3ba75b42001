/**
 * Every count and flag a notice states comes from the incident's events (issue 13, item 2): a
 * media or state-regulator notice's residents are the incident's count for that state (people reached by
 * substitute notice and unresolved rows included), the HHS report's "affected" is the incident's
 * total, and its "substitute / media notice provided" flags are the completed obligations. A
 * number typed into a draft is accepted only when it equals the derived one: a different number
 * needs an amendment on the incident first (`AffectedCountsRevised` with its reason).
 * Pure: the incident's facts arrive folded (from-incident.ts).
 */
import type { NoticeKind } from './notice-batch';

export class NoticeCountError extends Error {
  readonly code = 'NOTICE_COUNT_RULE';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'NoticeCountError';
  }
}

export interface IncidentCountFacts {
  counts?: { byState: Record<string, number> };
  completedObligations: string[];
}

export interface DerivableOptions {
  jurisdiction?: string;
  affected?: number;
  countsExplanation?: string;
  hhs?: { affected?: number; substituteNoticeProvided?: boolean; mediaNoticeProvided?: boolean } & Record<string, unknown>;
  /** State-regulator notice: the individuals affected in all states (the incident's total). */
  total?: number;
}

export interface DerivedCounts {
  total: number;
  byState: Record<string, number>;
  substituteNoticeProvided: boolean;
  mediaNoticeProvided: boolean;
}

export function derivedCounts(known: IncidentCountFacts): DerivedCounts {
  const byState = { ...(known.counts?.byState ?? {}) };
  return {
    total: Object.values(byState).reduce((a, b) => a + b, 0),
    byState,
    substituteNoticeProvided: known.completedObligations.includes('substitute-notice'),
    mediaNoticeProvided: known.completedObligations.some((o) => o.startsWith('media-notice.')),
  };
}

function same<T>(field: string, given: T | undefined, derived: T, why: string): T {
  if (given !== undefined && given !== derived)
    throw new NoticeCountError(field, `${String(given)} differs from ${String(derived)} ${why}`);
  return derived;
}

const AMEND = "in the incident's ledger: revise the incident's counts with a reason first";

/** The options with every count and flag filled from the incident; a typed value must agree. */
export function withDerivedCounts<O extends DerivableOptions>(kind: NoticeKind, options: O, known: IncidentCountFacts): O {
  const d = derivedCounts(known);
  if ((kind === 'media' || kind === 'state-regulator') && options.jurisdiction) {
    const n = d.byState[options.jurisdiction] ?? 0;
    return { ...options, affected: same('options.affected', options.affected, n, `(${options.jurisdiction} residents) ${AMEND}`) };
  }
  if (kind === 'hhs-report' && options.hhs) {
    const h = options.hhs;
    return {
      ...options,
      hhs: {
        ...h,
        affected: same('options.hhs.affected', h.affected, d.total, `(individuals affected) ${AMEND}`),
        substituteNoticeProvided: same(
          'options.hhs.substituteNoticeProvided',
          h.substituteNoticeProvided,
          d.substituteNoticeProvided,
          '(the substitute-notice obligation is what says it): complete the obligation with its evidence',
        ),
        mediaNoticeProvided: same(
          'options.hhs.mediaNoticeProvided',
          h.mediaNoticeProvided,
          d.mediaNoticeProvided,
          '(the media-notice obligations are what say it): complete them with their evidence',
        ),
      },
    };
  }
  return options;
}

/** A state-regulator notice's "in all" is the incident's total (excluded unresolved rows included), as on the HHS report. */
export function withDerivedTotal<O extends DerivableOptions>(kind: NoticeKind, options: O, known: IncidentCountFacts): O {
  if (kind !== 'state-regulator') return options;
  const total = derivedCounts(known).total;
  return { ...options, total: same('options.total', options.total, total, `(individuals affected) ${AMEND}`) };
}
