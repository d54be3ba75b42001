import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import { runBatchCommand } from '../../batch-stream';
import { ReleaseNoticeBatchCommand } from './release-notice-batch.command';

@CommandHandler(ReleaseNoticeBatchCommand)
export class ReleaseNoticeBatchHandler implements ICommandHandler<ReleaseNoticeBatchCommand, { version: bigint }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ batchId, ctx, expectedVersion }: ReleaseNoticeBatchCommand): Promise<{ version: bigint }> {
    const r = await runBatchCommand(
      this.ledger,
      batchId,
      { kind: 'release', actor: ctx.actor, at: this.ledger.now().toISOString() },
      ctx,
      'update',
      expectedVersion,
    );
    return { version: r.nextExpectedVersion };
  }
}
