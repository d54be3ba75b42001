import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { RunIncidentCommand } from '../../../incidents';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import { runBatchCommand } from '../../batch-stream';
import { DeliveryStore } from '../../delivery/delivery-store';
import { noticeFactsFromIncident } from '../../domain/from-incident';
import { RecordNoticeReturnsCommand } from './record-returns.command';

export interface ReturnsResult {
  recorded: number;
  insufficientContactAdded: number;
  unknownLetterIds: string[];
  incidentsUpdated: string[];
}

@CommandHandler(RecordNoticeReturnsCommand)
export class RecordNoticeReturnsHandler implements ICommandHandler<RecordNoticeReturnsCommand, ReturnsResult> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(DeliveryStore) private readonly deliveries: DeliveryStore,
    private readonly commands: CommandBus,
  ) {}

  async execute({ entries, ctx }: RecordNoticeReturnsCommand): Promise<ReturnsResult> {
    const byBatch = new Map<string, { kind: 'returned-mail' | 'bounce'; letterIds: string[] }>();
    const unknown: string[] = [];
    const at = this.ledger.now().toISOString();
    for (const e of entries) {
      const rec = await this.deliveries.byLetterId(e.letterId);
      if (!rec) {
        unknown.push(e.letterId);
        continue;
      }
      await this.deliveries.markReturned(rec.batchId, rec.individualId, at, `${e.kind}: ${e.reason}`.slice(0, 200));
      const key = `${rec.batchId}|${e.kind}`;
      const g = byBatch.get(key) ?? { kind: e.kind, letterIds: [] };
      g.letterIds.push(e.letterId);
      byBatch.set(key, g);
    }
    let added = 0;
    const perIncident = new Map<string, { added: number; batches: string[] }>();
    for (const [key, g] of byBatch) {
      const batchId = key.split('|')[0]!;
      const { newEvents } = await runBatchCommand(
        this.ledger,
        batchId,
        { kind: 'record-returns', letterIds: g.letterIds, returnKind: g.kind, actor: ctx.actor, at },
        ctx,
        'update',
      );
      for (const ev of newEvents) {
        if (ev.type !== 'NoticesReturned') continue;
        added += ev.data.insufficientContactAdded;
        const p = perIncident.get(ev.data.incidentId) ?? { added: 0, batches: [] };
        p.added += ev.data.insufficientContactAdded;
        p.batches.push(batchId);
        perIncident.set(ev.data.incidentId, p);
      }
    }
    // Raise the incident's insufficient-contact count: the incident context re-runs triage on
    // AffectedCountsRevised and may add a substitute-notice obligation.
    const triageUpdated: string[] = [];
    for (const [incidentId, p] of perIncident) {
      const events = await this.ledger.readStream(`incident-${incidentId}`);
      const known = noticeFactsFromIncident(incidentId, events as never);
      if (!known.counts) continue;
      const total = Object.values(known.counts.byState).reduce((a, b) => a + b, 0);
      const counts = { byState: known.counts.byState, insufficientContact: Math.min(total, known.counts.insufficientContact + p.added) };
      await this.commands.execute(
        new RunIncidentCommand(
          incidentId,
          {
            kind: 'revise-affected-counts',
            counts,
            reason: 'returned-mail',
            note: `${p.added} notices returned (batches ${p.batches.join(', ')})`,
          },
          ctx,
        ),
      );
      triageUpdated.push(incidentId);
    }
    return {
      recorded: entries.length - unknown.length,
      insufficientContactAdded: added,
      unknownLetterIds: unknown,
      incidentsUpdated: triageUpdated,
    };
  }
}
