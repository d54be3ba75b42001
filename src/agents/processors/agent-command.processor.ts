import { loadState } from '../../ledger/decider';
import type { Ledger } from '../../ledger/ledger';
import type { RecordedEvent } from '../../ledger/port';
import type { EventProcessor } from '../../ledger/processors/event-processor';
import type { QueueRegistry } from '../../platform/redis';
import { agentQueueName } from '../../shared/agent-protocol';
import { agentDecider, agentStream, type AgentEvent } from '../domain/agent';

/**
 * Delivery of the agent channel, from committed events (at-least-once, idempotent):
 * AgentCommandIssued → the signed message onto that agent's queue (job id = command id);
 * AgentRevoked → its queue removed.
 */
export function agentCommandProcessor(queues: QueueRegistry, ledger: Ledger): EventProcessor {
  return {
    name: 'agent-commands',
    handles: ['AgentCommandIssued', 'AgentRevoked'],
    async handle(event: RecordedEvent) {
      const e = { type: event.type, data: event.data } as AgentEvent;
      if (e.type === 'AgentCommandIssued') {
        const { state } = await loadState(ledger, agentStream(e.data.agentId), agentDecider);
        if (state.status !== 'active') return; // revoked since: never deliver
        if (Date.parse(e.data.expiresAt) <= ledger.now().getTime()) return; // expired before delivery: the agent would refuse it anyway
        await queues
          .queue(agentQueueName(e.data.agentId))
          .add('command', e.data.message, { jobId: e.data.commandId, removeOnComplete: 1000, removeOnFail: 1000 });
      } else if (e.type === 'AgentRevoked') {
        await queues.queue(agentQueueName(e.data.agentId)).obliterate({ force: true });
      }
    },
  };
}
