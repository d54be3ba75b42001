export const EVENT_STORE = Symbol('EventStore');
export const EVENT_REGISTRY = Symbol('EventRegistry');
export const PHI_VAULT = Symbol('PhiVault');
export const ARTIFACT_STORE = Symbol('ArtifactStore');
export const MASTER_KEY = Symbol('MasterKey');
export const PROCESS_ROLES = Symbol('ProcessRoles');
export const METRICS = Symbol('Metrics');

/** What this process does: `all` (npm start), or one role of a scaled-out deployment, or `cli`. */
export type ProcessRole = 'api' | 'worker' | 'scheduler' | 'cli';
export type ProcessRoles = ReadonlySet<ProcessRole>;
/** The process's PostgreSQL pool (PgDatabase) when LEDGER=postgres, else null. */
export const PG_DATABASE = Symbol('PgDatabase');
