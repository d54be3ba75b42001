/**
 * BullMQ sandboxed processor: runs in its own child process, so rendering PDFs never blocks the
 * parent's event loop and job-lock renewal. Dependencies (fonts, templates, the vault, the SMTP
 * pool) are built once per child and reused for every chunk it processes.
 */
import type { SandboxedJob } from 'bullmq';
import IORedis from 'ioredis';
import { ArtifactStore } from '../../phi';
import { DataKeyStore } from '../../phi';
import { MasterKey } from '../../phi';
import { PhiVault } from '../../phi';
import { PgArtifactBlobs, PgDataKeyRepository } from '../../phi';
import { PgDatabase } from '../../platform/postgres/pool';
import { SystemClock } from '../../platform/clock';
import { HttpRelayLogResolver, runChunk, type ChunkDeps, type ChunkJobData, type ChunkResult } from '../delivery/chunk-runner';
import { PgDeliveryStore } from '../delivery/pg-delivery-store';
import { SqliteDeliveryStore } from '../delivery/sqlite-delivery-store';
import { mailerFromConfig } from '../email/mail-config';
import { LetterPdfRenderer, workerFonts } from '../rendering/letter-pdf';
import { TemplateSet } from '../rendering/templates';
import { CHILD_CONFIG_ENV, type ChunkWorkerConfig } from './chunk-worker-config';

let deps: ChunkDeps | null = null;

function build(): ChunkDeps {
  const raw = process.env[CHILD_CONFIG_ENV];
  if (!raw) throw new Error(`${CHILD_CONFIG_ENV} is not set`);
  const c = JSON.parse(raw) as ChunkWorkerConfig;
  const clock = new SystemClock();
  const master = MasterKey.loadOrCreate(c.masterKeyPath, () => {
    throw new Error('chunk worker: master key file missing');
  });
  const pg = c.databaseUrl ? new PgDatabase(c.databaseUrl, { max: 2 }) : null;
  const vault = new PhiVault(new DataKeyStore(pg ? new PgDataKeyRepository(pg) : c.vaultPath, master), clock);
  const redis = c.emailRatePerSecond > 0 ? new IORedis(c.redisUrl, { maxRetriesPerRequest: 3 }) : null;
  return {
    store: pg ? new PgDeliveryStore(pg) : new SqliteDeliveryStore(c.deliveryDbPath),
    artifacts: new ArtifactStore(pg ? new PgArtifactBlobs(pg) : c.artifactsDir, vault),
    templates: new TemplateSet(c.templatesDir),
    renderer: new LetterPdfRenderer(workerFonts()),
    mailer: mailerFromConfig(c, redis),
    inDoubt: c.relayLogUrl ? new HttpRelayLogResolver(c.relayLogUrl) : null,
    inDoubtPolicy: c.inDoubtPolicy,
    clock,
    emailConcurrency: c.emailConcurrency,
    duplex: c.duplex,
    ...(c.imb ? { imb: c.imb } : {}),
  };
}

export default async function processChunk(job: SandboxedJob<ChunkJobData>): Promise<ChunkResult> {
  if (!deps) deps = build();
  let last = 0;
  return runChunk(job.data, {
    ...deps,
    onProgress: async (done, total) => {
      if (done === total || done - last >= 50) {
        last = done;
        await job.updateProgress({ done, total });
      }
    },
  });
}
