/**
 * An insider with the data disk and a SQL console, against the real CLI on real files: forged
 * rows are never adopted, `verify --since` trusts nothing in the database, the ledger keys live
 * outside DATA_DIR (and an old data dir's key is moved there), a replaced key folder is caught by
 * a pinned key.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { EventAuthKey } from '../../../src/ledger/integrity/event-auth';
import { Ed25519NoteKey, KEY_TYPE_ED25519 } from '../../../src/ledger/integrity/note';
import { uuidv7 } from '../../../src/platform/ids';
import { attackerRehash, tempDir } from './helpers';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: await runCli(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** The attacker's sqlite3 shell on the ledger file. */
function sqlite3(db: string, sql: string): void {
  const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

describe('an insider with the data disk cannot rewrite history unseen (real CLI, real files)', () => {
  let tmp: ReturnType<typeof tempDir>;
  const saved = { ...process.env };
  let admin: string;
  const dataDir = () => path.join(tmp.dir, 'data');
  const secrets = () => path.join(tmp.dir, 'secrets');
  const ledgerDb = () => path.join(dataDir(), 'ledger.db');
  const head = () => {
    const db = new Database(ledgerDb(), { readonly: true });
    try {
      return Number(db.prepare('SELECT MAX(position) FROM events').pluck().get());
    } finally {
      db.close();
    }
  };
  const pendingAlerts = () => {
    const f = path.join(secrets(), 'tamper-alerts-pending.json');
    return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as Array<{ finding: { kind: string; position?: number } }>) : [];
  };

  /** A forged PrincipalCreated for a new admin, written straight into the events table. */
  function forgeAdminRow(): number {
    const db = new Database(ledgerDb(), { readonly: true });
    const model = db.prepare("SELECT data, metadata FROM events WHERE type = 'PrincipalCreated' ORDER BY position LIMIT 1").get() as {
      data: string;
      metadata: string;
    };
    db.close();
    const id = uuidv7();
    const data = { ...JSON.parse(model.data), principalId: id, name: 'Mallory', role: 'admin' };
    const position = head() + 1;
    sqlite3(
      ledgerDb(),
      `INSERT INTO events (position, id, stream, version, type, schema_version, data, metadata) VALUES (${position}, ${q(uuidv7())}, ${q(
        `principal-${id}`,
      )}, 1, 'PrincipalCreated', 1, ${q(JSON.stringify(data))}, ${q(model.metadata)}); INSERT INTO streams VALUES (${q(`principal-${id}`)}, 1);`,
    );
    return position;
  }

  beforeEach(async () => {
    tmp = tempDir('sh-insider-');
    Object.assign(process.env, {
      DATA_DIR: dataDir(),
      MASTER_KEY_FILE: path.join(secrets(), 'master.key'),
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `sh-test-${uuidv7().slice(-12)}`,
      LOG_LEVEL: 'silent',
      LEDGER_CHECKPOINT_SECONDS: '0',
      SAFEHARBOR_ROLE_EMAILS: JSON.stringify({ 'security-officer': ['so@hospital.test'] }),
    });
    delete process.env.LEDGER_WITNESS_DIRS;
    admin = JSON.parse((await cli(['principals', 'create', '--name', 'Admin', '--role', 'admin'])).out).apiKey;
    expect((await cli(['--api-key', admin, 'principals', 'create', '--name', 'Officer', '--role', 'security-officer'])).code).toBe(0);
    expect(JSON.parse((await cli(['ledger', 'checkpoint'])).out).cosignatures).toBe(1);
  });
  afterEach(() => {
    process.env = { ...saved };
    tmp.cleanup();
  });

  it('the ledger keys live beside the master key (0600), none in DATA_DIR', () => {
    for (const f of ['ledger-signing.key', 'ledger-event-auth.key']) expect(fs.statSync(path.join(secrets(), f)).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dataDir(), 'integrity', 'ledger-signing.key'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir(), 'integrity', 'ledger-event-auth.key'))).toBe(false);
  });

  it('a forged row is not adopted: verify names its position, nothing is appended on top, the officer is alerted', async () => {
    const position = forgeAdminRow();
    const v = await cli(['ledger', 'verify']);
    expect(v.code).toBe(1);
    expect(v.err).toContain(`verification failed at position ${position}`);
    expect(JSON.parse(v.out)).toMatchObject({ ok: false, kind: 'leaf-missing', position });
    // appends are refused (the tamper alert itself cannot be appended: it stays pending, mailed)
    const r = await cli(['--api-key', admin, 'principals', 'create', '--name', 'Late', '--role', 'auditor']);
    expect(r.code).not.toBe(0);
    expect(head()).toBe(position);
    // the forged admin is never read back into the principals list
    const list = await cli(['--api-key', admin, 'principals', 'list']);
    expect(list.code).toBe(0);
    expect(list.out).toContain('Officer');
    expect(list.out).not.toContain('Mallory');
    expect(pendingAlerts().map((a) => a.finding)).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'unadopted-rows', position })]),
    );
    const mails = fs.readdirSync(path.join(dataDir(), 'outbox')).filter((f) => f.startsWith('ledger-tamper-'));
    expect(mails.length).toBeGreaterThan(0);
    const mail = fs.readFileSync(path.join(dataDir(), 'outbox', mails[0]), 'utf8');
    expect(mail).toMatch(/^To: so@hospital\.test/m);
    expect(mail).toContain(`Position:    ${position}`);
    // the checkpoint does not move past the forged row
    const cp = await cli(['ledger', 'checkpoint']);
    expect(JSON.parse(cp.out).size ?? 0).toBeLessThan(position);
  });

  it('a forged row with a recomputed leaf and frontier lacks the service tag: not signed, verify names it', async () => {
    const position = forgeAdminRow();
    const db = new Database(ledgerDb());
    attackerRehash(db); // the attacker has the code, not the key folder
    db.close();
    const v = await cli(['ledger', 'verify']);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.out)).toMatchObject({ ok: false, kind: 'leaf-unauthenticated', position });
    expect((await cli(['ledger', 'checkpoint'])).code).not.toBe(0);
    const check = new Database(ledgerDb(), { readonly: true });
    expect(check.prepare('SELECT COUNT(*) FROM integrity_checkpoints WHERE size >= ?').pluck().get(position)).toBe(0);
    check.close();
    expect((await cli(['--api-key', admin, 'principals', 'create', '--name', 'Late', '--role', 'auditor'])).code).not.toBe(0);
    expect(head()).toBe(position);
  });

  it('verify --since after a rewrite plus a forged resume row exits 1 (resumes from the witnessed checkpoint)', async () => {
    expect((await cli(['ledger', 'verify', '--since'])).code).toBe(0);
    const db = new Database(ledgerDb());
    const row = db.prepare("SELECT position, data FROM events WHERE type = 'PrincipalCreated' ORDER BY position LIMIT 1").get() as {
      position: number;
      data: string;
    };
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(row.data.replace('"admin"', '"auditor"'), row.position);
    // recomputed tree with stolen tags (the worst case for this check), and a resume row saying "verified up to here"
    const root = attackerRehash(db, EventAuthKey.loadOrCreate(secrets()).key);
    const t = db.prepare('SELECT size, frontier FROM integrity_tree').get() as { size: number; frontier: Buffer };
    db.prepare('DELETE FROM integrity_verified').run();
    db.prepare('INSERT INTO integrity_verified (id, size, root, frontier, at) VALUES (1, ?, ?, ?, ?)').run(t.size, root, t.frontier, 'x');
    db.close();
    const v = await cli(['ledger', 'verify', '--since']);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.out)).toMatchObject({ ok: false, kind: 'checkpoint-root' });
    expect(v.err).toMatch(/witnessed checkpoint/);
  });

  it('rewrite re-signed with everything on the data disk is caught; a replaced key folder fails a pinned verify', async () => {
    const keys = JSON.parse((await cli(['ledger', 'keys'])).out);
    const pin = path.join(tmp.dir, 'auditor-pinned.vkey');
    fs.writeFileSync(pin, `${keys.log}\n`);
    const unpinned = await cli(['ledger', 'verify']);
    expect(unpinned.code).toBe(0);
    expect(unpinned.err).toMatch(/WARNING: --log-key not given/);
    expect((await cli(['ledger', 'verify', '--log-key', pin])).code).toBe(0);
    expect((await cli(['ledger', 'verify', '--log-key', path.join(tmp.dir, 'missing')])).code).toBe(2);

    // the insider rewrites an event and re-signs with a key of their own; the data disk holds no ledger key
    const forged = Ed25519NoteKey.generate(keys.origin, KEY_TYPE_ED25519);
    const { signNote } = await import('../../../src/ledger/integrity/note');
    const { formatCheckpoint } = await import('../../../src/ledger/integrity/checkpoint');
    const db = new Database(ledgerDb());
    const row = db.prepare("SELECT position, data FROM events WHERE type = 'PrincipalCreated' ORDER BY position LIMIT 1").get() as {
      position: number;
      data: string;
    };
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(row.data.replace('"Admin"', '"Admim"'), row.position);
    const root = attackerRehash(db);
    const size = db.prepare('SELECT size FROM integrity_tree').pluck().get() as number;
    db.prepare('DELETE FROM integrity_checkpoints').run();
    const note = signNote(formatCheckpoint({ origin: keys.origin, size, root }), [forged]);
    db.prepare('INSERT INTO integrity_checkpoints (size, root, note, signed_at, cosigned) VALUES (?, ?, ?, ?, 0)').run(
      size,
      root,
      note,
      'x',
    );
    db.close();
    const v = await cli(['ledger', 'verify']);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.out)).toMatchObject({ ok: false });

    // the key folder itself replaced (by someone who can write it): the pinned key says so
    for (const f of ['ledger-signing.key', 'ledger-signing.vkey', 'ledger-signing.state'])
      fs.rmSync(path.join(secrets(), f), { force: true });
    fs.writeFileSync(path.join(secrets(), 'ledger-signing.key'), `${forged.privateKeyString}\n`, { mode: 0o600 });
    const p = await cli(['ledger', 'verify', '--log-key', pin]);
    expect(p.code).toBe(1);
    expect(JSON.parse(p.out)).toMatchObject({ ok: false, kind: 'untrusted-key' });
  });
});

describe('ledger rotate-key: transition signed by both keys, witnesses learn the new key, verify across it', () => {
  let tmp: ReturnType<typeof tempDir>;
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    tmp.cleanup();
  });

  it('rotates, keeps verifying with the old pin, and refuses a forged transition', async () => {
    tmp = tempDir('sh-rotate-');
    const secrets = path.join(tmp.dir, 'secrets');
    Object.assign(process.env, {
      DATA_DIR: path.join(tmp.dir, 'data'),
      MASTER_KEY_FILE: path.join(secrets, 'master.key'),
      REDIS_PREFIX: `sh-test-${uuidv7().slice(-12)}`,
      LOG_LEVEL: 'silent',
      LEDGER_CHECKPOINT_SECONDS: '0',
      LEDGER_WITNESS_DIRS: path.join(tmp.dir, 'witness-disk'),
    });
    const admin = JSON.parse((await cli(['principals', 'create', '--name', 'Admin', '--role', 'admin'])).out).apiKey;
    expect(JSON.parse((await cli(['ledger', 'checkpoint'])).out).cosignatures).toBe(1);
    const before = JSON.parse((await cli(['ledger', 'keys'])).out);
    const oldPin = path.join(tmp.dir, 'old.vkey');
    fs.writeFileSync(oldPin, `${before.log}\n`);

    const r = await cli(['ledger', 'rotate-key']);
    expect(r.code).toBe(0);
    const rot = JSON.parse(r.out);
    expect(rot).toMatchObject({ from: before.log, cosignatures: 1 });
    expect(rot.to).not.toBe(before.log);
    expect(fs.readFileSync(path.join(tmp.dir, 'witness-disk', 'trusted-logs.txt'), 'utf8')).toContain(rot.to);
    const after = JSON.parse((await cli(['ledger', 'keys'])).out);
    expect(after).toMatchObject({ log: rot.to, retired: [{ key: before.log }] });
    expect(fs.statSync(path.join(secrets, 'ledger-signing.key')).mode & 0o777).toBe(0o600);

    // later checkpoints are signed by the new key only, and the witness cosigns them
    expect((await cli(['--api-key', admin, 'principals', 'create', '--name', 'Aud', '--role', 'auditor'])).code).toBe(0);
    const cp = JSON.parse((await cli(['ledger', 'checkpoint'])).out);
    expect(cp.cosignatures).toBe(1);
    expect(cp.note).toContain(`— ${before.origin} `);
    const newPin = path.join(tmp.dir, 'new.vkey');
    fs.writeFileSync(newPin, `${rot.to}\n`);
    for (const pin of [oldPin, newPin]) expect((await cli(['ledger', 'verify', '--log-key', pin])).code).toBe(0);
    const stranger = path.join(tmp.dir, 'stranger.vkey');
    fs.writeFileSync(stranger, `${Ed25519NoteKey.generate(before.origin, KEY_TYPE_ED25519).verifierKey}\n`);
    expect(JSON.parse((await cli(['ledger', 'verify', '--log-key', stranger])).out)).toMatchObject({ ok: false, kind: 'untrusted-key' });

    // an insider who can write the key folder swaps in a key of their own with a made-up transition
    const { signNote } = await import('../../../src/ledger/integrity/note');
    const { formatCheckpoint, parseCheckpoint } = await import('../../../src/ledger/integrity/checkpoint');
    const file = path.join(secrets, 'ledger-signing.transitions.json');
    const list = JSON.parse(fs.readFileSync(file, 'utf8'));
    const mallory = Ed25519NoteKey.generate(before.origin, KEY_TYPE_ED25519);
    const body = parseCheckpoint(list[0].note.split('\n\n')[0] + '\n');
    const forgedNote = signNote(formatCheckpoint({ ...body, extensions: [`key-transition ${mallory.verifierKey}`] }), [mallory]);
    fs.writeFileSync(file, JSON.stringify([{ ...list[0], to: mallory.verifierKey, note: forgedNote }]));
    fs.writeFileSync(path.join(secrets, 'ledger-signing.key'), `${mallory.privateKeyString}\n`, { mode: 0o600 });
    const v = await cli(['ledger', 'verify', '--log-key', oldPin]);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.out)).toMatchObject({ ok: false, kind: 'checkpoint-signature' });
    expect(JSON.parse(v.out).reason).toMatch(/not signed by both the old and the new key/);
  });
});

describe('an existing data dir with the log key inside DATA_DIR/integrity', () => {
  it('is moved beside the master key on start, keeping its identity', async () => {
    const tmp = tempDir('sh-legacy-');
    const saved = { ...process.env };
    try {
      const legacy = path.join(tmp.dir, 'data', 'integrity');
      fs.mkdirSync(legacy, { recursive: true });
      const key = Ed25519NoteKey.generate('safeharbor.local/ledger', KEY_TYPE_ED25519);
      fs.writeFileSync(path.join(legacy, 'ledger-signing.key'), `${key.privateKeyString}\n`, { mode: 0o600 });
      fs.writeFileSync(path.join(legacy, 'ledger-signing.vkey'), `${key.verifierKey}\n`);
      Object.assign(process.env, {
        DATA_DIR: path.join(tmp.dir, 'data'),
        MASTER_KEY_FILE: path.join(tmp.dir, 'secrets', 'master.key'),
        REDIS_PREFIX: `sh-test-${uuidv7().slice(-12)}`,
        LOG_LEVEL: 'silent',
        LEDGER_CHECKPOINT_SECONDS: '0',
        LEDGER_WITNESS_DIRS: path.join(tmp.dir, 'w'),
      });
      // the first start (the first principal: the only CLI command that may create the master key)
      expect((await cli(['principals', 'create', '--name', 'Admin', '--role', 'admin'])).code).toBe(0);
      const k = await cli(['ledger', 'keys']);
      expect(k.code).toBe(0);
      expect(JSON.parse(k.out).log).toBe(key.verifierKey);
      expect(fs.existsSync(path.join(legacy, 'ledger-signing.key'))).toBe(false);
      expect(fs.statSync(path.join(tmp.dir, 'secrets', 'ledger-signing.key')).mode & 0o777).toBe(0o600);
    } finally {
      process.env = saved;
      tmp.cleanup();
    }
  });
});
