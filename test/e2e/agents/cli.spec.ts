/**
 * The operator CLI of keys, agents, datasets and access runs the same commands and queries as
 * the API, in-process on the service's data dir: JSON out, exit 2 naming the bad input.
 */
import { runCli } from '../../../src/cli/main';
import { startTestApp, type TestApp } from '../../support/test-app';

describe('safeharbor keys / agents / datasets / access', () => {
  let t: TestApp;
  let officer: { id: string; apiKey: string };
  const saved = { ...process.env };

  beforeAll(async () => {
    t = await startTestApp();
    officer = await t.principal('security-officer');
    Object.assign(process.env, {
      DATA_DIR: t.config.dataDir,
      MASTER_KEY_FILE: t.config.masterKeyPath,
      REDIS_URL: t.config.REDIS_URL,
      REDIS_PREFIX: t.config.REDIS_PREFIX,
      LOG_LEVEL: 'silent',
    });
  }, 60_000);
  afterAll(async () => {
    process.env = saved;
    await t?.close();
  });

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const [write, writeErr] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as never;
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as never;
    try {
      return { code: await runCli(['--api-key', officer.apiKey, ...args]), out: out.join(''), err: err.join('') };
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    }
  }
  const json = async (...args: string[]) => {
    const r = await cli(...args);
    expect([args.join(' '), r.code, r.err]).toEqual([args.join(' '), 0, '']);
    return JSON.parse(r.out);
  };

  it('creates and activates a key, enrolls a token, registers a dataset, and refuses bad input', async () => {
    expect(await json('keys', 'create', '--name', 'Imaging volume', '--key-id', 'key-cli', '--cryptoperiod-days', '180')).toMatchObject({
      keyId: 'key-cli',
      status: 'pre-activation',
      currentVersion: 1,
      cryptoperiodDays: 180,
    });
    expect(await json('keys', 'activate', 'key-cli')).toMatchObject({ status: 'active' });
    expect(await json('keys', 'revoke', 'key-cli', '--reason', 'custodian left')).toMatchObject({
      status: 'active',
      revocationPending: { requestedBy: officer.id },
      proposals: [],
    });
    // key names are free text, sealed in the ledger; the CLI prints sealed text sealed (read it through the API or console)
    expect(await json('keys', 'list')).toEqual([
      {
        keyId: 'key-cli',
        name: '[sealed free text]',
        status: 'active',
        currentVersion: 1,
        custodians: [],
        cryptoperiodDays: expect.any(Number),
        rotationDueAt: expect.any(String),
        compromisedAt: null,
      },
    ]);
    const token = await json('agents', 'token', 'host-cli', '--ttl-minutes', '5');
    expect(token).toEqual({ agentId: 'host-cli', token: expect.any(String), expiresAt: expect.any(String) });
    expect(await json('datasets', 'register', '--agent', 'host-cli', '--path', '/srv/phi/imaging', '--dataset-id', 'ds-cli')).toMatchObject(
      { datasetId: 'ds-cli', agentId: 'host-cli', encryption: null },
    );
    // The API sees what the CLI wrote.
    expect((await t.http().get('/v1/datasets/ds-cli').set('Authorization', `Bearer ${officer.apiKey}`)).headers.etag).toBe('"1"');

    const bad = await cli('keys', 'create', '--name', 'x', '--key-id', 'Key_CLI');
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('--key-id')]);
    const unknown = await cli('datasets', 'register', '--agent', 'no-such-host', '--path', '/srv/phi/x');
    expect([unknown.code, unknown.err]).toEqual([2, expect.stringContaining('agentId')]);
  }, 60_000);
});
