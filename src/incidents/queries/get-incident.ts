import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { NotFoundError } from '../../platform/errors';

export interface IncidentView {
  id: string;
  title: string;
  summary: string;
  discoveredOn: string;
  reporter: { kind: string; actsAsAgent?: boolean };
  status: string;
  version: number;
  reportedAt: string;
  reportedBy: string;
  updatedAt: string;
}

export class GetIncidentQuery {
  constructor(
    readonly incidentId: string,
    /** Wait for the projection to include at least this version (read-your-writes). */
    readonly minVersion?: bigint,
  ) {}
}

@QueryHandler(GetIncidentQuery)
export class GetIncidentHandler implements IQueryHandler<GetIncidentQuery, IncidentView> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ incidentId, minVersion }: GetIncidentQuery): Promise<IncidentView> {
    let row = this.read(incidentId);
    if (!row || (minVersion !== undefined && BigInt(row.version) < minVersion)) {
      await this.projections.catchUp();
      row = this.read(incidentId);
    }
    if (!row) throw new NotFoundError('incident not found');
    return {
      id: row.id,
      title: row.title,
      summary: row.summary,
      discoveredOn: row.discovered_on,
      reporter: { kind: row.reporter_kind, ...(row.acts_as_agent === null ? {} : { actsAsAgent: Boolean(row.acts_as_agent) }) },
      status: row.status,
      version: row.version,
      reportedAt: row.reported_at,
      reportedBy: row.reported_by,
      updatedAt: row.updated_at,
    };
  }

  private read(id: string) {
    return this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as Record<string, any> | undefined;
  }
}

export class ListIncidentsQuery {
  constructor(readonly filter: { status?: string; limit: number; offset: number }) {}
}

@QueryHandler(ListIncidentsQuery)
export class ListIncidentsHandler implements IQueryHandler<ListIncidentsQuery> {
  constructor(@Inject(READ_DB) private readonly db: Database.Database) {}

  async execute({ filter }: ListIncidentsQuery) {
    const where = filter.status ? 'WHERE status = ?' : '';
    const args: unknown[] = filter.status ? [filter.status] : [];
    const rows = this.db
      .prepare(`SELECT id, title, discovered_on, status, version, reported_at FROM incidents ${where} ORDER BY reported_at DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...args, filter.limit, filter.offset) as Array<Record<string, any>>;
    return {
      items: rows.map((r) => ({ id: r.id, title: r.title, discoveredOn: r.discovered_on, status: r.status, version: r.version, reportedAt: r.reported_at })),
    };
  }
}
