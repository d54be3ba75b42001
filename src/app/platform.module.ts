import { Global, Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { Ledger, LEDGER } from '../ledger/ledger';
import type { EventStore } from '../ledger/port';
import { ProjectionRunner, PROJECTION_RUNNER, READ_DB, openReadStore } from '../ledger/projections/projection-runner';
import { ProcessorRunner, PROCESSOR_RUNNER } from '../ledger/processors/event-processor';
import { EventRegistry } from '../ledger/registry';
import { SqliteEventStore } from '../ledger/sqlite/sqlite-event-store';
import { ArtifactStore } from '../phi/artifact-store';
import { DataKeyStore } from '../phi/data-key-store';
import { MasterKey } from '../phi/master-key';
import { PhiVault } from '../phi/phi-vault';
import { FreeTextSealer } from '../phi/free-text-sealer';
import { markLegacyText } from '../phi/legacy-text';
import { FREE_TEXT_FIELDS } from './free-text-fields';
import { CLOCK, type Clock } from '../platform/clock';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { LOGGER } from '../platform/logger';
import { QUEUES, QueueRegistry } from '../platform/redis';
import { ROLE_CONTACTS, RoleContacts } from '../platform/role-contacts';
import { createEventStore, createPgDatabase } from '../platform/roles/event-store-factory';
import type { PgDatabase } from '../platform/postgres/pool';
import { PgDataKeyRepository } from '../phi/pg-data-key-repository';
import { PgArtifactBlobs } from '../phi/pg-artifact-blobs';
import {
  ARTIFACT_STORE,
  EVENT_REGISTRY,
  EVENT_STORE,
  MASTER_KEY,
  METRICS,
  PG_DATABASE,
  PHI_VAULT,
  PROCESS_ROLES,
  type ProcessRoles,
} from '../platform/tokens';

export interface PlatformOptions {
  config: AppConfig;
  clock: Clock;
  logger: Logger;
  roles: ProcessRoles;
  /** Tests and the KurrentDB role may pass a store; otherwise the embedded SQLite file. */
  eventStore?: EventStore;
}

/**
 * Everything every context needs, created once per process: the ledger, the read store and its
 * projection runner, the PHI vault, artifacts, queues, clock, config, logger and metrics.
 */
@Global()
@Module({})
export class PlatformModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(QUEUES) private readonly queues: QueueRegistry,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_DB) private readonly readDb: Database.Database,
    @Inject(PHI_VAULT) private readonly vault: PhiVault,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRoles,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    @Inject(DataKeyStore) private readonly dataKeys: DataKeyStore,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_DATABASE) private readonly pg: PgDatabase | null,
    @Inject(ROLE_CONTACTS) private readonly contacts: RoleContacts,
  ) {}

  static forRoot(options: PlatformOptions): DynamicModule {
    const { config, clock, logger } = options;
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 }); // ledger, vault and artifacts: owner only
    const masterKeyProvider = {
      provide: MASTER_KEY,
      useFactory: () =>
        MasterKey.loadOrCreate(config.masterKeyPath, (path) =>
          logger.warn(
            { path },
            'GENERATED A NEW MASTER KEY. It protects every PHI field and key in Safe Harbor. Back it up apart from ./data; in production keep it in a KMS, never beside the data.',
          ),
        ),
    };
    const dataKeysProvider = {
      provide: DataKeyStore,
      // Several machines share PostgreSQL: the wrapped keys live there too, not in DATA_DIR/vault.db.
      useFactory: (mk: MasterKey, pg: PgDatabase | null) => new DataKeyStore(pg ? new PgDataKeyRepository(pg) : config.vaultPath, mk),
      inject: [MASTER_KEY, PG_DATABASE],
    };
    return {
      module: PlatformModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: LOGGER, useValue: logger },
        { provide: PROCESS_ROLES, useValue: options.roles },
        // FreeTextPhiConfirmed: a caller confirmed free text the screen flagged (src/app/free-text.interceptor.ts).
        // Reads mark free text written in clear before sealing as legacy text, so it is treated as sealed (src/phi/legacy-text.ts).
        {
          provide: EVENT_REGISTRY,
          useValue: new EventRegistry()
            .registerNames('FreeTextPhiConfirmed')
            .transformOnRead((stream, type, data) => markLegacyText(FREE_TEXT_FIELDS, stream, type, data)),
        },
        { provide: PG_DATABASE, useFactory: () => createPgDatabase(config) },
        {
          provide: EVENT_STORE,
          inject: [PG_DATABASE],
          useFactory: (pg: PgDatabase | null) =>
            options.eventStore ??
            createEventStore(config, clock, pg, (msg, extra) => logger.warn(extra, msg)) ??
            new SqliteEventStore({
              path: config.ledgerPath,
              clock,
              pollIntervalMs: config.PROJECTION_POLL_MS,
              synchronous: config.LEDGER_SYNCHRONOUS,
            }),
        },
        {
          provide: LEDGER,
          // Free text is sealed at append under the incident's data key (src/app/free-text-fields.ts).
          useFactory: (s: EventStore, r: EventRegistry, v: PhiVault) => new Ledger(s, r, clock, new FreeTextSealer(v, FREE_TEXT_FIELDS)),
          inject: [EVENT_STORE, EVENT_REGISTRY, PHI_VAULT],
        },
        // Role contacts (profile → SAFEHARBOR_ROLE_EMAILS → placeholder), read from the ledger by every sender.
        { provide: ROLE_CONTACTS, useFactory: (l: Ledger) => new RoleContacts(l, config), inject: [LEDGER] },
        { provide: READ_DB, useFactory: () => openReadStore(config.readModelPath) },
        {
          provide: PROJECTION_RUNNER,
          useFactory: (db: Database.Database, s: EventStore, r: EventRegistry) =>
            new ProjectionRunner(db, s, r, () => clock.now().toISOString()),
          inject: [READ_DB, EVENT_STORE, EVENT_REGISTRY],
        },
        {
          provide: PROCESSOR_RUNNER,
          useFactory: (db: Database.Database, s: EventStore, r: EventRegistry) => new ProcessorRunner(db, s, r, logger),
          inject: [READ_DB, EVENT_STORE, EVENT_REGISTRY],
        },
        masterKeyProvider,
        dataKeysProvider,
        { provide: PHI_VAULT, useFactory: (k: DataKeyStore) => new PhiVault(k, clock), inject: [DataKeyStore] },
        {
          provide: ARTIFACT_STORE,
          useFactory: (v: PhiVault, pg: PgDatabase | null) => new ArtifactStore(pg ? new PgArtifactBlobs(pg) : config.artifactsDir, v),
          inject: [PHI_VAULT, PG_DATABASE],
        },
        { provide: QUEUES, useFactory: () => new QueueRegistry(config.REDIS_URL, config.REDIS_PREFIX, logger) },
        {
          provide: METRICS,
          useFactory: () => {
            const registry = new Registry();
            collectDefaultMetrics({ register: registry, prefix: 'safeharbor_' });
            return registry;
          },
        },
      ],
      exports: [
        APP_CONFIG,
        CLOCK,
        LOGGER,
        PROCESS_ROLES,
        EVENT_REGISTRY,
        EVENT_STORE,
        PG_DATABASE,
        LEDGER,
        ROLE_CONTACTS,
        READ_DB,
        PROJECTION_RUNNER,
        PROCESSOR_RUNNER,
        MASTER_KEY,
        DataKeyStore,
        PHI_VAULT,
        ARTIFACT_STORE,
        QUEUES,
        METRICS,
      ],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    // An import killed mid-write (SIGKILL, power loss) leaves its encrypted temporary file; older than the longest import, it is abandoned.
    const removed = this.artifacts.sweepAbandoned(this.clock.now(), this.config.ARTIFACT_TMP_MAX_AGE_MINUTES * 60_000);
    if (removed > 0) this.logger.warn({ removed }, 'removed abandoned temporary artifact files');
    if (this.roles.has('cli')) {
      await this.projections.catchUp();
      return;
    }
    // Operators are told at start (once per process), not surprised by an escalation to nowhere.
    for (const w of await this.contacts.warnings()) this.logger.warn({ code: w.code, roles: w.roles }, w.reason);
    await this.projections.start((err) => this.logger.error({ err }, 'projection runner stopped'));
    await this.queues.checkEvictionPolicy();
    if (this.roles.has('worker')) this.processors.start(); // in the background: startup never waits on a downstream
  }

  /** Order matters: stop taking work, let workers finish, then close the stores. */
  async onApplicationShutdown(): Promise<void> {
    await this.processors.stop();
    await this.projections.stop();
    await this.queues.close();
    await this.store.close();
    this.readDb.close();
    await this.dataKeys.close();
    await this.pg?.close();
    void this.vault;
    this.logger.info('Safe Harbor stopped: HTTP drained, workers closed, stores closed');
  }
}
