/**
 * Every reported incident becomes a candidate risk, which opens a risk review after the incident
 * (workflow risk-review-after-change, HIPAA 164.308(a)(1)(ii)(B) / (a)(6)). At-least-once and
 * idempotent: the candidate id derives from the incident id.
 */
import type { CommandBus } from '@nestjs/cqrs';
import type { EventProcessor } from '../../ledger/processors/event-processor';
import type { RecordedEvent } from '../../ledger/port';
import { ProposeRiskCandidateCommand } from '../commands';
import { systemActor } from '../../shared/system-actor';

export function incidentCandidatesProcessor(commands: CommandBus): EventProcessor {
  return {
    name: 'risk.incident-candidates',
    handles: ['IncidentReported'],
    async handle(e: RecordedEvent) {
      const d = e.data as { incidentId: string };
      if (typeof d.incidentId !== 'string') return;
      await commands.execute(
        new ProposeRiskCandidateCommand(
          {
            origin: 'incident',
            sourceRef: { kind: 'incident', id: d.incidentId },
            code: 'incident',
            // Never the incident's title: free text is PHI until proven otherwise and stays sealed in its own incident.
            title: `Review the risk analysis after incident ${d.incidentId}`,
            severity: 'high',
          },
          { actor: systemActor('risk'), correlationId: e.metadata.correlationId, causationId: e.id },
        ),
      );
    },
  };
}
