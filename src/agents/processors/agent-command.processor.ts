import type { RecordedEvent } from '../../ledger/port';
import type { EventProcessor } from '../../ledger/processors/event-processor';
import type { QueueRegistry } from '../../platform/redis';
import type { AgentEvent } from '../domain/agent';
import { agentQueueName } from '../../shared/agent-protocol';
import type { SafeguardsService } from '../safeguards.service';

/**
 * Side effects of the agent channel, from committed events (at-least-once, idempotent):
 * AgentCommandIssued → the signed message onto that agent's queue (job id = command id);
 * AgentCommandCompleted → dataset facts; KeyCompromised → safeguards listeners (triage);
 * AgentRevoked → its queue removed.
 */
export class AgentCommandProcessor implements EventProcessor {
  readonly name = 'agent-commands';
  readonly handles = ['AgentCommandIssued', 'AgentCommandCompleted', 'AgentRevoked', 'KeyCompromised'] as const;

  constructor(
    private readonly queues: QueueRegistry,
    private readonly service: SafeguardsService,
  ) {}

  async handle(event: RecordedEvent): Promise<void> {
    const e = { type: event.type, data: event.data } as AgentEvent | { type: 'KeyCompromised'; data: { keyId: string } };
    switch (e.type) {
      case 'AgentCommandIssued': {
        const agent = await this.service.agentState(e.data.agentId);
        if (agent.status !== 'active') return; // revoked since: never deliver
        if (Date.parse(e.data.expiresAt) <= Date.parse(this.service.now())) return; // expired before delivery: the agent would refuse it anyway
        await this.queues.queue(agentQueueName(e.data.agentId)).add('command', e.data.message, { jobId: e.data.commandId, removeOnComplete: 1000, removeOnFail: 1000 });
        break;
      }
      case 'AgentCommandCompleted':
        await this.service.applyCompleted(e.data);
        break;
      case 'AgentRevoked':
        await this.queues.queue(agentQueueName(e.data.agentId)).obliterate({ force: true });
        break;
      case 'KeyCompromised':
        await this.service.notifyCompromised(e.data.keyId);
        break;
    }
  }
}
