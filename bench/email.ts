/**
 * npm run bench -- email [--emails 600] [--rounds 3]
 * Our email path per recipient (template rendering, consent check, the global Redis rate
 * limiter, the durable claim → send → mark delivery records in SQLite, pooled SMTP) beside raw
 * nodemailer (same pool size, same pre-rendered message) to the same local smtp-server, in the
 * same run. The limiter runs with a rate far above the throughput, so its cost (one Redis round
 * trip per email) is measured, not its throttling.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { SqliteDeliveryStore } from '../src/notices/delivery/sqlite-delivery-store';
import { NoticeMailer, noticeMessageId } from '../src/notices/email/mailer';
import { RedisTokenBucket } from '../src/notices/email/rate-limiter';
import { LetterComposer, letterIdOf } from '../src/notices/rendering/letters';
import { TemplateSet } from '../src/notices/rendering/templates';
import { makeTempDir } from '../test/support/temp-dir';
import { syntheticPerson, testFacts, testOrg } from '../test/unit/notices/fixtures';
import { arg, median, report } from './support';

const N = arg('emails', 600);
const ROUNDS = arg('rounds', 3);
const CONC = 4; // pooled SMTP connections
const IN_FLIGHT = 8; // sends in flight (both sides): claims and marks overlap the network

async function main() {
  let received = 0;
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _s, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  const dir = makeTempDir('bench-email-');
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const key = `bench:${randomUUID()}:rate`;
  const org = testOrg();
  const composer = new LetterComposer(new TemplateSet(), { org, incident: testFacts() }, '2025-04-01');
  const people = Array.from({ length: N }, (_, i) => syntheticPerson(i, { emailConsent: true }));
  const from = { name: org.name, address: org.mailFrom };
  const sample = composer.email(people[0]!);

  async function pool(n: number, fn: (i: number) => Promise<void>) {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = next++; i < n; i = next++) await fn(i);
      }),
    );
  }

  async function raw(): Promise<number> {
    const t = nodemailer.createTransport({
      pool: true,
      host: '127.0.0.1',
      port,
      ignoreTLS: true,
      maxConnections: CONC,
      maxMessages: 10_000,
    });
    const t0 = performance.now();
    await pool(N, async (i) => {
      await t.sendMail({
        from,
        to: { name: people[i]!.name, address: people[i]!.email! },
        subject: sample.subject,
        text: sample.text,
        html: sample.html,
      });
    });
    const secs = (performance.now() - t0) / 1000;
    t.close();
    return N / secs;
  }

  async function ours(round: number): Promise<number> {
    const store = new SqliteDeliveryStore(join(dir.path, `d${round}.db`), {
      synchronous: (process.env.BENCH_SYNC as 'FULL' | 'NORMAL') ?? 'FULL',
    });
    const mailer = new NoticeMailer(
      { kind: 'smtp', host: '127.0.0.1', port, ignoreTLS: true, maxConnections: CONC, maxMessages: 10_000 },
      from,
      new RedisTokenBucket(redis, key, 1_000_000, 1_000_000),
    );
    const batchId = randomUUID();
    const t0 = performance.now();
    const marks: Array<Promise<void>> = [];
    await pool(N, async (i) => {
      const p = people[i]!;
      const letterId = letterIdOf(batchId, p.id);
      const messageId = noticeMessageId(batchId, letterId, org.mailFrom);
      await store.claimEmail({ batchId, individualId: p.id, letterId, chunk: 0, messageId });
      const sent = await mailer.send(p, composer.email(p), messageId, { 'X-Notice-Batch': batchId });
      marks.push(store.markSent(batchId, p.id, sent.messageId, sent.response, new Date().toISOString()));
    });
    await Promise.all(marks); // every record durable before the clock stops
    const secs = (performance.now() - t0) / 1000;
    mailer.close();
    await store.close();
    return N / secs;
  }

  await raw();
  await ours(99); // warm-up
  const o: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    o.push(await ours(r));
    b.push(await raw());
  }
  report('email', median(o), median(b), 'emails/s', { emails: N, rounds: ROUNDS, poolConnections: CONC, received });
  await redis.del(key);
  redis.disconnect();
  await new Promise<void>((r) => server.close(() => r()));
  dir.cleanup();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
