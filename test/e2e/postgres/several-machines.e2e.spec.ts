/**
 * Several machines, simulated here: two api processes and two workers, each with its own empty
 * DATA_DIR (standing for separate hosts), sharing one PostgreSQL and one Redis (and the master
 * key, kept apart from every host). A breach imported on one api, drafted and approved on the
 * other, rendered by both workers while one of them is SIGKILLed mid-batch (with its sandboxed
 * renderers: the host is lost): every letter exactly once, every consenting person emailed (a
 * second copy only where flagged as a possible duplicate; emails go through the workers' own
 * email queue), proof of notice and each letter's PDF (reproduced from its print file) readable
 * from either api, `ledger verify` green from either host, nothing of it on any host's disk.
 *
 * SEVERAL_MACHINES_PEOPLE sets the breach size (default 2,000: the issue's 20,000 takes too long
 * on a shared two-core machine).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { uuidv7 } from '../../../src/platform/ids';
import { runCliProcess } from '../../support/cli';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { makeTempDir } from '../../support/temp-dir';
import { SmtpSink } from '../../integration/notices/smtp-sink';
import { testFacts, testOrg } from '../../unit/notices/fixtures';
import { startRole, stopRole, type RoleProcess } from '../../integration/scaleout/support/processes';

jest.setTimeout(900_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PEOPLE = Number(process.env.SEVERAL_MACHINES_PEOPLE ?? 2000);
const STATES = ['OH', 'PA', 'NY', 'CA', 'TX'];

/** Child pids of `pid` (its sandboxed chunk renderers). */
function children(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

describe('several machines on one PostgreSQL and one Redis', () => {
  const root = makeTempDir('safeharbor-hosts-');
  const prefix = `sh-test-hosts-${uuidv7().slice(-12)}`;
  const procs: RoleProcess[] = [];
  let db: TestDatabase;
  let sink: SmtpSink;

  afterAll(async () => {
    await Promise.all(procs.map((p) => stopRole(p)));
    await sink?.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await db?.drop();
    root.cleanup();
  });

  it('import on one api, approve on the other, render on both workers with one killed: every letter once, proof and verify from either', async () => {
    db = await createTestDatabase();
    sink = await new SmtpSink().start();
    const host = (name: string) => ({
      LEDGER: 'postgres',
      DATABASE_URL: db.url,
      DATA_DIR: join(root.path, name, 'data'),
      MASTER_KEY_FILE: join(root.path, 'secrets', 'master.key'),
      REDIS_URL,
      REDIS_PREFIX: prefix,
      PROJECTION_POLL_MS: '50',
      NOTICES_CHUNK_SIZE: String(Math.max(25, Math.ceil(PEOPLE / 20))),
      NOTICES_EMAIL_RATE: '0',
      MAIL_TRANSPORT: 'smtp',
      SMTP_URL: `smtp://127.0.0.1:${sink.port}?ignoreTLS=true`,
      SAFEHARBOR_ROLE_EMAILS: JSON.stringify({ 'compliance-officer': ['co@example.org'], 'security-officer': ['so@example.org'] }),
    });
    const api1 = await startRole('api-1', 'api', host('api-1'));
    procs.push(api1);
    const [api2, worker1, worker2] = await Promise.all([
      startRole('api-2', 'api', host('api-2')),
      startRole('worker-1', 'worker', host('worker-1')),
      startRole('worker-2', 'worker', host('worker-2')),
    ]);
    procs.push(api2!, worker1!, worker2!);

    const adminKey = readFileSync(join(host('api-1').DATA_DIR, 'bootstrap-admin.key'), 'utf8').trim();
    const call = async (p: RoleProcess, method: string, path: string, key: string, body?: unknown, type = 'application/json') => {
      const res = await fetch(p.url(path), {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': type },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, text, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
    };
    /** Waits until api-2's read model knows what api-1 wrote (its own projections of the shared ledger). */
    const until = async <T>(fn: () => Promise<T | null | false>, what: string, ms = 120_000): Promise<T> => {
      const end = Date.now() + ms;
      for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const principal = async (name: string, role: string) => {
      const r = await call(api1, 'POST', '/v1/principals', adminKey, { name, role });
      expect(r.status).toBe(201);
      return r.body.apiKey as string;
    };
    const responder = await principal('Responder', 'incident-responder');
    const drafter = await principal('Drafter', 'compliance-officer');
    const approver = await principal('Approver', 'compliance-officer');

    // api-1: the incident and its affected list (synthetic people; every fifth agreed to email).
    const inc = await call(api1, 'POST', '/v1/incidents', responder, {
      title: 'Stolen laptop',
      discoveredOn: '2025-03-10',
      summary: 'An unencrypted billing laptop was stolen from a parked car.',
      reporter: { kind: 'covered-entity' },
      occurred: { from: '2025-03-01' },
      breachType: 'theft',
      locations: ['laptop'],
    });
    expect(inc.status).toBe(201);
    const incidentId = inc.body.id as string;
    const rows = ['name,line1,line2,city,state,zip,email,emailConsent'];
    const EMAILED = Math.ceil(PEOPLE / 5);
    const MAILED = PEOPLE - EMAILED;
    for (let i = 0; i < PEOPLE; i++) {
      const zip = `4${String(5000 + (i % 900)).padStart(4, '0')}`;
      const email = i % 5 === 0 ? `person${i}@example.org,true` : ',';
      rows.push(`Synthetic Person ${i},${i + 1} Oak St,,Dayton,${STATES[i % STATES.length]},${zip},${email}`);
    }
    const up = await call(api1, 'POST', `/v1/incidents/${incidentId}/affected`, responder, rows.join('\n') + '\n', 'text/csv');
    expect(up.status).toBe(201);
    expect((await call(api1, 'POST', `/v1/incidents/${incidentId}/triage`, drafter, {})).status).toBe(200);

    // api-2: draft from the incident, preview, approve by a second officer, release.
    const {
      whatHappened: _w,
      discoveredOn: _d,
      breachStartedOn: _b,
      breachType: _t,
      locations: _l,
      incidentId: _i,
      ...facts
    } = testFacts();
    const draft = await until(async () => {
      const r = await call(api2!, 'POST', '/v1/notices/batches', drafter, {
        incidentId,
        fromIncident: true,
        kind: 'individual',
        letterDate: '2025-04-01',
        organization: testOrg(),
        facts,
      });
      return r.status === 201 ? r : r.status === 401 || r.status === 404 || r.status === 422 ? null : (expect(r.status).toBe(201) as never);
    }, 'api-2 drafts from the incident api-1 recorded');
    const batchId = draft.body.batchId as string;
    expect((await call(api2!, 'POST', `/v1/notices/batches/${batchId}/preview`, drafter)).status).toBe(200);
    expect(
      (await call(api2!, 'POST', `/v1/notices/batches/${batchId}/approve`, approver, { contentDigest: draft.body.contentDigest })).status,
    ).toBe(200);
    expect((await call(api2!, 'POST', `/v1/notices/batches/${batchId}/release`, drafter)).status).toBe(200);

    // worker-1's host is lost mid-batch: once it renders and some letters are recorded, SIGKILL it and its renderers.
    await until(
      async () => {
        const p = await call(api1, 'GET', `/v1/notices/batches/${batchId}/progress`, approver);
        return children(worker1!.pid).length > 0 && p.body?.done >= PEOPLE / 10 && p.body.done < PEOPLE * 0.8;
      },
      'worker-1 rendering mid-batch',
      300_000,
    );
    const renderers = children(worker1!.pid);
    worker1!.child.kill('SIGKILL');
    for (const pid of renderers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await worker1!.exited;

    await until(
      async () => (await call(api2!, 'GET', `/v1/notices/batches/${batchId}`, approver)).body?.status === 'completed',
      'the batch completes on worker-2',
      600_000,
    );
    expect(children(worker2!.pid).length).toBeGreaterThan(0);

    // Every letter exactly once, whichever api is asked.
    for (const api of [api1, api2!]) {
      const progress = await call(api, 'GET', `/v1/notices/batches/${batchId}/progress`, approver);
      expect(progress.body).toMatchObject({ done: PEOPLE, total: PEOPLE, byState: { printed: MAILED, sent: EMAILED } });
      const manifest = await call(api, 'GET', `/v1/notices/batches/${batchId}/print-files/manifest.csv`, approver);
      const letterIds = manifest.text
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[1]!);
      expect(letterIds).toHaveLength(MAILED);
      expect(new Set(letterIds).size).toBe(MAILED);
      // Emails: each consenting person reached; a second copy only where the record says "possible
      // duplicate" (the killed worker's in-doubt sends, resent by policy: a missed notice is worse).
      const perId = new Map<string, number>();
      for (const m of sink.received.filter((x) => x.parsed.headers.get('x-notice-batch') === batchId))
        perId.set(m.parsed.messageId!, (perId.get(m.parsed.messageId!) ?? 0) + 1);
      expect(perId.size).toBe(EMAILED);
      const extra = [...perId.values()].reduce((n, c) => n + c - 1, 0);
      expect(extra).toBeLessThanOrEqual(progress.body.possibleDuplicates);
      for (const letterId of [letterIds[0]!, letterIds[MAILED - 1]!, letterIds[Math.floor(MAILED / 2)]!]) {
        const proof = await call(api, 'GET', `/v1/notices/letters/${letterId}`, approver);
        expect(proof.status).toBe(200);
        expect(proof.body.items).toEqual([expect.objectContaining({ batchId, letterId, channel: 'mail', state: 'printed' })]);
        const byPerson = await call(api, 'GET', `/v1/notices/individuals/${proof.body.individualId}/proof`, approver);
        expect(byPerson.body.items).toEqual([
          expect.objectContaining({ batchId, letterId, pdfSha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
        ]);
        // The letter as mailed, reproduced from its print file (in PostgreSQL): the digest in the proof.
        const pdf = await fetch(api.url(`/v1/notices/letters/${letterId}/pdf`), { headers: { authorization: `Bearer ${approver}` } });
        expect(pdf.status).toBe(200);
        expect(pdf.headers.get('content-type')).toBe('application/pdf');
        const bytes = Buffer.from(await pdf.arrayBuffer());
        expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(byPerson.body.items[0].pdfSha256);
      }
    }

    // `ledger verify` green from either api host.
    for (const name of ['api-1', 'api-2']) {
      const r = await runCliProcess(['ledger', 'verify'], host(name));
      expect({ name, code: r.code, ok: /"ok": ?true/.test(r.stdout) }).toEqual({ name, code: 0, ok: true });
    }

    // Nothing of the breach on any host's disk: no delivery file, no vault, no artifacts.
    for (const name of ['api-1', 'api-2', 'worker-1', 'worker-2']) {
      const dir = host(name).DATA_DIR;
      const artifacts = existsSync(join(dir, 'artifacts')) ? readdirSync(join(dir, 'artifacts')).filter((f) => f !== 'tmp') : [];
      expect({ name, notices: existsSync(join(dir, 'notices.db')), vault: existsSync(join(dir, 'vault.db')), artifacts }).toEqual({
        name,
        notices: false,
        vault: false,
        artifacts: [],
      });
    }
  });
});
