import type { SafeguardFacts } from './domain/incident';

/**
 * Where triage gets the safe-harbor answer for the datasets involved in an incident. The
 * datasets/keys context (engineer 6) plugs its ledger query in here: a dataset encrypted under
 * a key version that was active and never marked compromised is in safe harbor.
 * Returning `undefined` means "no answer from the ledger": triage then uses the safeguard facts
 * recorded on the incident itself (SafeguardsRecorded).
 */
export interface SafeguardsSource {
  safeguardsFor(datasetIds: readonly string[], at: string): Promise<SafeguardFacts | undefined>;
}

export const SAFEGUARDS_SOURCE = Symbol('SafeguardsSource');

/** Default: the facts recorded on the incident. */
export class RecordedFactsSafeguardsSource implements SafeguardsSource {
  async safeguardsFor(): Promise<SafeguardFacts | undefined> {
    return undefined;
  }
}
