/** The incident aggregate: events, state, commands and the decider, one file per seam. */
export * from './events';
export * from './state';
export * from './commands';
export { EVIDENCE_RETENTION_YEARS, IncidentRuleError, retainUntil } from './rules';
export { diffObligations, obligationSpecs } from './obligations';
export * from './timelines';
export { triageInputFromState } from './decide-triage';
export * from './decider';
export * from './evidence';
