/** Public surface of incidents for other contexts: the affected-individual record and the incident command bus entry. */
export type { AffectedIndividual, PostalAddress } from './domain/affected-individual';
export { RunIncidentCommand, type IncidentAction } from './commands/incident-command';
