import { statSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../support/temp-dir';
import { KurrentDbEventStore } from '../../../src/ledger/kurrentdb/kurrentdb-event-store';
import { PostgresEventStore } from '../../../src/ledger/postgres/postgres-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { loadConfig } from '../../../src/platform/config';
import { ValidationError } from '../../../src/platform/errors';
import { createEventStore } from '../../../src/platform/roles/event-store-factory';

describe('createEventStore (LEDGER / KURRENTDB_URL)', () => {
  const clock = new FakeClock();

  it('leaves the embedded SQLite default to the platform', () => {
    expect(createEventStore(loadConfig({}), clock)).toBeUndefined();
  });

  it('connects the KurrentDB adapter for LEDGER=kurrentdb (lazily: no server needed to construct it), with the event-auth key beside the master key', async () => {
    const tmp = makeTempDir('safeharbor-factory-');
    try {
      const config = loadConfig({
        LEDGER: 'kurrentdb',
        KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113?tls=false',
        MASTER_KEY_FILE: join(tmp.path, 'secrets', 'master.key'),
        DATA_DIR: join(tmp.path, 'data'),
      });
      const warnings: string[] = [];
      const store = createEventStore(config, clock, null, (msg) => warnings.push(msg));
      expect(store).toBeInstanceOf(KurrentDbEventStore);
      expect(store!.adapter).toBe('kurrentdb');
      const keyFile = join(tmp.path, 'secrets', 'ledger-event-auth.key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect((store as KurrentDbEventStore).eventAuth?.kid).toMatch(/^[0-9a-f]{16}$/);
      expect(warnings).toEqual([expect.stringMatching(/^GENERATED A NEW LEDGER EVENT AUTHENTICATION KEY/)]);
      await store!.close();
      // the second start loads the same key, quietly
      const again = createEventStore(config, clock, null, (msg) => warnings.push(msg)) as KurrentDbEventStore;
      expect(again.eventAuth?.kid).toBe((store as KurrentDbEventStore).eventAuth?.kid);
      expect(warnings).toHaveLength(1);
      await again.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('connects the PostgreSQL adapter for LEDGER=postgres (lazily: the pool connects on first use)', async () => {
    const store = createEventStore(loadConfig({ LEDGER: 'postgres', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }), clock);
    expect(store).toBeInstanceOf(PostgresEventStore);
    expect(store!.adapter).toBe('postgres');
    await store!.close();
  });

  it.each([
    [{ LEDGER: 'postgres' }, 'env.DATABASE_URL'],
    [{ LEDGER: 'postgres', DATABASE_URL: 'mysql://localhost/db' }, 'env.DATABASE_URL'],
    [{ LEDGER: 'kurrentdb' }, 'env.KURRENTDB_URL'],
    [{ LEDGER: 'kurrentdb', KURRENTDB_URL: 'http://localhost:2113' }, 'env.KURRENTDB_URL'],
  ])('refuses %j naming the field', (env, field) => {
    const err = (() => {
      try {
        createEventStore(loadConfig(env), clock);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]!.field).toBe(field);
  });
});
