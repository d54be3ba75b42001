/**
 * Issue 14, item 7, done-when: a made-up patient's name and SSN typed into every free-text field
 * reachable over HTTP (real SQLite, Redis, the chunk workers and outbox mail) is found nowhere
 * afterwards — not in any file of the data folder (ledger.db, read.db, vault.db, artifacts, outbox),
 * the log, Redis keys or values, any email, any letter — except the name in that person's own
 * letter (the person is on the affected list). The counts searched are printed.
 */
import type { INestApplication } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import { createHttpApp } from '../../../src/app';
import { freeTextFieldCount } from '../../../src/app/free-text-fields';
import { LEDGER, type Ledger } from '../../../src/ledger/ledger';
import { FakeClock } from '../../../src/platform/clock';
import { loadConfig, type AppConfig } from '../../../src/platform/config';
import { createLogger } from '../../../src/platform/logger';
import { testFacts, testOrg } from '../../unit/notices/fixtures';
import { makeTempDir } from '../../support/temp-dir';
import { testRedisPrefix } from '../../support/test-app';

jest.setTimeout(300_000);

const NAME = 'Quillon Brackenridge';
const SSN = '519-44-2871';
const CANARY = `Patient ${NAME}, SSN ${SSN}, called about it`;
const NEEDLES = [NAME, SSN, 'Brackenridge', '519442871'];
const ADDRESS = '77 Canary Lane';

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const holds = (b: Buffer | string): string[] => NEEDLES.filter((n) => (typeof b === 'string' ? b : b.toString('latin1')).includes(n));

describe('free-text canary: a name and SSN typed everywhere are found nowhere', () => {
  const dir = makeTempDir('safeharbor-canary-');
  const clock = new FakeClock('2025-03-12T15:00:00.000Z');
  const logFile = join(dir.path, 'safeharbor.log');
  let app: INestApplication;
  let config: AppConfig;
  const http = () => request(app.getHttpServer());
  const as = (k: string | { apiKey: string }) => ({ Authorization: `Bearer ${typeof k === 'string' ? k : k.apiKey}` });
  let adminKey = '';
  /** Every free-text field the canary was typed into, with the status the service answered. */
  const typed: { field: string; status: number }[] = [];

  beforeAll(async () => {
    config = loadConfig({
      DATA_DIR: join(dir.path, 'data'),
      MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: testRedisPrefix(),
      LOG_LEVEL: 'debug',
      PROJECTION_POLL_MS: '25',
      NOTICES_CHUNK_SIZE: '10',
      NOTICES_EMAIL_RATE: '0',
    } as Record<string, string>);
    const logger = createLogger('debug', createWriteStream(logFile));
    app = await createHttpApp({ config, logger, clock, roles: ['api', 'worker', 'scheduler'] });
    await app.init();
    adminKey = readFileSync(join(config.dataDir, 'bootstrap-admin.key'), 'utf8').trim();
  });
  afterAll(async () => {
    await app?.close().catch(() => undefined);
    dir.cleanup();
  });

  async function principal(role: string): Promise<{ id: string; apiKey: string }> {
    const r = await http()
      .post('/v1/principals')
      .set(as(adminKey))
      .send({ name: `${role} canary test`, role });
    expect(r.status).toBe(201);
    return { id: r.body.id, apiKey: r.body.apiKey };
  }

  /** Sends the canary in `fields` of a write confirmed as PHI; records each field and the answer. */
  async function type(method: 'post' | 'patch', path: string, key: string, body: object, fields: string[], ok = [200, 201]) {
    const agent = http();
    const r = await (method === 'post' ? agent.post(path) : agent.patch(path))
      .set(as(key))
      .set('Idempotency-Key', `canary-${typed.length}`)
      .send({ ...body, phiConfirmed: true });
    if (!ok.includes(r.status)) throw new Error(`${method.toUpperCase()} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    for (const f of fields) typed.push({ field: `${path.replace(/[0-9a-f-]{36}/g, ':id')} ${f}`, status: r.status });
    return r;
  }

  it('is sealed, screened, kept out of letters and emails, and found nowhere', async () => {
    const responder = await principal('incident-responder');
    const officer = await principal('compliance-officer');
    const officer2 = await principal('compliance-officer');
    const security = await principal('security-officer');
    const auditor = await principal('auditor');

    // Screening: the same report without confirmation is refused, naming the fields.
    const report = {
      title: `Laptop of ${CANARY}`,
      discoveredOn: '2025-03-10',
      summary: CANARY,
      discovery: { basis: 'actual-knowledge', note: CANARY },
      reporter: { kind: 'covered-entity' },
      occurred: { from: '2025-03-01' },
      breachType: 'theft',
      locations: ['laptop'],
    };
    const refused = await http().post('/v1/incidents').set(as(responder)).send(report);
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.type).toBe('urn:safeharbor:problem:possible-phi');
    expect(refused.body.fields).toEqual([
      { field: 'title', kinds: ['name', 'ssn'] },
      { field: 'summary', kinds: ['name', 'ssn'] },
      { field: 'discovery.note', kinds: ['name', 'ssn'] },
    ]);
    expect(holds(JSON.stringify(refused.body))).toEqual([]);

    const reported = await type('post', '/v1/incidents', responder.apiKey, report, ['title', 'summary', 'discovery.note']);
    const id = reported.body.id as string;
    const inc = `/v1/incidents/${id}`;
    // The confirmation is recorded: who, where, which fields — never the text.
    const confirmations = await app.get<Ledger>(LEDGER).readStream(`phiconfirm-${responder.id}`);
    expect(confirmations.map((e) => e.type)).toEqual(['FreeTextPhiConfirmed']);
    expect(confirmations[0]!.data).toMatchObject({ route: '/v1/incidents', fields: refused.body.fields });

    await type('patch', inc, responder.apiKey, { title: `Amended: ${CANARY}`, summary: `Amended: ${CANARY}` }, ['title', 'summary']);
    await type('post', `${inc}/exception-assessment`, responder.apiKey, { exception: null, rationale: CANARY }, ['rationale']);
    const factor = { risk: 'high', rationale: CANARY };
    await type(
      'post',
      `${inc}/risk-assessment`,
      responder.apiKey,
      {
        factors: { natureAndExtent: factor, unauthorizedRecipient: factor, acquiredOrViewed: factor, mitigation: factor },
        lowProbabilityOfCompromise: false,
      },
      [
        'factors.natureAndExtent.rationale',
        'factors.unauthorizedRecipient.rationale',
        'factors.acquiredOrViewed.rationale',
        'factors.mitigation.rationale',
      ],
    );
    await type(
      'post',
      `${inc}/safeguards`,
      responder.apiKey,
      { encryption: null, keyCompromised: false, destruction: null, note: CANARY },
      ['note'],
    );
    await type(
      'post',
      `${inc}/affected-counts`,
      responder.apiKey,
      { byState: { OH: 3 }, insufficientContact: 0, reason: 'estimate', note: CANARY },
      ['note'],
    );
    const hold = await type(
      'post',
      `${inc}/holds`,
      responder.apiKey,
      { statement: 'written', madeOn: '2025-03-11', until: '2025-03-11', official: { name: NAME, agency: CANARY, contact: CANARY } },
      ['official.name', 'official.agency', 'official.contact'],
    );
    const holdId = (hold.body.holdId ?? hold.body.hold?.holdId) as string | undefined;
    if (holdId) await type('post', `${inc}/holds/${holdId}/end`, responder.apiKey, { endedOn: '2025-03-11', reason: CANARY }, ['reason']);

    // The affected list: the canary is one of the people (mail only), with 11 others (some by email) and an unreadable row.
    const rows = ['name,line1,city,state,zip,email,emailConsent', `${NAME},${ADDRESS},Columbus,OH,43004,,`];
    for (let i = 0; i < 11; i++)
      rows.push(`Person Ohio${i},${i + 1} Elm St,Columbus,OH,43004,${i % 2 ? `p${i}@mail.test` : ''},${i % 2 ? 'yes' : ''}`);
    rows.push('Person Nowhere,1 Road,Somewhere,Atlantis,12345,,');
    const up = await http()
      .post(`${inc}/affected`)
      .set(as(responder))
      .set('Content-Type', 'text/csv')
      .send(rows.join('\n') + '\n');
    expect(up.status).toBe(201);
    await type('post', `${inc}/affected/unresolved/exclude`, officer.apiKey, { listVersion: 1, reason: CANARY }, ['reason']);
    await http().post(`${inc}/triage`).set(as(officer)).send({}).expect(200);
    await type('post', `${inc}/obligations/hhs-notice/waiver`, officer.apiKey, { reason: CANARY }, ['reason']);

    // Readers of PHI see what was typed; the auditor sees that something is there.
    expect((await http().get(inc).set(as(officer))).body.summary).toBe(`Amended: ${CANARY}`);
    const audited = await http().get(inc).set(as(auditor));
    expect(audited.body).toMatchObject({ title: '[sealed free text]', summary: '[sealed free text]' });
    expect(holds(JSON.stringify(audited.body))).toEqual([]);

    // Letters drafted from the incident, released, delivered by the workers (mail and outbox email).
    const {
      whatHappened: _w,
      discoveredOn: _d,
      breachStartedOn: _b,
      breachType: _t,
      locations: _l,
      incidentId: _i,
      ...facts
    } = testFacts();
    const draft = await http()
      .post('/v1/notices/batches')
      .set(as(officer))
      .send({ incidentId: id, fromIncident: true, kind: 'individual', letterDate: '2025-03-20', organization: testOrg(), facts });
    expect(draft.status).toBe(201);
    const batchId = draft.body.batchId as string;
    await http().post(`/v1/notices/batches/${batchId}/preview`).set(as(officer)).send().expect(200);
    await http()
      .post(`/v1/notices/batches/${batchId}/approve`)
      .set(as(officer2))
      .send({ contentDigest: draft.body.contentDigest })
      .expect(200);
    await http().post(`/v1/notices/batches/${batchId}/release`).set(as(officer)).expect(200);

    // Risk, keys, access, principals and exercises while the workers deliver.
    await http()
      .post('/v1/risk/programs')
      .set(as(officer))
      .send({ name: 'Program', ownerId: officer.id, firstReviewDueOn: '2025-12-31' })
      .expect(201);
    const a = await type(
      'post',
      '/v1/risk/assessments',
      officer.apiKey,
      { title: CANARY, periodStart: '2025-01-01', periodEnd: '2025-12-31' },
      ['title'],
    );
    const aid = a.body.assessment.assessmentId as string;
    const asset = await http()
      .post(`/v1/risk/assessments/${aid}/assets`)
      .set(as(officer))
      .send({ kind: 'system', name: 'Billing server', holdsEphi: true });
    expect(asset.status).toBe(201);
    const risk = await type(
      'post',
      `/v1/risk/assessments/${aid}/risks`,
      officer.apiKey,
      { title: CANARY, assetIds: [asset.body.assetId], threat: CANARY, vulnerability: CANARY, controls: [] },
      ['title', 'threat', 'vulnerability'],
    );
    const riskId = risk.body.riskId as string;
    await type(
      'post',
      `/v1/risk/assessments/${aid}/risks/${riskId}/ratings`,
      officer.apiKey,
      { rating: 'inherent', likelihood: 3, impact: 3, rationale: CANARY },
      ['rationale'],
    );
    await type(
      'post',
      `/v1/risk/assessments/${aid}/risks/${riskId}/treatment`,
      officer.apiKey,
      { option: 'mitigate', ownerId: officer.id, dueOn: '2025-06-30', plan: CANARY },
      ['plan'],
    );
    const cand = await type(
      'post',
      '/v1/risk/candidates',
      security.apiKey,
      {
        origin: 'hardening-finding',
        sourceRef: { kind: 'agent', id: 'agent-01' },
        code: 'ssh-root',
        title: CANARY,
        detail: CANARY,
        severity: 'high',
      },
      ['title', 'detail'],
    );
    await type('post', `/v1/risk/candidates/${cand.body.candidateId}/dismiss`, officer.apiKey, { reason: CANARY }, ['reason']);
    const key = await http().post('/v1/keys').set(as(security)).send({ name: 'billing-dek' });
    expect(key.status).toBe(201);
    const keyId = (key.body.keyId ?? key.body.key?.keyId) as string;
    await http().post(`/v1/keys/${keyId}/activate`).set(as(security)).send({}).expect(200);
    await type('post', `/v1/keys/${keyId}/suspend`, security.apiKey, { reason: CANARY }, ['reason']);
    // Access grants need an enrolled agent's dataset: the containment route takes a reason without one.
    await type('post', '/v1/access/containment', security.apiKey, { principal: 'jdoe', reason: CANARY }, ['reason'], [200, 201, 202]);
    const victim = await principal('auditor');
    await type('post', `/v1/principals/${victim.id}/disable`, adminKey, { reason: CANARY }, ['reason']);
    await type('post', '/v1/exercises', officer.apiKey, { scenario: 'stolen-laptop', title: CANARY }, ['title']);

    const done = await until(
      async () => {
        const r = await http().get(`/v1/notices/batches/${batchId}`).set(as(officer));
        return r.body.status === 'completed' ? r.body : null;
      },
      180_000,
      'the letters batch',
    );
    expect(done.progress.done).toBe(12);

    // Every letter, one by one (the manifest gives each letter's pages in its print file).
    const files = (await http().get(`/v1/notices/batches/${batchId}/print-files`).set(as(officer))).body.items as {
      file: string;
      download: string;
    }[];
    const manifest = (await http().get(`/v1/notices/batches/${batchId}/print-files/manifest.csv`).set(as(officer))).text
      .trim()
      .split('\n')
      .slice(1)
      .map((r) => r.split(','));
    let letters = 0;
    const withName: string[] = [];
    for (const f of files) {
      const pdf = await http()
        .get(f.download)
        .set(as(officer))
        .buffer(true)
        .parse((res, cb) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => cb(null, Buffer.concat(parts)));
        });
      const path = join(dir.path, `${f.file}.pdf`);
      writeFileSync(path, pdf.body as Buffer);
      for (const [file, reference, offset, count] of manifest.filter((r) => r[0] === f.file)) {
        const first = Number(offset) + 1;
        const text = execFileSync('pdftotext', ['-f', String(first), '-l', String(first + Number(count) - 1), '-layout', path, '-'], {
          encoding: 'utf8',
        });
        letters++;
        expect(text).not.toContain(SSN);
        expect(text).not.toContain('called about it'); // no internal free text at all
        if (text.includes(NAME)) withName.push(`${file}:${reference}:${/77 canary/i.test(text) ? 'own' : 'OTHER'}`);
      }
    }
    const emails = readdirSync(config.outboxDir).filter((f) => f.endsWith('.eml'));
    for (const e of emails) expect(holds(readFileSync(join(config.outboxDir, e)))).toEqual([]);
    expect(letters + emails.length).toBe(12);
    expect(withName).toHaveLength(1); // the canary's own letter, addressed to them
    expect(withName[0]).toMatch(/:own$/);

    // Redis: every key under this app's prefix, and every value, by type.
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
    // Controls: the search must find a planted canary, in Redis and on disk.
    await redis.hset(`${config.REDIS_PREFIX}:control`, 'v', `x ${NAME} y`);
    writeFileSync(join(config.dataDir, 'control.txt'), `x ${SSN} y`);
    let keys = 0;
    const redisHits: string[] = [];
    try {
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${config.REDIS_PREFIX}*`, 'COUNT', 500);
        cursor = next;
        for (const k of batch) {
          keys++;
          const kind = await redis.type(k);
          const values =
            kind === 'string'
              ? [await redis.get(k)]
              : kind === 'hash'
                ? Object.entries(await redis.hgetall(k)).flat()
                : kind === 'list'
                  ? await redis.lrange(k, 0, -1)
                  : kind === 'set'
                    ? await redis.smembers(k)
                    : kind === 'zset'
                      ? await redis.zrange(k, 0, -1)
                      : kind === 'stream'
                        ? JSON.stringify(await redis.xrange(k, '-', '+')).split('\n')
                        : [];
          if (holds([k, ...values].join('\n')).length) redisHits.push(k);
        }
      } while (cursor !== '0');
      await redis.del(`${config.REDIS_PREFIX}:control`);
    } finally {
      redis.disconnect();
    }

    // Close the service (WAL checkpointed, log flushed), then every file of the data folder and the log.
    await app.close();
    await new Promise((r) => setTimeout(r, 200));
    const fileHits: string[] = [];
    let filesSearched = 0;
    for (const f of readdirSync(config.dataDir, { recursive: true, withFileTypes: true })) {
      if (!f.isFile()) continue;
      filesSearched++;
      const p = join(f.parentPath, f.name);
      if (holds(readFileSync(p)).length) fileHits.push(p);
    }
    expect(existsSync(logFile)).toBe(true);
    const log = readFileSync(logFile);
    filesSearched++;
    if (holds(log).length) fileHits.push(logFile);

    const counts = {
      freeTextFieldsTyped: typed.length,
      freeTextFieldsDeclared: freeTextFieldCount(),
      filesSearched,
      logBytes: log.length,
      redisKeysSearched: keys,
      lettersSearched: letters,
      emailsSearched: emails.length,
    };
    process.stdout.write(`free-text canary: ${JSON.stringify(counts)}\n`);
    console.log(
      'free-text canary',
      counts,
      typed.map((t) => t.field),
    );
    expect(fileHits).toEqual([join(config.dataDir, 'control.txt')]);
    expect(redisHits).toEqual([`${config.REDIS_PREFIX}:control`]);
    expect(typed.length).toBeGreaterThanOrEqual(30);
  });
});
