/**
 * A notice batch released through the API and delivered by two `safeharbor worker` processes
 * sharing one data dir (ledger, delivery store, artifacts) and one Redis: each email accepted
 * by the SMTP server exactly once, each letter in exactly one mail-house print file, and both
 * worker processes rendering chunks.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { asAsync } from '../../../src/notices/delivery/chunk-runner';
import { SqliteDeliveryStore } from '../../../src/notices/delivery/sqlite-delivery-store';
import { planChannel } from '../../../src/notices/domain/channel';
import { noticeMessageId } from '../../../src/notices/email/mailer';
import { letterIdOf } from '../../../src/notices/rendering/letters';
import { ArtifactStore } from '../../../src/phi/artifact-store';
import { DataKeyStore } from '../../../src/phi/data-key-store';
import { MasterKey } from '../../../src/phi/master-key';
import { PhiVault } from '../../../src/phi/phi-vault';
import { SystemClock } from '../../../src/platform/clock';
import { uuidv7 } from '../../../src/platform/ids';
import { makeTempDir } from '../../support/temp-dir';
import { syntheticPerson, testFacts, testOrg } from '../../unit/notices/fixtures';
import { SmtpSink } from '../notices/smtp-sink';
import { startRole, stopRole, type RoleProcess } from './support/processes';

jest.setTimeout(600_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('scale-out: one notice batch, two worker processes', () => {
  const dir = makeTempDir('safeharbor-shared-batch-');
  const prefix = `sh-test-batch-${uuidv7().slice(-12)}`;
  const procs: RoleProcess[] = [];
  let sink: SmtpSink;

  afterAll(async () => {
    await Promise.all(procs.map((p) => stopRole(p)));
    await sink?.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    dir.cleanup();
  });

  it('delivers each notice exactly once, the chunks rendered by both workers', async () => {
    sink = await new SmtpSink().start();
    const env = {
      DATA_DIR: join(dir.path, 'data'),
      MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
      REDIS_URL,
      REDIS_PREFIX: prefix,
      PROJECTION_POLL_MS: '50',
      MAIL_TRANSPORT: 'smtp',
      SMTP_URL: `smtp://127.0.0.1:${sink.port}?ignoreTLS=true`,
      NOTICES_CHUNK_SIZE: '15',
      NOTICES_EMAIL_RATE: '0',
    };
    const api = await startRole('api', 'api', env);
    procs.push(api);
    const workers = await Promise.all([startRole('worker-1', 'worker', env), startRole('worker-2', 'worker', env)]);
    procs.push(...workers);
    // Idle workers have no sandboxed chunk processor yet: one appears when a worker takes a chunk.
    for (const w of workers) expect(sandboxChildren(w.pid)).toBe(0);

    const adminKey = readFileSync(join(env.DATA_DIR, 'bootstrap-admin.key'), 'utf8').trim();
    const call = async (method: string, path: string, key: string, body?: unknown) => {
      const res = await fetch(api.url(path), {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    const principal = async (name: string) => {
      const r = await call('POST', '/v1/principals', adminKey, { name, role: 'compliance-officer' });
      expect(r.status).toBe(201);
      return r.body.apiKey as string;
    };
    const drafter = await principal('Drafter');
    const approver = await principal('Approver');

    // The affected-individuals list, written as an encrypted artifact into the shared data dir.
    const facts = testFacts();
    const org = testOrg();
    const people = Array.from({ length: 150 }, (_, i) => syntheticPerson(i, { emailConsent: i % 3 === 0 }));
    const dataKeys = new DataKeyStore(join(env.DATA_DIR, 'vault.db'), MasterKey.loadOrCreate(env.MASTER_KEY_FILE));
    const artifacts = new ArtifactStore(join(env.DATA_DIR, 'artifacts'), new PhiVault(dataKeys, new SystemClock()));
    const recipients = await artifacts.write(`incident:${facts.incidentId}`, asAsync(people.map((p) => `${JSON.stringify(p)}\n`)));
    await dataKeys.close();

    const draft = await call('POST', '/v1/notices/batches', drafter, {
      incidentId: facts.incidentId,
      kind: 'individual',
      letterDate: '2025-04-01',
      organization: org,
      facts,
      recipientsArtifact: recipients.digest,
    });
    expect(draft.status).toBe(201);
    const batchId = draft.body.batchId as string;
    expect((await call('POST', `/v1/notices/batches/${batchId}/preview`, drafter)).status).toBe(200);
    expect(
      (await call('POST', `/v1/notices/batches/${batchId}/approve`, approver, { contentDigest: draft.body.contentDigest })).status,
    ).toBe(200);
    expect((await call('POST', `/v1/notices/batches/${batchId}/release`, drafter)).status).toBe(200);

    const deadline = Date.now() + 500_000;
    let status = '';
    while (status !== 'completed') {
      if (Date.now() > deadline) throw new Error(`batch not completed in time (status ${status})`);
      await new Promise((r) => setTimeout(r, 250));
      status = (await call('GET', `/v1/notices/batches/${batchId}`, approver)).body.status;
    }

    // Both worker processes rendered: each forked a sandboxed chunk processor.
    for (const w of workers) expect({ worker: w.name, rendered: sandboxChildren(w.pid) > 0 }).toEqual({ worker: w.name, rendered: true });

    // Emails: one per consenting person, none twice (the SMTP server's own count, by Message-ID).
    const perId = new Map<string, number>();
    for (const m of sink.received) perId.set(m.parsed.messageId!, (perId.get(m.parsed.messageId!) ?? 0) + 1);
    const emailed = people.filter((p) => planChannel(p).channel === 'email');
    expect(emailed.length).toBeGreaterThan(0);
    expect(sink.received).toHaveLength(emailed.length);
    for (const p of emailed) expect(perId.get(noticeMessageId(batchId, letterIdOf(batchId, p.id), org.mailFrom))).toBe(1);

    // Letters: each mailed person in exactly one print file.
    const store = new SqliteDeliveryStore(join(env.DATA_DIR, 'notices.db'));
    try {
      const inFiles = new Map<string, number>();
      const files = await store.printFiles(batchId);
      expect(files.length).toBeGreaterThan(1);
      for (const f of files) {
        for (const line of f.manifestCsv.trim().split('\n').slice(1)) {
          const letterId = line.split(',')[1]!;
          inFiles.set(letterId, (inFiles.get(letterId) ?? 0) + 1);
        }
      }
      const mailed = people.filter((p) => ['mail', 'mail-next-of-kin'].includes(planChannel(p).channel));
      expect(mailed.length).toBeGreaterThan(0);
      expect(inFiles.size).toBe(mailed.length);
      for (const p of mailed) expect(inFiles.get(letterIdOf(batchId, p.id))).toBe(1);
      const progress = await store.progress(batchId);
      expect(progress.done).toBe(people.length);
      expect(progress.possibleDuplicates).toBe(0);
    } finally {
      await store.close();
    }
  });
});

/** Child processes of `pid` running BullMQ's sandbox runner (one per chunk processor it forked). */
function sandboxChildren(pid: number): number {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return 0; // ps exits 1 when there are none
  }
  return out.split('\n').filter((l) => /bullmq|chunk\.processor/.test(l)).length;
}
