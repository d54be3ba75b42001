/**
 * One notice batch shared by two notices worker processes on one Redis and one delivery store:
 * every chunk is taken by one worker, every email is accepted by the SMTP server exactly once and
 * every printed letter is in exactly one mail-house print file.
 */
import { planChannel } from '../../../src/notices/domain/channel';
import { noticeMessageId } from '../../../src/notices/email/mailer';
import { letterIdOf } from '../../../src/notices/rendering/letters';
import { makeTempDir } from '../../support/temp-dir';
import { testRedisPrefix } from '../../support/test-app';
import { testOrg } from '../../unit/notices/fixtures';
import { SmtpSink } from '../notices/smtp-sink';
import { planNoticeBatch, startNoticeWorker, type NoticeWorker, type PlannedBatch } from './support/notice-batch';

jest.setTimeout(600_000);

describe('scale-out: a notice batch shared by two worker processes', () => {
  const dir = makeTempDir('safeharbor-shared-batch-');
  let sink: SmtpSink;
  let batch: PlannedBatch | null = null;
  const workers: NoticeWorker[] = [];

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await batch?.close();
    await sink?.stop();
    dir.cleanup();
  });

  it('delivers each notice exactly once, the work split between both workers', async () => {
    sink = await new SmtpSink().start();
    batch = await planNoticeBatch({
      dir: dir.path,
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: testRedisPrefix(),
      size: 240,
      chunkSize: 20,
      emailShare: 0.5,
      smtpUrl: `smtp://127.0.0.1:${sink.port}?ignoreTLS=true`,
    });
    workers.push(startNoticeWorker(batch.config), startNoticeWorker(batch.config));
    await Promise.all(workers.map((w) => w.ready));
    await batch.release();
    const deadline = Date.now() + 500_000;
    while ((await batch.completed()) < batch.chunks) {
      if (Date.now() > deadline) throw new Error('batch did not finish in time');
      await new Promise((r) => setTimeout(r, 200));
    }

    // Each chunk completed by exactly one worker, and both took part.
    const byWorker = workers.map((w) => w.completedJobs);
    expect(byWorker.every((jobs) => jobs.length > 0)).toBe(true);
    const all = byWorker.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(batch.chunks);

    // Emails: one per consenting person, none twice (counted by the SMTP server, by Message-ID).
    const org = testOrg();
    const perId = new Map<string, number>();
    for (const m of sink.received) perId.set(m.parsed.messageId!, (perId.get(m.parsed.messageId!) ?? 0) + 1);
    const emailed = batch.people.filter((p) => planChannel(p).channel === 'email');
    expect(emailed.length).toBeGreaterThan(0);
    expect(sink.received).toHaveLength(emailed.length);
    for (const p of emailed) expect(perId.get(noticeMessageId(batch.batchId, letterIdOf(batch.batchId, p.id), org.mailFrom))).toBe(1);

    // Letters: each mailed person in exactly one print file.
    const inFiles = new Map<string, number>();
    for (const f of batch.store.printFiles(batch.batchId)) {
      for (const line of f.manifestCsv.trim().split('\n').slice(1)) {
        const letterId = line.split(',')[1]!;
        inFiles.set(letterId, (inFiles.get(letterId) ?? 0) + 1);
      }
    }
    const mailed = batch.people.filter((p) => ['mail', 'mail-next-of-kin'].includes(planChannel(p).channel));
    expect(mailed.length).toBeGreaterThan(0);
    expect(inFiles.size).toBe(mailed.length);
    for (const p of mailed) expect(inFiles.get(letterIdOf(batch.batchId, p.id))).toBe(1);
    const progress = batch.store.progress(batch.batchId);
    expect(progress.done).toBe(batch.people.length);
    expect(progress.possibleDuplicates).toBe(0);
  });
});
