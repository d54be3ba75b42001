import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import type { ContainmentOutcome } from '../domain/containment';
import { ContainmentActionsOfIncidentQuery, type ContainmentActionDone } from '../messages';

/** The containment actions carried out for an incident (executed containments, successful outcomes only). */
@QueryHandler(ContainmentActionsOfIncidentQuery)
export class ContainmentActionsOfIncidentHandler implements IQueryHandler<ContainmentActionsOfIncidentQuery, ContainmentActionDone[]> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ incidentId }: ContainmentActionsOfIncidentQuery): Promise<ContainmentActionDone[]> {
    await this.projections.catchUp();
    const rows = this.db
      .prepare(`SELECT containment_id, outcomes FROM containments WHERE incident_id = ? AND status = 'executed' ORDER BY updated_at`)
      .all(incidentId) as Array<{ containment_id: string; outcomes: string }>;
    return rows.flatMap((r) =>
      (JSON.parse(r.outcomes) as ContainmentOutcome[])
        .filter((o) => o.ok)
        .map((o) => ({ containmentId: r.containment_id, kind: o.action.kind })),
    );
  }
}
