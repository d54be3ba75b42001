import type { Decider } from '../ledger/decider';
import type { IncidentCommand, IncidentEvent, IncidentState } from './domain/incident';

export const INCIDENT_DECIDER = Symbol('IncidentDecider');
export type IncidentDecider = Decider<IncidentState, IncidentCommand, IncidentEvent>;
