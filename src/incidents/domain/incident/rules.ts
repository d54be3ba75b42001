/** Guards and small rules every group of incident commands shares. */
import { isIsoDate } from '../../../shared/calendar';
import type { IncidentState, ObligationState } from './state';

export class IncidentRuleError extends Error {
  readonly code = 'INCIDENT_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'IncidentRuleError';
  }
}

/** Evidence of a "not a breach" outcome is kept six years (164.530(j), burden of proof 164.414). */
export const EVIDENCE_RETENTION_YEARS = 6;

/** Six years on (29 February → 1 March, the later day). */
export function retainUntil(date: string): string {
  const y = Number(date.slice(0, 4)) + EVIDENCE_RETENTION_YEARS;
  const candidate = `${y}${date.slice(4)}`;
  return isIsoDate(candidate) ? candidate : `${y}-03-01`;
}

export function nonEmpty(s: string | undefined, what: string): string {
  if (typeof s !== 'string' || s.trim() === '') throw new IncidentRuleError(`${what} is required`);
  return s.trim();
}

export function requireOpen(state: IncidentState): void {
  if (!state.exists) throw new IncidentRuleError('incident does not exist');
  if (state.status === 'closed') throw new IncidentRuleError('incident is closed');
}

export function requireObligation(state: IncidentState, id: string): ObligationState {
  const o = state.obligations[id];
  if (!o) throw new IncidentRuleError(`no obligation ${id} on this incident`);
  return o;
}
