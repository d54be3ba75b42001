import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../support/temp-dir';
import { runCliProcess } from '../../support/cli';
import { testFacts, testOrg } from '../../unit/notices/fixtures';

describe('safeharbor notices CLI', () => {
  const dir = makeTempDir('safeharbor-notices-cli-');
  const env = { DATA_DIR: join(dir.path, 'data'), MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key') };
  afterAll(() => dir.cleanup());

  it('imports drill recipients, drafts, previews with samples, refuses self-approval (exit 2 on bad input)', async () => {
    const admin = JSON.parse((await runCliProcess(['principals', 'create', '--name', 'Admin', '--role', 'admin'], env)).stdout)
      .apiKey as string;
    const mk = async (name: string) =>
      JSON.parse(
        (await runCliProcess(['--api-key', admin, 'principals', 'create', '--name', name, '--role', 'compliance-officer'], env)).stdout,
      ).apiKey as string;
    const drafter = await mk('Drafter');
    const people = join(dir.path, 'people.ndjson');
    expect((await runCliProcess(['notices', 'generate-drill-recipients', '--count', '40', '--out', people], env)).code).toBe(0);
    const imported = await runCliProcess(
      ['--api-key', drafter, 'notices', 'import-recipients', '--incident', testFacts().incidentId, '--file', people],
      env,
    );
    expect(imported.code).toBe(0);
    const { recipientsArtifact, count } = JSON.parse(imported.stdout);
    expect(count).toBe(40);
    writeFileSync(join(dir.path, 'facts.json'), JSON.stringify(testFacts()));
    writeFileSync(join(dir.path, 'org.json'), JSON.stringify(testOrg()));
    const badKind = await runCliProcess(
      [
        '--api-key',
        drafter,
        'notices',
        'draft',
        '--incident',
        testFacts().incidentId,
        '--kind',
        'pigeon',
        '--letter-date',
        '2025-04-01',
        '--facts',
        join(dir.path, 'facts.json'),
      ],
      env,
    );
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/--kind must be one of/);
    const noFacts = await runCliProcess(
      [
        '--api-key',
        drafter,
        'notices',
        'draft',
        '--incident',
        testFacts().incidentId,
        '--kind',
        'individual',
        '--letter-date',
        '2025-04-01',
      ],
      env,
    );
    expect(noFacts.code).toBe(2);
    expect(noFacts.stderr).toMatch(/--from-incident/);
    // Drafting from an incident that was never reported names the field (no such incident).
    const noIncident = await runCliProcess(['--api-key', drafter, 'notices', 'draft-facts', testFacts().incidentId], env);
    expect(noIncident.code).toBe(2);
    expect(noIncident.stderr).toMatch(/incidentId/);
    const draft = await runCliProcess(
      [
        '--api-key',
        drafter,
        'notices',
        'draft',
        '--incident',
        testFacts().incidentId,
        '--kind',
        'individual',
        '--letter-date',
        '2025-04-01',
        '--facts',
        join(dir.path, 'facts.json'),
        '--organization',
        join(dir.path, 'org.json'),
        '--recipients',
        recipientsArtifact,
      ],
      env,
    );
    expect(draft.code).toBe(0);
    const batch = JSON.parse(draft.stdout);
    const preview = await runCliProcess(['--api-key', drafter, 'notices', 'preview', batch.batchId, '--samples-dir', dir.path], env);
    expect(preview.code).toBe(0);
    expect(JSON.parse(preview.stdout).counts.total).toBe(40);
    const self = await runCliProcess(
      ['--api-key', drafter, 'notices', 'approve', batch.batchId, '--content-digest', batch.contentDigest],
      env,
    );
    expect(self.code).not.toBe(0);
    expect(self.stderr).toMatch(/someone other than the drafter/);
  }, 180_000);
});
