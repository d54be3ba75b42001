import {
  Inject,
  Module,
  Optional,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { EvidenceController } from '../../evidence';
import { CLOCK, type Clock } from '../../platform/clock';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { uuidv7 } from '../../platform/ids';
import { LOGGER } from '../../platform/logger';
import { EVENT_REGISTRY, EVENT_STORE, METRICS, PROCESS_ROLES, type ProcessRoles } from '../../platform/tokens';
import { Gauge, type Registry } from 'prom-client';
import { LEDGER, type Ledger } from '../ledger';
import type { EventStore } from '../port';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../projections/projection-runner';
import type { EventRegistry } from '../registry';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { LedgerController } from './http/ledger.controller';
import { loadIntegrityConfig } from './integrity-config';
import { moveLegacyLogKey } from './key-placement';
import { alarmMailer } from './alarm-mailer';
import { ROLE_CONTACTS, type RoleContacts } from '../../platform/role-contacts';
import { IntegrityService, type TamperFinding } from './integrity.service';
import { INTEGRITY, KURRENT_INTEGRITY } from './integrity.tokens';
import { KurrentIntegrity } from './kurrent-integrity';
import { KurrentDbEventStore } from '../kurrentdb/kurrentdb-event-store';
import { SCHEDULER, type SchedulerService } from '../../platform/roles/scheduler';
import { INTEGRITY_EVENT_TYPES, LEDGER_TAMPER_DETECTED, tamperAlertsProjection } from './tamper-alerts.projection';
import { systemActor } from '../../shared/system-actor';
import type Database from 'better-sqlite3';
import { READ_DB } from '../../ledger/projections/projection-runner';
import { TODAY_REGISTRY, type TodayRegistry } from '../../console';
import { integrityTodayProviders } from './today';

export { INTEGRITY };

/** Records a finding as a LedgerTamperDetected event for the security officer. */
export async function recordTamper(ledger: Ledger, f: TamperFinding): Promise<void> {
  const alertId = uuidv7();
  await ledger.append(
    `integrity-${alertId}`,
    [
      {
        type: LEDGER_TAMPER_DETECTED,
        data: {
          alertId,
          kind: f.kind,
          reason: f.reason,
          ...(f.position !== undefined ? { position: f.position } : {}),
          detectedBy: f.detectedBy,
          ...(f.witness ? { witness: f.witness } : {}),
          ...(f.checkpointSize !== undefined ? { checkpointSize: f.checkpointSize } : {}),
          assignedRole: 'security-officer',
        },
      },
    ],
    'no-stream',
    { actor: systemActor('ledger-integrity'), correlationId: alertId },
  );
}

const integrityProvider: Provider = {
  provide: INTEGRITY,
  inject: [EVENT_STORE, APP_CONFIG, CLOCK, LOGGER, LEDGER, ROLE_CONTACTS],
  useFactory: (
    store: EventStore,
    config: AppConfig,
    clock: Clock,
    logger: Logger,
    ledger: Ledger,
    contacts: RoleContacts,
  ): IntegrityService | null => {
    if (!(store instanceof SqliteEventStore)) {
      logger.warn(
        { adapter: store.adapter },
        store.adapter === 'postgres'
          ? 'ledger integrity on PostgreSQL: the Merkle tree commits with every append and `ledger verify` recomputes it; signed checkpoints, witnesses and proofs are wired only for the embedded SQLite ledger'
          : 'ledger integrity (Merkle tree, checkpoints, witnesses) is only wired for the embedded SQLite ledger',
      );
      return null;
    }
    const c = loadIntegrityConfig(config.dataDir, process.env, config.masterKeyPath);
    const log = (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) =>
      logger[level]({ ...extra, component: 'ledger-integrity' }, msg);
    moveLegacyLogKey(c.legacyKeyDir, c.keyDir, log);
    if (process.env.LEDGER_WITNESS_DIRS === undefined)
      log(
        'warn',
        'the default file witness keeps its private key in DATA_DIR-witness, which this service can write: whoever can write the data disk could re-cosign a rewritten ledger. Run `safeharbor witness serve` on another machine or account and set LEDGER_WITNESS_URLS (and LEDGER_WITNESS_DIRS= to drop the local one).',
        { witnessDirs: c.fileWitnessDirs },
      );
    return new IntegrityService(store, {
      ...c,
      clock,
      log,
      onTamper: (f) => recordTamper(ledger, f),
      mailer: alarmMailer(config),
      officers: () => contacts.alarmAddresses('security-officer'),
    });
  },
};

const kurrentIntegrityProvider: Provider = {
  provide: KURRENT_INTEGRITY,
  inject: [EVENT_STORE, APP_CONFIG, CLOCK, LOGGER, LEDGER, ROLE_CONTACTS],
  useFactory: (
    store: EventStore,
    config: AppConfig,
    clock: Clock,
    logger: Logger,
    ledger: Ledger,
    contacts: RoleContacts,
  ): KurrentIntegrity | null => {
    if (!(store instanceof KurrentDbEventStore) || !store.eventAuth) return null;
    const c = loadIntegrityConfig(config.dataDir, process.env, config.masterKeyPath);
    return new KurrentIntegrity(store, {
      keyDir: c.keyDir,
      dataDir: config.dataDir,
      now: () => clock.now().toISOString(),
      record: (f) => recordTamper(ledger, f),
      mailer: alarmMailer(config),
      officers: () => contacts.alarmAddresses('security-officer'),
      log: (level, msg, extra) => logger[level]({ ...extra, component: 'ledger-integrity' }, msg),
    });
  },
};

@Module({
  controllers: [LedgerController, EvidenceController],
  providers: [integrityProvider, kurrentIntegrityProvider],
  exports: [INTEGRITY, KURRENT_INTEGRITY],
})
export class IntegrityModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(READ_DB) private readonly todayDb: Database.Database,
    @Optional() @Inject(TODAY_REGISTRY) private readonly today: TodayRegistry | null,
    @Inject(INTEGRITY) private readonly integrity: IntegrityService | null,
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRoles,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: Registry,
    @Inject(ROLE_CONTACTS) private readonly contacts: RoleContacts,
    @Inject(KURRENT_INTEGRITY) private readonly kurrent: KurrentIntegrity | null,
    @Optional() @Inject(SCHEDULER) private readonly scheduler: SchedulerService | null,
  ) {}

  onModuleInit(): void {
    for (const p of integrityTodayProviders(this.todayDb)) this.today?.register(p);
    this.registry.registerNames(...INTEGRITY_EVENT_TYPES);
    this.projections.register(tamperAlertsProjection);
    if (this.integrity) this.contacts.require('security-officer'); // tamper alerts are mailed to the security officers
    this.integrity?.attach();
    // KurrentDB: the mirror adopts only tagged events (registered before the scheduler's plain mirror)
    if (this.kurrent && this.scheduler && !this.scheduler.taskNames().includes('ledger-mirror')) {
      this.scheduler.register(this.kurrent.mirrorTask(this.logger));
    }
    const integrity = this.integrity ?? this.kurrent;
    if (integrity && !this.metrics.getSingleMetric('safeharbor_ledger_integrity_ok')) {
      this.metrics.registerMetric(
        new Gauge({
          name: 'safeharbor_ledger_integrity_ok',
          help: '1 when the ledger accepts appends, 0 when it refuses them (rows without leaves, removed events)',
          registers: [],
          collect() {
            this.set(integrity.health().ok ? 1 : 0);
          },
        }),
      );
      this.metrics.registerMetric(
        new Gauge({
          name: 'safeharbor_ledger_tamper_alerts_pending',
          help: 'tamper alerts raised (and e-mailed) that the ledger has not recorded yet',
          registers: [],
          collect() {
            this.set(integrity.alarm.pending().length);
          },
        }),
      );
    }
  }

  onApplicationBootstrap(): void {
    if (this.kurrent) void this.kurrent.alarm.drain(); // alerts raised while the ledger was unreachable
    if (!this.integrity) return;
    if (this.roles.has('scheduler') || this.roles.has('api')) {
      this.integrity.startTimer();
      // catch up: sign what is unsigned and bring lagging witnesses forward, without blocking start
      void this.integrity.checkpointNow().catch((err) => this.logger.warn({ err: (err as Error).message }, 'initial checkpoint failed'));
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.integrity?.stop();
  }
}
