import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import type { EventRegistry } from '../ledger/registry';
import { EVENT_REGISTRY } from '../platform/tokens';
import { AmendIncidentHandler } from './commands/amend-incident';
import { ReportIncidentHandler } from './commands/report-incident';
import { INCIDENT_EVENT_TYPES } from './domain/incident';
import { IncidentsController } from './http/incidents.controller';
import { incidentsProjection } from './projections/incidents.projection';
import { GetIncidentHandler, ListIncidentsHandler } from './queries/get-incident';

@Module({
  controllers: [IncidentsController],
  providers: [ReportIncidentHandler, AmendIncidentHandler, GetIncidentHandler, ListIncidentsHandler],
})
export class IncidentsModule implements OnModuleInit {
  constructor(
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  onModuleInit(): void {
    this.registry.registerNames(...INCIDENT_EVENT_TYPES);
    this.projections.register(incidentsProjection);
  }
}
