/**
 * Tamper alerts reach people when the ledger cannot take them: after a truncation the ledger
 * refuses appends, /health is 503 naming the ledger failure, /metrics exposes it, the security
 * officer is e-mailed over real SMTP, and the alert is recorded once appends work again.
 */
import type { INestApplication } from '@nestjs/common';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createHttpApp } from '../../../src/app';
import { FakeClock } from '../../../src/platform/clock';
import { loadConfig, type AppConfig } from '../../../src/platform/config';
import { createLogger } from '../../../src/platform/logger';
import { SmtpSink } from '../../integration/notices/smtp-sink';
import { testRedisPrefix } from '../../support/test-app';
import { makeTempDir } from '../../support/temp-dir';

async function until<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tamper alarm when the ledger refuses appends (truncation)', () => {
  const dir = makeTempDir('sh-alarm-');
  const sink = new SmtpSink();
  const clock = new FakeClock('2025-03-10T14:00:00.000Z');
  const savedEmails = process.env.SAFEHARBOR_ROLE_EMAILS;
  const savedSeconds = process.env.LEDGER_CHECKPOINT_SECONDS;
  let config: AppConfig;
  let app: INestApplication | null = null;

  const start = async () => {
    app = await createHttpApp({ config, logger: createLogger('silent'), clock, roles: ['api', 'worker', 'scheduler'] });
    await app.init();
    return app;
  };
  const http = () => request(app!.getHttpServer());

  beforeAll(async () => {
    await sink.start();
    process.env.SAFEHARBOR_ROLE_EMAILS = JSON.stringify({ 'security-officer': ['so@hospital.test'] });
    process.env.LEDGER_CHECKPOINT_SECONDS = '0';
    config = loadConfig({
      DATA_DIR: join(dir.path, 'data'),
      MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: testRedisPrefix(),
      LOG_LEVEL: 'silent',
      PROJECTION_POLL_MS: '25',
      MAIL_TRANSPORT: 'smtp',
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SAFEHARBOR_ROLE_EMAILS: process.env.SAFEHARBOR_ROLE_EMAILS!,
    });
  });
  afterAll(async () => {
    await app?.close();
    await sink.stop();
    process.env.SAFEHARBOR_ROLE_EMAILS = savedEmails;
    process.env.LEDGER_CHECKPOINT_SECONDS = savedSeconds;
    if (savedEmails === undefined) delete process.env.SAFEHARBOR_ROLE_EMAILS;
    if (savedSeconds === undefined) delete process.env.LEDGER_CHECKPOINT_SECONDS;
    dir.cleanup();
  });

  it('503 naming the failure, gauge at 0, officer mailed; recorded once the ledger accepts appends again', async () => {
    await start();
    const admin = readFileSync(join(config.dataDir, 'bootstrap-admin.key'), 'utf8').trim();
    for (const name of ['A', 'B', 'C'])
      expect((await http().post('/v1/principals').set('Authorization', `Bearer ${admin}`).send({ name, role: 'auditor' })).status).toBe(
        201,
      );
    expect((await http().get('/health')).status).toBe(200);
    expect((await http().get('/metrics')).text).toMatch(/^safeharbor_ledger_integrity_ok 1$/m);
    await app!.close();
    app = null;

    // the insider truncates the last two events
    const db = new Database(config.ledgerPath);
    const head = Number(db.prepare('SELECT MAX(position) FROM events').pluck().get());
    const removed = db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position').all(head - 2) as Array<Record<string, unknown>>;
    db.prepare('DELETE FROM events WHERE position > ?').run(head - 2);
    db.close();

    await start();
    const health = await http().get('/health');
    expect(health.status).toBe(503);
    expect(health.body.ledger).toMatchObject({ ok: false, integrity: { ok: false, failure: { kind: 'rollback', position: head - 1 } } });
    expect(health.body.ledger.integrity.failure.reason).toMatch(/were removed; appends refused/);
    const metrics = (await http().get('/metrics')).text;
    expect(metrics).toMatch(/^safeharbor_ledger_integrity_ok 0$/m);
    const mails = await until(
      () => sink.received,
      (r) => r.length > 0,
    );
    expect(mails).toHaveLength(1);
    expect(mails[0].envelopeTo).toEqual(['so@hospital.test']);
    expect(mails[0].parsed.subject).toBe('[Safe Harbor] LEDGER TAMPERING DETECTED: rollback');
    expect(mails[0].parsed.text).toContain(`Position:    ${head - 1}`);
    expect((await http().get('/metrics')).text).toMatch(/^safeharbor_ledger_tamper_alerts_pending 1$/m);
    // nothing can be appended, the alert included
    const refused = await http().post('/v1/principals').set('Authorization', `Bearer ${admin}`).send({ name: 'D', role: 'auditor' });
    expect(refused.status).toBe(503);
    expect(refused.body.type).toBe('urn:safeharbor:problem:ledger-integrity');
    const count = () => {
      const c = new Database(config.ledgerPath, { readonly: true });
      try {
        return c.prepare("SELECT COUNT(*) FROM events WHERE type = 'LedgerTamperDetected'").pluck().get() as number;
      } finally {
        c.close();
      }
    };
    expect(count()).toBe(0);

    // the operator restores the removed events from a backup: appends work, the alert is recorded
    const fix = new Database(config.ledgerPath);
    for (const r of removed)
      fix
        .prepare('INSERT INTO events (position, id, stream, version, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(r.position, r.id, r.stream, r.version, r.type, r.schema_version, r.data, r.metadata);
    fix.close();
    expect((await http().get('/health')).status).toBe(200);
    expect((await http().post('/v1/principals').set('Authorization', `Bearer ${admin}`).send({ name: 'E', role: 'auditor' })).status).toBe(
      201,
    );
    expect(await until(count, (n) => n === 1)).toBe(1);
    // the row is visible to another connection before its group commit is durable; the alert
    // leaves the pending list only once the append is acknowledged
    const metricsText = async () => (await http().get('/metrics')).text;
    let text = await metricsText();
    for (let i = 0; i < 50 && !/^safeharbor_ledger_tamper_alerts_pending 0$/m.test(text); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await metricsText();
    }
    expect(text).toMatch(/^safeharbor_ledger_tamper_alerts_pending 0$/m);
    expect(sink.received).toHaveLength(1); // mailed once, not again when recorded
  });
});
