/**
 * Public surface of the datasets context: its commands and queries, and the safe-harbor port
 * (SAFE_HARBOR) triage reads. Nothing here loads Nest.
 */
export * from './messages';
export { SAFE_HARBOR, type SafeHarborAnswer, type SafeHarborPort } from './safe-harbor';
export { DATASET_EVENT_TYPES, datasetStream, type DatasetEvent, type DatasetKind } from './domain/dataset';
export type { Safeguards, SecuredAnswer } from './domain/secured-at';
export {
  POPULATION_RECERTIFY_DAYS,
  populationStatus,
  populationTotal,
  type DatasetPopulation,
  type PopulationFacts,
  type PopulationStatus,
} from './domain/population';
