/**
 * A sample organization's exposure, end to end: six datasets on two hosts, populations declared
 * over HTTP, three encrypted as their agent reported (one then found with cleartext), and the
 * CLI's ranked table. EXPOSURE_TABLE_OUT=<file> writes the table (and `safeharbor status`) out.
 */
import { writeFileSync } from 'node:fs';
import { CommandBus } from '@nestjs/cqrs';
import { runCli } from '../../../src/cli/main';
import { RecordDatasetFactCommand, type DatasetFact } from '../../../src/datasets';
import { FakeClock } from '../../../src/platform/clock';
import { generateSealKeyPair, generateSigningKeyPair } from '../../../src/shared/agent-protocol';
import { startTestApp, type TestApp } from '../../support/test-app';

const DATASETS = [
  {
    id: 'ehr-db',
    host: 'db-1',
    pop: {
      byState: { CA: 42_000, NV: 3_100, AZ: 1_900, unknown: 300 },
      dataElements: ['name', 'ssn', 'date-of-birth', 'medical', 'medical-record-number', 'health-insurance'],
      emailAgreed: 12_000,
      noContact: 900,
    },
    encrypt: true,
  },
  {
    id: 'billing-share',
    host: 'files-1',
    pop: { byState: { TX: 8_200, OK: 640 }, dataElements: ['name', 'ssn', 'financial-account'], emailAgreed: 1_500, noContact: 120 },
  },
  {
    id: 'imaging-archive',
    host: 'files-1',
    pop: { byState: { MA: 2_400, CT: 700 }, dataElements: ['name', 'medical-record-number', 'medical'], emailAgreed: 0, noContact: 40 },
  },
  {
    id: 'hr-files',
    host: 'files-1',
    pop: { byState: { TX: 350 }, dataElements: ['name', 'ssn', 'date-of-birth'], emailAgreed: 0, noContact: 0 },
  },
  {
    id: 'research-extract',
    host: 'db-1',
    pop: { byState: { NY: 600 }, dataElements: ['name', 'date-of-birth', 'medical'], emailAgreed: 0, noContact: 0 },
    encrypt: true,
    cleartext: true,
  },
  {
    id: 'lab-results',
    host: 'db-1',
    pop: { byState: { OH: 1_200 }, dataElements: ['name', 'medical', 'medical-record-number'], emailAgreed: 300, noContact: 10 },
    encrypt: true,
  },
];

describe('exposure of a sample organization', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-12-04T15:00:00.000Z');
  const saved = { ...process.env };
  afterAll(async () => {
    process.env = saved;
    await t?.close();
  });

  it('ranks six datasets by what a leak today would cost, and shows what encryption changes', async () => {
    t = await startTestApp({ clock });
    const [a, b, comp] = [
      await t.principal('security-officer'),
      await t.principal('security-officer'),
      await t.principal('compliance-officer'),
    ];
    const post = (who: { apiKey: string }, p: string, body: object = {}) =>
      t.http().post(p).set('Authorization', `Bearer ${who.apiKey}`).send(body);
    for (const host of ['db-1', 'files-1']) {
      const tok = await post(a, '/v1/agents/tokens', { agentId: host });
      await post(a, '/v1/agents/enrollments', {
        token: tok.body.token,
        agentId: host,
        publicKey: generateSigningKeyPair().publicKey,
        sealPublicKey: generateSealKeyPair().publicKey,
        hostFacts: { hostname: host },
      });
      expect((await post(b, `/v1/agents/${host}/approve`)).body.status).toBe('active');
    }
    expect((await post(a, '/v1/keys', { keyId: 'key-clinical', name: 'Clinical data' })).status).toBe(201);
    await post(a, '/v1/keys/key-clinical/activate');
    const bus = t.app.get(CommandBus);
    const fact = (id: string, f: DatasetFact) =>
      bus.execute(new RecordDatasetFactCommand(id, f, { actor: { id: 'agent:db-1', role: 'agent' }, correlationId: `c-${id}` }));
    for (const d of DATASETS) {
      expect((await post(a, '/v1/datasets', { datasetId: d.id, agentId: d.host, path: `/srv/phi/${d.id}` })).status).toBe(201);
      const r = await t.http().put(`/v1/datasets/${d.id}/population`).set('Authorization', `Bearer ${comp.apiKey}`).send(d.pop);
      expect([d.id, r.status]).toEqual([d.id, 200]);
      const at = clock.now().toISOString();
      if (d.encrypt)
        await fact(d.id, {
          kind: 'record-encrypted',
          keyId: 'key-clinical',
          keyVersion: 1,
          files: 10,
          manifestDigest: 'c'.repeat(64),
          keyApart: true,
          cleartextRemaining: 0,
          commandId: `enc-${d.id}`,
          at,
        });
      if (d.cleartext) await fact(d.id, { kind: 'record-cleartext-found', files: 2, commandId: `scan-${d.id}`, at });
    }
    clock.advance(60_000);

    Object.assign(process.env, {
      DATA_DIR: t.config.dataDir,
      MASTER_KEY_FILE: t.config.masterKeyPath,
      REDIS_URL: t.config.REDIS_URL,
      REDIS_PREFIX: t.config.REDIS_PREFIX,
      LOG_LEVEL: 'silent',
    });
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const w = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((s: string) => (out.push(String(s)), true)) as never;
      try {
        expect(await runCli(['--api-key', comp.apiKey, ...args])).toBe(0);
      } finally {
        process.stdout.write = w;
      }
      return out.join('');
    };
    const report = JSON.parse(await run('exposure', '--json'));
    expect(report.datasets.map((x: { datasetIds: string[] }) => x.datasetIds[0])).toEqual([
      'billing-share',
      'imaging-archive',
      // 350 Texans with SSNs (credit monitoring 4,200) outweigh 600 New Yorkers without (media 2,500).
      'hr-files',
      'research-extract',
      'ehr-db',
      'lab-results',
    ]);
    const ehr = report.datasets.find((x: { datasetIds: string[] }) => x.datasetIds[0] === 'ehr-db');
    expect(ehr).toMatchObject({ today: 'secured', costToday: 0 });
    expect(ehr.unsecured.cost.total).toBeGreaterThan(report.totals.costToday); // the encrypted EHR is the largest risk removed
    const table = await run('exposure');
    const status = await run('status');
    expect(status).toContain('Exposure if leaked today');
    if (process.env.EXPOSURE_TABLE_OUT) writeFileSync(process.env.EXPOSURE_TABLE_OUT, `${table}\n\n${status}`);
  }, 120_000);
});
