import { join } from 'node:path';
import { makeTempDir } from '../../support/temp-dir';
import { runCliProcess } from '../../support/cli';

describe('safeharbor CLI on a local data folder', () => {
  const dir = makeTempDir('safeharbor-cli-');
  const env = { DATA_DIR: join(dir.path, 'data'), MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key') };
  afterAll(() => dir.cleanup());

  it('bootstraps the first admin, refuses bad input with exit 2, reports and rebuilds', async () => {
    const admin = await runCliProcess(['principals', 'create', '--name', 'First Admin', '--role', 'admin'], env);
    expect(admin.code).toBe(0);
    const adminKey = JSON.parse(admin.stdout).apiKey as string;
    expect(adminKey).toMatch(/^shk_/);

    const noKey = await runCliProcess(['principals', 'create', '--name', 'Second', '--role', 'incident-responder'], env);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/API key/);

    const badRole = await runCliProcess(['--api-key', adminKey, 'principals', 'create', '--name', 'X', '--role', 'wizard'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/--role must be one of/);

    const responder = await runCliProcess(
      ['--api-key', adminKey, 'principals', 'create', '--name', 'Riley', '--role', 'incident-responder'],
      env,
    );
    const key = JSON.parse(responder.stdout).apiKey as string;

    const invalid = await runCliProcess(['incidents', 'report', '--title', 'T', '--discovered-on', '2025-02-29', '--summary', 'S'], {
      ...env,
      SAFEHARBOR_API_KEY: key,
    });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/discoveredOn/);

    const ok = await runCliProcess(
      ['incidents', 'report', '--title', 'Misdirected fax', '--discovered-on', '2024-02-29', '--summary', 'Fax to wrong clinic'],
      { ...env, SAFEHARBOR_API_KEY: key },
    );
    expect(ok.code).toBe(0);
    const incident = JSON.parse(ok.stdout);
    expect(incident).toMatchObject({
      title: '[sealed free text]', // free text stays sealed on the command line
      discoveredOn: '2024-02-29',
      version: 1,
      reportedBy: JSON.parse(responder.stdout).id,
    });

    const rebuild = await runCliProcess(['projections', 'rebuild'], { ...env, SAFEHARBOR_API_KEY: key });
    expect(rebuild.code).toBe(0);
    const shown = await runCliProcess(['incidents', 'show', incident.id], { ...env, SAFEHARBOR_API_KEY: key });
    expect(JSON.parse(shown.stdout)).toEqual(incident);
  }, 120_000);
});
