import type { CommandContext } from '../../../ledger/ledger';
import type { DraftInput } from '../../content/notice-content';

/** Draft a notice batch for an incident: its content is stored and bound by digest. Returns `{ batchId, version }`. */
export class DraftNoticeBatchCommand {
  constructor(
    readonly input: DraftInput,
    readonly ctx: CommandContext,
  ) {}
}
