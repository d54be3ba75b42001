import { Inject, Module, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { join } from 'node:path';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../ledger/processors/event-processor';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import type { EventRegistry } from '../ledger/registry';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { EVENT_REGISTRY, MASTER_KEY } from '../platform/tokens';
import type { WorkflowEngine } from '../workflows';
import { WORKFLOW_ENGINE, WORKFLOW_REGISTRY } from '../workflows';
import { GenerateKeyHandler, RotateKeyHandler, RunKeyHandler } from './commands/key.handlers';
import { KEY_EVENT_TYPES } from './domain/key';
import { KeyLocker, type KeyWrapper } from './domain/key-locker';
import { KeysController } from './http/keys.controller';
import { SqliteKeyMaterialStore } from './infra/sqlite-key-material-store';
import { keyMaterialProcessor } from './processors/key-material.processor';
import { keysProjection } from './projections/keys.projection';
import { GetKeyHandler, ListKeysHandler, SealKeyForAgentHandler } from './queries/key.queries';
import { KEY_TIMELINE_EVENTS, keyTimelines } from './timelines';
import { KEY_LOCKER, KEY_MATERIAL_STORE } from './tokens';
import type Database from 'better-sqlite3';
import { READ_DB } from '../ledger/projections/projection-runner';
import { reviewTimelinesProvider, TODAY_REGISTRY, type TodayRegistry } from '../console';

/** Key-encryption keys: the NIST SP 800-57 lifecycle, the locker, rotation on the workflows engine. */
@Module({
  controllers: [KeysController],
  providers: [
    {
      provide: KEY_MATERIAL_STORE,
      useFactory: (c: AppConfig) => new SqliteKeyMaterialStore(join(c.dataDir, 'key-material.db')),
      inject: [APP_CONFIG],
    },
    {
      provide: KEY_LOCKER,
      useFactory: (mk: KeyWrapper, store: SqliteKeyMaterialStore) => new KeyLocker(mk, store),
      inject: [MASTER_KEY, KEY_MATERIAL_STORE],
    },
    GenerateKeyHandler,
    RunKeyHandler,
    RotateKeyHandler,
    GetKeyHandler,
    ListKeysHandler,
    SealKeyForAgentHandler,
  ],
})
export class KeysModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(READ_DB) private readonly todayDb: Database.Database,
    @Optional() @Inject(TODAY_REGISTRY) private readonly today: TodayRegistry | null,
    @Inject(EVENT_REGISTRY) private readonly registry: EventRegistry,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(PROCESSOR_RUNNER) private readonly processors: ProcessorRunner,
    @Inject(KEY_MATERIAL_STORE) private readonly store: SqliteKeyMaterialStore,
    @Inject(KEY_LOCKER) private readonly locker: KeyLocker,
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
    @Inject(WORKFLOW_REGISTRY) private readonly workflows: { current(name: string): { version: number } },
  ) {}

  onModuleInit(): void {
    for (const p of [reviewTimelinesProvider(this.todayDb, { 'key-rotation': 'Key rotation' })]) this.today?.register(p);
    this.registry.registerNames(...KEY_EVENT_TYPES);
    this.projections.register(keysProjection);
    this.processors.register(keyMaterialProcessor(this.locker));
    this.engine.registerTranslator(
      KEY_TIMELINE_EVENTS,
      keyTimelines((w) => this.workflows.current(w).version),
    );
  }

  onModuleDestroy(): void {
    this.store.close();
  }
}
