import type { CommandContext } from '../../../ledger/ledger';

/**
 * Count the recipients per channel and state and render sample documents, recorded so the
 * approver sees what they approve. Returns `{ preview, version }`.
 */
export class PreviewNoticeBatchCommand {
  constructor(
    readonly batchId: string,
    readonly ctx: CommandContext,
    /** Samples per channel. */
    readonly sampleSize = 2,
  ) {}
}
