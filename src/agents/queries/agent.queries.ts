import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { readFresh } from '../../ledger/projections/read-fresh';
import { NotFoundError } from '../../platform/errors';
import { DroppedAnomalyStore } from '../infra/dropped-anomalies';
import { HeartbeatStore } from '../infra/heartbeats';
import type { ServiceSigningKey } from '../infra/service-signing-key';
import {
  AgentChannelQuery,
  GetAgentQuery,
  ListAgentsQuery,
  PendingDeliveriesQuery,
  type AgentChannel,
  type AgentListItem,
  type AgentResult,
  type AgentView,
  type PendingDelivery,
} from '../messages';
import { SERVICE_SIGNING_KEY } from '../tokens';

interface AgentRow {
  agent_id: string;
  status: string;
  kid: string | null;
  seal_public_key: string | null;
  host_facts: string | null;
  last_issued_seq: number;
  last_reported_seq: number;
  version: number;
}

/** How many of an agent's latest commands its view lists. */
const RECENT_COMMANDS = 50;

@QueryHandler(GetAgentQuery)
export class GetAgentHandler implements IQueryHandler<GetAgentQuery, AgentResult> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(SERVICE_SIGNING_KEY) private readonly signing: ServiceSigningKey,
  ) {
    new DroppedAnomalyStore(db); // the table its count is read from, in a process without the channel
  }

  async execute({ agentId, minVersion }: GetAgentQuery): Promise<AgentResult> {
    const row = await readFresh(
      this.projections,
      () => this.db.prepare('SELECT * FROM agents WHERE agent_id = ?').get(agentId) as AgentRow | undefined,
      (r) => minVersion !== undefined && BigInt(r.version) >= minVersion,
    );
    if (!row) throw new NotFoundError('agent not found');
    const proposals = this.db
      .prepare(
        `SELECT command_id, action, params, requested_by, approvals FROM agent_commands WHERE agent_id = ? AND status = 'awaiting-approval' ORDER BY rowid`,
      )
      .all(agentId) as Record<string, string>[];
    const recent = this.db
      .prepare(
        `SELECT * FROM (SELECT command_id, seq, action, payload_digest, expires_at, status, reason FROM agent_commands WHERE agent_id = ? AND seq IS NOT NULL ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
      )
      .all(agentId, RECENT_COMMANDS) as Record<string, any>[];
    const view: AgentView = {
      agentId,
      status: row.status,
      kid: row.kid,
      hostFacts: row.host_facts ? (JSON.parse(row.host_facts) as Record<string, unknown>) : null,
      lastIssuedSeq: row.last_issued_seq,
      lastReportedSeq: row.last_reported_seq,
      awaitingApproval: proposals.map((p) => ({
        commandId: p.command_id!,
        action: p.action as never,
        params: JSON.parse(p.params ?? '{}'),
        requestedBy: p.requested_by!,
        approvals: JSON.parse(p.approvals!) as string[],
      })),
      commands: recent.map((c) => ({
        commandId: c.command_id,
        seq: c.seq,
        action: c.action,
        payloadDigest: c.payload_digest,
        expiresAt: c.expires_at,
        outcome: c.status,
        reason: c.reason ?? null,
      })),
      anomalies: {
        total: (this.db.prepare('SELECT COUNT(*) AS n FROM agent_anomalies WHERE agent_id = ?').get(agentId) as { n: number }).n,
        suppressed: suppressedAnomalies(this.db, agentId),
        recent: this.db
          .prepare('SELECT kind, reason, detail, at FROM agent_anomalies WHERE agent_id = ? ORDER BY position DESC LIMIT ?')
          .all(agentId, RECENT_COMMANDS) as AgentView['anomalies']['recent'],
      },
      gateAccess: this.db
        .prepare(
          'SELECT principal, uid, dataset_id AS datasetId, grant_id AS grantId, decided_at AS decidedAt FROM agent_gate_access WHERE agent_id = ? ORDER BY position DESC LIMIT ?',
        )
        .all(agentId, RECENT_COMMANDS) as AgentView['gateAccess'],
      servicePublicKey: this.signing.publicKey,
    };
    return { view, version: BigInt(row.version) };
  }
}

/**
 * Anomalies not recorded one by one: each window's "suppressed" marker stands for one, and the
 * ones dropped after it are counted outside the ledger (DroppedAnomalyStore).
 */
const SUPPRESSED_SQL = `((SELECT COUNT(*) FROM agent_anomalies x WHERE x.agent_id = a.agent_id AND x.kind = 'suppressed')
  + COALESCE((SELECT d.count FROM agent_anomalies_dropped d WHERE d.agent_id = a.agent_id), 0))`;
const suppressedAnomalies = (db: Database.Database, agentId: string) =>
  (db.prepare(`SELECT ${SUPPRESSED_SQL} AS n FROM (SELECT ? AS agent_id) a`).get(agentId) as { n: number }).n;

@QueryHandler(ListAgentsQuery)
export class ListAgentsHandler implements IQueryHandler<ListAgentsQuery, AgentListItem[]> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {
    // The heartbeats table is made by the channel's store; a process without it (the CLI) still lists agents.
    new HeartbeatStore(db);
    new DroppedAnomalyStore(db);
  }

  async execute(): Promise<AgentListItem[]> {
    await this.projections.catchUp();
    return this.db
      .prepare(
        `SELECT a.agent_id AS agentId, a.status, a.kid, a.last_issued_seq AS lastIssuedSeq, a.updated_at AS updatedAt, h.received_at AS lastHeardAt,
           (SELECT COUNT(*) FROM agent_anomalies x WHERE x.agent_id = a.agent_id) AS anomalies,
           (SELECT MAX(x.at) FROM agent_anomalies x WHERE x.agent_id = a.agent_id) AS lastAnomalyAt,
           ${SUPPRESSED_SQL} AS suppressedAnomalies
         FROM agents a LEFT JOIN agent_heartbeats h ON h.agent_id = a.agent_id ORDER BY a.agent_id`,
      )
      .all() as AgentListItem[];
  }
}

@QueryHandler(AgentChannelQuery)
export class AgentChannelHandler implements IQueryHandler<AgentChannelQuery, AgentChannel> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ agentId }: AgentChannelQuery): Promise<AgentChannel> {
    await this.projections.catchUp();
    const row = this.db
      .prepare('SELECT agent_id AS agentId, status, seal_public_key AS sealPublicKey FROM agents WHERE agent_id = ?')
      .get(agentId) as AgentChannel | undefined;
    return row ?? null;
  }
}

/**
 * Issued commands still pending and not expired, for redelivery: Redis may have dropped them.
 * Re-adding uses the command id as job id (a no-op while the job exists); an agent that already
 * ran one answers with its stored result.
 */
@QueryHandler(PendingDeliveriesQuery)
export class PendingDeliveriesHandler implements IQueryHandler<PendingDeliveriesQuery, PendingDelivery[]> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  async execute(): Promise<PendingDelivery[]> {
    await this.projections.catchUp();
    const rows = this.db
      .prepare(
        `SELECT c.agent_id AS agentId, c.command_id AS commandId, c.message AS message FROM agent_commands c JOIN agents a ON a.agent_id = c.agent_id
         WHERE c.status = 'pending' AND a.status = 'active' AND c.message IS NOT NULL AND c.expires_at > ? ORDER BY c.agent_id, c.seq`,
      )
      .all(this.ledger.now().toISOString()) as { agentId: string; commandId: string; message: string }[];
    return rows.map((r) => ({ agentId: r.agentId, commandId: r.commandId, message: JSON.parse(r.message) as Record<string, unknown> }));
  }
}
