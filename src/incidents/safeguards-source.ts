import type { SafeguardFacts } from './domain/incident';

/**
 * Where triage gets the safe-harbor answer for the datasets involved in an incident. The
 * datasets/keys context (engineer 6) plugs its ledger query in here: a dataset encrypted under
 * a key version that was active and never marked compromised is in safe harbor.
 * Returning `undefined` means "no answer from the ledger": triage then uses the safeguard facts
 * recorded on the incident itself (SafeguardsRecorded).
 */
export interface SafeguardsSource {
  safeguardsFor(datasetIds: string[], at: string): Promise<SafeguardFacts | undefined>;
  /**
   * Optional: the source calls back when the answer changes for some datasets (a key marked
   * compromised). The incidents module then refreshes the safeguards of every open, decided
   * incident naming those datasets, which re-runs triage.
   */
  onSafeguardsChanged?(listener: (change: { datasetIds: string[]; keyId?: string; reason: string }) => void | Promise<void>): void;
}

export const SAFEGUARDS_SOURCE = Symbol('SafeguardsSource');

/** Default: the facts recorded on the incident. */
export class RecordedFactsSafeguardsSource implements SafeguardsSource {
  async safeguardsFor(): Promise<SafeguardFacts | undefined> {
    return undefined;
  }
}
