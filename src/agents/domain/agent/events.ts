/** The agent aggregate's vocabulary: state shape, events, commands, rule error, stream name, enrollment token hash (see ./index.ts). */
import { createHash } from 'node:crypto';
import type { Actor } from '../../../ledger/port';
import {
  type Action,
  type AgentCommand as ChannelCommand,
  type Approval,
  type GateDecision,
  type SignedMessage,
} from '../../../shared/agent-protocol';
import type { AnomalyWindow } from '../anomaly-budget';

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
  | E<'AgentAnomaliesSuppressed', { agentId: string; windowStart: string; limit: number; at: string }>
  | E<
      'AgentGateAccessRecorded',
      { agentId: string; principal: string; uid: number; datasetId: string | null; grantId: string | null; decidedAt: string; at: string }
    >;

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
  'AgentGateAccessRecorded',
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
  | (Base & { kind: 'record-result'; result: VerifiedResultFacts })
  /** A decrypt-gate decision whose signature already verified against this agent's enrolled key. */
  | (Base & { kind: 'record-gate-decision'; decision: GateDecision });

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
