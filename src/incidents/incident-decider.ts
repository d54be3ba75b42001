import type { Decider } from '../ledger/decider';
import type { IncidentCommand, IncidentEvent, IncidentState } from './domain/incident';

export const INCIDENT_DECIDER = Symbol('IncidentDecider');
export type IncidentDecider = Decider<IncidentState, IncidentCommand, IncidentEvent>;

/** Today's calendar date in the organization's time zone (deadlines are calendar dates there). */
export function localDate(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
