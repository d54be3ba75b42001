import { addDays, maxDate, yearOf } from '../../../shared/calendar';
import type { StateOverlaySet } from './state-overlays';
import { evaluateStates, type JurisdictionExplanation, type StateObligation } from './state-rules';
import { holdEnd, parseTriageInput, TriageInput } from './triage-input';

export type { DueBasis, StateObligation, StateObligationKind } from './state-rules';

/**
 * The HITECH breach triage engine (shared/contracts/triage.md, shared/domain/hitech-rules.md).
 * A pure function of one incident's facts and the state-overlay data: the CLI, the HTTP
 * endpoint and the incident workflow all call `evaluateTriage`. There is one engine.
 */

export const RULE_SET = 'hitech-2013';
export const RULE_VERSION = '1';

export const FEDERAL_NOTICE_DAYS = 60;
/** HHS: "500 or more" individuals in total (164.408(b)). */
export const HHS_CONTEMPORANEOUS_AT_LEAST = 500;
/** Media: "more than 500" residents of one State or jurisdiction (164.406). */
export const MEDIA_MORE_THAN = 500;
/** Substitute notice: fewer than 10 → alternative form; 10 or more → posting or media + toll-free (164.404(d)(2)). */
export const SUBSTITUTE_POSTING_AT_LEAST = 10;
/** Oral law-enforcement statements delay notice at most this many days (164.412(b)). */
export const ORAL_HOLD_CAP_DAYS = 30;

export type Basis = 'exception' | 'secured' | 'low-probability' | 'presumed';

export type Obligation =
  | { kind: 'individual-notice'; dueOn: string; citation: string }
  | { kind: 'substitute-notice'; form: 'alternative' | 'posting-or-media-with-toll-free'; people: number; dueOn: string; citation: string }
  | { kind: 'telephone-notice'; dueOn: string; citation: string }
  | { kind: 'media-notice'; jurisdiction: string; dueOn: string; citation: string }
  | { kind: 'hhs-notice'; timing: 'contemporaneous' | 'annual'; dueOn: string; citation: string }
  | { kind: 'covered-entity-notice'; dueOn: string; citation: string; coveredEntityDiscoveredOn?: string };

export type ObligationKind = Obligation['kind'];

/**
 * Why each thing is or is not owed (asked for with `explain`): the HIPAA outcome, then every
 * affected jurisdiction with the rule version, citation and sources it was decided under.
 */
export interface TriageExplanation {
  outcome: string;
  /** Individuals whose state is unknown: no state rule can be applied to them. */
  unknownState: number;
  jurisdictions: JurisdictionExplanation[];
}

export interface TriageResult {
  breach: boolean;
  basis: Basis;
  ruleSet: string;
  ruleVersion: string;
  totalAffected: number;
  hold: { until: string } | null;
  obligations: Obligation[];
  stateObligations: StateObligation[];
  /** Only when asked for (`--explain`, `?explain=true`); always last, so the contract's bytes stay as they are. */
  explain?: TriageExplanation;
}

export interface TriageOptions {
  explain?: boolean;
}

export const CITATIONS = {
  individual: '45 CFR 164.404',
  substitute: '45 CFR 164.404(d)(2)',
  telephone: '45 CFR 164.404(d)(3)',
  media: '45 CFR 164.406',
  hhsContemporaneous: '45 CFR 164.408(b)',
  hhsAnnual: '45 CFR 164.408(c)',
  coveredEntity: '45 CFR 164.410',
} as const;

/** Breach or not, in the digest's order: exceptions, safe harbor, then the presumption (§1). */
export function determineBasis(input: TriageInput): { breach: boolean; basis: Basis } {
  if (input.exception !== null) return { breach: false, basis: 'exception' };
  const s = input.safeguards;
  if ((s.encryption !== null && !s.keyCompromised) || s.destruction !== null) return { breach: false, basis: 'secured' };
  const ra = input.riskAssessment;
  if (ra !== null && ra.complete && ra.lowProbabilityOfCompromise) return { breach: false, basis: 'low-probability' };
  return { breach: true, basis: 'presumed' };
}

export function totalAffected(input: TriageInput): number {
  return Object.values(input.affectedByState).reduce((a, b) => a + b, 0);
}

/** 60 days after the end of the calendar year of discovery: 1 March, or 29 February in a leap year. */
export function annualHhsDue(discoveredOn: string): string {
  return addDays(`${yearOf(discoveredOn)}-12-31`, FEDERAL_NOTICE_DAYS);
}

interface Hold {
  madeOn: string;
  until: string;
  policy: 'toll' | 'strict';
}

/**
 * A due date under a law-enforcement hold (§7). `toll`: the days left when the hold began are
 * added after it ends (days before discovery are not on the clock; a deadline already past when
 * the hold began stays). `strict`: the original date stands if still ahead of the hold's end,
 * otherwise notice is due on the day the hold ends.
 */
export function applyHold(
  due: string,
  discoveredOn: string,
  hold: Hold | null,
  policy: 'toll' | 'strict' = hold?.policy ?? 'toll',
): string {
  if (hold === null) return due;
  if (policy === 'strict') return maxDate(due, hold.until);
  const clockStart = maxDate(hold.madeOn, discoveredOn);
  if (hold.until < clockStart || clockStart > due) return due;
  return addDays(hold.until, daysFrom(clockStart, due));
}

function daysFrom(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

function byCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parses and evaluates raw JSON input: the entry point of the CLI and HTTP endpoint. */
export function evaluateTriageJson(raw: unknown, overlays: StateOverlaySet, options: TriageOptions = {}): TriageResult {
  return evaluateTriage(parseTriageInput(raw), overlays, options);
}

const OUTCOME: Record<Basis, string> = {
  exception: 'not a breach: an exception of 45 CFR 164.402(1) applies',
  secured: 'not a breach of unsecured PHI: encrypted with an uncompromised key, or destroyed (safe harbor)',
  'low-probability': 'not a breach: a complete risk assessment shows a low probability of compromise (164.402(2))',
  presumed: 'breach: presumed (164.402(2)); no exception, safe harbor or complete low-probability assessment',
};

export function evaluateTriage(input: TriageInput, overlays: StateOverlaySet, options: TriageOptions = {}): TriageResult {
  const result = evaluate(input, overlays, options.explain === true);
  return result;
}

function stateCodes(input: TriageInput): string[] {
  return Object.keys(input.affectedByState)
    .filter((k) => k !== 'unknown')
    .sort(byCode);
}

function explanation(input: TriageInput, outcome: string, jurisdictions: JurisdictionExplanation[]): TriageExplanation {
  return { outcome, unknownState: input.affectedByState.unknown ?? 0, jurisdictions };
}

/** Jurisdictions listed without evaluation, with the reason (not a breach, business associate). */
function unevaluated(input: TriageInput, overlays: StateOverlaySet, why: string): JurisdictionExplanation[] {
  return stateCodes(input)
    .filter((st) => input.affectedByState[st] > 0)
    .map((st) => ({
      jurisdiction: st,
      name: overlays.byJurisdiction.get(st)?.name ?? null,
      residents: input.affectedByState[st],
      rules: [
        {
          rule: '(not evaluated)',
          title: 'State statutes not evaluated',
          ruleVersion: null,
          statute: null,
          applies: false,
          why,
          duties: [],
        },
      ],
    }));
}

function evaluate(input: TriageInput, overlays: StateOverlaySet, explain: boolean): TriageResult {
  const { breach, basis } = determineBasis(input);
  const total = totalAffected(input);
  const result: TriageResult = {
    breach,
    basis,
    ruleSet: RULE_SET,
    ruleVersion: RULE_VERSION,
    totalAffected: total,
    hold: null,
    obligations: [],
    stateObligations: [],
  };
  if (!breach) {
    if (explain) {
      const why =
        basis === 'low-probability'
          ? 'not evaluated: HIPAA finds no breach; a state whose definition of breach has no risk-of-harm test may still require notice for acquired personal information — review'
          : `not evaluated: ${OUTCOME[basis]}; state statutes exempt encrypted data and good-faith acquisition likewise`;
      result.explain = explanation(input, OUTCOME[basis], unevaluated(input, overlays, why));
    }
    return result;
  }

  const discovered = input.discoveredOn;
  const hold: Hold | null =
    input.lawEnforcementDelay === null
      ? null
      : { madeOn: input.lawEnforcementDelay.madeOn, until: holdEnd(input.lawEnforcementDelay), policy: input.lawEnforcementPolicy };
  if (hold) result.hold = { until: hold.until };

  const federalDue = addDays(discovered, FEDERAL_NOTICE_DAYS);
  const due = applyHold(federalDue, discovered, hold);

  if (input.reporter === 'business-associate') {
    // 164.410: the business associate's duty is to the covered entity; individual, media and
    // HHS notice are the covered entity's. An agent's discovery is imputed to the covered entity.
    const o: Obligation = { kind: 'covered-entity-notice', dueOn: due, citation: CITATIONS.coveredEntity };
    if (input.businessAssociateIsAgent) o.coveredEntityDiscoveredOn = discovered;
    result.obligations.push(o);
    if (explain) {
      result.explain = explanation(
        input,
        OUTCOME[basis],
        unevaluated(
          input,
          overlays,
          'business associate: state notices to residents and regulators are the covered entity’s (the owner or licensee of the data); a maintainer’s duty is to tell the owner, which the covered-entity notice does',
        ),
      );
    }
    return result;
  }

  const obligations = result.obligations;
  obligations.push({ kind: 'individual-notice', dueOn: due, citation: CITATIONS.individual });
  if (input.insufficientContact > 0) {
    obligations.push({
      kind: 'substitute-notice',
      form: input.insufficientContact >= SUBSTITUTE_POSTING_AT_LEAST ? 'posting-or-media-with-toll-free' : 'alternative',
      people: input.insufficientContact,
      dueOn: due,
      citation: CITATIONS.substitute,
    });
  }
  if (input.imminentMisuse) {
    obligations.push({ kind: 'telephone-notice', dueOn: due, citation: CITATIONS.telephone });
  }
  const states = stateCodes(input);
  for (const st of states) {
    if (input.affectedByState[st] > MEDIA_MORE_THAN) {
      obligations.push({ kind: 'media-notice', jurisdiction: st, dueOn: due, citation: CITATIONS.media });
    }
  }
  let hhsDue: string;
  if (total >= HHS_CONTEMPORANEOUS_AT_LEAST) {
    hhsDue = due;
    obligations.push({ kind: 'hhs-notice', timing: 'contemporaneous', dueOn: due, citation: CITATIONS.hhsContemporaneous });
  } else {
    // The annual log date is a calendar date, not the 60-day clock: a hold delays it only
    // while the hold is still running on that date, under either policy.
    hhsDue = applyHold(annualHhsDue(discovered), discovered, hold, 'strict');
    obligations.push({ kind: 'hhs-notice', timing: 'annual', dueOn: hhsDue, citation: CITATIONS.hhsAnnual });
  }

  const anchors = { federalDue, individualDue: due, hhsDue, held: (d: string) => applyHold(d, discovered, hold) };
  const st = evaluateStates(input, states, anchors, overlays, total, explain);
  result.stateObligations = st.obligations;
  if (explain) result.explain = explanation(input, OUTCOME[basis], st.explain);
  return result;
}

/** The one serialization every channel uses, so CLI and HTTP are byte-for-byte identical. */
export function renderTriageResult(result: TriageResult): string {
  return `${JSON.stringify(result)}\n`;
}
