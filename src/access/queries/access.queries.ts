import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { readFresh } from '../../ledger/projections/read-fresh';
import { NotFoundError } from '../../platform/errors';
import type { GrantState } from '../domain/grant';
import type { CampaignState } from '../domain/recertification';
import {
  FindGrantsQuery,
  GetCampaignQuery,
  GetGrantQuery,
  ListCampaignsQuery,
  ListGrantsQuery,
  type CampaignListItem,
  type CampaignResult,
  type CampaignView,
  type GrantListItem,
  type GrantRef,
  type GrantResult,
  type GrantView,
} from '../messages';
import { readCampaignRow, readGrantRow } from '../projections/access.projection';

export function grantView(grantId: string, g: GrantState): GrantView {
  return {
    grantId,
    principal: g.principal,
    datasetId: g.datasetId,
    permission: g.permission,
    purpose: g.purpose,
    status: g.status,
    requestedBy: g.requestedBy,
    approvedBy: g.approvedBy,
    activeFrom: g.activeFrom,
    expiresAt: g.expiresAt,
  };
}

export function campaignView(campaignId: string, s: CampaignState): CampaignView {
  return {
    campaignId,
    status: s.status,
    startedAt: s.startedAt,
    dueAt: s.dueAt,
    revokeUnreviewed: s.revokeUnreviewed,
    items: s.items,
    escalated: s.escalated,
  };
}

/** Without a version to wait for, a read catches the projections up to the ledger head first. */
const newerThan = (minVersion: bigint | undefined) => (r: { version: number }) =>
  minVersion !== undefined && BigInt(r.version) >= minVersion;

@QueryHandler(GetGrantQuery)
export class GetGrantHandler implements IQueryHandler<GetGrantQuery, GrantResult> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ grantId, minVersion }: GetGrantQuery): Promise<GrantResult> {
    const row = await readFresh(this.projections, () => readGrantRow(this.db, grantId), newerThan(minVersion));
    if (!row) throw new NotFoundError('grant not found');
    return { view: grantView(grantId, row.state), version: BigInt(row.version) };
  }
}

@QueryHandler(ListGrantsQuery)
export class ListGrantsHandler implements IQueryHandler<ListGrantsQuery, GrantListItem[]> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ datasetId }: ListGrantsQuery): Promise<GrantListItem[]> {
    await this.projections.catchUp();
    const cols = 'grant_id AS grantId, principal, dataset_id AS datasetId, permission, status, expires_at AS expiresAt';
    return (
      datasetId
        ? this.db.prepare(`SELECT ${cols} FROM access_grants WHERE dataset_id = ? ORDER BY grant_id`).all(datasetId)
        : this.db.prepare(`SELECT ${cols} FROM access_grants ORDER BY grant_id`).all()
    ) as GrantListItem[];
  }
}

@QueryHandler(FindGrantsQuery)
export class FindGrantsHandler implements IQueryHandler<FindGrantsQuery, GrantRef[]> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ filter }: FindGrantsQuery): Promise<GrantRef[]> {
    await this.projections.catchUp();
    if (filter.statuses.length === 0 || filter.datasetIds?.length === 0) return [];
    const where = [`status IN (${filter.statuses.map(() => '?').join(',')})`];
    const args: unknown[] = [...filter.statuses];
    if (filter.principal !== undefined) {
      where.push('principal = ?');
      args.push(filter.principal);
    }
    if (filter.datasetIds) {
      where.push(`dataset_id IN (${filter.datasetIds.map(() => '?').join(',')})`);
      args.push(...filter.datasetIds);
    }
    return this.db
      .prepare(
        `SELECT grant_id AS grantId, principal, dataset_id AS datasetId, status, approved_by AS approvedBy FROM access_grants WHERE ${where.join(' AND ')} ORDER BY grant_id`,
      )
      .all(...args) as GrantRef[];
  }
}

@QueryHandler(GetCampaignQuery)
export class GetCampaignHandler implements IQueryHandler<GetCampaignQuery, CampaignResult> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ campaignId, minVersion }: GetCampaignQuery): Promise<CampaignResult> {
    const row = await readFresh(this.projections, () => readCampaignRow(this.db, campaignId), newerThan(minVersion));
    if (!row) throw new NotFoundError('campaign not found');
    return { view: campaignView(campaignId, row.state), version: BigInt(row.version) };
  }
}

@QueryHandler(ListCampaignsQuery)
export class ListCampaignsHandler implements IQueryHandler<ListCampaignsQuery, CampaignListItem[]> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ status }: ListCampaignsQuery): Promise<CampaignListItem[]> {
    await this.projections.catchUp();
    const rows = (
      status
        ? this.db.prepare('SELECT campaign_id, state FROM access_campaigns WHERE status = ? ORDER BY due_at DESC, campaign_id').all(status)
        : this.db.prepare('SELECT campaign_id, state FROM access_campaigns ORDER BY due_at DESC, campaign_id').all()
    ) as Array<{ campaign_id: string; state: string }>;
    return rows.map((r) => {
      const s = JSON.parse(r.state) as CampaignState;
      const count = (d: 'keep' | 'revoke' | null) => s.items.filter((i) => i.decision === d).length;
      return {
        campaignId: r.campaign_id,
        status: s.status ?? 'open',
        startedAt: s.startedAt,
        dueAt: s.dueAt,
        revokeUnreviewed: s.revokeUnreviewed,
        grants: s.items.length,
        kept: count('keep'),
        revoked: count('revoke'),
        undecided: count(null),
        escalated: s.escalated.length,
      };
    });
  }
}
