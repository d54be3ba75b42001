import { Controller, Get, Global, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type Database from 'better-sqlite3';
import { Roles } from '../auth';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../ledger/projections/projection-runner';
import { CLOCK, type Clock } from '../platform/clock';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { localDate } from '../shared/calendar';
import { registerDefaultProviders } from './default-providers';
import { POSTURE_REGISTRY, PostureRegistry } from './posture';

@Injectable()
export class PostureService {
  constructor(
    @Inject(POSTURE_REGISTRY) private readonly registry: PostureRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async posture() {
    await this.projections.catchUp();
    const now = this.clock.now();
    return this.registry.compose({ now, today: localDate(now, this.config.ORG_TIMEZONE), timeZone: this.config.ORG_TIMEZONE });
  }
}

@ApiTags('posture')
@ApiBearerAuth()
@Controller('v1/posture')
export class PostureController {
  constructor(private readonly service: PostureService) {}

  @ApiOperation({ summary: 'The compliance posture summary' })
  @Get()
  @Roles('compliance-officer', 'security-officer', 'incident-responder', 'auditor')
  get() {
    return this.service.posture();
  }
}

/** Contexts add or replace sections: `@Inject(POSTURE_REGISTRY) r: PostureRegistry; r.register({...})` in onModuleInit. */
@Global()
@Module({
  controllers: [PostureController],
  providers: [{ provide: POSTURE_REGISTRY, useFactory: () => new PostureRegistry() }, PostureService],
  exports: [POSTURE_REGISTRY, PostureService],
})
export class PostureModule implements OnModuleInit {
  constructor(
    @Inject(POSTURE_REGISTRY) private readonly registry: PostureRegistry,
    @Inject(READ_DB) private readonly db: Database.Database,
  ) {}

  onModuleInit(): void {
    registerDefaultProviders(this.registry, this.db);
  }
}
