import { Inject, Module, Optional, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { LEDGER, type Ledger } from '../ledger/ledger';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../ledger/processors/event-processor';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../ledger/projections/projection-runner';
import type { EventRegistry } from '../ledger/registry';
import type { ArtifactStore } from '../phi';
import { CLOCK, type Clock } from '../platform/clock';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { LOGGER } from '../platform/logger';
import { QUEUES, type QueueRegistry } from '../platform/redis';
import type { PgDatabase } from '../platform/postgres/pool';
import { ARTIFACT_STORE, EVENT_REGISTRY, PG_DATABASE, PROCESS_ROLES, type ProcessRoles } from '../platform/tokens';
import { DeliveryStore } from './delivery/delivery-store';
import { PgDeliveryStore } from './delivery/pg-delivery-store';
import { SqliteDeliveryStore } from './delivery/sqlite-delivery-store';
import { NOTICE_BATCH_EVENT_TYPES } from './domain/notice-batch';
import { POSTING_EVENT_TYPES } from './domain/posting';
import { LetterPdfController } from './http/letter-pdf.controller';
import { NoticeDocumentsController } from './http/notice-documents.controller';
import { NoticesController } from './http/notices.controller';
import { PrintFilesController } from './http/print-files.controller';
import { NoticeDraftController } from './http/draft.controller';
import { DraftNoticeFactsHandler } from './queries/draft-facts.query';
import { LetterPdfHandler } from './queries/letter-pdf.query';
import { NoticeCoordinator, NoticeReleaseProcessor, RELEASE_QUEUE } from './jobs/coordinator';
import { NOTICE_COMMAND_HANDLERS } from './commands';
import { NoticeContent } from './content/notice-content';
import { NOTICE_QUERY_HANDLERS } from './queries/notice-batch.queries';
import { loadNoticesSettings, NOTICES_SETTINGS, type NoticesSettings } from './notices.settings';
import { noticesProjection } from './projections/notices.projection';
import { TODAY_REGISTRY, type TodayRegistry } from '../console';
import { noticeTodayProviders } from './today';
import { ORGANIZATION_PROFILE_EVENT_TYPES } from './profile/organization-profile';
import { OrganizationProfileController, OrganizationProfiles, RoleContactsController } from './profile/profile.controller';

/** Event types of the notices context (explicit names, never class names). */
export const NOTICES_EVENT_TYPES = [...NOTICE_BATCH_EVENT_TYPES, ...POSTING_EVENT_TYPES, ...ORGANIZATION_PROFILE_EVENT_TYPES] as const;

@Module({
  controllers: [
    NoticesController,
    PrintFilesController,
    NoticeDraftController,
    LetterPdfController,
    NoticeDocumentsController,
    OrganizationProfileController,
    RoleContactsController,
  ],
  providers: [
    {
      provide: NOTICES_SETTINGS,
      useFactory: (c: AppConfig, roles: ProcessRoles | undefined) =>
        loadNoticesSettings(c, process.env, { withApi: roles?.has('api') ?? false }),
      inject: [APP_CONFIG, { token: PROCESS_ROLES, optional: true }],
    },
    {
      // Several machines share PostgreSQL: delivery records and proof of notice live there too, not in DATA_DIR/notices.db.
      provide: DeliveryStore,
      useFactory: (s: NoticesSettings, pg: PgDatabase | null) =>
        pg ? new PgDeliveryStore(pg) : new SqliteDeliveryStore(s.chunk.deliveryDbPath),
      inject: [NOTICES_SETTINGS, PG_DATABASE],
    },
    NoticeContent,
    OrganizationProfiles,
    ...NOTICE_COMMAND_HANDLERS,
    ...NOTICE_QUERY_HANDLERS,
    DraftNoticeFactsHandler,
    LetterPdfHandler,
  ],
  exports: [NoticeContent, OrganizationProfiles],
})
export class NoticesModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private coordinator: NoticeCoordinator | null = null;

  constructor(
    @Optional() @Inject(TODAY_REGISTRY) private readonly today: TodayRegistry | null,
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRoles,
    @Inject(QUEUES) private readonly queues: QueueRegistry,
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(NOTICES_SETTINGS) private readonly settings: NoticesSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_DB) private readonly readDb: Database.Database,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly content: NoticeContent,
    private readonly deliveries: DeliveryStore,
  ) {}

  onModuleInit(): void {
    for (const p of noticeTodayProviders(this.readDb)) this.today?.register(p);
    this.registry.registerNames(...NOTICES_EVENT_TYPES);
    this.projections.register(noticesProjection);
    if (this.roles.has('worker')) this.processors.register(new NoticeReleaseProcessor(this.queues.queue(RELEASE_QUEUE)));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.roles.has('worker')) return;
    this.coordinator = new NoticeCoordinator(
      this.ledger,
      this.content,
      this.artifacts,
      this.deliveries,
      this.queues,
      this.settings,
      this.clock,
      this.readDb,
      this.logger,
    );
    this.coordinator.start();
    try {
      await this.coordinator.reconcile();
    } catch (err) {
      this.logger.error({ err }, 'notices: reconciling timers and completions failed; they are retried on the next start');
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.coordinator?.close();
    await this.deliveries.close();
  }
}
