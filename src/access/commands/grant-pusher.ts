import { Inject, Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { AgentChannelQuery, IssueAgentCommand, type AgentChannel, type IssuedAgentCommand } from '../../agents';
import { GetDatasetQuery, type DatasetResult } from '../../datasets';
import { GetKeyQuery, type KeyResult } from '../../keys';
import type { PushedGrants } from '../messages';

/**
 * What grant changes need from the other contexts: the custodians of the key a dataset is
 * encrypted under (separation of duties), and the agent that enforces the dataset's grants.
 */
@Injectable()
export class GrantPusher {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** Custodians of the key the dataset is encrypted under now (none before it is encrypted). Throws NotFound for an unknown dataset. */
  async custodiansOfDataset(datasetId: string): Promise<string[]> {
    const { view } = await this.queries.execute<GetDatasetQuery, DatasetResult>(new GetDatasetQuery(datasetId));
    const keyId = view.encryption?.keyId;
    if (!keyId) return [];
    return (await this.queries.execute<GetKeyQuery, KeyResult>(new GetKeyQuery(keyId))).view.custodians;
  }

  /** After any grant change: the dataset's agent receives the full set of grants in force (access.apply). */
  async push(datasetId: string, ctx: CommandContext): Promise<PushedGrants> {
    await this.projections.catchUp();
    const { view } = await this.queries.execute<GetDatasetQuery, DatasetResult>(new GetDatasetQuery(datasetId));
    const agent = await this.queries.execute<AgentChannelQuery, AgentChannel>(new AgentChannelQuery(view.agentId!));
    if (agent?.status !== 'active') return null;
    const grants = this.db
      .prepare(
        `SELECT grant_id AS grantId, principal, permission, expires_at AS expiresAt FROM access_grants WHERE dataset_id = ? AND status = 'active' AND expires_at > ? ORDER BY grant_id`,
      )
      .all(datasetId, this.ledger.now().toISOString()) as { grantId: string; principal: string; permission: string; expiresAt: string }[];
    const { commandId, seq } = await this.commands.execute<IssueAgentCommand, IssuedAgentCommand>(
      new IssueAgentCommand(view.agentId!, 'access.apply', { datasetId, grants }, ctx),
    );
    return { commandId, seq };
  }
}
