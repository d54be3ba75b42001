import type { CommandContext } from '../../../ledger/ledger';

/**
 * The mail house confirms that one print file of a batch went into the mail, with its date and
 * its count of pieces (`PrintFileMailed`). Until then that file's letters are "printed".
 */
export class RecordPrintFileMailedCommand {
  constructor(
    readonly batchId: string,
    readonly chunk: number,
    readonly mailedOn: string,
    readonly count: number,
    readonly ctx: CommandContext,
  ) {}
}
