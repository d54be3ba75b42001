/**
 * Obligations as a triage decision states them: specs keyed by a stable id, and the diff a new
 * decision makes against what the incident already owes (added, changed, withdrawn).
 */
import { nonBusinessDay } from '../../../shared/calendar';
import { stateObligationSpec } from '../triage/incident-facts';
import type { Obligation, TriageResult } from '../triage/triage';
import type { ObligationChange, ObligationSpec } from './events';
import type { ObligationState } from './state';

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
    const s: ObligationSpec = {
      obligationId: id,
      kind: o.kind,
      scope: 'federal',
      dueOn: o.dueOn,
      citation: o.citation,
      ruleVersion: result.ruleVersion,
    };
    if ('jurisdiction' in o) s.jurisdiction = o.jurisdiction;
    if ('form' in o) s.form = o.form;
    if ('people' in o) s.people = o.people;
    if ('timing' in o) s.timing = o.timing;
    if ('coveredEntityDiscoveredOn' in o && o.coveredEntityDiscoveredOn) s.coveredEntityDiscoveredOn = o.coveredEntityDiscoveredOn;
    specs.push(flag(s));
  }
  for (const o of result.stateObligations) specs.push(flag(stateObligationSpec(o)));
  return specs;
}

export const COMPARED: Array<keyof ObligationSpec> = [
  'dueOn',
  'dueRule',
  'dueBasis',
  'months',
  'form',
  'people',
  'timing',
  'regulator',
  'condition',
  'coveredEntityDiscoveredOn',
];

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
