import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { loadState } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { READ_DB } from '../../ledger/projections/projection-runner';
import { ValidationError } from '../../platform/errors';
import { firstIssue, PARAM_SCHEMAS, publicKeyFromB64, type Action, type SignedMessage } from '../../shared/agent-protocol';
import { agentDecider, agentStream, isAnomalousResult, type AgentCommand, type AgentEvent, type IssueContext } from '../domain/agent';
import { admitAnomaly } from '../domain/anomaly-budget';
import { claimedAgentId, signCommand, verifyGateDecision, verifyHeartbeat, verifyResult } from '../domain/service-channel';
import { DroppedAnomalyStore } from '../infra/dropped-anomalies';
import { HeartbeatStore } from '../infra/heartbeats';
import type { ServiceSigningKey } from '../infra/service-signing-key';
import {
  ApproveAgentCommand,
  IssueAgentCommand,
  ProposeAgentCommand,
  ReceiveAgentMessageCommand,
  type AgentCommandApproval,
  type IssuedAgentCommand,
  type ProposedAgentCommand,
  type ReceiveOutcome,
} from '../messages';
import { SERVICE_SIGNING_KEY } from '../tokens';
import { onAgent } from './enrollment.handlers';

const AGENT_ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Params that do not fit the action's schema are the caller's mistake (400), named before anything is recorded. */
function validParams(action: Action, params: Record<string, unknown>): void {
  const p = PARAM_SCHEMAS[action].safeParse(params);
  if (!p.success) throw ValidationError.field('params', `invalid params for ${action}: ${firstIssue(p.error)}`);
}

/** The ledger head the command carries, and the service key that signs it. */
async function issueContext(ledger: Ledger, signing: ServiceSigningKey): Promise<IssueContext> {
  return { ledgerPosition: String(await ledger.store.headPosition()), sign: (body) => signCommand(body, signing.key, signing.kid) };
}

const issuedIn = (events: readonly AgentEvent[]) =>
  events.find((e): e is Extract<AgentEvent, { type: 'AgentCommandIssued' }> => e.type === 'AgentCommandIssued');

/**
 * Sign and record a command (seq and signature are decided on the agent's latest state, so a
 * concurrent issue re-decides and re-signs). Delivery to the agent's queue follows from the
 * committed AgentCommandIssued (AgentCommandProcessor).
 */
@CommandHandler(IssueAgentCommand)
export class IssueAgentCommandHandler implements ICommandHandler<IssueAgentCommand, IssuedAgentCommand> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(SERVICE_SIGNING_KEY) private readonly signing: ServiceSigningKey,
  ) {}

  async execute({ agentId, action, params, ctx, expectedVersion }: IssueAgentCommand): Promise<IssuedAgentCommand> {
    validParams(action, params);
    const commandId = randomUUID();
    const r = await onAgent(
      this.ledger,
      agentId,
      { kind: 'issue-command', commandId, action, params, issue: await issueContext(this.ledger, this.signing) },
      ctx,
      { expectedVersion },
    );
    return { commandId, seq: issuedIn(r.newEvents)!.data.seq, version: r.nextExpectedVersion };
  }
}

@CommandHandler(ProposeAgentCommand)
export class ProposeAgentCommandHandler implements ICommandHandler<ProposeAgentCommand, ProposedAgentCommand> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ agentId, action, params, ctx, expectedVersion }: ProposeAgentCommand): Promise<ProposedAgentCommand> {
    validParams(action, params);
    const commandId = randomUUID();
    const r = await onAgent(this.ledger, agentId, { kind: 'propose-command', commandId, action, params }, ctx, { expectedVersion });
    return { commandId, status: 'awaiting-approval', version: r.nextExpectedVersion };
  }
}

/** One officer's signed approval; the second one issues the command in the same append. */
@CommandHandler(ApproveAgentCommand)
export class ApproveAgentCommandHandler implements ICommandHandler<ApproveAgentCommand, AgentCommandApproval> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(SERVICE_SIGNING_KEY) private readonly signing: ServiceSigningKey,
  ) {}

  async execute({ agentId, commandId, approval, ctx, expectedVersion }: ApproveAgentCommand): Promise<AgentCommandApproval> {
    const r = await onAgent(
      this.ledger,
      agentId,
      { kind: 'approve-command', commandId, approval, issue: await issueContext(this.ledger, this.signing) },
      ctx,
      { expectedVersion },
    );
    const issued = issuedIn(r.newEvents);
    if (issued) return { commandId, status: 'issued', seq: issued.data.seq, version: r.nextExpectedVersion };
    return {
      commandId,
      status: 'awaiting-approval',
      approvals: r.state.proposals[commandId]?.approvals.length ?? 0,
      version: r.nextExpectedVersion,
    };
  }
}

/**
 * A message from the results queue (Redis is not trusted): verified against the key the agent
 * enrolled with before anything in it is believed. Results are recorded (or reported as
 * anomalies) by the agent decider; heartbeats only refresh liveness.
 */
@CommandHandler(ReceiveAgentMessageCommand)
export class ReceiveAgentMessageHandler implements ICommandHandler<ReceiveAgentMessageCommand, ReceiveOutcome> {
  private readonly heartbeats: HeartbeatStore;
  private readonly dropped: DroppedAnomalyStore;

  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) db: Database.Database,
  ) {
    this.heartbeats = new HeartbeatStore(db);
    this.dropped = new DroppedAnomalyStore(db);
  }

  async execute({ message }: ReceiveAgentMessageCommand): Promise<ReceiveOutcome> {
    const agentId = claimedAgentId(message);
    if (!agentId || !AGENT_ID_RE.test(agentId)) return 'rejected';
    const { state: s } = await loadState(this.ledger, agentStream(agentId), agentDecider);
    const key = s.status === 'active' && s.publicKey && s.kid ? { kid: s.kid, key: publicKeyFromB64(s.publicKey, 'ed25519') } : undefined;
    if ((message as SignedMessage)?.type === 'heartbeat') {
      const hb = verifyHeartbeat(message, agentId, key);
      if (!hb.ok) return 'rejected';
      this.heartbeats.record(agentId, hb.heartbeat.at, hb.heartbeat.lastSeq, this.ledger.now().toISOString());
      return 'heartbeat';
    }
    if ((message as SignedMessage)?.type === 'access') {
      const g = verifyGateDecision(message, agentId, key);
      if (!g.ok) return 'rejected';
      const gctx: CommandContext = { actor: { id: `agent:${agentId}`, role: 'agent' }, correlationId: randomUUID() };
      await onAgent(this.ledger, agentId, { kind: 'record-gate-decision', decision: g.decision }, gctx);
      return 'recorded';
    }
    const v = verifyResult(message, agentId, key);
    if (!v.ok) return 'rejected';
    const r = v.result;
    const ctx: CommandContext = { actor: { id: `agent:${agentId}`, role: 'agent' }, correlationId: r.commandId ?? randomUUID() };
    const recordResult = {
      kind: 'record-result',
      result: {
        commandId: r.commandId,
        commandDigest: r.commandDigest,
        seq: r.seq,
        status: r.status,
        reason: r.reason,
        evidence: r.evidence,
        gap: r.gap,
        resultDigest: v.digest,
        jobId: r.jobId,
      },
    } as const;
    const done = await onAgent(this.ledger, agentId, recordResult, ctx);
    // Nothing recorded: a stored result redelivered, or an anomaly past the budget (counted here).
    const at = this.ledger.now().toISOString();
    if (done.newEvents.length === 0 && admitAnomaly(done.state.anomalies, at) === 'drop') {
      const command = { ...recordResult, actor: ctx.actor, at } as Extract<AgentCommand, { kind: 'record-result' }>;
      if (isAnomalousResult(command, done.state)) this.dropped.count(agentId, at);
    }
    return 'recorded';
  }
}
