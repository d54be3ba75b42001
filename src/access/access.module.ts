import { Inject, Module, Optional, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import type { CommandContext } from '../ledger/ledger';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import type { EventRegistry } from '../ledger/registry';
import { LOGGER } from '../platform/logger';
import { EVENT_REGISTRY, PROCESS_ROLES, type ProcessRoles } from '../platform/tokens';
import { systemActor } from '../shared/system-actor';
import type { WorkflowEngine } from '../workflows';
import { WORKFLOW_ENGINE, WORKFLOW_REGISTRY } from '../workflows';
import { CloseDueCampaignsHandler, ReviewGrantHandler, StartCampaignHandler } from './commands/campaign.handlers';
import {
  ApproveGrantHandler,
  ContainPrincipalHandler,
  ExpireDueGrantsHandler,
  ExpireGrantHandler,
  RejectGrantHandler,
  RequestGrantHandler,
  RevokeGrantHandler,
} from './commands/grant.handlers';
import { GrantPusher } from './commands/grant-pusher';
import { GRANT_EVENT_TYPES } from './domain/grant';
import { CAMPAIGN_EVENT_TYPES } from './domain/recertification';
import { AccessController } from './http/access.controller';
import { CloseDueCampaignsCommand, ExpireDueGrantsCommand, ExpireGrantCommand, StartCampaignCommand } from './messages';
import { accessProjection } from './projections/access.projection';
import { FindGrantsHandler, GetCampaignHandler, GetGrantHandler, ListCampaignsHandler, ListGrantsHandler } from './queries/access.queries';
import { CAMPAIGN_TIMELINE_EVENTS, campaignTimelines, GRANT_TIMELINE_EVENTS, grantTimelines } from './timelines';
import type Database from 'better-sqlite3';
import { READ_DB } from '../ledger/projections/projection-runner';
import { reviewTimelinesProvider, TODAY_REGISTRY, type TodayRegistry } from '../console';

/** Timers and sweeps act as themselves (the one system role), never as an officer. */
const system = (name: string): CommandContext => ({ actor: systemActor(name), correlationId: name });

/** Access grants (least privilege, two people, expiry) and recertification campaigns. */
@Module({
  controllers: [AccessController],
  providers: [
    GrantPusher,
    RequestGrantHandler,
    ApproveGrantHandler,
    RejectGrantHandler,
    RevokeGrantHandler,
    ExpireDueGrantsHandler,
    ExpireGrantHandler,
    ContainPrincipalHandler,
    StartCampaignHandler,
    ReviewGrantHandler,
    CloseDueCampaignsHandler,
    GetGrantHandler,
    ListGrantsHandler,
    FindGrantsHandler,
    GetCampaignHandler,
    ListCampaignsHandler,
  ],
})
export class AccessModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(READ_DB) private readonly todayDb: Database.Database,
    @Optional() @Inject(TODAY_REGISTRY) private readonly today: TodayRegistry | null,
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRoles,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
    @Inject(WORKFLOW_REGISTRY) private readonly workflows: { current(name: string): { version: number } },
    private readonly commands: CommandBus,
  ) {}

  onModuleInit(): void {
    for (const p of [reviewTimelinesProvider(this.todayDb, { 'access-recertification': 'Access recertification' })])
      this.today?.register(p);
    this.registry.registerNames(...GRANT_EVENT_TYPES, ...CAMPAIGN_EVENT_TYPES);
    this.projections.register(accessProjection);
    const version = (w: string) => this.workflows.current(w).version;
    this.engine.registerTranslator(GRANT_TIMELINE_EVENTS, grantTimelines(version));
    this.engine.registerTranslator(CAMPAIGN_TIMELINE_EVENTS, campaignTimelines(version));
    this.engine.registerActionHandler('expire-access-grant', (c) =>
      this.commands.execute(new ExpireGrantCommand(c.subject.id, system('grant-expiry'))),
    );
    this.engine.registerScheduleHandler('access-recertification', async ({ occurrenceOn }) => {
      const dueAt = new Date(Date.parse(`${occurrenceOn}T00:00:00.000Z`) + 30 * 86_400_000).toISOString();
      await this.commands.execute(
        new StartCampaignCommand({ campaignId: `recert-${occurrenceOn}`, dueAt, revokeUnreviewed: false }, system('recertification')),
      );
    });
  }

  /** Grant expiry and campaign due dates, re-derived from the read model every minute (nothing lives only in Redis). */
  onApplicationBootstrap(): void {
    if (!this.roles.has('worker')) return;
    this.timer = setInterval(() => {
      void this.commands
        .execute(new ExpireDueGrantsCommand(system('grant-expiry')))
        .then(() => this.commands.execute(new CloseDueCampaignsCommand(system('recertification'))))
        .catch((err) => this.logger.error({ err }, 'grant expiry / campaign sweep failed; runs again in a minute'));
    }, 60_000);
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
