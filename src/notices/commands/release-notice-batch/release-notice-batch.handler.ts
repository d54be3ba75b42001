import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import { loadBatch, runBatchCommand } from '../../batch-stream';
import { noticeFactsFromIncident } from '../../domain/from-incident';
import { ReleaseNoticeBatchCommand } from './release-notice-batch.command';

@CommandHandler(ReleaseNoticeBatchCommand)
export class ReleaseNoticeBatchHandler implements ICommandHandler<ReleaseNoticeBatchCommand, { version: bigint }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ batchId, ctx, expectedVersion }: ReleaseNoticeBatchCommand): Promise<{ version: bigint }> {
    const { state } = await loadBatch(this.ledger, batchId);
    const incident = state.incidentId ? await this.ledger.readStream(`incident-${state.incidentId}`) : [];
    const { unresolvedOpen } = noticeFactsFromIncident(state.incidentId, incident as never);
    const r = await runBatchCommand(
      this.ledger,
      batchId,
      { kind: 'release', unresolvedRows: unresolvedOpen, actor: ctx.actor, at: this.ledger.now().toISOString() },
      ctx,
      'update',
      expectedVersion,
    );
    return { version: r.nextExpectedVersion };
  }
}
