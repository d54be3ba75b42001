import type { CommandContext } from '../../../ledger/ledger';

/**
 * Complete an incident obligation with a finished batch as its evidence. Returns
 * `{ incidentId, obligationId, evidenceArtifact, completedOn }`.
 */
export class CompleteObligationWithBatchCommand {
  constructor(
    readonly batchId: string,
    readonly obligationId: string,
    readonly ctx: CommandContext,
  ) {}
}
