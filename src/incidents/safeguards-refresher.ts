import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CommandContext } from '../ledger/ledger';
import type { RecordedEvent } from '../ledger/port';
import type { EventProcessor } from '../ledger/processors/event-processor';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../ledger/projections/projection-runner';
import { DATASET_EVENT_TYPES, type SafeHarborPort } from '../datasets';
import { LOGGER } from '../platform/logger';
import { RunIncidentCommand } from './commands/incident-command';
import { IncidentRuleError } from './domain/incident';
import { systemActor } from '../shared/system-actor';

/** The actor recorded on safeguard refreshes triggered by the datasets/keys ledger. */
export const SAFEGUARDS_SYSTEM_ACTOR = systemActor('safeguards');

/**
 * Re-asks safe harbor for every open incident naming some datasets: a changed answer is
 * recorded, which re-runs triage for decided incidents (new obligations, due dates from the
 * original discovery date). Failures propagate to the caller (the processor retries).
 */
@Injectable()
export class SafeguardsRefresher {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly commands: CommandBus,
  ) {}

  /** Returns the ids of the incidents whose safeguards changed. */
  async refreshFor(
    datasetIds: readonly string[],
    cause: Pick<CommandContext, 'correlationId' | 'causationId'> = { correlationId: randomUUID() },
  ): Promise<string[]> {
    if (datasetIds.length === 0) return [];
    await this.projections.catchUp();
    const wanted = new Set(datasetIds);
    const rows = this.db
      .prepare(`SELECT id, dataset_ids FROM incidents WHERE status != 'closed' AND dataset_ids IS NOT NULL ORDER BY id`)
      .all() as Array<{ id: string; dataset_ids: string }>;
    const touched: string[] = [];
    for (const r of rows) {
      if (!(JSON.parse(r.dataset_ids) as string[]).some((d) => wanted.has(d))) continue;
      try {
        const { newEvents } = await this.commands.execute(
          new RunIncidentCommand(r.id, { kind: 'refresh-safeguards' }, { actor: SAFEGUARDS_SYSTEM_ACTOR, ...cause }),
        );
        if (newEvents > 0) touched.push(r.id);
      } catch (e) {
        // A decision, not a failure: the incident was closed after the read above.
        if (!(e instanceof IncidentRuleError)) throw e;
        this.logger.info({ incidentId: r.id, refused: e.message }, 'safeguards refresh refused by the incident');
      }
    }
    return touched;
  }
}

/** Dataset facts that can change a safe-harbor answer, besides a key's compromise. */
const DATASET_CHANGES = DATASET_EVENT_TYPES.filter((t) => t !== 'DatasetRegistered');

/**
 * The reaction "a key was marked compromised, or a dataset's protection changed → re-triage the
 * open incidents naming the datasets concerned", from committed events: checkpointed, and
 * retried by the runner until it succeeds, so a failed re-triage is never lost (a restart
 * resumes at it).
 */
export function safeguardsRefreshProcessor(refresher: SafeguardsRefresher, safeHarbor: SafeHarborPort): EventProcessor {
  return {
    name: 'incidents.safeguards-refresh',
    handles: ['KeyCompromised', ...DATASET_CHANGES],
    async handle(event: RecordedEvent) {
      const d = event.data as { keyId?: string; datasetId?: string };
      const datasetIds = event.type === 'KeyCompromised' ? await safeHarbor.datasetsEverUnderKey(String(d.keyId)) : [String(d.datasetId)];
      await refresher.refreshFor(datasetIds, { correlationId: event.metadata.correlationId, causationId: event.id });
    },
  };
}
