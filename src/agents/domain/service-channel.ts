/**
 * Service side of the channel: build and sign commands, verify results and heartbeats against
 * the key the agent enrolled with. A result from a revoked or unknown agent is rejected.
 */
import type { KeyObject } from 'node:crypto';
import {
  openMessage,
  signMessage,
  type SignedMessage,
  firstIssue,
  heartbeatSchema,
  gateDecisionSchema,
  type GateDecision,
  MAX_COMMAND_TTL_MS,
  PARAM_SCHEMAS,
  resultSchema,
  type Action,
  type AgentCommand,
  type Approval,
  type CommandResult,
  type Heartbeat,
} from '../../shared/agent-protocol';

export interface NewCommand {
  commandId: string;
  agentId: string;
  seq: number;
  action: Action;
  params: Record<string, unknown>;
  requestedBy: string;
  approvals?: Approval[];
  ledgerPosition: bigint | string;
  now: Date;
  /** Default and maximum 10 minutes. */
  ttlMs?: number;
}

export function buildCommand(c: NewCommand): AgentCommand {
  const ttl = c.ttlMs ?? MAX_COMMAND_TTL_MS;
  if (ttl <= 0 || ttl > MAX_COMMAND_TTL_MS) throw new Error('ttlMs must be within (0, 10 min]');
  const p = PARAM_SCHEMAS[c.action].safeParse(c.params);
  if (!p.success) throw new Error(`invalid params for ${c.action}: ${firstIssue(p.error)}`);
  const at = c.now.toISOString();
  return {
    v: 1,
    commandId: c.commandId,
    agentId: c.agentId,
    seq: c.seq,
    issuedAt: at,
    notBefore: at,
    expiresAt: new Date(c.now.getTime() + ttl).toISOString(),
    action: c.action,
    params: c.params,
    requestedBy: c.requestedBy,
    approvals: c.approvals ?? [],
    ledgerPosition: String(c.ledgerPosition),
  };
}

export function signCommand(cmd: AgentCommand, serviceKey: KeyObject, kid: string): SignedMessage {
  return signMessage('command', cmd, serviceKey, kid);
}

export type VerifiedResult = { ok: true; result: CommandResult; digest: string } | { ok: false; reason: string; detail: string };

/** `agentKey` is the enrolled key of `expectedAgentId` (undefined when unknown or revoked). */
export function verifyResult(msg: unknown, expectedAgentId: string, agentKey: { kid: string; key: KeyObject } | undefined): VerifiedResult {
  if (!agentKey) return { ok: false, reason: 'agent-not-active', detail: 'no active enrolled key for this agent' };
  const opened = openMessage(msg, 'result', (kid) => (kid === agentKey.kid ? agentKey.key : undefined));
  if (!opened.ok) return { ok: false, reason: opened.reason, detail: opened.detail };
  const parsed = resultSchema.safeParse(opened.body);
  if (!parsed.success) return { ok: false, reason: 'invalid-result', detail: firstIssue(parsed.error) };
  if (parsed.data.agentId !== expectedAgentId) return { ok: false, reason: 'wrong-agent', detail: 'result names another agent' };
  return { ok: true, result: parsed.data as CommandResult, digest: opened.digest };
}

export type VerifiedHeartbeat = { ok: true; heartbeat: Heartbeat } | { ok: false; reason: string; detail: string };

export function verifyHeartbeat(
  msg: unknown,
  expectedAgentId: string,
  agentKey: { kid: string; key: KeyObject } | undefined,
): VerifiedHeartbeat {
  if (!agentKey) return { ok: false, reason: 'agent-not-active', detail: 'no active enrolled key for this agent' };
  const opened = openMessage(msg, 'heartbeat', (kid) => (kid === agentKey.kid ? agentKey.key : undefined));
  if (!opened.ok) return { ok: false, reason: opened.reason, detail: opened.detail };
  const parsed = heartbeatSchema.safeParse(opened.body);
  if (!parsed.success) return { ok: false, reason: 'invalid-heartbeat', detail: firstIssue(parsed.error) };
  if (parsed.data.agentId !== expectedAgentId) return { ok: false, reason: 'wrong-agent', detail: 'heartbeat names another agent' };
  return { ok: true, heartbeat: parsed.data };
}

export type VerifiedGateDecision = { ok: true; decision: GateDecision } | { ok: false; reason: string; detail: string };

export function verifyGateDecision(
  msg: unknown,
  expectedAgentId: string,
  agentKey: { kid: string; key: KeyObject } | undefined,
): VerifiedGateDecision {
  if (!agentKey) return { ok: false, reason: 'agent-not-active', detail: 'no active enrolled key for this agent' };
  const opened = openMessage(msg, 'access', (kid) => (kid === agentKey.kid ? agentKey.key : undefined));
  if (!opened.ok) return { ok: false, reason: opened.reason, detail: opened.detail };
  const parsed = gateDecisionSchema.safeParse(opened.body);
  if (!parsed.success) return { ok: false, reason: 'invalid-gate-decision', detail: firstIssue(parsed.error) };
  if (parsed.data.agentId !== expectedAgentId) return { ok: false, reason: 'wrong-agent', detail: 'report names another agent' };
  return { ok: true, decision: parsed.data };
}

/** Peek at the unverified agent id of a message (routing only; never trusted). */
export function claimedAgentId(msg: unknown): string | null {
  try {
    const m = msg as SignedMessage;
    const body = JSON.parse(Buffer.from(m.payload, 'base64').toString('utf8')) as { agentId?: unknown };
    return typeof body.agentId === 'string' ? body.agentId : null;
  } catch {
    return null;
  }
}
