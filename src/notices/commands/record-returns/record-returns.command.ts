import type { CommandContext } from '../../../ledger/ledger';

export interface ReturnEntry {
  letterId: string;
  kind: 'returned-mail' | 'bounce';
  reason: string;
}

/**
 * Record returned mail and bounces by letter reference; unknown references are reported, never
 * guessed. Returns `{ recorded, insufficientContactAdded, unknownLetterIds, incidentsUpdated }`.
 */
export class RecordNoticeReturnsCommand {
  constructor(
    readonly entries: ReturnEntry[],
    readonly ctx: CommandContext,
  ) {}
}
