import type { CommandContext } from '../../../ledger/ledger';

/** Record the HHS breach portal's confirmation of an `hhs-report` batch (the evidence for `hhs-notice`). Returns `{ version }`. */
export class RecordHhsSubmissionCommand {
  constructor(
    readonly batchId: string,
    readonly confirmationNumber: string,
    readonly submittedOn: string,
    readonly ctx: CommandContext,
  ) {}
}
