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

  it('connects the KurrentDB adapter for LEDGER=kurrentdb (lazily: no server needed to construct it)', async () => {
    const store = createEventStore(loadConfig({ LEDGER: 'kurrentdb', KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113?tls=false' }), clock);
    expect(store).toBeInstanceOf(KurrentDbEventStore);
    expect(store!.adapter).toBe('kurrentdb');
    await store!.close();
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
