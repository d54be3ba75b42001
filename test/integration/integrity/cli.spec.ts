import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { uuidv7 } from '../../../src/platform/ids';
import { tempDir } from './helpers';

const REPO = path.join(__dirname, '../../..');

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await runCli(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('safeharbor ledger / witness / evidence CLI (real files, real witness process)', () => {
  let tmp: ReturnType<typeof tempDir>;
  const saved = { ...process.env };
  let responder: string;
  let auditor: string;
  let incidentId: string;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    tmp = tempDir('sh-integrity-cli-');
    Object.assign(process.env, {
      DATA_DIR: path.join(tmp.dir, 'data'),
      MASTER_KEY_FILE: path.join(tmp.dir, 'secrets', 'master.key'),
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `sh-test-${uuidv7().slice(-12)}`,
      LOG_LEVEL: 'silent',
      LEDGER_CHECKPOINT_SECONDS: '0',
      LEDGER_WITNESS_DIRS: path.join(tmp.dir, 'witness-disk'),
    });
    const admin = JSON.parse((await cli(['principals', 'create', '--name', 'Admin', '--role', 'admin'])).out).apiKey;
    responder = JSON.parse(
      (await cli(['--api-key', admin, 'principals', 'create', '--name', 'Resp', '--role', 'incident-responder'])).out,
    ).apiKey;
    auditor = JSON.parse((await cli(['--api-key', admin, 'principals', 'create', '--name', 'Aud', '--role', 'auditor'])).out).apiKey;
    const rep = await cli([
      '--api-key',
      responder,
      'incidents',
      'report',
      '--title',
      'Lost USB stick',
      '--discovered-on',
      '2025-02-03',
      '--summary',
      'A USB stick went missing.',
    ]);
    expect(rep.code).toBe(0);
    incidentId = JSON.parse(rep.out).id;
  });
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    process.env = saved;
    tmp.cleanup();
  });

  it('checkpoint, verify, prove and consistency', async () => {
    const cp = await cli(['ledger', 'checkpoint']);
    expect(cp.code).toBe(0);
    const c = JSON.parse(cp.out);
    expect(c.cosignatures).toBe(1);
    const v = await cli(['ledger', 'verify']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ ok: true, toPosition: c.size });
    const db = new Database(path.join(tmp.dir, 'data', 'ledger.db'), { readonly: true });
    const id = (db.prepare("SELECT id FROM events WHERE type = 'IncidentReported'").get() as { id: string }).id;
    db.close();
    const p = await cli(['ledger', 'prove', '--event', id]);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.out)).toMatchObject({ eventId: id, treeSize: c.size, root: c.root });
    const k = await cli(['ledger', 'consistency', '--from', '1', '--to', String(c.size)]);
    expect(k.code).toBe(0);
    expect(JSON.parse(k.out).toRoot).toBe(c.root);
    expect((await cli(['ledger', 'consistency', '--from', '5', '--to', '2'])).code).toBe(2);
    expect((await cli(['ledger', 'consistency', '--from', 'x', '--to', '2'])).err).toMatch(/--from must be a positive integer/);
    expect((await cli(['ledger', 'prove', '--event', 'nope'])).code).toBe(2);
  });

  it('a witness served by `safeharbor witness serve` in its own process joins the quorum', async () => {
    const keys = JSON.parse((await cli(['ledger', 'keys'])).out);
    const wdir = path.join(tmp.dir, 'remote-witness');
    child = spawn(
      process.execPath,
      [
        '-r',
        path.join(REPO, 'scripts/swc-register.js'),
        path.join(REPO, 'src/cli/main.ts'),
        'witness',
        'serve',
        '--dir',
        wdir,
        '--name',
        'witness.test/remote',
        '--log-key',
        keys.log,
        '--port',
        '0',
      ],
      {
        cwd: REPO,
        env: { ...process.env, LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const banner = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child!.stderr!.on('data', (d) => {
        buf += String(d);
        if (/verifier key: \S+\n/.test(buf)) resolve(buf);
      });
      child!.on('exit', (code) => reject(new Error(`witness exited ${code}: ${buf}`)));
    });
    const url = /listening on (\S+)\/add-checkpoint/.exec(banner)![1];
    const vkey = /verifier key: (\S+)/.exec(banner)![1];
    expect(fs.statSync(path.join(wdir, 'witness.key')).mode & 0o777).toBe(0o600);
    process.env.LEDGER_WITNESS_URLS = `${vkey}@${url}`;
    process.env.LEDGER_WITNESS_QUORUM = '2';
    await cli([
      '--api-key',
      responder,
      'incidents',
      'report',
      '--title',
      'Second',
      '--discovered-on',
      '2025-02-04',
      '--summary',
      'Another one.',
    ]);
    const cp = JSON.parse((await cli(['ledger', 'checkpoint'])).out);
    expect(cp.cosignatures).toBe(2);
    expect(cp.witnesses.map((w: { status: string }) => w.status)).toEqual(['cosigned', 'cosigned']);
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    // the remote witness is down: appends and checkpoints go on with 1 of 2
    await cli([
      '--api-key',
      responder,
      'incidents',
      'report',
      '--title',
      'Third',
      '--discovered-on',
      '2025-02-05',
      '--summary',
      'And another.',
    ]);
    const down = JSON.parse((await cli(['ledger', 'checkpoint'])).out);
    expect(down.cosignatures).toBe(1);
    expect(down.witnesses.find((w: { witness: string }) => w.witness === 'witness.test/remote').status).toBe('unreachable');
    delete process.env.LEDGER_WITNESS_URLS;
    process.env.LEDGER_WITNESS_QUORUM = '1';
  });

  it('evidence export writes a zip the offline verifier accepts; export needs an auditor-type key', async () => {
    const out = path.join(tmp.dir, 'evidence.zip');
    expect((await cli(['--api-key', responder, 'evidence', 'export', '--incident', incidentId, '--out', out])).code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
    const r = await cli(['--api-key', auditor, 'evidence', 'export', '--incident', incidentId, '--out', out]);
    expect(r.code).toBe(0);
    const { readZip } = require('../../../src/evidence/verifier/verify-evidence.js');
    const script = path.join(tmp.dir, 'verify-evidence.js');
    fs.writeFileSync(script, readZip(fs.readFileSync(out)).get('verify-evidence.js'));
    const keys = JSON.parse((await cli(['ledger', 'keys'])).out);
    const v = spawnSync(process.execPath, [script, out, '--log-key', keys.log], { encoding: 'utf8' });
    expect(v.stdout).toMatch(/^OK: 1 event\(s\)/);
    expect((await cli(['--api-key', auditor, 'evidence', 'export', '--incident', 'bad', '--out', path.join(tmp.dir, 'x.zip')])).code).toBe(
      2,
    );
  });

  it('verify exits 1 naming the first bad position after a byte changes', async () => {
    const db = new Database(path.join(tmp.dir, 'data', 'ledger.db'));
    const row = db.prepare('SELECT position, data FROM events ORDER BY position LIMIT 1 OFFSET 2').get() as {
      position: number;
      data: string;
    };
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
      row.data.replace(/"(\w)/, (_m, c: string) => `"${c === 'a' ? 'b' : 'a'}`),
      row.position,
    );
    db.close();
    const v = await cli(['ledger', 'verify']);
    expect(v.code).toBe(1);
    expect(v.err).toContain(`verification failed at position ${row.position}`);
    expect(JSON.parse(v.out)).toMatchObject({ ok: false, kind: 'event-changed', position: row.position });
    // recorded for the security officer as an event in the ledger
    const check = new Database(path.join(tmp.dir, 'data', 'ledger.db'), { readonly: true });
    const alert = check.prepare("SELECT stream, data FROM events WHERE type = 'LedgerTamperDetected'").get() as {
      stream: string;
      data: string;
    };
    check.close();
    expect(alert.stream).toMatch(/^integrity-/);
    expect(JSON.parse(alert.data)).toMatchObject({
      kind: 'event-changed',
      position: row.position,
      assignedRole: 'security-officer',
      detectedBy: 'verify',
    });
  });
});
