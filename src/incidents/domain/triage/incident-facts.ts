import type { ObligationSpec, ObligationState } from '../incident';
import type { RecordForm } from './data-elements';
import type { StateObligation } from './state-rules';
import type { TriageInput } from './triage-input';

/**
 * The bridge between the incident aggregate and the state rules, kept out of incident.ts: what
 * triage reads from the incident's facts (record forms, notices already given) and the obligation
 * spec a state obligation becomes. Pure.
 */

/** Notices other state notices are counted from. */
export const RELATIVE_ANCHOR_KINDS: ReadonlySet<string> = new Set(['individual-notice', 'hhs-notice', 'state-individual-notice']);

/**
 * Completing an anchor notice re-runs triage only when some open state obligation is still dated
 * from an anchor's deadline (`latest`) or aims at it (`target`): it then gets the real date.
 */
export function completionRedatesStateObligations(completedKind: string, obligations: readonly ObligationState[]): boolean {
  return (
    RELATIVE_ANCHOR_KINDS.has(completedKind) &&
    obligations.some(
      (o) =>
        o.scope === 'state' && (o.status === 'open' || o.status === 'in-progress') && (o.dueBasis === 'latest' || o.dueBasis === 'target'),
    )
  );
}

/** Paper for paper/films, electronic for every other HHS location; unknown ("other", none) → undefined. */
export function recordFormsFrom(locations: readonly string[]): RecordForm[] | undefined {
  if (locations.length === 0 || locations.includes('other')) return undefined;
  const forms = new Set<RecordForm>(locations.map((l) => (l === 'paper-films' ? 'paper' : 'electronic')));
  return [...forms].sort();
}

/** The dates notices were completed (done, with evidence), for state rules relative to them. */
export function noticesGivenFrom(obligations: readonly ObligationState[], discoveredOn?: string): TriageInput['noticesGiven'] {
  const given: NonNullable<TriageInput['noticesGiven']> = {};
  const earliest = (a: string | undefined, b: string) => (a === undefined || b < a ? b : a);
  for (const o of obligations) {
    const on = o.evidence?.completedOn;
    if (o.status !== 'done' || !on || (discoveredOn && on < discoveredOn)) continue;
    if (o.kind === 'individual-notice') given['individual-notice'] = earliest(given['individual-notice'], on);
    else if (o.kind === 'hhs-notice') given['hhs-notice'] = earliest(given['hhs-notice'], on);
    else if (o.kind === 'state-individual-notice' && o.jurisdiction) {
      const byState = (given['state-individual-notice'] ??= {});
      byState[o.jurisdiction] = earliest(byState[o.jurisdiction], on);
    }
  }
  return Object.keys(given).length ? given : undefined;
}

/** `state.<XX>.<duty>`: stable across rule versions and re-triage (the duty id comes from the overlay). */
export function stateObligationId(o: Pick<StateObligation, 'jurisdiction' | 'duty'>): string {
  return `state.${o.jurisdiction}.${o.duty}`;
}

export function stateObligationSpec(o: StateObligation): ObligationSpec {
  const s: ObligationSpec = {
    obligationId: stateObligationId(o),
    kind: o.kind,
    scope: 'state',
    jurisdiction: o.jurisdiction,
    citation: o.citation,
    ruleVersion: o.ruleVersion,
  };
  if (o.regulator) s.regulator = o.regulator;
  s.dueOn = o.dueOn;
  if (o.dueRule) s.dueRule = o.dueRule;
  if (o.condition) s.condition = o.condition;
  s.duty = o.duty;
  s.dueBasis = o.dueBasis;
  if (o.months !== undefined) s.months = o.months;
  if (o.needsLegalReview) s.needsLegalReview = true;
  return s;
}
