/** What evaluating the state overlays produces: obligations with due bases, and the explanation of each rule and duty. */
import type { BusinessCalendar } from './business-calendar';
import type { TriageInput } from './triage-input';

export type StateObligationKind =
  'state-individual-notice' | 'state-regulator-notice' | 'state-consumer-reporting-notice' | 'state-credit-monitoring-offer';

/**
 * How `dueOn` was found: `fixed` — a clock from discovery; `relative` — counted from the other
 * notice's real date; `latest` — relative to a notice not given yet, counted from that notice's
 * own deadline (it tightens once the notice is given); `target` — the statute sets no day, the
 * date is the one aimed for (the residents' notice or the federal outer limit), not a legal deadline.
 */
export type DueBasis = 'fixed' | 'relative' | 'latest' | 'target';

export interface StateObligation {
  jurisdiction: string;
  kind: StateObligationKind;
  /** The recipient (regulator, consumer reporting agencies). */
  regulator?: string;
  dueOn: string;
  /** The statute's words when the date is not a plain clock from discovery. */
  dueRule?: string;
  citation: string;
  ruleVersion: string;
  /** Something a person must confirm before the obligation binds (e.g. `licensed-health-facility`). */
  condition?: string;
  /** `<rule id>.<duty id>`: stable across versions; the obligation id is built from it. */
  duty: string;
  dueBasis: DueBasis;
  /** Credit monitoring: months offered at no cost. */
  months?: number;
  needsLegalReview?: true;
}

export interface DutyExplanation {
  duty: string;
  kind: StateObligationKind | 'state-letter-content';
  to?: string;
  owed: boolean;
  why: string;
  dueOn?: string;
  dueBasis?: DueBasis;
  citation: string;
  needsLegalReview?: string;
}

export interface RuleExplanation {
  rule: string;
  title: string;
  ruleVersion: string | null;
  statute: string | null;
  applies: boolean;
  why: string;
  hipaa?: { effect: 'none' | 'deemed' | 'exempt'; text: string };
  duties: DutyExplanation[];
  letter?: { mustInclude: Array<{ id: string; text: string }>; mustNotInclude: Array<{ id: string; text: string }>; citation: string };
  sources?: Array<{ title: string; url?: string; consulted: string }>;
  needsLegalReview?: string[];
}

export interface JurisdictionExplanation {
  jurisdiction: string;
  name: string | null;
  residents: number;
  rules: RuleExplanation[];
}

/** Federal dates the state rules are anchored to (holds already applied). */
export interface FederalAnchors {
  /** 60 days from discovery, without any hold (compared with state clocks). */
  federalDue: string;
  /** The federal individual notice's due date (hold applied). */
  individualDue: string;
  /** The HHS notice's due date (contemporaneous or annual, hold applied). */
  hhsDue: string;
  held: (date: string) => string;
}

export interface Ctx {
  input: TriageInput;
  st: string;
  residents: number;
  total: number;
  anchors: FederalAnchors;
  cal: BusinessCalendar;
}

export interface Resolved {
  dueOn: string;
  basis: DueBasis;
}
