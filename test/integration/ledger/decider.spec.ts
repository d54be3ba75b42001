import { join } from 'node:path';
import { handleCommand, type Decider } from '../../../src/ledger/decider';
import { WrongExpectedVersionError } from '../../../src/ledger/errors';
import { Ledger, type DomainEvent } from '../../../src/ledger/ledger';
import { EventRegistry } from '../../../src/ledger/registry';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { makeTempDir } from '../../support/temp-dir';

type CounterEvent = DomainEvent<'Incremented', { by: number }>;
const counter: Decider<{ total: number }, { by: number; max: number }, CounterEvent> = {
  initialState: () => ({ total: 0 }),
  evolve: (s, e) => ({ total: s.total + e.data.by }),
  decide: (c, s) => {
    if (s.total + c.by > c.max) throw Object.assign(new Error('over the limit'), { code: 'COUNTER_RULE' });
    return [{ type: 'Incremented', data: { by: c.by } }];
  },
};
const ctx = { actor: { id: 'u1', role: 'compliance-officer' }, correlationId: 'corr-1' };

describe('decide/evolve command helper on the SQLite ledger', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let store: SqliteEventStore;
  let ledger: Ledger;
  beforeEach(() => {
    dir = makeTempDir();
    store = new SqliteEventStore({ path: join(dir.path, 'l.db'), clock: new FakeClock() });
    ledger = new Ledger(store, new EventRegistry().registerNames('Incremented'), new FakeClock());
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('folds, decides and appends with metadata from the command context', async () => {
    await handleCommand(ledger, 'counter-a', counter, { by: 2, max: 10 }, ctx);
    const r = await handleCommand(ledger, 'counter-a', counter, { by: 3, max: 10 }, ctx);
    expect(r.state.total).toBe(5);
    expect(r.nextExpectedVersion).toBe(2n);
    const [first] = await ledger.readStream('counter-a');
    expect(first!.metadata).toMatchObject({ actor: ctx.actor, correlationId: 'corr-1' });
  });

  it('re-decides on fresh state when a concurrent writer wins (no lost write, rules still hold)', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => handleCommand(ledger, 'counter-b', counter, { by: 1, max: 5 }, ctx, { retries: 10 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected.every((r) => r.reason.code === 'COUNTER_RULE')).toBe(true);
    expect((await ledger.readStream('counter-b')).length).toBe(5);
  });

  it('with an expected version from If-Match, a stale version conflicts and is never retried', async () => {
    await handleCommand(ledger, 'counter-c', counter, { by: 1, max: 10 }, ctx);
    await handleCommand(ledger, 'counter-c', counter, { by: 1, max: 10 }, ctx);
    await expect(handleCommand(ledger, 'counter-c', counter, { by: 1, max: 10 }, ctx, { expectedVersion: 1n })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    expect((await ledger.readStream('counter-c')).length).toBe(2);
  });

  it('refuses an event type that is not registered', async () => {
    await expect(ledger.append('counter-d', [{ type: 'Unregistered', data: {} }], 'any', ctx)).rejects.toThrow(/not registered/);
  });
});
