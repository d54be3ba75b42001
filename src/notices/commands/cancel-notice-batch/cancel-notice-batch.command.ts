import type { CommandContext } from '../../../ledger/ledger';

/** Cancel a batch before release. Returns `{ version }`. */
export class CancelNoticeBatchCommand {
  constructor(
    readonly batchId: string,
    readonly reason: string,
    readonly ctx: CommandContext,
  ) {}
}
