/**
 * Issue 14, item 7: the CLI screens free text like the API (the same FreeTextScreen): likely PHI,
 * and names on the affected list of the incident a command names, stop the command with exit 2
 * and a message naming the field (never the text) unless `--phi-confirmed`, which is recorded.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEDGER, type Ledger } from '../../../src/ledger/ledger';
import { startTestApp, type TestApp } from '../../support/test-app';

jest.setTimeout(180_000);

const REPO = join(__dirname, '../../..');

describe('safeharbor --phi-confirmed (CLI)', () => {
  let t: TestApp;
  let responder: { id: string; apiKey: string };
  let officer: { id: string; apiKey: string };
  beforeAll(async () => {
    t = await startTestApp();
    responder = await t.principal('incident-responder');
    officer = await t.principal('compliance-officer');
  });
  afterAll(async () => {
    await t.close();
  });

  function cli(args: string[], apiKey: string) {
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
  const confirmations = async (principalId: string) =>
    (await t.app.get<Ledger>(LEDGER).readStream(`phiconfirm-${principalId}`)).map((e) => e.data as Record<string, unknown>);

  it('incidents report: an SSN in the summary exits 2 naming the field; --phi-confirmed records it', async () => {
    const args = [
      'incidents',
      'report',
      '--title',
      'Lost laptop',
      '--discovered-on',
      '2025-03-10',
      '--summary',
      'Chart of SSN 519-44-2871 on it',
    ];
    const refused = cli(args, responder.apiKey);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/summary may hold ssn/);
    expect(refused.stderr).toMatch(/--phi-confirmed/);
    expect(refused.stderr + refused.stdout).not.toContain('519-44-2871');
    expect(await confirmations(responder.id)).toEqual([]);

    const accepted = cli([...args, '--phi-confirmed'], responder.apiKey);
    expect(accepted.status).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ status: 'reported' });
    expect(await confirmations(responder.id)).toEqual([
      expect.objectContaining({ method: 'CLI', route: 'cli incidents report', fields: [{ field: 'summary', kinds: ['ssn'] }] }),
    ]);
  });

  it('risk propose and notices draft: a name from the incident’s affected list exits 2; a name not on it passes', async () => {
    const created = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${responder.apiKey}`)
      .send({
        title: 'Misdirected mailing',
        discoveredOn: '2025-03-10',
        summary: 'Statements mailed to old addresses.',
        reporter: { kind: 'covered-entity' },
      });
    const id = created.body.id as string;
    const csv = ['name,line1,city,state,zip', 'Jane Q Example,1 Elm St,Columbus,OH,43004', 'Given Family,2 Elm St,Columbus,OH,43004'];
    const up = await t
      .http()
      .post(`/v1/incidents/${id}/affected`)
      .set('Authorization', `Bearer ${responder.apiKey}`)
      .set('Content-Type', 'text/csv')
      .send(csv.join('\n') + '\n');
    expect(up.status).toBe(201);

    const propose = (title: string, ...extra: string[]) =>
      cli(
        [
          'risk',
          'propose',
          '--origin',
          'incident',
          '--source',
          `incident:${id}`,
          '--code',
          `mail-${extra.length}-${title.length}`,
          '--title',
          title,
          '--severity',
          'moderate',
          ...extra,
        ],
        officer.apiKey,
      );
    const refused = propose('Letters for jane example misdirected');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/title may hold name/);
    expect(refused.stderr + refused.stdout).not.toMatch(/jane|example/i);
    expect(propose('Letters for John Other misdirected').status).toBe(0);
    expect(propose('Letters for Jane Example misdirected', '--phi-confirmed').status).toBe(0);

    const facts = join(t.dataDir, '..', 'facts.json');
    writeFileSync(facts, JSON.stringify({ whatHappened: 'A statement for Example, Jane went to an old address.' }));
    const draft = cli(
      ['notices', 'draft', '--incident', id, '--kind', 'individual', '--letter-date', '2025-03-20', '--facts', facts, '--from-incident'],
      officer.apiKey,
    );
    expect(draft.status).toBe(2);
    expect(draft.stderr).toMatch(/facts\.whatHappened may hold name/);
    expect(draft.stderr + draft.stdout).not.toMatch(/jane|example/i);

    expect(await confirmations(officer.id)).toEqual([
      expect.objectContaining({ route: 'cli risk propose', params: { incidentId: id }, fields: [{ field: 'title', kinds: ['name'] }] }),
    ]);
  });
});
