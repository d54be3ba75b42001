import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import { runBatchCommand } from '../../batch-stream';
import { CancelNoticeBatchCommand } from './cancel-notice-batch.command';

@CommandHandler(CancelNoticeBatchCommand)
export class CancelNoticeBatchHandler implements ICommandHandler<CancelNoticeBatchCommand, { version: bigint }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ batchId, reason, ctx }: CancelNoticeBatchCommand): Promise<{ version: bigint }> {
    const r = await runBatchCommand(
      this.ledger,
      batchId,
      { kind: 'cancel', reason, actor: ctx.actor, at: this.ledger.now().toISOString() },
      ctx,
      'update',
    );
    return { version: r.nextExpectedVersion };
  }
}
