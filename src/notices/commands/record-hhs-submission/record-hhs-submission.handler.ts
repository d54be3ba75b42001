import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import { runBatchCommand } from '../../batch-stream';
import { RecordHhsSubmissionCommand } from './record-hhs-submission.command';

@CommandHandler(RecordHhsSubmissionCommand)
export class RecordHhsSubmissionHandler implements ICommandHandler<RecordHhsSubmissionCommand, { version: bigint }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ batchId, confirmationNumber, submittedOn, ctx }: RecordHhsSubmissionCommand): Promise<{ version: bigint }> {
    const r = await runBatchCommand(
      this.ledger,
      batchId,
      { kind: 'record-hhs-submission', confirmationNumber, submittedOn, actor: ctx.actor, at: this.ledger.now().toISOString() },
      ctx,
      'update',
    );
    return { version: r.nextExpectedVersion };
  }
}
