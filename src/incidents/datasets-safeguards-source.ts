import type { SafeguardsService } from '../agents/safeguards.service';
import type { SafeguardFacts } from './domain/incident';
import type { SafeguardsSource } from './safeguards-source';

/**
 * Triage's safe-harbor answer from the ledger's own key and dataset events: the datasets an
 * incident names are secured only if each was encrypted under a key version that was active
 * and never compromised at the time (or destroyed). No datasets named → no answer, and triage
 * uses the safeguard facts recorded on the incident.
 */
export class DatasetsSafeguardsSource implements SafeguardsSource {
  constructor(private readonly datasets: SafeguardsService) {}

  async safeguardsFor(datasetIds: string[], at: string): Promise<SafeguardFacts | undefined> {
    if (datasetIds.length === 0) return undefined;
    const answer = await this.datasets.safeguardsFor(datasetIds, at);
    return { encryption: answer.encryption, keyCompromised: answer.keyCompromised, destruction: answer.destruction } as SafeguardFacts;
  }

  onSafeguardsChanged(listener: (change: { datasetIds: string[]; keyId?: string; reason: string }) => void | Promise<void>): void {
    this.datasets.onSafeguardsChanged(listener);
  }
}
