import { Inject, Module, Optional, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { LEDGER, type Ledger } from '../ledger/ledger';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../ledger/processors/event-processor';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import type { EventRegistry } from '../ledger/registry';
import type { PhiVault } from '../phi';
import { CLOCK, type Clock } from '../platform/clock';
import { ROLE_CONTACTS, type RoleContacts } from '../platform/role-contacts';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { LOGGER } from '../platform/logger';
import { EVENT_REGISTRY, PHI_VAULT, PROCESS_ROLES, type ProcessRoles } from '../platform/tokens';
import { systemActor } from '../shared/system-actor';
import { PRINCIPAL_EVENT_TYPES } from './domain/principal';
import { PhiReadInterceptor } from './http/phi-read.interceptor';
import { ApiKeyGuard } from './http/api-key.guard';
import { PrincipalsController } from './http/principals.controller';
import { INVITATION_EVENT_TYPES } from './people/domain/invitation';
import { PASSKEY_EVENT_TYPES } from './people/domain/passkeys';
import { SIGN_IN_EVENT_TYPES } from './people/domain/sign-in';
import { OidcController } from './people/http/oidc.controller';
import { PeopleController } from './people/http/people.controller';
import { EnrollmentController, SessionController } from './people/http/session.controller';
import { InvitationMailProcessor } from './people/invitation-mail.processor';
import { InvitationMailer } from './people/invitation-mailer';
import { InvitationsService } from './people/invitations.service';
import { LinkTokens } from './people/link-tokens';
import { OidcService } from './people/oidc.service';
import { PasskeysService } from './people/passkeys.service';
import { peopleProjection } from './people/people.projection';
import { PeopleService } from './people/people.service';
import { sessionProviders, SessionsService } from './people/sessions.service';
import { PrincipalsService } from './principals.service';
import { principalsProjection } from './principals.projection';
import type Database from 'better-sqlite3';
import { READ_DB } from '../ledger/projections/projection-runner';
import { TODAY_REGISTRY, type TodayRegistry } from '../console';
import { peopleTodayProviders } from './people/today';

const BOOTSTRAP_ACTOR = systemActor('bootstrap');

@Module({
  controllers: [PrincipalsController, SessionController, EnrollmentController, OidcController, PeopleController],
  providers: [
    PrincipalsService,
    ...sessionProviders,
    SessionsService,
    { provide: LinkTokens, useFactory: (v: PhiVault) => new LinkTokens(v), inject: [PHI_VAULT] },
    { provide: InvitationMailer, useFactory: (c: AppConfig, clock: Clock) => new InvitationMailer(c, clock), inject: [APP_CONFIG, CLOCK] },
    InvitationsService,
    PasskeysService,
    OidcService,
    PeopleService,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_INTERCEPTOR, useClass: PhiReadInterceptor },
  ],
  exports: [PrincipalsService, SessionsService, PeopleService],
})
export class AuthModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(READ_DB) private readonly todayDb: Database.Database,
    @Optional() @Inject(TODAY_REGISTRY) private readonly today: TodayRegistry | null,
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRoles,
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly principals: PrincipalsService,
    private readonly invitations: InvitationsService,
    private readonly mailer: InvitationMailer,
    @Inject(ROLE_CONTACTS) private readonly contacts: RoleContacts,
  ) {}

  onModuleInit(): void {
    for (const p of peopleTodayProviders(this.todayDb)) this.today?.register(p);
    this.registry.registerNames(
      ...PRINCIPAL_EVENT_TYPES,
      'PhiAccessed',
      ...INVITATION_EVENT_TYPES,
      ...PASSKEY_EVENT_TYPES,
      ...SIGN_IN_EVENT_TYPES,
    );
    this.projections.register(principalsProjection);
    this.projections.register(peopleProjection);
    this.processors.register(
      new InvitationMailProcessor(
        this.ledger,
        this.mailer,
        (id) => this.invitations.linkFor(id),
        () => this.contacts.organizationName(),
      ),
    );
  }

  /**
   * First start with no principals: an admin API key (for machines and scripts) and a one-time
   * sign-in link (for the person, to register a passkey in the console), both in 0600 files
   * under the data dir.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.roles.has('api')) return;
    await this.projections.catchUp();
    if (this.principals.count() > 0) return;
    const ctx = { actor: BOOTSTRAP_ACTOR, correlationId: 'bootstrap' };
    const { principal, apiKey } = await this.principals.create('bootstrap-admin', 'admin', ctx);
    const path = join(this.config.dataDir, 'bootstrap-admin.key');
    writeFileSync(path, apiKey + '\n', { mode: 0o600 });
    this.logger.warn(
      { path },
      'No principals existed: created an admin API key. Read it from this file, create your principals, then delete the file.',
    );
    const invitation = await this.invitations.issue(
      { name: 'Bootstrap admin', email: null, role: 'admin', purpose: 'bootstrap', principalId: principal.id },
      ctx,
    );
    const linkPath = join(this.config.dataDir, 'bootstrap-admin.sign-in');
    writeFileSync(linkPath, (await this.invitations.linkFor(invitation.id)) + '\n', { mode: 0o600 });
    this.logger.warn(
      { path: linkPath, expiresAt: invitation.expiresAt },
      `First admin: open the one-time link in ${linkPath} in a browser to register a passkey and sign in to the console (it works once and expires at ${invitation.expiresAt}).`,
    );
  }

  onModuleDestroy(): void {
    this.mailer.close();
  }
}
