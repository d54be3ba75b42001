/**
 * The access context's commands and queries (@nestjs/cqrs messages): grants and
 * recertification campaigns. Other contexts import them from the context's index.
 */
import type { CommandContext } from '../ledger/ledger';
import type { GrantStatus, Permission, PrincipalKind } from './domain/grant';
import type { CampaignState } from './domain/recertification';

/** The access.apply command sent to the dataset's agent after a grant change (null when its agent is not active). */
export type PushedGrants = { commandId: string; seq: number } | null;

export interface RequestGrantBody {
  grantId?: string;
  principal: string;
  principalKind?: PrincipalKind;
  datasetId: string;
  permission: Permission;
  purpose: string;
  durationDays: number;
}

export class RequestGrantCommand {
  constructor(
    readonly body: RequestGrantBody,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

/** A different officer approves; the dataset's agent then receives the full set of active grants. */
export class ApproveGrantCommand {
  constructor(
    readonly grantId: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

export class RejectGrantCommand {
  constructor(
    readonly grantId: string,
    readonly reason: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

export class RevokeGrantCommand {
  constructor(
    readonly grantId: string,
    readonly reason: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
    /** The recertification campaign that asked for it, if any. */
    readonly campaignId?: string,
  ) {}
}
export interface GrantChange {
  version: bigint;
  command: PushedGrants;
}

/** The expiry sweep: every active grant past its end is expired and its agent told. Idempotent. */
export class ExpireDueGrantsCommand {
  constructor(readonly ctx: CommandContext) {}
}

/** One grant's expiry (the access-grant-expiry workflow's action); early or late firing is a no-op. */
export class ExpireGrantCommand {
  constructor(
    readonly grantId: string,
    readonly ctx: CommandContext,
  ) {}
}

/** Containment of a compromised principal: every grant it holds revoked and pushed to the agents. */
export class ContainPrincipalCommand {
  constructor(
    readonly principal: string,
    readonly reason: string,
    readonly ctx: CommandContext,
  ) {}
}

export interface StartCampaignBody {
  campaignId: string;
  dueAt: string;
  revokeUnreviewed: boolean;
}

/** Opens a campaign: the active grants are frozen as its population; each grant's reviewer is the officer who approved it. */
export class StartCampaignCommand {
  constructor(
    readonly body: StartCampaignBody,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

export class ReviewGrantCommand {
  constructor(
    readonly campaignId: string,
    readonly grantId: string,
    readonly decision: 'keep' | 'revoke',
    readonly reason: string | undefined,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

/** Campaigns past their due date: unreviewed grants escalated (and revoked when the campaign says so), campaign closed. */
export class CloseDueCampaignsCommand {
  constructor(readonly ctx: CommandContext) {}
}

export interface GrantView {
  grantId: string;
  principal: string | null;
  datasetId: string | null;
  permission: Permission | null;
  purpose: string | null;
  status: GrantStatus | null;
  requestedBy: string | null;
  approvedBy: string | null;
  activeFrom: string | null;
  expiresAt: string | null;
}
export type GrantResult = { view: GrantView; version: bigint };

export class GetGrantQuery {
  constructor(
    readonly grantId: string,
    readonly minVersion?: bigint,
  ) {}
}

export class ListGrantsQuery {
  constructor(readonly datasetId?: string) {}
}
export interface GrantListItem {
  grantId: string;
  principal: string;
  datasetId: string;
  permission: string;
  status: string;
  expiresAt: string | null;
}

/** Grants by status (and principal, datasets): what containment and custodian checks look at. */
export class FindGrantsQuery {
  constructor(readonly filter: { statuses: readonly GrantStatus[]; principal?: string; datasetIds?: readonly string[] }) {}
}
export interface GrantRef {
  grantId: string;
  principal: string;
  datasetId: string;
  status: GrantStatus;
  approvedBy: string | null;
}

export interface CampaignView {
  campaignId: string;
  status: CampaignState['status'];
  startedAt: string | null;
  dueAt: string | null;
  revokeUnreviewed: boolean;
  items: CampaignState['items'];
  escalated: string[];
}
export type CampaignResult = { view: CampaignView; version: bigint };

/** Campaigns, newest due first, optionally by status: how far each has come (no grant details). */
export class ListCampaignsQuery {
  constructor(readonly status?: 'open' | 'closed') {}
}
export interface CampaignListItem {
  campaignId: string;
  status: 'open' | 'closed';
  startedAt: string | null;
  dueAt: string | null;
  revokeUnreviewed: boolean;
  grants: number;
  kept: number;
  revoked: number;
  undecided: number;
  escalated: number;
}

export class GetCampaignQuery {
  constructor(
    readonly campaignId: string,
    readonly minVersion?: bigint,
  ) {}
}
