import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PgIntegrityTree, verifyPgTree } from '../../../src/ledger/integrity/pg-integrity-tree';
import { PostgresEventStore } from '../../../src/ledger/postgres/postgres-event-store';
import { ArtifactStore } from '../../../src/phi/artifact-store';
import { DataKeyStore } from '../../../src/phi/data-key-store';
import { MasterKey } from '../../../src/phi/master-key';
import { PgArtifactBlobs } from '../../../src/phi/pg-artifact-blobs';
import { PgDataKeyRepository } from '../../../src/phi/pg-data-key-repository';
import { PhiVault } from '../../../src/phi/phi-vault';
import { FakeClock } from '../../../src/platform/clock';
import { migrate } from '../../../src/platform/postgres/migrate';
import { PgDatabase } from '../../../src/platform/postgres/pool';
import { newEvent, testStream } from '../../ledger/event-store.contract';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { makeTempDir } from '../../support/temp-dir';

/**
 * The documented backup (docs/deployment.md): `pg_dump -Fc` of the database, the master key kept
 * apart. Restored into a fresh database with the same master key, the ledger verifies and every
 * artifact reads back.
 */
describe('PostgreSQL backup: pg_dump, restore into a fresh database', () => {
  const dbs: TestDatabase[] = [];
  const pools: PgDatabase[] = [];
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    for (const p of pools.splice(0)) await p.close();
    for (const d of dbs.splice(0)) await d.drop();
    dir.cleanup();
  });
  const open = (url: string) => {
    const p = new PgDatabase(url, { max: 3 });
    pools.push(p);
    return p;
  };

  it('the restored database verifies and every artifact is readable with the master key', async () => {
    const source = await createTestDatabase();
    const target = await createTestDatabase();
    dbs.push(source, target);
    const master = MasterKey.loadOrCreate(join(dir.path, 'master.key'));
    const clock = new FakeClock();

    const db = open(source.url);
    const ledger = new PostgresEventStore({ db, clock });
    ledger.addAppendHook(new PgIntegrityTree());
    const artifacts = new ArtifactStore(
      new PgArtifactBlobs(db),
      new PhiVault(new DataKeyStore(new PgDataKeyRepository(db), master), clock),
    );
    for (let i = 0; i < 25; i++) await ledger.append(testStream(), [newEvent('Counted', { i }), newEvent('Counted', { i })], 'no-stream');
    async function* lines() {
      for (let i = 0; i < 3000; i++) yield `{"i":${i},"name":"Synthetic Person ${i}"}\n`;
    }
    const refs = [await artifacts.write('incident:one', lines()), await artifacts.write('incident:two', lines())];
    const before = await verifyPgTree(db.pool);
    expect(before).toMatchObject({ ok: true, size: 50 });

    const dump = join(dir.path, 'safeharbor.dump');
    const d = spawnSync('pg_dump', ['-Fc', '--no-owner', '-f', dump, source.url], { encoding: 'utf8' });
    expect(d.stderr).toBe('');
    expect(d.status).toBe(0);
    const r = spawnSync('pg_restore', ['--no-owner', '--exit-on-error', '-d', target.url, dump], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    const restored = open(target.url);
    expect(await migrate(restored.pool)).toEqual([]); // the schema version came with the dump
    expect(await verifyPgTree(restored.pool)).toEqual(before);
    const again = new ArtifactStore(
      new PgArtifactBlobs(restored),
      new PhiVault(new DataKeyStore(new PgDataKeyRepository(restored), MasterKey.loadOrCreate(join(dir.path, 'master.key'))), clock),
    );
    for (const ref of refs) {
      let n = 0;
      for await (const rec of again.readNdjson<{ i: number }>(ref.digest)) expect(rec.i).toBe(n++);
      expect(n).toBe(3000);
    }
    const store = new PostgresEventStore({ db: restored, clock });
    store.addAppendHook(new PgIntegrityTree());
    await store.append(testStream(), [newEvent()], 'no-stream'); // and it carries on where it stopped
    expect(await verifyPgTree(restored.pool)).toMatchObject({ ok: true, size: 51 });
  });
});
