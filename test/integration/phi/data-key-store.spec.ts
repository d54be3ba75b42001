import { join } from 'node:path';
import { SqliteDataKeyRepository } from '../../../src/phi/data-key-store';
import { PgDataKeyRepository } from '../../../src/phi/pg-data-key-repository';
import { PgDatabase } from '../../../src/platform/postgres/pool';
import { createTestDatabase } from '../../support/postgres';
import { makeTempDir } from '../../support/temp-dir';
import { dataKeyStoreContract } from './data-key-store.contract';

dataKeyStoreContract('sqlite (vault file)', {
  async create() {
    const dir = makeTempDir();
    const path = join(dir.path, 'vault.db');
    const repo = new SqliteDataKeyRepository(path);
    return {
      repo,
      again: async () => new SqliteDataKeyRepository(path),
      dispose: async () => {
        await repo.close();
        dir.cleanup();
      },
    };
  },
});

dataKeyStoreContract('postgres (own database)', {
  async create() {
    const tdb = await createTestDatabase();
    const dbs = [new PgDatabase(tdb.url, { max: 3 })];
    return {
      repo: new PgDataKeyRepository(dbs[0]!),
      again: async () => {
        const db = new PgDatabase(tdb.url, { max: 2 });
        dbs.push(db);
        return new PgDataKeyRepository(db);
      },
      dispose: async () => {
        for (const d of dbs) await d.close();
        await tdb.drop();
      },
    };
  },
});
