import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../support/test-app';

const REPO = join(__dirname, '../../..');

describe('safeharbor affected import (CLI)', () => {
  let t: TestApp;
  let responder: string;
  beforeAll(async () => {
    t = await startTestApp();
    responder = (await t.principal('incident-responder')).apiKey;
  });
  afterAll(async () => {
    await t.close();
  });

  function cli(args: string[], apiKey = responder) {
    return spawnSync(process.execPath, ['-r', join(REPO, 'scripts/swc-register.js'), join(REPO, 'src/cli/main.ts'), ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        DATA_DIR: t.config.dataDir,
        MASTER_KEY_FILE: t.config.MASTER_KEY_FILE,
        REDIS_URL: t.config.REDIS_URL,
        REDIS_PREFIX: t.config.REDIS_PREFIX,
        SAFEHARBOR_API_KEY: apiKey,
        LOG_LEVEL: 'silent',
      },
    });
  }

  it('streams the file into an encrypted artifact, prints digests and counts, and the incident sees the new list', async () => {
    const created = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${responder}`)
      .send({
        title: 'Misdirected mailing',
        discoveredOn: '2025-03-10',
        summary: 'Statements mailed to wrong addresses.',
        reporter: { kind: 'covered-entity' },
      });
    const id = created.body.id as string;
    const file = join(t.dataDir, '..', 'list.csv');
    const rows = ['First,Last,Street,Town,ST,Postal'];
    for (let i = 0; i < 300; i++) rows.push(`Given${i},Family${i},${i} Oak St,Dayton,${i % 3 === 0 ? 'TX' : 'OH'},45402`);
    rows.push('Given1,Family1,1 Oak St,Dayton,OH,45402');
    writeFileSync(file, rows.join('\n') + '\n');
    const mapping = JSON.stringify({ name: ['First', 'Last'], line1: 'Street', city: 'Town', state: 'ST', zip: 'Postal' });
    const r = cli(['affected', 'import', '--incident', id, '--mapping', mapping, file]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      incidentId: id,
      listVersion: 1,
      summary: { rows: 301, accepted: 300, duplicates: 1, byState: { OH: 200, TX: 100 } },
    });
    expect(r.stdout).not.toContain('Given');
    expect(r.stderr).not.toContain('Given');
    const tl = await t.http().get(`/v1/incidents/${id}/timeline`).set('Authorization', `Bearer ${responder}`);
    const imported = tl.body.entries.find((e: { type: string }) => e.type === 'AffectedListImported');
    expect(imported.data).toMatchObject({ listVersion: 1, digest: out.digest, counts: { accepted: 300 } });
    expect(JSON.stringify(imported)).not.toContain('Given');
  });

  it('bad usage exits 2 naming what is wrong', () => {
    const r = cli(['affected', 'import', '--incident', 'not-a-uuid', 'x.csv']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--incident');
  });
});
