import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import { NotFoundError } from '../../../platform/errors';
import { runBatchCommand } from '../../batch-stream';
import { DeliveryStore } from '../../delivery/delivery-store';
import { RecordPrintFileMailedCommand } from './record-mailing.command';

@CommandHandler(RecordPrintFileMailedCommand)
export class RecordPrintFileMailedHandler implements ICommandHandler<RecordPrintFileMailedCommand, { version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(DeliveryStore) private readonly deliveries: DeliveryStore,
  ) {}

  async execute({ batchId, chunk, mailedOn, count, ctx }: RecordPrintFileMailedCommand): Promise<{ version: bigint }> {
    const file = (await this.deliveries.printFiles(batchId)).find((f) => f.chunk === chunk);
    if (!file) throw new NotFoundError('no such print file');
    const r = await runBatchCommand(
      this.ledger,
      batchId,
      {
        kind: 'record-mailing',
        file: { chunk, printSha256: file.printSha256, letters: file.letters },
        mailedOn,
        count,
        actor: ctx.actor,
        at: this.ledger.now().toISOString(),
      },
      ctx,
      'update',
    );
    return { version: r.nextExpectedVersion };
  }
}
