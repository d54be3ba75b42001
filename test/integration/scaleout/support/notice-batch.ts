/**
 * A released notice batch planned into chunk jobs on the real Redis, and notices worker processes
 * that share it: used by the scale-out test (each letter exactly once across workers) and by
 * `npm run bench -- scale` (letters per second with one and two worker processes).
 */
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { AffectedIndividual } from '../../../../src/incidents/domain/affected-individual';
import { asAsync } from '../../../../src/notices/delivery/chunk-runner';
import type { DeliveryStore } from '../../../../src/notices/delivery/delivery-store';
import { SqliteDeliveryStore } from '../../../../src/notices/delivery/sqlite-delivery-store';
import { CHUNK_QUEUE, EMAIL_QUEUE, planBatch } from '../../../../src/notices/delivery/planner';
import type { ChunkWorkerConfig } from '../../../../src/notices/jobs/chunk-worker-config';
import { ArtifactStore } from '../../../../src/phi/artifact-store';
import { DataKeyStore } from '../../../../src/phi/data-key-store';
import { MasterKey } from '../../../../src/phi/master-key';
import { PhiVault } from '../../../../src/phi/phi-vault';
import { FakeClock } from '../../../../src/platform/clock';
import { uuidv7 } from '../../../../src/platform/ids';
import { syntheticPerson, testFacts, testOrg } from '../../../unit/notices/fixtures';

const ROOT = resolve(__dirname, '../../../..');

export interface PlannedBatch {
  batchId: string;
  people: AffectedIndividual[];
  chunks: number;
  config: ChunkWorkerConfig;
  store: DeliveryStore;
  queue: Queue;
  completed(): Promise<number>;
  /** Resumes the queue the batch was planned into (paused until then). */
  release(): Promise<void>;
  close(): Promise<void>;
}

export interface BatchOptions {
  dir: string;
  redisUrl: string;
  prefix: string;
  size: number;
  chunkSize: number;
  /** Share of recipients who agreed to email (the rest get printed letters). */
  emailShare: number;
  smtpUrl?: string;
}

export async function planNoticeBatch(o: BatchOptions): Promise<PlannedBatch> {
  const paths = {
    deliveryDbPath: join(o.dir, 'notices.db'),
    artifactsDir: join(o.dir, 'artifacts'),
    vaultPath: join(o.dir, 'vault.db'),
    masterKeyPath: join(o.dir, 'secrets', 'master.key'),
  };
  const clock = new FakeClock('2025-04-01T09:00:00.000Z');
  const dataKeys = new DataKeyStore(paths.vaultPath, MasterKey.loadOrCreate(paths.masterKeyPath));
  const artifacts = new ArtifactStore(paths.artifactsDir, new PhiVault(dataKeys, clock));
  const facts = testFacts();
  const emailEvery = o.emailShare <= 0 ? 0 : Math.round(1 / o.emailShare);
  const people = Array.from({ length: o.size }, (_, i) => syntheticPerson(i, { emailConsent: emailEvery > 0 && i % emailEvery === 0 }));
  const scope = `incident:${facts.incidentId}`;
  const recipients = await artifacts.write(scope, asAsync(people.map((p) => `${JSON.stringify(p)}\n`)));
  const content = await artifacts.write(scope, asAsync([JSON.stringify({ org: testOrg(), facts })]));
  const store = new SqliteDeliveryStore(paths.deliveryDbPath);
  const redis = new IORedis(o.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(CHUNK_QUEUE, { connection: redis, prefix: o.prefix });
  const batchId = uuidv7();
  // Planned while paused: the workers start first, then `release()` lets them all compete at once.
  const emailQueue = new Queue(EMAIL_QUEUE, { connection: redis, prefix: o.prefix });
  await queue.pause();
  await emailQueue.pause();
  const plan = await planBatch(
    artifacts,
    store,
    { chunks: queue, emails: emailQueue },
    {
      batchId,
      incidentId: facts.incidentId,
      recipientsArtifact: recipients.digest,
      contentArtifact: content.digest,
      letterDate: '2025-04-01',
      creationDate: '2025-04-01T09:00:00.000Z',
      chunkSize: o.chunkSize,
      now: clock.now().toISOString(),
    },
  );
  await dataKeys.close();
  const config: ChunkWorkerConfig = {
    ...paths,
    redisUrl: o.redisUrl,
    redisPrefix: o.prefix,
    mail: o.smtpUrl ? { kind: 'smtp', url: o.smtpUrl, maxConnections: 3 } : { kind: 'outbox', dir: join(o.dir, 'outbox') },
    emailRatePerSecond: 0,
    emailConcurrency: 4,
    inDoubtPolicy: 'resend',
    duplex: true,
  };
  return {
    batchId,
    people,
    chunks: plan.chunks,
    config,
    store,
    queue,
    completed: async () => (await queue.getJobCounts('completed')).completed ?? 0,
    release: async () => {
      await emailQueue.resume();
      await queue.resume();
    },
    async close() {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await emailQueue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await emailQueue.close();
      const keys = await redis.keys(`${o.prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await store.close();
    },
  };
}

export interface NoticeWorker {
  child: ChildProcess;
  ready: Promise<void>;
  completedJobs: string[];
  stop(): Promise<void>;
}

/** One notices worker process (its own process group, so its sandbox children stop with it). */
export function startNoticeWorker(config: ChunkWorkerConfig, concurrency = 1): NoticeWorker {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'scripts', 'swc-register.js'), join(__dirname, 'notices-worker.ts')], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SCALE_CHUNK_CONFIG: JSON.stringify(config), SCALE_CONCURRENCY: String(concurrency), LOG_LEVEL: 'silent' },
  });
  const completedJobs: string[] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = new Promise<void>((resolveReady, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'ready') resolveReady();
        const m = /^completed (\S+) /.exec(line);
        if (m) completedJobs.push(m[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[notices-worker ${child.pid}] ${d}`));
    void exited.then(() => reject(new Error(`notices worker ${child.pid} exited before it was ready`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    completedJobs,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}
