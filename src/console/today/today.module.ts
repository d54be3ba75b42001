import { Controller, Get, Global, Inject, Injectable, Module } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../shared/roles';
import { CurrentPrincipal, Roles } from '../../auth';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { CLOCK, type Clock } from '../../platform/clock';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { localDate } from '../../shared/calendar';
import { ApiZodResponse } from '../../platform/http/zod';
import { TodaySchema } from './schemas';
import { TODAY_REGISTRY, TodayRegistry } from './today';

@Injectable()
export class TodayService {
  constructor(
    @Inject(TODAY_REGISTRY) private readonly registry: TodayRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async today(principal: Principal) {
    await this.projections.catchUp();
    const now = this.clock.now();
    return this.registry.compose({ now, today: localDate(now, this.config.ORG_TIMEZONE), timeZone: this.config.ORG_TIMEZONE, principal });
  }
}

@ApiTags('console')
@ApiBearerAuth()
@Controller('v1/today')
export class TodayController {
  constructor(private readonly service: TodayService) {}

  /** What needs the caller now, by role: obligations with countdowns, approvals, reviews, alerts, silent agents. No PHI. */
  @ApiOperation({ summary: 'What needs the caller now, by role' })
  @Get()
  @ApiZodResponse(TodaySchema)
  @Roles('compliance-officer', 'security-officer', 'incident-responder', 'auditor', 'admin')
  get(@CurrentPrincipal() principal: Principal) {
    return this.service.today(principal);
  }
}

/**
 * The page only composes: each context registers its own providers, reading its own read model, from its
 * module's onModuleInit (`@Optional() @Inject(TODAY_REGISTRY) today: TodayRegistry | null`), through src/console's index.
 */
@Global()
@Module({
  controllers: [TodayController],
  providers: [{ provide: TODAY_REGISTRY, useFactory: () => new TodayRegistry() }, TodayService],
  exports: [TODAY_REGISTRY],
})
export class TodayModule {}
