import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../ledger/processors/event-processor';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import { incidentCandidatesProcessor } from './processors/incident-candidates.processor';
import type { EventRegistry } from '../ledger/registry';
import { EVENT_REGISTRY } from '../platform/tokens';
import { RiskCommands } from './commands/risk.commands';
import { ASSESSMENT_EVENT_TYPES } from './domain/assessment';
import { CANDIDATE_EVENT_TYPES } from './domain/candidates';
import { PROGRAM_EVENT_TYPES } from './domain/program';
import { RiskController } from './http/risk.controller';
import { riskProjection } from './projections/risk.projection';
import { RiskQueries } from './queries/risk.queries';
import { WorkflowValidationError } from '../workflows/loader';
import type { WorkflowRegistry } from '../workflows/registry';
import { WORKFLOW_REGISTRY } from '../workflows/tokens';
import { AFTER_CHANGE_WORKFLOW } from './domain/candidates';
import { ANNUAL_REVIEW_WORKFLOW } from './domain/program';

/** Other contexts propose candidate risks through this (hardening findings, incidents): `RISK_CANDIDATES.proposeCandidate(input, ctx)`. */
export const RISK_CANDIDATES = Symbol('RiskCandidates');

@Global()
@Module({
  controllers: [RiskController],
  providers: [RiskCommands, RiskQueries, { provide: RISK_CANDIDATES, useExisting: RiskCommands }],
  exports: [RiskCommands, RiskQueries, RISK_CANDIDATES],
})
export class RiskModule implements OnModuleInit {
  constructor(
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    private readonly commands: RiskCommands,
    @Inject(WORKFLOW_REGISTRY) private readonly workflows: WorkflowRegistry,
  ) {}

  onModuleInit(): void {
    const missing = [ANNUAL_REVIEW_WORKFLOW, AFTER_CHANGE_WORKFLOW].filter((w) => !this.workflows.has(w));
    if (missing.length) {
      throw new WorkflowValidationError(missing.map((w) => ({ file: `workflows/${w}.yaml`, path: '', reason: 'required by the risk context but missing' })));
    }
    this.registry.registerNames(...ASSESSMENT_EVENT_TYPES, ...PROGRAM_EVENT_TYPES, ...CANDIDATE_EVENT_TYPES);
    this.projections.register(riskProjection);
    this.processors.register(incidentCandidatesProcessor(this.commands));
  }
}
