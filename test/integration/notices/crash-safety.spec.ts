/**
 * Crash safety: a worker process (its chunk and email workers and their sandboxed children) is
 * killed with SIGKILL in the middle of a batch; a new worker finishes it. Emails run on their
 * own queue (notices-email), apart from rendering. Every person gets exactly one notice: no email
 * twice (counted by the test's own SMTP server, by Message-ID), none missing, every letter in
 * exactly one print file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { planChannel } from '../../../src/notices/domain/channel';
import { asAsync } from '../../../src/notices/delivery/chunk-runner';
import { SqliteDeliveryStore } from '../../../src/notices/delivery/sqlite-delivery-store';
import { CHUNK_QUEUE, EMAIL_QUEUE, planBatch } from '../../../src/notices/delivery/planner';
import type { ChunkWorkerConfig } from '../../../src/notices/jobs/chunk-worker-config';
import { noticeMessageId } from '../../../src/notices/email/mailer';
import { letterIdOf } from '../../../src/notices/rendering/letters';
import { ArtifactStore } from '../../../src/phi/artifact-store';
import { DataKeyStore } from '../../../src/phi/data-key-store';
import { MasterKey } from '../../../src/phi/master-key';
import { PhiVault } from '../../../src/phi/phi-vault';
import { FakeClock } from '../../../src/platform/clock';
import { makeTempDir } from '../../support/temp-dir';
import { testRedisPrefix } from '../../support/test-app';
import { syntheticPerson, testFacts, testOrg } from '../../unit/notices/fixtures';
import { SmtpSink } from './smtp-sink';

const ROOT = resolve(__dirname, '..', '..', '..');
const N = 2400;
const BATCH = '01937a4e-8f00-7000-8000-00000000cafe';

jest.setTimeout(600_000);

function people() {
  return Array.from({ length: N }, (_, i) => {
    const p = syntheticPerson(i, { emailConsent: i % 5 !== 0 }); // 80 % email: the non-idempotent channel dominates
    if (i % 97 === 0) return { ...p, emailConsent: false, insufficientContact: true };
    if (i % 89 === 0) return { ...p, emailConsent: false, deceased: true, nextOfKin: { name: 'Kin of ' + i, address: p.address! } };
    return p;
  });
}

function startWorker(config: ChunkWorkerConfig): ChildProcess {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'scripts', 'swc-register.js'), join(__dirname, 'chunk-worker-proc.ts')], {
    cwd: ROOT,
    detached: true, // its own process group: SIGKILL reaches the sandbox children too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEST_CHUNK_CONFIG: JSON.stringify(config), TEST_CONCURRENCY: '2' },
  });
  child.stderr!.on('data', (d) => process.stderr.write(`[worker] ${d}`));
  return child;
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('notice batch survives SIGKILL of a worker mid-batch', () => {
  const dir = makeTempDir('notices-crash-');
  const prefix = testRedisPrefix();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  let sink: SmtpSink;
  let relayLog: Server;
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const c of children)
      if (c.exitCode === null && c.pid)
        try {
          process.kill(-c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    await sink?.stop();
    await new Promise((r) => relayLog?.close(r));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    dir.cleanup();
  });

  it('delivers every notice exactly once', async () => {
    sink = await new SmtpSink().start();
    // The relay's acceptance log, as a real relay exposes it: by Message-ID.
    relayLog = createServer((req, res) => {
      const id = new URL(req.url!, 'http://x').searchParams.get('messageId');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ accepted: sink.acceptedIds.has(id ?? '') }));
    });
    await new Promise<void>((r) => relayLog.listen(0, '127.0.0.1', () => r()));
    const relayPort = (relayLog.address() as { port: number }).port;

    const paths = {
      deliveryDbPath: join(dir.path, 'notices.db'),
      artifactsDir: join(dir.path, 'artifacts'),
      vaultPath: join(dir.path, 'vault.db'),
      masterKeyPath: join(dir.path, 'master.key'),
    };
    const clock = new FakeClock('2025-04-01T09:00:00.000Z');
    const artifacts = new ArtifactStore(
      paths.artifactsDir,
      new PhiVault(new DataKeyStore(paths.vaultPath, MasterKey.loadOrCreate(paths.masterKeyPath)), clock),
    );
    const org = testOrg();
    const facts = testFacts();
    const everyone = people();
    const scope = `incident:${facts.incidentId}`;
    const recipients = await artifacts.write(scope, asAsync(everyone.map((p) => `${JSON.stringify(p)}\n`)));
    const content = await artifacts.write(scope, asAsync([JSON.stringify({ org, facts })]));
    const store = new SqliteDeliveryStore(paths.deliveryDbPath);
    const queue = new Queue(CHUNK_QUEUE, { connection: redis, prefix });
    const emailQueue = new Queue(EMAIL_QUEUE, { connection: redis, prefix });
    const plan = await planBatch(
      artifacts,
      store,
      { chunks: queue, emails: emailQueue },
      {
        batchId: BATCH,
        incidentId: facts.incidentId,
        recipientsArtifact: recipients.digest,
        contentArtifact: content.digest,
        letterDate: '2025-04-01',
        creationDate: '2025-04-01T09:00:00.000Z',
        chunkSize: 200,
        now: clock.now().toISOString(),
      },
    );
    expect(plan).toEqual({ total: N, chunks: N / 200, emailJobs: N / 200 });

    const config: ChunkWorkerConfig = {
      ...paths,
      redisUrl,
      redisPrefix: prefix,
      mail: { kind: 'smtp', url: `smtp://127.0.0.1:${sink.port}?ignoreTLS=true`, maxConnections: 3 },
      emailRatePerSecond: 0,
      emailConcurrency: 4,
      relayLogUrl: `http://127.0.0.1:${relayPort}/log`,
      inDoubtPolicy: 'resend',
      duplex: true,
    };
    const first = startWorker(config);
    children.push(first);
    const emailTotal = everyone.filter((p) => planChannel(p).channel === 'email').length;
    // Kill it in the middle: once a good share of the emails went out, while chunks are in flight.
    await waitFor(() => sink.received.length >= emailTotal * 0.3, 300_000, 'the first worker to get going');
    process.kill(-first.pid!, 'SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = sink.received.length;
    expect(atKill).toBeLessThan(emailTotal);

    const second = startWorker(config);
    children.push(second);
    await waitFor(
      async () =>
        (await queue.getJobCounts('completed')).completed === plan.chunks &&
        (await emailQueue.getJobCounts('completed')).completed === plan.emailJobs,
      400_000,
      'the batch to finish',
    );
    process.kill(-second.pid!, 'SIGTERM');

    // No email twice, none missing: count what the SMTP server accepted, by Message-ID.
    const perId = new Map<string, number>();
    for (const m of sink.received) perId.set(m.parsed.messageId!, (perId.get(m.parsed.messageId!) ?? 0) + 1);
    const dupes = [...perId.entries()].filter(([, n]) => n > 1);
    expect(dupes).toEqual([]);
    expect(sink.received.length).toBe(emailTotal);
    for (const p of everyone) {
      const plan1 = planChannel(p);
      const rec = await store.get(BATCH, p.id);
      expect(rec).not.toBeNull();
      if (plan1.channel === 'email') {
        const mid = noticeMessageId(BATCH, letterIdOf(BATCH, p.id), org.mailFrom);
        expect(perId.get(mid)).toBe(1);
        expect(rec!.state).toBe('sent');
        expect(rec!.messageId).toBe(mid);
      }
    }
    // Every letter in exactly one print file, with its digest.
    const files = await store.printFiles(BATCH);
    const inFiles = new Map<string, number>();
    for (const f of files)
      for (const line of f.manifestCsv.trim().split('\n').slice(1)) {
        const letterId = line.split(',')[1]!;
        inFiles.set(letterId, (inFiles.get(letterId) ?? 0) + 1);
      }
    const mailed = everyone.filter((p) => ['mail', 'mail-next-of-kin'].includes(planChannel(p).channel));
    expect(inFiles.size).toBe(mailed.length);
    for (const p of mailed) {
      expect(inFiles.get(letterIdOf(BATCH, p.id))).toBe(1);
      expect((await store.get(BATCH, p.id))!.state).toBe('printed');
      expect((await store.get(BATCH, p.id))!.pdfSha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const progress = await store.progress(BATCH);
    expect(progress.done).toBe(N);
    expect(progress.possibleDuplicates).toBe(0);
    const results = (await emailQueue.getJobs(['completed'])).map((j) => j.returnvalue as { inDoubt: number; resent: number });
    const inDoubt = results.reduce((s, r) => s + r.inDoubt, 0);
    const resent = results.reduce((s, r) => s + r.resent, 0);
    process.stdout.write(
      `crash test: ${atKill} emails before SIGKILL of ${emailTotal}; ${inDoubt} in doubt after the kill (resolved from the relay log), ${resent} resent; rows ${JSON.stringify(progress.byState)}\n`,
    );
    await queue.close();
    await emailQueue.close();
    await store.close();
  });
});
