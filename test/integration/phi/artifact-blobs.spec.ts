import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FileArtifactBlobs, type ArtifactBlobStore } from '../../../src/phi/artifact-blobs';
import { ArtifactIntegrityError, ArtifactStore } from '../../../src/phi/artifact-store';
import { DataKeyStore } from '../../../src/phi/data-key-store';
import { MasterKey } from '../../../src/phi/master-key';
import { PgArtifactBlobs } from '../../../src/phi/pg-artifact-blobs';
import { PgDataKeyRepository } from '../../../src/phi/pg-data-key-repository';
import { PhiVault } from '../../../src/phi/phi-vault';
import { FakeClock } from '../../../src/platform/clock';
import { PgDatabase } from '../../../src/platform/postgres/pool';
import { createTestDatabase } from '../../support/postgres';
import { makeTempDir } from '../../support/temp-dir';

interface Env {
  blobs: ArtifactBlobStore;
  /** A second handle on the same storage: another machine. */
  again(): ArtifactBlobStore;
  /** Flips one stored byte (an attacker or a bad disk). */
  corrupt(digest: string): Promise<void>;
  vault: PhiVault;
  dispose(): Promise<void>;
}

async function* records(n: number, pad = 0): AsyncGenerator<string> {
  const filler = 'x'.repeat(pad);
  for (let i = 0; i < n; i++) yield `{"i":${i},"name":"Synthetic Person ${i}","f":"${filler}"}\n`;
}

async function drain(it: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of it) n++;
  return n;
}

/** One contract for every artifact blob store, exercised through ArtifactStore (encryption on top). */
function artifactContract(name: string, create: () => Promise<Env>): void {
  describe(`artifacts contract: ${name}`, () => {
    let env: Env;
    beforeEach(async () => {
      env = await create();
    });
    afterEach(async () => {
      await env.dispose();
    });

    it('round-trips a multi-chunk artifact written on one machine and read on another', async () => {
      const a = new ArtifactStore(env.blobs, env.vault);
      const ref = await a.write('incident:a', records(20_000));
      expect(await a.has(ref.digest)).toBe(true);
      const b = new ArtifactStore(env.again(), env.vault);
      const got: number[] = [];
      for await (const r of b.readNdjson<{ i: number }>(ref.digest)) got.push(r.i);
      expect(got).toHaveLength(20_000);
      expect(got[19_999]).toBe(19_999);
    });

    it('stores ciphertext addressed by its SHA-256; same content twice is one artifact', async () => {
      const a = new ArtifactStore(env.blobs, env.vault);
      const ref = await a.write('incident:a', records(10));
      const { bytes } = await env.blobs.open(ref.digest);
      const hash = createHash('sha256');
      let all = Buffer.alloc(0);
      for await (const b of bytes) {
        hash.update(b);
        all = Buffer.concat([all, b]);
      }
      expect(hash.digest('hex')).toBe(ref.digest);
      expect(all.includes(Buffer.from('Synthetic'))).toBe(false);
      const w = await env.blobs.begin();
      await w.write(all);
      await w.commit(ref.digest);
      expect(await drain(a.readNdjson(ref.digest))).toBe(10);
    });

    it('a failed write leaves nothing behind', async () => {
      const a = new ArtifactStore(env.blobs, env.vault);
      async function* failing() {
        yield 'partial\n';
        throw new Error('source broke');
      }
      await expect(a.write('incident:a', failing())).rejects.toThrow('source broke');
      const ref = await a.write('incident:a', records(1));
      await a.remove(ref.digest);
      expect(await a.has(ref.digest)).toBe(false);
    });

    it('a changed byte fails authentication; a shredded scope does not read', async () => {
      const a = new ArtifactStore(env.blobs, env.vault);
      const ref = await a.write('incident:t', records(3000));
      await env.corrupt(ref.digest);
      await expect(drain(a.read(ref.digest))).rejects.toBeInstanceOf(ArtifactIntegrityError);
      const ok = await a.write('incident:t', records(5));
      await env.vault.shred('incident:t');
      await expect(drain(a.read(ok.digest))).rejects.toThrow(/shredded/);
    });
  });
}

artifactContract('files (DATA_DIR/artifacts)', async () => {
  const dir = makeTempDir();
  const vault = new PhiVault(new DataKeyStore(join(dir.path, 'vault.db'), MasterKey.loadOrCreate(join(dir.path, 'mk'))), new FakeClock());
  const blobs = new FileArtifactBlobs(join(dir.path, 'artifacts'));
  const { readFileSync, writeFileSync } = await import('node:fs');
  return {
    blobs,
    vault,
    again: () => new FileArtifactBlobs(join(dir.path, 'artifacts')),
    corrupt: async (digest) => {
      const b = readFileSync(blobs.pathOf(digest));
      b[b.length - 100] ^= 0xff;
      writeFileSync(blobs.pathOf(digest), b);
    },
    dispose: async () => dir.cleanup(),
  };
});

artifactContract('postgres (chunked bytea)', async () => {
  const dir = makeTempDir();
  const tdb = await createTestDatabase();
  const dbs = [new PgDatabase(tdb.url, { max: 3 }), new PgDatabase(tdb.url, { max: 3 })];
  const vault = new PhiVault(
    new DataKeyStore(new PgDataKeyRepository(dbs[0]!), MasterKey.loadOrCreate(join(dir.path, 'mk'))),
    new FakeClock(),
  );
  return {
    blobs: new PgArtifactBlobs(dbs[0]!),
    vault,
    again: () => new PgArtifactBlobs(dbs[1]!),
    corrupt: async (digest) => {
      await dbs[0]!.pool.query(
        `UPDATE artifact_chunks SET bytes = overlay(bytes placing '\\xff'::bytea from 200 for 1)
         WHERE blob_id = (SELECT blob_id FROM artifacts WHERE digest = $1) AND seq = 0`,
        [digest],
      );
    },
    dispose: async () => {
      for (const d of dbs) await d.close();
      await tdb.drop();
      dir.cleanup();
    },
  };
});
