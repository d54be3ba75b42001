import { Inject, Module, Optional, type OnModuleInit } from '@nestjs/common';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import type { EventRegistry } from '../ledger/registry';
import { EVENT_REGISTRY, PROCESS_ROLES, type ProcessRoles } from '../platform/tokens';
import { CommandBus } from '@nestjs/cqrs';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../ledger/processors/event-processor';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { localDate } from '../shared/calendar';
import { tamperIncidentProcessor } from './processors/tamper-incident.processor';
import { AmendIncidentHandler } from './commands/amend-incident';
import { ReportIncidentHandler } from './commands/report-incident';
import { INCIDENT_EVENT_TYPES } from './domain/incident';
import { IncidentsController } from './http/incidents.controller';
import { TriageController } from './http/triage.controller';
import { IncidentActionsController } from './http/incident-actions.controller';
import { AffectedImportService } from './affected-import.service';
import { AffectedNamesService } from './affected-names.service';
import { RunIncidentHandler } from './commands/incident-command';
import { createIncidentDecider } from './domain/incident';
import { INCIDENT_DECIDER } from './incident-decider';
import { SAFE_HARBOR, type SafeHarborPort } from '../datasets';
import { SafeguardsRefresher, safeguardsRefreshProcessor } from './safeguards-refresher';
import { lazyOverlaySet, type StateOverlaySet } from './domain/triage/state-overlays';
import { WORKFLOW_REGISTRY } from '../workflows';
import type { WorkflowRegistry } from '../workflows';
import { loadStateOverlays } from './infrastructure/state-overlays.loader';
import { STATE_OVERLAYS } from './triage.service';
import { incidentsProjection } from './projections/incidents.projection';
import { GetIncidentHandler, GetObligationsHandler, GetTimelineHandler, ListIncidentsHandler } from './queries/get-incident';
import type Database from 'better-sqlite3';
import { READ_DB } from '../ledger/projections/projection-runner';
import { TODAY_REGISTRY, type TodayRegistry } from '../console';
import { incidentTodayProviders } from './today';

@Module({
  controllers: [IncidentsController, TriageController, IncidentActionsController],
  providers: [
    {
      provide: STATE_OVERLAYS,
      // Server roles validate every overlay at start (a bad file stops them, naming it); a CLI
      // process reads them only if it triages.
      useFactory: (roles: ProcessRoles) =>
        [...roles].every((r) => r === 'cli') ? lazyOverlaySet(() => loadStateOverlays()) : loadStateOverlays(),
      inject: [PROCESS_ROLES],
    },
    {
      provide: INCIDENT_DECIDER,
      useFactory: (overlays: StateOverlaySet, workflows: WorkflowRegistry) =>
        createIncidentDecider({ overlays, breachWorkflow: workflows.current('breach-notification') }),
      inject: [STATE_OVERLAYS, WORKFLOW_REGISTRY],
    },
    AffectedImportService,
    AffectedNamesService,
    SafeguardsRefresher,
    ReportIncidentHandler,
    AmendIncidentHandler,
    RunIncidentHandler,
    GetIncidentHandler,
    ListIncidentsHandler,
    GetObligationsHandler,
    GetTimelineHandler,
  ],
  exports: [STATE_OVERLAYS, INCIDENT_DECIDER, AffectedNamesService],
})
export class IncidentsModule implements OnModuleInit {
  constructor(
    @Inject(READ_DB) private readonly todayDb: Database.Database,
    @Optional() @Inject(TODAY_REGISTRY) private readonly today: TodayRegistry | null,
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SAFE_HARBOR) private readonly safeHarbor: SafeHarborPort,
    private readonly refresher: SafeguardsRefresher,
    private readonly commands: CommandBus,
  ) {}

  onModuleInit(): void {
    for (const p of incidentTodayProviders(this.todayDb)) this.today?.register(p);
    this.registry.registerNames(...INCIDENT_EVENT_TYPES);
    this.projections.register(incidentsProjection);
    this.processors.register(tamperIncidentProcessor(this.commands, (iso) => localDate(new Date(iso), this.config.ORG_TIMEZONE)));
    // Safe harbor changed in the datasets/keys ledger → open incidents naming those datasets re-triaged.
    this.processors.register(safeguardsRefreshProcessor(this.refresher, this.safeHarbor));
  }
}
