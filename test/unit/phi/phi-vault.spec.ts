import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactIntegrityError, ArtifactStore } from '../../../src/phi/artifact-store';
import { DataKeyStore } from '../../../src/phi/data-key-store';
import { MasterKey } from '../../../src/phi/master-key';
import { PhiVault, isSealedPhi } from '../../../src/phi/phi-vault';
import { FakeClock } from '../../../src/platform/clock';
import { makeTempDir } from '../../support/temp-dir';

describe('PHI protection primitives', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let keys: DataKeyStore;
  let vault: PhiVault;
  beforeEach(() => {
    dir = makeTempDir();
    const master = MasterKey.loadOrCreate(join(dir.path, 'secrets', 'master.key'));
    keys = new DataKeyStore(join(dir.path, 'data', 'vault.db'), master);
    vault = new PhiVault(keys, new FakeClock());
  });
  afterEach(async () => {
    await keys.close();
    dir.cleanup();
  });

  it('creates the master key file with 0600 permissions and reloads the same key', () => {
    const path = join(dir.path, 'secrets', 'master.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const a = MasterKey.loadOrCreate(path);
    const wrapped = a.wrap(Buffer.from('k'), 'ctx');
    expect(MasterKey.loadOrCreate(path).unwrap(wrapped, 'ctx').toString()).toBe('k');
    expect(() => a.unwrap(wrapped, 'other-ctx')).toThrow();
  });

  it('seals a PHI field so the plaintext appears nowhere in the sealed form', async () => {
    const sealed = await vault.seal('incident:abc', { name: 'Synthetic Person', ssn: '000-12-3456' });
    expect(isSealedPhi(sealed)).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain('Synthetic');
    expect(JSON.stringify(sealed)).not.toContain('000-12-3456');
    expect(await vault.open(sealed)).toEqual({ name: 'Synthetic Person', ssn: '000-12-3456' });
  });

  it('a tampered ciphertext or a field moved to another scope does not open', async () => {
    const sealed = await vault.seal('incident:abc', 'Synthetic');
    const ct = Buffer.from(sealed.ct, 'base64');
    ct[0] ^= 1;
    await expect(vault.open({ ...sealed, ct: ct.toString('base64') })).rejects.toThrow();
    await vault.seal('incident:other', 'x');
    await expect(vault.open({ ...sealed, scope: 'incident:other' })).rejects.toThrow();
  });

  it('crypto-shredding a scope makes its fields read as shredded, other scopes unaffected', async () => {
    const a = await vault.seal('incident:a', 'Alpha Synthetic');
    const b = await vault.seal('incident:b', 'Beta Synthetic');
    const peek = new Database(join(dir.path, 'data', 'vault.db'), { readonly: true });
    const wrapped = (peek.prepare("SELECT wrapped FROM data_keys WHERE scope = 'incident:a'").get() as { wrapped: Buffer }).wrapped;
    peek.close();
    await vault.shred('incident:a');
    expect(await vault.reveal({ who: a, other: b, n: 3 })).toEqual({
      who: { $shredded: true, scope: 'incident:a' },
      other: 'Beta Synthetic',
      n: 3,
    });
    expect(await vault.isShredded('incident:a')).toBe(true);
    await expect(vault.seal('incident:a', 'again')).rejects.toThrow(/shredded/);
    // The wrapped key is gone from the database files, not just flagged.
    for (const f of ['vault.db', 'vault.db-wal']) {
      const path = join(dir.path, 'data', f);
      if (existsSync(path)) expect(readFileSync(path).includes(wrapped)).toBe(false);
    }
  });

  describe('artifacts', () => {
    async function* lines(n: number) {
      for (let i = 0; i < n; i++) yield `{"i":${i},"name":"Synthetic Person ${i}"}\n`;
    }

    it('round-trips a multi-chunk artifact, content-addressed by its ciphertext', async () => {
      const store = new ArtifactStore(join(dir.path, 'artifacts'), vault);
      const ref = await store.write('incident:a', lines(5000));
      expect(ref.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(readFileSync(store.pathOf(ref.digest)).includes(Buffer.from('Synthetic'))).toBe(false);
      const got: number[] = [];
      for await (const r of store.readNdjson<{ i: number }>(ref.digest)) got.push(r.i);
      expect(got).toHaveLength(5000);
      expect(got[4999]).toBe(4999);
    });

    it('refuses a changed byte, a truncated file and a shredded scope', async () => {
      const store = new ArtifactStore(join(dir.path, 'artifacts'), vault);
      const ref = await store.write('incident:a', lines(3000));
      const path = store.pathOf(ref.digest);
      const original = readFileSync(path);
      const changed = Buffer.from(original);
      changed[changed.length - 100] ^= 0xff;
      writeFileSync(path, changed);
      await expect(drain(store.read(ref.digest))).rejects.toBeInstanceOf(ArtifactIntegrityError);
      writeFileSync(path, original.subarray(0, original.length - 70_000));
      await expect(drain(store.read(ref.digest))).rejects.toBeInstanceOf(ArtifactIntegrityError);
      writeFileSync(path, original);
      await drain(store.read(ref.digest));
      await vault.shred('incident:a');
      await expect(drain(store.read(ref.digest))).rejects.toThrow(/shredded/);
    });
  });
});

async function drain(it: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of it) void _;
}
