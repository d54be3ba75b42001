/**
 * What notifying costs, per unit. The defaults are round planning figures, shown in every
 * answer and documented in docs/exposure.md; an organization replaces them with its own quotes
 * (print house, mail, call centre, credit bureau). US dollars.
 */
import { z } from 'zod';

export interface CostModel {
  currency: 'USD';
  /** Printing, folding and stuffing one notice letter. */
  printPerLetter: number;
  /** First-class postage for one letter (164.404(d)(1)(i)). */
  postagePerLetter: number;
  /** One email notice to an individual who agreed to electronic notice. */
  perEmail: number;
  /** Call centre for the notice period, per 1,000 individuals notified (pro rata). */
  callCenterPer1000: number;
  /** Credit monitoring / identity protection, per person and month. */
  creditMonitoringPerPersonMonth: number;
  /** Months offered when SSNs are involved and no state requires longer. */
  creditMonitoringMonths: number;
  /** Share of those offered who enroll (1 = everyone: the ceiling). */
  creditMonitoringUptake: number;
  /** Press release and placement in one state's prominent media outlets (164.406). */
  mediaNoticePerJurisdiction: number;
  /** Substitute notice by web posting or media with a toll-free number for 90 days (164.404(d)(2)(ii)). */
  substituteNotice: number;
}

export const DEFAULT_COST_MODEL: Readonly<CostModel> = Object.freeze({
  currency: 'USD',
  printPerLetter: 0.35,
  postagePerLetter: 0.78,
  perEmail: 0.02,
  callCenterPer1000: 2_000,
  creditMonitoringPerPersonMonth: 1.0,
  creditMonitoringMonths: 12,
  creditMonitoringUptake: 1,
  mediaNoticePerJurisdiction: 2_500,
  substituteNotice: 5_000,
});

const money = z.coerce.number().min(0).max(1_000_000);

/** Overrides of the defaults (query strings or a JSON file): every field optional, unknown fields named. */
export const costModelOverrides = z.strictObject({
  printPerLetter: money.optional(),
  postagePerLetter: money.optional(),
  perEmail: money.optional(),
  callCenterPer1000: money.optional(),
  creditMonitoringPerPersonMonth: money.optional(),
  creditMonitoringMonths: z.coerce.number().int().min(0).max(120).optional(),
  creditMonitoringUptake: z.coerce.number().min(0).max(1).optional(),
  mediaNoticePerJurisdiction: money.optional(),
  substituteNotice: money.optional(),
});
export type CostModelOverrides = z.infer<typeof costModelOverrides>;

export function costModelWith(overrides: CostModelOverrides = {}): CostModel {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_COST_MODEL, ...defined };
}
