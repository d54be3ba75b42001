import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { Roles } from '../../auth';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { CLOCK, type Clock } from '../../platform/clock';
import { ZodPipe } from '../../platform/http/zod';
import { daysBetween, localDate } from '../../shared/calendar';
import { openTimelines } from '../projections/timelines.projection';
import type { WorkflowRegistry } from '../registry';
import { WORKFLOW_REGISTRY } from '../tokens';

const TimelinesQuery = z.strictObject({ workflow: z.string().regex(/^[a-z][a-z0-9-]*$/).optional() });
const READERS = ['compliance-officer', 'security-officer', 'incident-responder', 'auditor'] as const;

@ApiTags('workflows')
@ApiBearerAuth()
@Controller('v1/workflows')
export class WorkflowsController {
  constructor(
    @Inject(WORKFLOW_REGISTRY) private readonly registry: WorkflowRegistry,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The current definitions (what new timelines are scheduled under). */
  @ApiOperation({ summary: 'The current workflow definitions' })
  @Get()
  @Roles(...READERS)
  definitions() {
    return this.registry.currentDefinitions();
  }

  /** Open timelines with days left, from the workflow-timelines projection. */
  @ApiOperation({ summary: 'Open timelines with days left' })
  @Get('timelines')
  @Roles(...READERS)
  async timelines(@Query(new ZodPipe(TimelinesQuery)) q: z.infer<typeof TimelinesQuery>) {
    await this.projections.catchUp();
    const today = localDate(this.clock.now(), this.config.ORG_TIMEZONE);
    return openTimelines(this.db, q.workflow ? [q.workflow] : undefined).map((t) => ({
      workflow: t.workflow,
      workflowVersion: t.workflow_version,
      subject: { kind: t.subject_kind, id: t.subject_id },
      dueOn: t.due_on,
      daysLeft: daysBetween(today, t.due_on),
      overdue: t.due_on < today,
      remindersSent: t.reminders,
      escalationsRaised: t.escalations,
      lastStep: t.last_step,
      lastSentAt: t.last_sent_at,
    }));
  }
}
