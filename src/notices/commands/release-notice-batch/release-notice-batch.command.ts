import type { CommandContext } from '../../../ledger/ledger';

/** Release an approved batch: delivery starts from the committed NoticeBatchReleased event. Returns `{ version }`. */
export class ReleaseNoticeBatchCommand {
  constructor(
    readonly batchId: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}
