/**
 * The agents context's commands and queries (@nestjs/cqrs messages): enrollment, the signed
 * command channel, results, and the containment playbook. Other contexts import them from the
 * context's index.
 */
import type { CommandContext } from '../ledger/ledger';
import type { Action, Approval } from '../shared/agent-protocol';
import type { ContainmentAction, ContainmentOutcome } from './domain/containment';

export class IssueEnrollmentTokenCommand {
  constructor(
    readonly agentId: string,
    readonly ttlMinutes: number,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}
export interface EnrollmentToken {
  agentId: string;
  token: string;
  expiresAt: string;
  version: bigint;
}

export interface EnrollmentRequest {
  token: string;
  agentId: string;
  publicKey: string;
  sealPublicKey: string;
  hostFacts: Record<string, unknown>;
}
/** The agent's own request (unauthenticated: the single-use token is the credential). */
export class RequestEnrollmentCommand {
  constructor(
    readonly body: EnrollmentRequest,
    readonly expectedVersion?: bigint,
  ) {}
}
export interface EnrollmentRequested {
  agentId: string;
  status: 'pending-approval';
  servicePublicKey: string;
  serviceKid: string;
  version: bigint;
}

export class ApproveEnrollmentCommand {
  constructor(
    readonly agentId: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

export class RevokeAgentCommand {
  constructor(
    readonly agentId: string,
    readonly reason: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

/** Sign and record a non-destructive command for one agent; delivery follows from the committed event. */
export class IssueAgentCommand {
  constructor(
    readonly agentId: string,
    readonly action: Action,
    readonly params: Record<string, unknown>,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}
export interface IssuedAgentCommand {
  commandId: string;
  seq: number;
  version: bigint;
}

/** A destructive command (dataset.shred, key.revoke) waits for two officers' signed approvals. */
export class ProposeAgentCommand {
  constructor(
    readonly agentId: string,
    readonly action: Action,
    readonly params: Record<string, unknown>,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}
export interface ProposedAgentCommand {
  commandId: string;
  status: 'awaiting-approval';
  version: bigint;
}

/** One officer's signed approval; the second one issues the command. */
export class ApproveAgentCommand {
  constructor(
    readonly agentId: string,
    readonly commandId: string,
    readonly approval: Approval,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}
export type AgentCommandApproval =
  | { commandId: string; status: 'issued'; seq: number; version: bigint }
  | { commandId: string; status: 'awaiting-approval'; approvals: number; version: bigint };

/** A signed result or heartbeat from the results queue; anything that does not verify is rejected. */
export class ReceiveAgentMessageCommand {
  constructor(readonly message: unknown) {}
}
export type ReceiveOutcome = 'recorded' | 'heartbeat' | 'rejected';

export interface ProposeContainmentBody {
  incidentId: string;
  reason: string;
  principals: string[];
  keyIds: string[];
  compromisedAt?: string;
}
export class ProposeContainmentCommand {
  constructor(
    readonly body: ProposeContainmentBody,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}
export interface ContainmentProposal {
  containmentId: string;
  status: 'proposed';
  actions: ContainmentAction[];
  version: bigint;
}

/** One approval by another officer issues every proposed action; the outcomes are recorded. */
export class ApproveContainmentCommand {
  constructor(
    readonly containmentId: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}
export interface ContainmentExecution {
  containmentId: string;
  status: 'executed';
  outcomes: ContainmentOutcome[];
  version: bigint;
}

export interface AgentView {
  agentId: string;
  status: string;
  kid: string | null;
  hostFacts: Record<string, unknown> | null;
  lastIssuedSeq: number;
  lastReportedSeq: number;
  awaitingApproval: { commandId: string; action: Action; params: Record<string, unknown>; requestedBy: string; approvals: string[] }[];
  commands: {
    commandId: string;
    seq: number;
    action: Action;
    payloadDigest: string;
    expiresAt: string;
    outcome: string;
    /** Why it failed or was refused (the agent's code, e.g. symlink-refused); null when it succeeded or is pending. */
    reason: string | null;
  }[];
  /** What the agent refused or reported as suspicious (replays, junk jobs, seq jumps), newest first. */
  anomalies: {
    /** Recorded in the ledger (each budget window holds at most ANOMALY_BUDGET.perWindow, plus one "suppressed" marker). */
    total: number;
    /** Reported but not recorded one by one: past the hourly budget (the marker's own one, and those dropped after it). */
    suppressed: number;
    recent: { kind: string; reason: string; detail: string; at: string }[];
  };
  /** Cleartext reads the agent's decrypt gate allowed (who, by the kernel's account; which dataset and grant), newest first. */
  gateAccess: { principal: string; uid: number; datasetId: string | null; grantId: string | null; decidedAt: string }[];
  servicePublicKey: string;
}
export type AgentResult = { view: AgentView; version: bigint };

export class GetAgentQuery {
  constructor(
    readonly agentId: string,
    readonly minVersion?: bigint,
  ) {}
}

export class ListAgentsQuery {}
export interface AgentListItem {
  agentId: string;
  status: string;
  kid: string | null;
  lastIssuedSeq: number;
  updatedAt: string;
  /** When its last signed heartbeat arrived (null: none since the service started keeping them). */
  lastHeardAt: string | null;
  /** Anomalies it reported (refused replays, junk jobs, seq jumps), and the newest one's time. */
  anomalies: number;
  lastAnomalyAt: string | null;
  /** Anomalies past the hourly budget, not recorded one by one (see AgentView.anomalies.suppressed). */
  suppressedAnomalies: number;
}

/** What another context needs to address an agent: is it active, and its X25519 key to seal key material to. */
export class AgentChannelQuery {
  constructor(readonly agentId: string) {}
}
export type AgentChannel = { agentId: string; status: string; sealPublicKey: string | null } | null;

/** Issued commands still pending and unexpired, for redelivery when Redis lost them. */
export class PendingDeliveriesQuery {}
export interface PendingDelivery {
  agentId: string;
  commandId: string;
  message: Record<string, unknown>;
}

/** The containment actions carried out for an incident (what notices say was done to limit the harm). */
export class ContainmentActionsOfIncidentQuery {
  constructor(readonly incidentId: string) {}
}
export interface ContainmentActionDone {
  containmentId: string;
  kind: ContainmentAction['kind'];
}
