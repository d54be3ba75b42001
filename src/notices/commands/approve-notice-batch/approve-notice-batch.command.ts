import type { CommandContext } from '../../../ledger/ledger';

/** Approve the previewed content, bound by its digest (a compliance officer other than its authors). Returns `{ version }`. */
export class ApproveNoticeBatchCommand {
  constructor(
    readonly batchId: string,
    readonly contentDigest: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}
