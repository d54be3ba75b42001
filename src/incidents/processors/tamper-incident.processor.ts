import type { CommandBus } from '@nestjs/cqrs';
import { WrongExpectedVersionError } from '../../ledger/errors';
import type { EventProcessor } from '../../ledger/processors/event-processor';
import type { RecordedEvent } from '../../ledger/port';
import { ReportIncidentCommand } from '../commands/report-incident';
import { systemActor } from '../../shared/system-actor';

/**
 * Tampering with the ledger is a security incident: every LedgerTamperDetected opens one for the
 * security officer (discovered the day it was detected), so it gets triaged, tracked and closed
 * like any other. The incident id is the alert id, so a redelivered alert never opens a second.
 */
export function tamperIncidentProcessor(commands: CommandBus, localDate: (iso: string) => string): EventProcessor {
  return {
    name: 'incidents.ledger-tamper',
    handles: ['LedgerTamperDetected'],
    async handle(event: RecordedEvent) {
      const d = event.data as { alertId: string; kind: string; reason: string; position?: number | string; detectedBy?: string };
      const at = d.position !== undefined ? ` at ledger position ${d.position}` : '';
      try {
        await commands.execute(
          new ReportIncidentCommand(
            {
              title: `Ledger tampering detected (${d.kind})`.slice(0, 200),
              discoveredOn: localDate(event.metadata.occurredAt),
              summary:
                `The integrity check (${d.detectedBy ?? 'ledger integrity'}) found ${d.kind}${at}: ${d.reason}. See GET /v1/ledger/tamper-alerts and run safeharbor ledger verify.`.slice(
                  0,
                  4000,
                ),
              reporter: { kind: 'covered-entity' },
              discovery: { basis: 'actual-knowledge' },
              breachType: 'hacking-it-incident',
              locations: ['network-server'],
            },
            { actor: systemActor('ledger-integrity'), correlationId: d.alertId, causationId: event.id },
            d.alertId,
          ),
        );
      } catch (e) {
        if (!(e instanceof WrongExpectedVersionError)) throw e; // already opened by an earlier delivery
      }
    },
  };
}
