/**
 * Public surface of the incidents context for other contexts: the one triage engine (pure) and
 * the state-overlay data it runs on. Nothing here loads Nest.
 */
export { evaluateTriage, type Obligation, type StateObligation, type TriageResult } from './domain/triage/triage';
export { parseTriageInput, type TriageInput, type TriageInputJson } from './domain/triage/triage-input';
export type { StateNoticeRule, StateOverlay, StateOverlaySet } from './domain/triage/state-overlays';
export { STATE_OVERLAYS } from './triage.service';
export { loadStateOverlays } from './infrastructure/state-overlays.loader';
export type { IncidentCommand, IncidentEvent, IncidentState, ObligationState, IncidentReportedData } from './domain/incident';
export { INCIDENT_DECIDER, type IncidentDecider } from './incident-decider';
export type { AffectedIndividual, PostalAddress } from './domain/affected-individual';
export { RunIncidentCommand, type IncidentAction } from './commands/incident-command';
export type { ObligationProof } from './domain/incident/evidence';
export { AffectedNamesService } from './affected-names.service';
