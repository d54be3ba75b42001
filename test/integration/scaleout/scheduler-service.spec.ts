/**
 * SchedulerService against the real local Redis: registered tasks run only in the leading
 * process, once per term (or every `everyMs` during it), with a fenced context; a stopped leader
 * hands its tasks to the standby.
 */
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger } from '../../../src/platform/logger';
import { QueueRegistry } from '../../../src/platform/redis';
import { FencedOutError } from '../../../src/platform/roles/leader-lock';
import { SchedulerService, schedulerLeaseMs, type SchedulerContext } from '../../../src/platform/roles/scheduler';
import { uuidv7 } from '../../../src/platform/ids';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { KurrentDbEventStore } from '../../../src/ledger/kurrentdb/kurrentdb-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { ledgerMirrorTask } from '../../../src/platform/roles/mirror-task';
import { newEvent, testStream } from '../../ledger/event-store.contract';
import { makeTempDir } from '../../support/temp-dir';
import { KurrentDbDouble } from '../../unit/scaleout/support/kurrentdb-double';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LEASE = 900;

describe('SchedulerService', () => {
  const logger = createLogger('silent');
  let prefix: string;
  const registries: QueueRegistry[] = [];
  const services: SchedulerService[] = [];

  const make = () => {
    const queues = new QueueRegistry(REDIS_URL, prefix, logger);
    registries.push(queues);
    const s = new SchedulerService(queues, logger, `${prefix}:leader:scheduler`, LEASE, new Registry());
    services.push(s);
    return s;
  };

  beforeEach(() => {
    prefix = `sh-test-sched-${uuidv7().slice(-12)}`;
  });

  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
    for (const q of registries.splice(0)) await q.close();
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  });

  it('runs tasks only in the leader, with fenced writes, and hands them over when the leader stops', async () => {
    const runs: Array<{ who: string; token: bigint }> = [];
    const contexts: SchedulerContext[] = [];
    const task = (who: string) => ({
      name: 'reconcile-timers',
      async run(ctx: SchedulerContext) {
        runs.push({ who, token: ctx.term.token });
        contexts.push(ctx);
        await ctx.timers.upsert(ctx.term, `incident-x:deadline`, 1_000 + runs.length, JSON.stringify({ by: who }));
      },
    });
    const a = make();
    const b = make();
    a.register(task('a'));
    b.register(task('b'));
    a.start();
    await waitFor(() => runs.length === 1);
    b.start();
    await sleep(LEASE * 2);
    expect(runs).toEqual([{ who: 'a', token: 1n }]);
    expect(a.status()).toMatchObject({ leader: true, token: '1' });
    expect(b.status()).toMatchObject({ leader: false, token: null });

    const aCtx = contexts[0]!;
    await a.stop(); // releases the lock: b takes over on its next attempt
    await waitFor(() => runs.length === 2, LEASE * 3);
    expect(runs[1]).toEqual({ who: 'b', token: 2n });
    expect(aCtx.signal.aborted).toBe(true);
    // a's context is fenced out now, and so are its writes.
    await expect(aCtx.assertLeading()).rejects.toBeInstanceOf(FencedOutError);
    await expect(aCtx.timers.upsert(aCtx.term, 'incident-x:deadline', 9, '{}')).rejects.toBeInstanceOf(FencedOutError);
    const timer = await contexts[1]!.timers.get('incident-x:deadline');
    expect(timer).toMatchObject({ dueAt: 1_002, fence: 2n, payload: JSON.stringify({ by: 'b' }) });
  });

  it('repeats a task every everyMs during the term and stops with the term', async () => {
    let count = 0;
    const s = make();
    s.register({
      name: 'upsert-job-schedulers',
      everyMs: 50,
      async run(ctx) {
        await ctx.assertLeading();
        count += 1;
      },
    });
    s.start();
    await waitFor(() => count >= 3);
    await s.stop();
    const after = count;
    await sleep(200);
    expect(count).toBe(after);
  });

  it('a failing task is logged and retried next time, without ending leadership', async () => {
    let calls = 0;
    const s = make();
    s.register({
      name: 'flaky',
      everyMs: 30,
      async run() {
        calls += 1;
        if (calls === 1) throw new Error('boom');
      },
    });
    s.start();
    await waitFor(() => calls >= 3);
    expect(s.status().leader).toBe(true);
  });

  it('with a KurrentDB ledger, the leader keeps the contiguous ledger mirror under the data dir', async () => {
    const dir = makeTempDir('safeharbor-mirror-task-');
    const source = new KurrentDbEventStore({ client: new KurrentDbDouble(), clock: new FakeClock() });
    try {
      const s = make();
      const hooked: bigint[] = [];
      let detached = false;
      s.register(
        ledgerMirrorTask(source, dir.path, logger, {
          attach: (target) => {
            target.addAppendHook({ onAppend: (_db, events) => void hooked.push(...events.map((e) => e.position)) });
            return () => {
              detached = true;
            };
          },
        }),
      );
      const stream = testStream('incident');
      await source.append(stream, [newEvent(), newEvent()], 'no-stream');
      s.start();
      const count = () => {
        try {
          const db = new Database(join(dir.path, 'ledger-mirror.db'), { readonly: true, fileMustExist: true });
          try {
            return db.prepare('SELECT COUNT(*) FROM mirror_positions').pluck().get() as number;
          } finally {
            db.close();
          }
        } catch {
          return 0;
        }
      };
      await waitFor(() => count() === 2);
      await source.append(stream, [newEvent()], 2n);
      await waitFor(() => count() === 3);
      await s.stop();
      // The attached hook saw every mirrored event, with contiguous positions, and was detached.
      expect(hooked).toEqual([1n, 2n, 3n]);
      expect(detached).toBe(true);
    } finally {
      await source.close();
      dir.cleanup();
    }
  });

  it('refuses a task name twice and a lease out of range', () => {
    const s = make();
    s.register({ name: 'x', run: async () => undefined });
    expect(() => s.register({ name: 'x', run: async () => undefined })).toThrow('registered twice');
    expect(() => schedulerLeaseMs({ SCHEDULER_LEASE_MS: '50' })).toThrow('env.SCHEDULER_LEASE_MS');
    expect(schedulerLeaseMs({})).toBe(15_000);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(10);
  }
}
