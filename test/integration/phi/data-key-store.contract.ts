import { join } from 'node:path';
import { DataKeyShreddedError, DataKeyStore, type DataKeyRepository } from '../../../src/phi/data-key-store';
import { MasterKey } from '../../../src/phi/master-key';
import { makeTempDir } from '../../support/temp-dir';

export interface DataKeyAdapter {
  /** A new, empty repository; `again()` opens a second handle on the same storage (another process). */
  create(): Promise<{ repo: DataKeyRepository; again(): Promise<DataKeyRepository>; dispose(): Promise<void> }>;
}

/** The one contract every wrapped-data-key adapter passes (SQLite vault file, PostgreSQL). */
export function dataKeyStoreContract(name: string, adapter: DataKeyAdapter): void {
  describe(`DataKeyStore contract: ${name}`, () => {
    let dir: ReturnType<typeof makeTempDir>;
    let master: MasterKey;
    let env: Awaited<ReturnType<DataKeyAdapter['create']>>;
    const extra: DataKeyRepository[] = [];
    beforeEach(async () => {
      dir = makeTempDir();
      master = MasterKey.loadOrCreate(join(dir.path, 'master.key'));
      env = await adapter.create();
    });
    afterEach(async () => {
      for (const r of extra.splice(0)) await r.close();
      await env.dispose();
      dir.cleanup();
    });
    const other = async () => {
      const r = await env.again();
      extra.push(r);
      return new DataKeyStore(r, master);
    };

    it('creates a key once per scope; another process reads the same key', async () => {
      const a = new DataKeyStore(env.repo, master);
      const k1 = await a.keyFor('incident:one', '2025-01-01T00:00:00.000Z');
      expect(k1).toHaveLength(32);
      expect(await a.keyFor('incident:one', '2025-01-01T00:00:00.000Z')).toEqual(k1);
      expect(await (await other()).existingKey('incident:one')).toEqual(k1);
      expect(await a.keyFor('incident:two', '2025-01-01T00:00:00.000Z')).not.toEqual(k1);
    });

    it('only the wrapped key is stored', async () => {
      const a = new DataKeyStore(env.repo, master);
      const key = await a.keyFor('incident:w', '2025-01-01T00:00:00.000Z');
      const row = await env.repo.get('incident:w');
      expect(row!.wrapped).toBeInstanceOf(Buffer);
      expect(row!.wrapped!.includes(key)).toBe(false);
      expect(master.unwrap(row!.wrapped!, 'data-key:incident:w')).toEqual(key);
    });

    it('processes racing to create the same scope all end up with one key', async () => {
      const stores = [new DataKeyStore(env.repo, master), await other(), await other(), await other()];
      const keys = await Promise.all(stores.map((s) => s.keyFor('incident:race', '2025-01-01T00:00:00.000Z')));
      for (const k of keys) expect(k).toEqual(keys[0]);
    });

    it('reads never create keys', async () => {
      const a = new DataKeyStore(env.repo, master);
      await expect(a.existingKey('incident:none')).rejects.toBeInstanceOf(DataKeyShreddedError);
      expect(await env.repo.get('incident:none')).toBeUndefined();
    });

    it('shredding leaves a tombstone: no reads, no new key, seen by other processes', async () => {
      const a = new DataKeyStore(env.repo, master);
      await a.keyFor('incident:s', '2025-01-01T00:00:00.000Z');
      await a.keyFor('incident:kept', '2025-01-01T00:00:00.000Z');
      await a.shred('incident:s', '2025-02-01T00:00:00.000Z');
      expect(await env.repo.get('incident:s')).toEqual({ wrapped: null, shreddedAt: '2025-02-01T00:00:00.000Z' });
      await expect(a.existingKey('incident:s')).rejects.toBeInstanceOf(DataKeyShreddedError);
      await expect(a.keyFor('incident:s', '2025-02-02T00:00:00.000Z')).rejects.toBeInstanceOf(DataKeyShreddedError);
      const b = await other();
      expect(await b.isShredded('incident:s')).toBe(true);
      await expect(b.existingKey('incident:s')).rejects.toBeInstanceOf(DataKeyShreddedError);
      expect(await b.existingKey('incident:kept')).toHaveLength(32);
      await a.shred('incident:never-had-one', '2025-02-01T00:00:00.000Z');
      await expect(b.keyFor('incident:never-had-one', '2025-02-02T00:00:00.000Z')).rejects.toBeInstanceOf(DataKeyShreddedError);
    });
  });
}
