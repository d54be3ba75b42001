/**
 * Issue 15 item 2: email runs on its own queue (notices-email), apart from rendering. Letters
 * are printed while no email has gone out (a renderer never waits on email), and the email
 * rate limit (Redis token bucket) applies in the email worker: its jobs take as long as the rate
 * says, every email exactly once (counted at a real SMTP server by Message-ID).
 */
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { asAsync, runChunk, type ChunkJobData } from '../../../src/notices/delivery/chunk-runner';
import { SqliteDeliveryStore } from '../../../src/notices/delivery/sqlite-delivery-store';
import { runEmails } from '../../../src/notices/delivery/email-runner';
import { CHUNK_QUEUE, EMAIL_QUEUE, planBatch } from '../../../src/notices/delivery/planner';
import { planChannel } from '../../../src/notices/domain/channel';
import { NoticeMailer, noticeMessageId } from '../../../src/notices/email/mailer';
import { RedisTokenBucket } from '../../../src/notices/email/rate-limiter';
import { LetterFonts, LetterPdfRenderer } from '../../../src/notices/rendering/letter-pdf';
import { letterIdOf } from '../../../src/notices/rendering/letters';
import { TemplateSet } from '../../../src/notices/rendering/templates';
import { ArtifactStore } from '../../../src/phi/artifact-store';
import { DataKeyStore } from '../../../src/phi/data-key-store';
import { MasterKey } from '../../../src/phi/master-key';
import { PhiVault } from '../../../src/phi/phi-vault';
import { FakeClock } from '../../../src/platform/clock';
import { makeTempDir } from '../../support/temp-dir';
import { testRedisPrefix } from '../../support/test-app';
import { syntheticPerson, testFacts, testOrg } from '../../unit/notices/fixtures';
import { SmtpSink } from './smtp-sink';

jest.setTimeout(120_000);

const BATCH = '01937a4e-8f00-7000-8000-00000000e4a1';
const RATE = 20;

async function waitFor(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !(await cond());) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('notices email queue', () => {
  const dir = makeTempDir('notices-email-queue-');
  const prefix = testRedisPrefix();
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  let sink: SmtpSink;
  const workers: Worker[] = [];

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await sink?.stop();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    dir.cleanup();
  });

  it('prints every letter without waiting on email; the email worker sends each email once, at the configured rate', async () => {
    sink = await new SmtpSink().start();
    const clock = new FakeClock('2025-04-01T09:00:00.000Z');
    const artifacts = new ArtifactStore(
      join(dir.path, 'artifacts'),
      new PhiVault(new DataKeyStore(join(dir.path, 'vault.db'), MasterKey.loadOrCreate(join(dir.path, 'master.key'))), clock),
    );
    const org = testOrg();
    const facts = testFacts();
    const people = Array.from({ length: 120 }, (_, i) => syntheticPerson(i, { emailConsent: i % 2 === 0 }));
    const scope = `incident:${facts.incidentId}`;
    const recipients = await artifacts.write(scope, asAsync(people.map((p) => `${JSON.stringify(p)}\n`)));
    const content = await artifacts.write(scope, asAsync([JSON.stringify({ org, facts })]));
    const store = new SqliteDeliveryStore(join(dir.path, 'notices.db'));
    const chunks = new Queue(CHUNK_QUEUE, { connection: redis, prefix });
    const emails = new Queue(EMAIL_QUEUE, { connection: redis, prefix });
    const plan = await planBatch(
      artifacts,
      store,
      { chunks, emails },
      {
        batchId: BATCH,
        incidentId: facts.incidentId,
        recipientsArtifact: recipients.digest,
        contentArtifact: content.digest,
        letterDate: '2025-04-01',
        creationDate: '2025-04-01T09:00:00.000Z',
        chunkSize: 40,
        now: clock.now().toISOString(),
      },
    );
    expect(plan).toEqual({ total: 120, chunks: 3, emailJobs: 3 });

    // Rendering alone: every chunk completes and every letter is printed; no email has gone out.
    const templates = new TemplateSet();
    const renderer = new LetterPdfRenderer(new LetterFonts());
    workers.push(
      new Worker<ChunkJobData>(CHUNK_QUEUE, (job) => runChunk(job.data, { store, artifacts, templates, renderer, clock }), {
        connection: redis,
        prefix,
      }),
    );
    await waitFor(async () => (await chunks.getJobCounts('completed')).completed === 3, 60_000, 'the chunks');
    const emailed = people.filter((p) => planChannel(p).channel === 'email');
    const offline = people.filter((p) => planChannel(p).channel !== 'email');
    for (const p of offline) expect((await store.get(BATCH, p.id))?.state).toMatch(/^(printed|substitute|not-required)$/);
    for (const p of emailed) expect(await store.get(BATCH, p.id)).toBeNull();
    expect(sink.received).toHaveLength(0);
    expect((await emails.getJobCounts('waiting')).waiting).toBe(3);

    // The email worker, rate-limited there (burst = one second's worth of tokens).
    const mailer = new NoticeMailer(
      { kind: 'smtp', host: '127.0.0.1', port: sink.port, ignoreTLS: true, maxConnections: 3 },
      null,
      new RedisTokenBucket(redis, `${prefix}:notices:email-rate`, RATE),
    );
    const t0 = Date.now();
    workers.push(
      new Worker<ChunkJobData>(
        EMAIL_QUEUE,
        (job) => runEmails(job.data, { store, artifacts, templates, mailer, inDoubt: null, inDoubtPolicy: 'resend', clock }),
        { connection: redis, prefix },
      ),
    );
    await waitFor(async () => (await emails.getJobCounts('completed')).completed === 3, 60_000, 'the emails');
    const secs = (Date.now() - t0) / 1000;
    mailer.close();
    expect(secs).toBeGreaterThanOrEqual(((emailed.length - RATE) / RATE) * 0.9);
    const perId = new Map<string, number>();
    for (const m of sink.received) perId.set(m.parsed.messageId!, (perId.get(m.parsed.messageId!) ?? 0) + 1);
    expect(sink.received).toHaveLength(emailed.length);
    for (const p of emailed) {
      expect(perId.get(noticeMessageId(BATCH, letterIdOf(BATCH, p.id), org.mailFrom))).toBe(1);
      expect((await store.get(BATCH, p.id))?.state).toBe('sent');
    }
    expect((await store.progress(BATCH)).done).toBe(people.length);
    await chunks.close();
    await emails.close();
    await store.close();
  });
});
