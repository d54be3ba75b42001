import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../ledger/projections/projection-runner';
import { LOGGER } from '../platform/logger';
import { RunIncidentCommand } from './commands/incident-command';
import { SAFEGUARDS_SOURCE, type SafeguardsSource } from './safeguards-source';
import { systemActor } from '../shared/system-actor';

/** The actor recorded on safeguard refreshes triggered by the datasets/keys ledger. */
export const SAFEGUARDS_SYSTEM_ACTOR = systemActor('safeguards');

/**
 * When the datasets/keys ledger says safe harbor changed for some datasets (a key marked
 * compromised), every open incident naming them gets the new answer recorded, which re-runs
 * triage for decided incidents (new obligations, due dates from the original discovery date).
 */
@Injectable()
export class SafeguardsRefresher implements OnModuleInit {
  constructor(
    @Inject(SAFEGUARDS_SOURCE) private readonly source: SafeguardsSource,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly commands: CommandBus,
  ) {}

  onModuleInit(): void {
    this.source.onSafeguardsChanged?.(async (change) => {
      try {
        await this.refreshFor(change.datasetIds);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'safeguards refresh failed');
      }
    });
  }

  /** Refreshes every open incident naming one of the datasets; returns the incident ids touched. */
  async refreshFor(datasetIds: string[]): Promise<string[]> {
    await this.projections.catchUp();
    const wanted = new Set(datasetIds);
    const rows = this.db.prepare(`SELECT id, dataset_ids FROM incidents WHERE status != 'closed' AND dataset_ids IS NOT NULL`).all() as Array<{ id: string; dataset_ids: string }>;
    const touched: string[] = [];
    for (const r of rows) {
      const ids = JSON.parse(r.dataset_ids) as string[];
      if (!ids.some((d) => wanted.has(d))) continue;
      const { newEvents } = await this.commands.execute(
        new RunIncidentCommand(r.id, { kind: 'refresh-safeguards' }, { actor: SAFEGUARDS_SYSTEM_ACTOR, correlationId: randomUUID() }),
      );
      if (newEvents > 0) touched.push(r.id);
    }
    return touched;
  }
}
