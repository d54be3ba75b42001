/**
 * What every sandboxed notices processor (chunk.processor.ts, email.processor.ts) builds once per
 * child process from the config in its environment: the delivery store and the encrypted artifact
 * store (files, or PostgreSQL when LEDGER=postgres) and the templates.
 */
import { ArtifactStore, DataKeyStore, MasterKey, PgArtifactBlobs, PgDataKeyRepository, PhiVault } from '../../phi';
import { SystemClock, type Clock } from '../../platform/clock';
import { PgDatabase } from '../../platform/postgres/pool';
import type { DeliveryStore } from '../delivery/delivery-store';
import { PgDeliveryStore } from '../delivery/pg-delivery-store';
import { SqliteDeliveryStore } from '../delivery/sqlite-delivery-store';
import { TemplateSet } from '../rendering/templates';
import { CHILD_CONFIG_ENV, type ChunkWorkerConfig } from './chunk-worker-config';

export interface ProcessorBase {
  config: ChunkWorkerConfig;
  store: DeliveryStore;
  artifacts: ArtifactStore;
  templates: TemplateSet;
  clock: Clock;
}

export function processorBase(role: string): ProcessorBase {
  const raw = process.env[CHILD_CONFIG_ENV];
  if (!raw) throw new Error(`${CHILD_CONFIG_ENV} is not set`);
  const config = JSON.parse(raw) as ChunkWorkerConfig;
  const clock = new SystemClock();
  const master = MasterKey.loadOrCreate(config.masterKeyPath, () => {
    throw new Error(`${role}: master key file missing`);
  });
  const pg = config.databaseUrl ? new PgDatabase(config.databaseUrl, { max: 2 }) : null;
  const vault = new PhiVault(new DataKeyStore(pg ? new PgDataKeyRepository(pg) : config.vaultPath, master), clock);
  return {
    config,
    store: pg ? new PgDeliveryStore(pg) : new SqliteDeliveryStore(config.deliveryDbPath),
    artifacts: new ArtifactStore(pg ? new PgArtifactBlobs(pg) : config.artifactsDir, vault),
    templates: new TemplateSet(config.templatesDir),
    clock,
  };
}
