import { Inject, Module, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import type { EventRegistry } from '../ledger/registry';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { LOGGER } from '../platform/logger';
import { EVENT_REGISTRY, PROCESS_ROLES, type ProcessRoles } from '../platform/tokens';
import { systemActor } from '../shared/system-actor';
import { PRINCIPAL_EVENT_TYPES } from './domain/principal';
import { ApiKeyGuard } from './http/api-key.guard';
import { PrincipalsController } from './http/principals.controller';
import { PrincipalsService } from './principals.service';
import { principalsProjection } from './principals.projection';

const BOOTSTRAP_ACTOR = systemActor('bootstrap');

@Module({
  controllers: [PrincipalsController],
  providers: [PrincipalsService, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [PrincipalsService],
})
export class AuthModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRoles,
    private readonly principals: PrincipalsService,
  ) {}

  onModuleInit(): void {
    this.registry.registerNames(...PRINCIPAL_EVENT_TYPES, 'PhiAccessed');
    this.projections.register(principalsProjection);
  }

  /** First start with no principals: an admin key is written to a 0600 file under the data dir. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.roles.has('api')) return;
    await this.projections.catchUp();
    if (this.principals.count() > 0) return;
    const { apiKey } = await this.principals.create('bootstrap-admin', 'admin', { actor: BOOTSTRAP_ACTOR, correlationId: 'bootstrap' });
    const path = join(this.config.dataDir, 'bootstrap-admin.key');
    writeFileSync(path, apiKey + '\n', { mode: 0o600 });
    this.logger.warn({ path }, 'No principals existed: created an admin API key. Read it from this file, create your principals, then delete the file.');
  }
}
