/**
 * npm run bench -- workflows [--timelines 1000]
 * The reconciler rebuilding every pending timer from the SQLite ledger into an empty Redis
 * (what a restart after a Redis flush does), beside raw BullMQ addBulk of the same delayed
 * jobs in the same run; then a steady-state reconcile (everything already in Redis).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import { Queue } from 'bullmq';
import { Ledger } from '../src/ledger/ledger';
import { EventRegistry } from '../src/ledger/registry';
import { SqliteEventStore } from '../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../src/platform/clock';
import { uuidv7 } from '../src/platform/ids';
import { scheduleTimeline, WORKFLOW_EVENT_TYPES } from '../src/workflows/domain/timeline';
import { jobIdForTimer, pendingTimers } from '../src/workflows/domain/timers';
import { loadWorkflowDirOrThrow } from '../src/workflows/loader';
import { FileOutboxNotifier } from '../src/workflows/notifier/file-outbox';
import { StaticRoleDirectory } from '../src/workflows/ports';
import { WorkflowRegistry } from '../src/workflows/registry';
import { WorkflowEngine } from '../src/workflows/runtime/workflow-engine';
import { makeTempDir } from '../test/support/temp-dir';
import { arg, report } from './support';

const N = arg('timelines', 1000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TZ = 'America/New_York';

async function dropPrefix(prefix: string): Promise<void> {
  const r = new IORedis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
}

async function main(): Promise<void> {
  const dir = makeTempDir('bench-wf-');
  const clock = new FakeClock('2025-03-10T14:00:00Z');
  const store = new SqliteEventStore({ path: join(dir.path, 'ledger.db'), clock, synchronous: 'normal' });
  const registry = WorkflowRegistry.of(loadWorkflowDirOrThrow(join(__dirname, '../workflows')).map((d) => d.definition));
  const def = registry.current('breach-notification');
  for (let i = 0; i < N; i++) {
    const d = scheduleTimeline(def, { subject: { kind: 'obligation', id: `ob-${i}` }, dueOn: '2025-05-09' });
    await store.append(
      `incident-${i}`,
      [
        {
          id: uuidv7(),
          ...d,
          metadata: { actor: { id: 'bench', role: 'system' }, correlationId: uuidv7(), occurredAt: clock.now().toISOString() },
        },
      ],
      'no-stream',
    );
  }
  const prefix = `bench-wf-${randomBytes(4).toString('hex')}`;
  const basePrefix = `${prefix}-raw`;
  const ledger = new Ledger(store, new EventRegistry().registerNames(...WORKFLOW_EVENT_TYPES), clock);
  const engine = new WorkflowEngine({
    ledger,
    registry,
    timeZone: TZ,
    connection: { url: REDIS_URL },
    prefix,
    notifier: new FileOutboxNotifier(join(dir.path, 'outbox'), new StaticRoleDirectory(), clock),
    runWorker: false,
  });
  const raw = new Queue('safeharbor-workflows', { connection: { url: REDIS_URL }, prefix: basePrefix });
  try {
    // Baseline: the same delayed jobs straight into BullMQ.
    const jobs = [];
    for (let i = 0; i < N; i++) {
      for (const t of pendingTimers(
        def,
        {
          workflow: def.workflow,
          workflowVersion: 1,
          subject: { kind: 'obligation', id: `ob-${i}` },
          dueOn: '2025-05-09',
          sent: new Set(),
        },
        { timeZone: TZ, now: clock.now() },
      )) {
        jobs.push({
          name: 'timer',
          data: { timerId: t.timerId },
          opts: { jobId: jobIdForTimer(t.timerId), delay: t.fireAt.getTime() - clock.now().getTime() },
        });
      }
    }
    let t0 = performance.now();
    for (let i = 0; i < jobs.length; i += 500) await raw.addBulk(jobs.slice(i, i + 500));
    const baseSecs = (performance.now() - t0) / 1000;

    t0 = performance.now();
    const r = await engine.start({ scheduler: true, worker: false });
    const oursSecs = (performance.now() - t0) / 1000;
    if (!r || r.added !== jobs.length) throw new Error(`expected ${jobs.length} timers, reconciled ${JSON.stringify(r)}`);
    report('workflows-reconcile-empty-redis', jobs.length / oursSecs, jobs.length / baseSecs, 'timers/s', {
      timelines: N,
      timers: jobs.length,
    });

    t0 = performance.now();
    const again = await engine.reconcile();
    const steady = (performance.now() - t0) / 1000;
    report('workflows-reconcile-steady', jobs.length / steady, jobs.length / baseSecs, 'timers/s', { kept: again.kept });
  } finally {
    await engine.stop();
    await raw.close();
    await store.close();
    await dropPrefix(prefix);
    await dropPrefix(basePrefix);
    dir.cleanup();
  }
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
