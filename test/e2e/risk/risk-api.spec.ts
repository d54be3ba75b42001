import { mkdtempSync, rmSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { FakeClock } from '../../../src/platform/clock';
import { startTestApp, type TestApp } from '../../support/test-app';

const SHIPPED = join(__dirname, '../../../workflows');

async function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('risk API, candidates and status', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('an incident becomes a candidate risk with a review due 30 days later; candidates are deduplicated, adopted into the register or dismissed', async () => {
    t = await startTestApp({ clock: new FakeClock('2025-03-10T14:00:00Z') });
    const co = await t.principal('compliance-officer');
    const ir = await t.principal('incident-responder');
    const auditor = await t.principal('auditor');
    const as = (p: { apiKey: string }) => ({ Authorization: `Bearer ${p.apiKey}` });
    const inc = await t
      .http()
      .post('/v1/incidents')
      .set(as(ir))
      .send({
        title: 'Laptop stolen from car',
        discoveredOn: '2025-03-10',
        summary: 'Unencrypted laptop stolen',
        reporter: { kind: 'covered-entity' },
      });
    expect(inc.status).toBe(201);
    const cands = await waitFor(async () => {
      const r = await t!.http().get('/v1/risk/candidates').set(as(auditor));
      return r.body.length ? r.body : undefined;
    }, 'incident candidate');
    expect(cands).toEqual([
      expect.objectContaining({
        origin: 'incident',
        sourceRef: { kind: 'incident', id: inc.body.id },
        status: 'open',
        reviewDueOn: '2025-04-09',
      }),
    ]);

    // A hardening finding reported twice is one candidate.
    const finding = {
      origin: 'hardening-finding',
      sourceRef: { kind: 'agent', id: 'agent-01' },
      code: 'ssh-root-login',
      title: 'SSH root login permitted',
      severity: 'high',
    };
    const f1 = await t.http().post('/v1/risk/candidates').set(as(ir)).send(finding);
    const f2 = await t.http().post('/v1/risk/candidates').set(as(ir)).send(finding);
    expect([f1.status, f2.status]).toEqual([201, 200]);
    expect(f2.body.candidateId).toBe(f1.body.candidateId);
    const bad = await t
      .http()
      .post('/v1/risk/candidates')
      .set(as(ir))
      .send({ ...finding, severity: 'huge' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('severity');
    // Auditors read, never write.
    expect((await t.http().post('/v1/risk/candidates').set(as(auditor)).send(finding)).status).toBe(403);

    // Adopt the finding into an assessment; dismiss the incident's candidate with a reason.
    await t
      .http()
      .post('/v1/risk/programs')
      .set(as(co))
      .send({ name: 'Program', ownerId: co.id, firstReviewDueOn: '2025-12-31' })
      .expect(201);
    const a = await t
      .http()
      .post('/v1/risk/assessments')
      .set(as(co))
      .send({ title: 'Risk analysis 2025', periodStart: '2025-01-01', periodEnd: '2025-12-31' })
      .expect(201);
    const aid = a.body.assessment.assessmentId;
    const asset = await t
      .http()
      .post(`/v1/risk/assessments/${aid}/assets`)
      .set(as(co))
      .send({ kind: 'system', name: 'Jump host', holdsEphi: false })
      .expect(201);
    const adopted = await t
      .http()
      .post(`/v1/risk/candidates/${f1.body.candidateId}/adopt`)
      .set(as(co))
      .send({
        assessmentId: aid,
        assetIds: [asset.body.assetId],
        threat: 'Brute force',
        vulnerability: 'Root login over SSH',
        controls: ['SH-AC-06'],
      });
    expect(adopted.status).toBe(200);
    const reg = await t.http().get(`/v1/risk/assessments/${aid}`).set(as(co)).expect(200);
    expect(reg.headers.etag).toBeDefined();
    // Free text is sealed: the auditor sees the register without what people typed into it.
    const audited = await t.http().get(`/v1/risk/assessments/${aid}`).set(as(auditor)).expect(200);
    expect(audited.body.risks[adopted.body.riskId]).toMatchObject({ title: '[sealed free text]', threat: '[sealed free text]' });
    expect(reg.body.risks[adopted.body.riskId]).toMatchObject({
      title: 'SSH root login permitted',
      source: { kind: 'candidate', origin: 'hardening-finding' },
    });
    const dis = await t
      .http()
      .post(`/v1/risk/candidates/${cands[0].id}/dismiss`)
      .set(as(co))
      .send({ reason: 'covered by the laptop encryption risk' });
    expect(dis.body).toEqual({ candidateId: cands[0].id, status: 'dismissed' });
    const listed = (await t.http().get('/v1/risk/candidates').set(as(auditor))).body;
    expect(listed.map((c: any) => c.status).sort()).toEqual(['adopted', 'dismissed']);

    // A stale If-Match is a conflict, nothing written.
    const stale = await t
      .http()
      .post(`/v1/risk/assessments/${aid}/assets`)
      .set(as(co))
      .set('If-Match', '"1"')
      .send({ kind: 'system', name: 'Other', holdsEphi: true });
    expect(stale.status).toBe(409);

    // safeharbor status prints the posture as tables from the same data dir.
    const env = {
      DATA_DIR: t.config.dataDir,
      MASTER_KEY_FILE: t.config.masterKeyPath,
      REDIS_URL: t.config.REDIS_URL,
      REDIS_PREFIX: t.config.REDIS_PREFIX,
      LOG_LEVEL: 'silent',
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as never;
    try {
      expect(await runCli(['--api-key', auditor.apiKey, 'status'])).toBe(0);
    } finally {
      process.stdout.write = write;
      process.env = saved;
    }
    const text = out.join('');
    expect(text).toContain('Safe Harbor posture as of');
    // The CLI runs on the system clock: by now the first annual review (due 2025-12-31) is overdue.
    expect(text).toMatch(
      /== Reviews overdue or due within 30 days \[1 needs action\]\n {3}workflow +subject +dueOn +daysLeft +overdue +escalations\n/,
    );
    expect(text).toMatch(/risk-review-annual +risk-program default +2025-12-31 +-\d+ +yes/);
    // The incident's review was closed when its candidate was dismissed.
    expect(text).not.toContain('risk-review-after-change');
    expect(text).toMatch(/== PHI datasets not encrypted \[ok\]/); // the datasets context answers this section
  });

  it('refuses to start with a broken workflow file, naming file, path and reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-broken-'));
    for (const f of readdirSync(SHIPPED).filter((n) => n.endsWith('.yaml'))) copyFileSync(join(SHIPPED, f), join(dir, f));
    writeFileSync(
      join(dir, 'key-rotation.yaml'),
      'workflow: key-rotation\nversion: 1\ntitle: Keys\nsubjectKinds: [key]\nreminders:\n  - before: 30 days\n    to: [security-officer]\n',
    );
    const saved = process.env.SAFEHARBOR_WORKFLOWS_DIR;
    process.env.SAFEHARBOR_WORKFLOWS_DIR = dir;
    try {
      await expect(startTestApp()).rejects.toThrow(
        /key-rotation\.yaml: reminders\[0\]\.before: expected a duration like "7d" \(units: d, w, mo, y\) \(line 6\)/,
      );
    } finally {
      if (saved === undefined) delete process.env.SAFEHARBOR_WORKFLOWS_DIR;
      else process.env.SAFEHARBOR_WORKFLOWS_DIR = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
