/** Queue names of the agent channel (BullMQ). One command queue per agent; no broadcast. */
export function agentQueueName(agentId: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(agentId)) throw new Error('agentId must be a lower-case id');
  return `agent.${agentId}`;
}
/** Signed results and heartbeats from every agent (each verified against its enrolled key). */
export const RESULTS_QUEUE = 'agent-results';
