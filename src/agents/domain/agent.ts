/**
 * The agent aggregate (service side): enrollment with a single-use, short-lived token issued
 * by one security officer and approved by a second; the commands issued to it (seq assigned
 * here, strictly increasing); the signed results it returned; revocation.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../../ledger/port';
import {
  DESTRUCTIVE_ACTIONS,
  payloadDigest,
  type Action,
  type AgentCommand as ChannelCommand,
  type Approval,
  type SignedMessage,
} from '../../shared/agent-protocol';
import { buildCommand } from './service-channel';
import { admitAnomaly, afterRecorded, afterSuppressed, ANOMALY_BUDGET, type AnomalyWindow } from './anomaly-budget';

export type AgentStatus = 'token-issued' | 'pending-approval' | 'active' | 'revoked';

export interface IssuedCommand {
  commandId: string;
  seq: number;
  action: Action;
  payloadDigest: string;
  expiresAt: string;
  outcome: 'pending' | 'succeeded' | 'failed' | 'refused';
  /** The signed message as issued (for redelivery when Redis lost it). */
  message?: Record<string, unknown>;
}

export interface AgentState {
  exists: boolean;
  agentId: string | null;
  status: AgentStatus | null;
  token: { hash: string; expiresAt: string; issuedBy: string; used: boolean } | null;
  publicKey: string | null;
  sealPublicKey: string | null;
  kid: string | null;
  hostFacts: Record<string, unknown> | null;
  lastIssuedSeq: number;
  /** Highest seq the agent said it executed (results and heartbeats). */
  lastReportedSeq: number;
  commands: Record<string, IssuedCommand>;
  /** Destructive commands waiting for two officer approvals. */
  proposals: Record<string, { action: Action; params: Record<string, unknown>; requestedBy: string; approvals: Approval[] }>;
  /** Anomalies recorded in the current hour (anomaly-budget.ts). */
  anomalies: AnomalyWindow | null;
}

type E<T extends string, D> = { type: T; data: D };
export type AgentEvent =
  | E<'AgentEnrollmentTokenIssued', { agentId: string; tokenHash: string; expiresAt: string; by: string; at: string }>
  | E<
      'AgentEnrollmentRequested',
      { agentId: string; publicKey: string; sealPublicKey: string; kid: string; hostFacts: Record<string, unknown>; at: string }
    >
  | E<'AgentEnrolled', { agentId: string; approvedBy: string; kid: string; at: string }>
  | E<'AgentRevoked', { agentId: string; by: string; reason: string; at: string }>
  | E<
      'AgentCommandProposed',
      { agentId: string; commandId: string; action: Action; params: Record<string, unknown>; requestedBy: string; at: string }
    >
  | E<'AgentCommandApprovalAdded', { agentId: string; commandId: string; approval: Approval; at: string }>
  | E<
      'AgentCommandIssued',
      {
        agentId: string;
        commandId: string;
        seq: number;
        action: Action;
        payloadDigest: string;
        requestedBy: string;
        approvedBy: string[];
        expiresAt: string;
        causationEventId: string | null;
        message: Record<string, unknown>;
        at: string;
      }
    >
  | E<
      'AgentCommandCompleted',
      {
        agentId: string;
        commandId: string;
        seq: number;
        action: Action;
        resultDigest: string;
        evidence: Record<string, unknown>;
        gap: { from: number; to: number } | null;
        at: string;
      }
    >
  | E<
      'AgentCommandFailed',
      {
        agentId: string;
        commandId: string;
        seq: number;
        action: Action;
        status: 'failed' | 'refused';
        reason: string;
        resultDigest: string;
        evidence: Record<string, unknown>;
        at: string;
      }
    >
  | E<
      'AgentAnomalyReported',
      { agentId: string; kind: string; reason: string; commandDigest: string | null; commandId: string | null; detail: string; at: string }
    >
  | E<'AgentAnomaliesSuppressed', { agentId: string; windowStart: string; limit: number; at: string }>;

export const AGENT_EVENT_TYPES = [
  'AgentEnrollmentTokenIssued',
  'AgentEnrollmentRequested',
  'AgentEnrolled',
  'AgentRevoked',
  'AgentCommandProposed',
  'AgentCommandApprovalAdded',
  'AgentCommandIssued',
  'AgentCommandCompleted',
  'AgentCommandFailed',
  'AgentAnomalyReported',
  'AgentAnomaliesSuppressed',
] as const satisfies readonly AgentEvent['type'][];

export interface VerifiedResultFacts {
  commandId: string | null;
  commandDigest: string | null;
  seq: number | null;
  status: 'succeeded' | 'failed' | 'refused';
  reason: string | null;
  evidence: Record<string, unknown>;
  gap: { from: number; to: number } | null;
  resultDigest: string;
  jobId: string | null;
}

/** Signs a command body with the service key. Ed25519 is deterministic: the same body gives the same bytes. */
export type CommandSigner = (body: ChannelCommand) => SignedMessage;

/** What issuing needs besides the state: the ledger head (carried in the command) and the signer. */
export interface IssueContext {
  ledgerPosition: string;
  sign: CommandSigner;
}

/** Every command: who acts (an officer, the agent itself for enrollment and results) and when. */
interface Base {
  actor: Actor;
  at: string;
}
export type AgentCommand =
  | (Base & { kind: 'issue-token'; agentId: string; tokenHash: string; ttlMs: number })
  | (Base & {
      kind: 'request-enrollment';
      token: string;
      publicKey: string;
      sealPublicKey: string;
      kid: string;
      hostFacts: Record<string, unknown>;
    })
  | (Base & { kind: 'approve-enrollment' })
  | (Base & { kind: 'revoke'; reason: string })
  /** A destructive action waits for two officer approvals; the actor is its requester. */
  | (Base & { kind: 'propose-command'; commandId: string; action: Action; params: Record<string, unknown> })
  /** One officer's signed approval; the second one issues the command in the same decision. */
  | (Base & { kind: 'approve-command'; commandId: string; approval: Approval; issue: IssueContext })
  /** A non-destructive action: signed with the next seq and recorded as issued. */
  | (Base & { kind: 'issue-command'; commandId: string; action: Action; params: Record<string, unknown>; issue: IssueContext })
  /** A result whose signature already verified against this agent's enrolled key. */
  | (Base & { kind: 'record-result'; result: VerifiedResultFacts });

export class AgentRuleError extends Error {
  readonly code = 'AGENT_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'AgentRuleError';
  }
}

export const agentStream = (agentId: string) => `agent-${agentId}`;
export const ENROLLMENT_TOKEN_MAX_TTL_MS = 60 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash('sha256').update(`safeharbor/enrollment-token/v1|${token}`).digest('hex');
}

export function initialAgentState(): AgentState {
  return {
    exists: false,
    agentId: null,
    status: null,
    token: null,
    publicKey: null,
    sealPublicKey: null,
    kid: null,
    hostFacts: null,
    lastIssuedSeq: 0,
    lastReportedSeq: 0,
    commands: {},
    proposals: {},
    anomalies: null,
  };
}

function need(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AgentRuleError(message);
}

/** The next seq, the signed message and its digest: what the agent will verify, as recorded. */
function issued(
  s: AgentState,
  agentId: string,
  x: { commandId: string; action: Action; params: Record<string, unknown>; requestedBy: string; approvals: Approval[] },
  issue: IssueContext,
  at: string,
): AgentEvent {
  const seq = s.lastIssuedSeq + 1;
  let body: ChannelCommand;
  try {
    body = buildCommand({ ...x, agentId, seq, ledgerPosition: issue.ledgerPosition, now: new Date(at) });
  } catch (e) {
    throw new AgentRuleError((e as Error).message);
  }
  const message = issue.sign(body);
  return {
    type: 'AgentCommandIssued',
    data: {
      agentId,
      commandId: x.commandId,
      seq,
      action: x.action,
      payloadDigest: payloadDigest(message),
      requestedBy: x.requestedBy,
      approvedBy: x.approvals.map((a) => a.approverId),
      expiresAt: body.expiresAt,
      causationEventId: null,
      message: message as unknown as Record<string, unknown>,
      at,
    },
  };
}

export function decideAgent(c: AgentCommand, s: AgentState): AgentEvent[] {
  if (c.kind === 'issue-token') {
    need(!s.exists || s.status === 'token-issued', 'agent id already enrolled or pending: choose a new agent id');
    need(/^[a-z0-9][a-z0-9-]{0,63}$/.test(c.agentId), 'agentId: must be a lower-case id');
    need(c.ttlMs > 0 && c.ttlMs <= ENROLLMENT_TOKEN_MAX_TTL_MS, 'ttl: at most one hour');
    return [
      {
        type: 'AgentEnrollmentTokenIssued',
        data: {
          agentId: c.agentId,
          tokenHash: c.tokenHash,
          expiresAt: new Date(Date.parse(c.at) + c.ttlMs).toISOString(),
          by: c.actor.id,
          at: c.at,
        },
      },
    ];
  }
  need(s.exists && s.agentId, 'agent does not exist');
  const agentId = s.agentId;
  switch (c.kind) {
    case 'request-enrollment': {
      need(s.status === 'token-issued' && s.token && !s.token.used, 'no usable enrollment token for this agent');
      const a = Buffer.from(hashToken(c.token), 'hex');
      const b = Buffer.from(s.token.hash, 'hex');
      need(a.length === b.length && timingSafeEqual(a, b), 'token: invalid');
      need(Date.parse(c.at) < Date.parse(s.token.expiresAt), 'token: expired');
      return [
        {
          type: 'AgentEnrollmentRequested',
          data: { agentId, publicKey: c.publicKey, sealPublicKey: c.sealPublicKey, kid: c.kid, hostFacts: c.hostFacts, at: c.at },
        },
      ];
    }
    case 'approve-enrollment':
      need(s.status === 'pending-approval', `cannot approve an agent that is ${s.status}`);
      need(c.actor.id !== s.token!.issuedBy, 'two-person rule: the approver must not be the officer who issued the token');
      return [{ type: 'AgentEnrolled', data: { agentId, approvedBy: c.actor.id, kid: s.kid!, at: c.at } }];
    case 'revoke':
      need(s.status !== 'revoked', 'agent already revoked');
      need(c.reason.trim().length > 0, 'reason: required');
      return [{ type: 'AgentRevoked', data: { agentId, by: c.actor.id, reason: c.reason, at: c.at } }];
    case 'propose-command':
      need(s.status === 'active', `cannot send commands to an agent that is ${s.status}`);
      need(DESTRUCTIVE_ACTIONS.includes(c.action), 'only destructive actions wait for approvals');
      need(!s.proposals[c.commandId] && !s.commands[c.commandId], 'commandId already used');
      return [
        {
          type: 'AgentCommandProposed',
          data: { agentId, commandId: c.commandId, action: c.action, params: c.params, requestedBy: c.actor.id, at: c.at },
        },
      ];
    case 'approve-command': {
      const p = s.proposals[c.commandId];
      need(p, 'no such command waiting for approval');
      need(c.approval.approverId === c.actor.id, 'approval.approverId: must be the approving principal');
      need(c.actor.id !== p.requestedBy, 'two-person rule: the requester cannot approve');
      need(!p.approvals.some((a) => a.approverId === c.actor.id), 'this officer already approved');
      need(c.actor.role === 'security-officer' || c.actor.role === 'compliance-officer', 'only an officer may approve');
      need(c.approval.role === c.actor.role, "approval.role: must be the approver's role");
      const added: AgentEvent = {
        type: 'AgentCommandApprovalAdded',
        data: { agentId, commandId: c.commandId, approval: c.approval, at: c.at },
      };
      const approvals = [...p.approvals, c.approval];
      if (approvals.length < 2) return [added];
      need(s.status === 'active', `cannot send commands to an agent that is ${s.status}`);
      return [
        added,
        issued(
          s,
          agentId,
          { commandId: c.commandId, action: p.action, params: p.params, requestedBy: p.requestedBy, approvals },
          c.issue,
          c.at,
        ),
      ];
    }
    case 'issue-command': {
      need(s.status === 'active', `cannot send commands to an agent that is ${s.status}`);
      need(!DESTRUCTIVE_ACTIONS.includes(c.action), 'destructive actions are proposed and approved by two officers, never issued directly');
      need(!s.commands[c.commandId] && !s.proposals[c.commandId], 'commandId already used');
      return [
        issued(
          s,
          agentId,
          { commandId: c.commandId, action: c.action, params: c.params, requestedBy: c.actor.id, approvals: [] },
          c.issue,
          c.at,
        ),
      ];
    }
    case 'record-result': {
      need(s.status === 'active', 'results of a revoked or unapproved agent are rejected');
      const r = c.result;
      const issued = r.commandId ? s.commands[r.commandId] : undefined;
      const anomaly = (kind: string, reason: string, detail: string): AgentEvent[] => {
        // Anomalies that anyone able to write to Redis can cause are budgeted; seq gaps ride on real results.
        const admission = kind === 'seq-gap' ? 'record' : admitAnomaly(s.anomalies, c.at);
        if (admission === 'drop') return [];
        if (admission === 'suppress')
          return [
            {
              type: 'AgentAnomaliesSuppressed',
              data: { agentId, windowStart: s.anomalies?.start ?? c.at, limit: ANOMALY_BUDGET.perWindow, at: c.at },
            },
          ];
        return [
          {
            type: 'AgentAnomalyReported',
            data: { agentId, kind, reason, commandDigest: r.commandDigest, commandId: r.commandId, detail, at: c.at },
          },
        ];
      };
      // The agent saw a command it had already run arrive again under another job: a replay.
      if (r.reason === 'replayed-command')
        return anomaly('refused-replay', 'replayed-command', 'a copy of an executed command was delivered again and refused');
      if (!issued) {
        // The agent refused something we never issued: forged, injected, or for someone else.
        if (r.status === 'refused')
          return anomaly(
            'refused-unknown-command',
            r.reason ?? 'refused',
            `job ${r.jobId ?? '?'}: ${String(r.evidence.detail ?? '')}`.slice(0, 300),
          );
        return anomaly('result-for-unknown-command', r.status, 'the agent reported running a command this service never issued');
      }
      if (r.commandDigest !== issued.payloadDigest || r.seq !== issued.seq) {
        // A refusal of a tampered copy carries the digest of what the agent received.
        if (r.status === 'refused')
          return anomaly(
            'refused-tampered-command',
            r.reason ?? 'refused',
            'the agent refused a command whose bytes differ from what was issued',
          );
        return anomaly('result-mismatch', 'digest-or-seq-mismatch', 'result does not match the issued command');
      }
      if (issued.outcome !== 'pending') {
        // A stored result redelivered: nothing new. A done command refused again (its stored result
        // already pruned, so the agent saw a stale seq) is a replay.
        if (r.status === 'refused' && issued.outcome !== 'refused')
          return anomaly('refused-replay', r.reason ?? 'refused', 'a copy of an executed command was delivered again and refused');
        return [];
      }
      const jump: AgentEvent[] =
        r.reason === 'seq-too-far-ahead'
          ? anomaly('seq-jump', 'seq-too-far-ahead', `seq ${r.seq} is beyond the agent's window; refused without moving its sequence`)
          : [];
      const gapEvents: AgentEvent[] = r.gap
        ? anomaly('seq-gap', 'seq-gap', `commands ${r.gap.from}–${r.gap.to} never reached the agent (withheld or lost)`)
        : [];
      if (r.status === 'succeeded') {
        return [
          {
            type: 'AgentCommandCompleted',
            data: {
              agentId,
              commandId: issued.commandId,
              seq: issued.seq,
              action: issued.action,
              resultDigest: r.resultDigest,
              evidence: r.evidence,
              gap: r.gap,
              at: c.at,
            },
          },
          ...gapEvents,
        ];
      }
      return [
        {
          type: 'AgentCommandFailed',
          data: {
            agentId,
            commandId: issued.commandId,
            seq: issued.seq,
            action: issued.action,
            status: r.status,
            reason: r.reason ?? 'unknown',
            resultDigest: r.resultDigest,
            evidence: r.evidence,
            at: c.at,
          },
        },
        ...gapEvents,
        ...jump,
      ];
    }
    default:
      throw new AgentRuleError('unknown command');
  }
}

export function evolveAgent(s: AgentState, e: AgentEvent): AgentState {
  switch (e.type) {
    case 'AgentEnrollmentTokenIssued':
      return {
        ...initialAgentState(),
        exists: true,
        agentId: e.data.agentId,
        status: 'token-issued',
        token: { hash: e.data.tokenHash, expiresAt: e.data.expiresAt, issuedBy: e.data.by, used: false },
      };
    case 'AgentEnrollmentRequested':
      return {
        ...s,
        status: 'pending-approval',
        token: s.token && { ...s.token, used: true },
        publicKey: e.data.publicKey,
        sealPublicKey: e.data.sealPublicKey,
        kid: e.data.kid,
        hostFacts: e.data.hostFacts,
      };
    case 'AgentEnrolled':
      return { ...s, status: 'active' };
    case 'AgentRevoked':
      return { ...s, status: 'revoked' };
    case 'AgentCommandProposed':
      return {
        ...s,
        proposals: {
          ...s.proposals,
          [e.data.commandId]: { action: e.data.action, params: e.data.params, requestedBy: e.data.requestedBy, approvals: [] },
        },
      };
    case 'AgentCommandApprovalAdded': {
      const p = s.proposals[e.data.commandId];
      return p ? { ...s, proposals: { ...s.proposals, [e.data.commandId]: { ...p, approvals: [...p.approvals, e.data.approval] } } } : s;
    }
    case 'AgentCommandIssued': {
      const { [e.data.commandId]: _done, ...proposals } = s.proposals;
      void _done;
      return {
        ...s,
        proposals,
        lastIssuedSeq: e.data.seq,
        commands: {
          ...s.commands,
          [e.data.commandId]: {
            commandId: e.data.commandId,
            seq: e.data.seq,
            action: e.data.action,
            payloadDigest: e.data.payloadDigest,
            expiresAt: e.data.expiresAt,
            outcome: 'pending',
            message: e.data.message,
          },
        },
      };
    }
    case 'AgentCommandCompleted':
      return {
        ...s,
        lastReportedSeq: Math.max(s.lastReportedSeq, e.data.seq),
        commands: { ...s.commands, [e.data.commandId]: { ...s.commands[e.data.commandId], outcome: 'succeeded' } },
      };
    case 'AgentCommandFailed':
      return {
        ...s,
        lastReportedSeq: Math.max(s.lastReportedSeq, e.data.seq),
        commands: { ...s.commands, [e.data.commandId]: { ...s.commands[e.data.commandId], outcome: e.data.status } },
      };
    case 'AgentAnomalyReported':
      return e.data.kind === 'seq-gap' ? s : { ...s, anomalies: afterRecorded(s.anomalies ?? null, e.data.at) };
    case 'AgentAnomaliesSuppressed':
      return { ...s, anomalies: afterSuppressed(s.anomalies ?? null, e.data.at) };
    default:
      return s;
  }
}

export const agentDecider = { initialState: initialAgentState, evolve: evolveAgent, decide: decideAgent };
