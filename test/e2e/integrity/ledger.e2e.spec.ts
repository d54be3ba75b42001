import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestApp, type TestApp } from '../../support/test-app';

function binaryParser(res: NodeJS.ReadableStream, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

describe('ledger integrity over HTTP (/v1/ledger, /v1/evidence)', () => {
  let t: TestApp;
  let responder: string;
  let auditor: string;
  let officer: string;
  let incidentId: string;
  beforeAll(async () => {
    t = await startTestApp({ env: { LEDGER_CHECKPOINT_SECONDS: '0' } });
    responder = (await t.principal('incident-responder')).apiKey;
    auditor = (await t.principal('auditor')).apiKey;
    officer = (await t.principal('security-officer')).apiKey;
    const r = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${responder}`)
      .send({
        title: 'Misdirected fax',
        discoveredOn: '2025-03-10',
        summary: 'A fax went to the wrong clinic.',
        reporter: { kind: 'covered-entity' },
      });
    incidentId = r.body.id;
    await t
      .http()
      .patch(`/v1/incidents/${incidentId}`)
      .set('Authorization', `Bearer ${responder}`)
      .set('If-Match', '"1"')
      .send({ title: 'Misdirected fax (amended)' });
  });
  afterAll(async () => {
    await t.close();
  });
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  it('signs a checkpoint on demand, cosigned by the embedded file witness', async () => {
    expect((await t.http().post('/v1/ledger/checkpoints').set(as(auditor))).status).toBe(403);
    const r = await t.http().post('/v1/ledger/checkpoints').set(as(officer));
    expect(r.status).toBe(200);
    expect(r.body.cosignatures).toBe(1);
    expect(r.body.note).toMatch(/^safeharbor\.local\/ledger\n\d+\n[A-Za-z0-9+/=]{44}\n\n\u2014 safeharbor\.local\/ledger /);
    const keys = await t.http().get('/v1/ledger/keys').set(as(auditor));
    expect(keys.body).toMatchObject({ origin: 'safeharbor.local/ledger', quorum: 1 });
    expect(keys.body.witnesses).toHaveLength(1);
    // the witness keeps its own copy in its own directory beside (not inside) the data dir
    expect(fs.existsSync(`${t.dataDir}-witness/witness.key`)).toBe(true);
  });

  it('serves inclusion and consistency proofs; bad input is a 400 naming the field', async () => {
    const cp = (await t.http().get('/v1/ledger/checkpoint').set(as(auditor))).body;
    expect(cp.size).toBeGreaterThan(2);
    const c = await t.http().get(`/v1/ledger/proofs/consistency?from=1&to=${cp.size}`).set(as(auditor));
    expect(c.status).toBe(200);
    expect(c.body.toRoot).toBe(cp.root);
    const bad = await t.http().get('/v1/ledger/proofs/inclusion?eventId=nope').set(as(auditor));
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(bad.body)).toContain('eventId');
    const unknown = await t.http().get('/v1/ledger/proofs/inclusion?eventId=0192f0c4-0000-7000-8000-000000000000').set(as(auditor));
    expect(unknown.status).toBe(404);
    const forbidden = await t.http().get('/v1/ledger/checkpoint').set(as(responder));
    expect(forbidden.status).toBe(403);
  });

  it('verify reports ok with a summary', async () => {
    expect((await t.http().get('/v1/ledger/verification').set(as(auditor))).body).toEqual({ lastVerifiedAt: null, eventsVerified: null });
    const r = await t.http().post('/v1/ledger/verify').set(as(officer));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, checkpointsVerified: expect.any(Number) });
    expect(r.body.checkpointsVerified).toBeGreaterThanOrEqual(1);
    const v = await t.http().get('/v1/ledger/verification').set(as(auditor));
    expect(v.body).toEqual({ lastVerifiedAt: expect.any(String), eventsVerified: r.body.eventsVerified });
    expect((await t.http().get('/v1/ledger/verification').set(as(responder))).status).toBe(403);
  });

  it('exports the incident evidence for the auditor; it verifies offline and fails on a changed byte', async () => {
    const r = await t
      .http()
      .get(`/v1/evidence/incidents/${incidentId}`)
      .set(as(auditor))
      .buffer(true)
      .parse(binaryParser as never);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/zip');
    expect(r.headers['x-evidence-events']).toBe('2');
    const dir = fs.mkdtempSync(path.join(t.dataDir, '..', 'evidence-'));
    const zip = path.join(dir, 'evidence.zip');
    fs.writeFileSync(zip, r.body as Buffer);
    // the auditor only has the zip: extract the verifier from it with the verifier's own reader
    const { readZip } = require('../../../src/evidence/verifier/verify-evidence.js');
    const files: Map<string, Buffer> = readZip(r.body);
    fs.writeFileSync(path.join(dir, 'verify-evidence.js'), files.get('verify-evidence.js')!);
    const logKey = (await t.http().get('/v1/ledger/keys').set(as(auditor))).body.log as string;
    const ok = spawnSync(process.execPath, [path.join(dir, 'verify-evidence.js'), zip, '--log-key', logKey], { encoding: 'utf8' });
    expect(ok.stdout).toMatch(/^OK: 2 event\(s\)/);
    expect(ok.status).toBe(0);
    // the same event's proof over HTTP verifies against the checkpoint it names
    const proofs = JSON.parse(files.get('proofs.json')!.toString('utf8')).events as Record<string, { id: string; leafHash: string }>;
    const [pos, entry] = Object.entries(proofs)[0];
    const p = await t.http().get(`/v1/ledger/proofs/inclusion?eventId=${entry.id}`).set(as(auditor));
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ position: Number(pos), leafHash: entry.leafHash });
    const { verifyInclusion } = require('../../../src/ledger/integrity/proofs');
    expect(() =>
      verifyInclusion(
        p.body.leafIndex,
        p.body.treeSize,
        Buffer.from(p.body.leafHash, 'hex'),
        p.body.proof.map((b: string) => Buffer.from(b, 'base64')),
        Buffer.from(p.body.root, 'base64'),
      ),
    ).not.toThrow();
    // extracted folder with one changed byte in an event
    const x = path.join(dir, 'x');
    for (const [name, data] of files) {
      fs.mkdirSync(path.dirname(path.join(x, name)), { recursive: true });
      fs.writeFileSync(path.join(x, name), data);
    }
    const evName = [...files.keys()].find((n) => n.startsWith('events/'))!;
    const bytes = fs.readFileSync(path.join(x, evName));
    bytes[bytes.length - 3] ^= 0x01;
    fs.writeFileSync(path.join(x, evName), bytes);
    const bad = spawnSync(process.execPath, [path.join(x, 'verify-evidence.js'), x, '--log-key', logKey], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL: event at position \d+/);
    // the real export with one event of the incident's stream and its proof removed: incomplete
    const y = path.join(dir, 'y');
    const allProofs = JSON.parse(files.get('proofs.json')!.toString('utf8'));
    const [cutPos] = Object.entries(allProofs.events as Record<string, { stream: string }>).find(
      ([, e]) => e.stream === `incident-${incidentId}`,
    )!;
    delete allProofs.events[cutPos];
    for (const [name, data] of files) {
      if (name === `events/${cutPos}.json`) continue;
      fs.mkdirSync(path.dirname(path.join(y, name)), { recursive: true });
      fs.writeFileSync(path.join(y, name), name === 'proofs.json' ? JSON.stringify(allProofs) : data);
    }
    const cut = spawnSync(process.execPath, [path.join(y, 'verify-evidence.js'), y, '--log-key', logKey], { encoding: 'utf8' });
    expect(cut.status).toBe(1);
    expect(cut.stdout).toMatch(
      new RegExp(
        `^FAIL: incomplete: stream incident-${incidentId} ended at version \\d+ in the signed tree, but version 1 is not in the bundle`,
      ),
    );
  });

  it('evidence export is refused to roles without access and 404s for unknown incidents', async () => {
    expect((await t.http().get(`/v1/evidence/incidents/${incidentId}`).set(as(responder))).status).toBe(403);
    expect((await t.http().get('/v1/evidence/incidents/0192f0c4-0000-7000-8000-000000000000').set(as(auditor))).status).toBe(404);
    expect((await t.http().get('/v1/evidence/incidents/not-a-uuid').set(as(auditor))).status).toBe(400);
  });

  it('a tampered byte makes verify name the position and raises an alert for the security officer', async () => {
    const Database = require('better-sqlite3');
    const db = new Database(path.join(t.dataDir, 'ledger.db'));
    const row = db.prepare("SELECT position, data FROM events WHERE type = 'IncidentReported' ORDER BY position DESC LIMIT 1").get();
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
      row.data.replace('"discoveredOn":"2', '"discoveredOn":"1'),
      row.position,
    ); // a clear fact: free text is sealed
    db.close();
    const r = await t.http().post('/v1/ledger/verify').set(as(officer));
    expect(r.body).toMatchObject({ ok: false, kind: 'event-changed', position: row.position });
    let alerts: Array<{ kind: string; position: number; assignedRole: string }> = [];
    for (let i = 0; i < 100 && alerts.length === 0; i++) {
      alerts = (await t.http().get('/v1/ledger/tamper-alerts').set(as(officer))).body;
      if (alerts.length === 0) await new Promise((res) => setTimeout(res, 25));
    }
    expect(alerts[0]).toMatchObject({ kind: 'event-changed', position: row.position, assignedRole: 'security-officer' });
    // …and it opens a security incident to triage and track like any other.
    let tamperIncident: { title: string; breachType: string } | undefined;
    for (let i = 0; i < 100 && !tamperIncident; i++) {
      const list = (await t.http().get('/v1/incidents').set(as(officer))).body.items as Array<{ id: string; title: string }>;
      const hit = list.find((x) => x.title.startsWith('Ledger tampering detected'));
      if (hit) tamperIncident = (await t.http().get(`/v1/incidents/${hit.id}`).set(as(officer))).body;
      else await new Promise((res) => setTimeout(res, 25));
    }
    expect(tamperIncident).toMatchObject({ title: 'Ledger tampering detected (event-changed)', breachType: 'hacking-it-incident' });
    // evidence export refuses to package an altered event
    const ex = await t.http().get(`/v1/evidence/incidents/${incidentId}`).set(as(auditor));
    expect(ex.status).toBe(409);
  });
});
