import type { CommandContext } from '../../../ledger/ledger';
import type { DraftInput } from '../../content/notice-content';

/** New content (and optionally recipients) for a batch not yet released; an approval is void. Returns `{ version }`. */
export class ReviseNoticeBatchCommand {
  constructor(
    readonly batchId: string,
    readonly input: Omit<DraftInput, 'incidentId' | 'kind'>,
    readonly ctx: CommandContext,
    /** From If-Match. */
    readonly expectedVersion?: bigint,
  ) {}
}
