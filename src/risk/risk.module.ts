import { Global, Inject, Module, Optional, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../ledger/processors/event-processor';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import { incidentCandidatesProcessor } from './processors/incident-candidates.processor';
import type { EventRegistry } from '../ledger/registry';
import { EVENT_REGISTRY } from '../platform/tokens';
import { RISK_COMMAND_HANDLERS } from './commands';
import { RiskStreams } from './risk-streams';
import { ASSESSMENT_EVENT_TYPES } from './domain/assessment';
import { CANDIDATE_EVENT_TYPES } from './domain/candidates';
import { PROGRAM_EVENT_TYPES } from './domain/program';
import { RiskController } from './http/risk.controller';
import { riskProjection } from './projections/risk.projection';
import { RiskQueries } from './queries/risk.queries';
import { WorkflowValidationError } from '../workflows';
import type { WorkflowRegistry } from '../workflows';
import { WORKFLOW_REGISTRY } from '../workflows';
import { AFTER_CHANGE_WORKFLOW } from './domain/candidates';
import { ANNUAL_REVIEW_WORKFLOW } from './domain/program';
import type Database from 'better-sqlite3';
import { READ_DB } from '../ledger/projections/projection-runner';
import { reviewTimelinesProvider, TODAY_REGISTRY, type TodayRegistry } from '../console';

/** Other contexts propose candidate risks (hardening findings, incidents) with `ProposeRiskCandidateCommand` on the CommandBus. */
@Global()
@Module({
  controllers: [RiskController],
  providers: [RiskStreams, RiskQueries, ...RISK_COMMAND_HANDLERS],
  exports: [RiskQueries],
})
export class RiskModule implements OnModuleInit {
  constructor(
    @Inject(READ_DB) private readonly todayDb: Database.Database,
    @Optional() @Inject(TODAY_REGISTRY) private readonly today: TodayRegistry | null,
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    private readonly commands: CommandBus,
    @Inject(WORKFLOW_REGISTRY) private readonly workflows: WorkflowRegistry,
  ) {}

  onModuleInit(): void {
    for (const p of [
      reviewTimelinesProvider(this.todayDb, {
        'risk-review-annual': 'Annual risk review',
        'risk-review-after-change': 'Risk review after a change',
      }),
    ])
      this.today?.register(p);
    const missing = [ANNUAL_REVIEW_WORKFLOW, AFTER_CHANGE_WORKFLOW].filter((w) => !this.workflows.has(w));
    if (missing.length) {
      throw new WorkflowValidationError(
        missing.map((w) => ({ file: `workflows/${w}.yaml`, path: '', reason: 'required by the risk context but missing' })),
      );
    }
    this.registry.registerNames(...ASSESSMENT_EVENT_TYPES, ...PROGRAM_EVENT_TYPES, ...CANDIDATE_EVENT_TYPES);
    this.projections.register(riskProjection);
    this.processors.register(incidentCandidatesProcessor(this.commands));
  }
}
