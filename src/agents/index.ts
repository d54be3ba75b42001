/**
 * Public surface of the agents context (enrollment, the signed command channel, results,
 * containment). The channel's wire format is in src/shared/agent-protocol. Nothing here loads Nest.
 */
export * from './messages';
export { AGENT_EVENT_TYPES, agentStream, type AgentEvent } from './domain/agent';
export type { ContainmentAction, ContainmentOutcome } from './domain/containment';

import type { AgentEvent } from './domain/agent';
/** What a completed command proved on its host (the datasets context records it). */
export type AgentCommandCompletedData = Extract<AgentEvent, { type: 'AgentCommandCompleted' }>['data'];
