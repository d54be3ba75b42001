import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { simpleParser } from 'mailparser';
import { NoEmailConsentError, NoticeMailer, noticeMessageId } from '../../../src/notices/email/mailer';
import { RedisTokenBucket } from '../../../src/notices/email/rate-limiter';
import { LetterComposer, letterIdOf } from '../../../src/notices/rendering/letters';
import { TemplateSet } from '../../../src/notices/rendering/templates';
import { syntheticPerson, testFacts, testOrg } from '../../unit/notices/fixtures';
import { SmtpSink } from './smtp-sink';

const BATCH = '01937a4e-8f00-7000-8000-0000000000e1';
const org = testOrg();
const facts = testFacts();
const composer = new LetterComposer(new TemplateSet(), { org, incident: facts }, '2025-04-01');
const from = { name: org.name, address: org.mailFrom };

describe('email notices over SMTP (real smtp-server)', () => {
  let sink: SmtpSink;
  beforeEach(async () => {
    sink = await new SmtpSink().start();
  });
  afterEach(async () => {
    await sink.stop();
  });

  it('sends pooled SMTP mail with the right recipient, headers and 164.404(c) body', async () => {
    const mailer = new NoticeMailer({ kind: 'smtp', host: '127.0.0.1', port: sink.port, ignoreTLS: true, maxConnections: 3 }, from);
    const people = [0, 4, 8].map((i) => syntheticPerson(i, { emailConsent: true }));
    const results = await Promise.all(
      people.map((p) => {
        const mid = noticeMessageId(BATCH, letterIdOf(BATCH, p.id), org.mailFrom);
        return mailer.send(p, composer.email(p), mid, { 'X-Notice-Batch': BATCH });
      }),
    );
    mailer.close();
    expect(sink.received).toHaveLength(3);
    for (const [i, p] of people.entries()) {
      const got = sink.received.find((m) => m.envelopeTo.includes(p.email!));
      expect(got).toBeDefined();
      expect(got!.envelopeTo).toEqual([p.email]);
      expect(got!.envelopeFrom).toBe(org.mailFrom);
      const m = got!.parsed;
      expect(m.messageId).toBe(noticeMessageId(BATCH, letterIdOf(BATCH, p.id), org.mailFrom));
      expect(results[i]!.messageId).toBe(m.messageId);
      expect(results[i]!.response).toMatch(/^250/);
      expect(m.subject).toBe(`Notice of Data Breach from ${org.name}`);
      expect(m.from?.value[0]).toEqual({ name: org.name, address: org.mailFrom });
      expect(m.headers.get('auto-submitted')).toBe('auto-generated');
      expect(m.headers.get('x-notice-batch')).toBe(BATCH);
      const text = m.text!.replace(/\s+/g, ' ');
      expect(text).toContain(`Dear ${p.name},`);
      expect(text).toContain(facts.whatHappened);
      expect(text).toContain('March 10, 2025');
      for (const phi of facts.phiInvolved) expect(text).toContain(phi);
      expect(text).toContain(org.contact.tollFreeNumber);
      expect(m.html).toContain(org.contact.tollFreeNumber);
      expect(m.html).toContain(`href="mailto:${org.contact.email}"`);
    }
  });

  it('HTML-escapes names in the HTML part', async () => {
    const mailer = new NoticeMailer({ kind: 'smtp', host: '127.0.0.1', port: sink.port, ignoreTLS: true }, from);
    const p = syntheticPerson(0, { emailConsent: true, name: "Jo <b>Bold</b> O'Neil" });
    await mailer.send(p, composer.email(p), noticeMessageId(BATCH, 'LX', org.mailFrom));
    mailer.close();
    const m = sink.received[0]!.parsed;
    expect(m.html).toContain('Dear Jo &lt;b&gt;Bold&lt;/b&gt; O&#x27;Neil,');
    expect(m.text).toContain("Dear Jo <b>Bold</b> O'Neil,");
  });

  it('never emails someone who did not agree to electronic notice', async () => {
    const mailer = new NoticeMailer({ kind: 'smtp', host: '127.0.0.1', port: sink.port, ignoreTLS: true }, from);
    const p = syntheticPerson(1, { emailConsent: false });
    await expect(mailer.send(p, composer.email(p), noticeMessageId(BATCH, 'L1', org.mailFrom))).rejects.toBeInstanceOf(NoEmailConsentError);
    mailer.close();
    expect(sink.received).toHaveLength(0);
  });

  it('signs with DKIM when configured', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const mailer = new NoticeMailer(
      {
        kind: 'smtp',
        host: '127.0.0.1',
        port: sink.port,
        ignoreTLS: true,
        dkim: {
          domainName: 'riverbend.example',
          keySelector: 'notices2025',
          privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        },
      },
      from,
    );
    const p = syntheticPerson(4, { emailConsent: true });
    await mailer.send(p, composer.email(p), noticeMessageId(BATCH, 'L4', org.mailFrom));
    mailer.close();
    const sig = String(sink.received[0]!.parsed.headers.get('dkim-signature') ? sink.received[0]!.raw.toString() : '');
    expect(sig).toMatch(/DKIM-Signature: v=1; a=rsa-sha256;/);
    expect(sig).toMatch(/d=riverbend\.example/);
    expect(sig).toMatch(/s=notices2025/);
  });
});

describe('outbox transport (default)', () => {
  it('writes one .eml file per message, named by Message-ID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notices-outbox-'));
    try {
      const mailer = new NoticeMailer({ kind: 'outbox', dir }, from);
      const p = syntheticPerson(8, { emailConsent: true });
      const mid = noticeMessageId(BATCH, letterIdOf(BATCH, p.id), org.mailFrom);
      await mailer.send(p, composer.email(p), mid);
      await mailer.send(p, composer.email(p), mid); // same message again: same file, not two
      const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
      expect(files).toHaveLength(1);
      const parsed = await simpleParser(readFileSync(join(dir, files[0]!)));
      expect(parsed.messageId).toBe(mid);
      expect((parsed.to as { value: Array<{ address: string }> }).value[0]!.address).toBe(p.email);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('global rate limit across workers (Redis token bucket)', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const key = `test:notices:${randomUUID()}:rate`;
  const a = new Redis(url);
  const b = new Redis(url);
  afterAll(async () => {
    await a.del(key);
    a.disconnect();
    b.disconnect();
  });

  it('two workers together never exceed the shared rate', async () => {
    const rate = 40;
    const burst = 5;
    const la = new RedisTokenBucket(a, key, rate, burst);
    const lb = new RedisTokenBucket(b, key, rate, burst);
    const n = 25;
    const start = process.hrtime.bigint();
    await Promise.all([...Array(n)].map((_, i) => (i % 2 ? la : lb).acquire()));
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    // The first `burst` tokens are free; the other n - burst arrive at `rate` per second.
    expect(elapsedMs).toBeGreaterThanOrEqual(((n - burst) / rate) * 1000 * 0.9);
    const state = await a.hgetall(key);
    expect(Number(state.tokens)).toBeLessThan(1);
  });
});
