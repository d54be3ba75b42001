import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import { runBatchCommand } from '../../batch-stream';
import { ApproveNoticeBatchCommand } from './approve-notice-batch.command';

@CommandHandler(ApproveNoticeBatchCommand)
export class ApproveNoticeBatchHandler implements ICommandHandler<ApproveNoticeBatchCommand, { version: bigint }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ batchId, contentDigest, ctx, expectedVersion }: ApproveNoticeBatchCommand): Promise<{ version: bigint }> {
    const r = await runBatchCommand(
      this.ledger,
      batchId,
      { kind: 'approve', contentDigest, actor: ctx.actor, at: this.ledger.now().toISOString() },
      ctx,
      'update',
      expectedVersion,
    );
    return { version: r.nextExpectedVersion };
  }
}
