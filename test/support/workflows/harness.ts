import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { Ledger } from '../../../src/ledger/ledger';
import type { EventStore } from '../../../src/ledger/port';
import { EventRegistry } from '../../../src/ledger/registry';
import type { Clock } from '../../../src/platform/clock';
import { uuidv7 } from '../../../src/platform/ids';
import { WORKFLOW_EVENT_TYPES, type EventDraft } from '../../../src/workflows/domain/timeline';
import { loadWorkflowDirOrThrow } from '../../../src/workflows/loader';
import { FileOutboxNotifier } from '../../../src/workflows/notifier/file-outbox';
import { StaticRoleDirectory } from '../../../src/workflows/ports';
import { WorkflowRegistry } from '../../../src/workflows/registry';
import { WorkflowEngine, type WorkflowEngineOptions } from '../../../src/workflows/runtime/workflow-engine';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SHIPPED = join(__dirname, '../../../workflows');

export function redisConnection(): { url: string } {
  return { url: REDIS_URL };
}

export function uniquePrefix(): string {
  return `test-wf-${randomBytes(6).toString('hex')}`;
}

/** Delete every key under a prefix (SCAN, never FLUSHALL: the Redis is shared). */
export async function deletePrefix(prefix: string): Promise<number> {
  const r = new IORedis(REDIS_URL);
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) n += await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    await r.quit();
  }
  return n;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sh-wf-'));
}

export function outboxFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
  } catch {
    return [];
  }
}

export function shippedRegistry(): WorkflowRegistry {
  return WorkflowRegistry.of(loadWorkflowDirOrThrow(SHIPPED).map((d) => d.definition));
}

export async function appendDrafts(store: EventStore, clock: Clock, stream: string, drafts: EventDraft<object>[]): Promise<void> {
  const now = clock.now();
  await store.append(
    stream,
    drafts.map((d) => ({
      id: uuidv7(),
      type: d.type,
      schemaVersion: d.schemaVersion,
      data: d.data as Record<string, unknown>,
      metadata: { actor: { id: 'test', role: 'compliance-officer' }, correlationId: uuidv7(), occurredAt: now.toISOString() },
    })),
    'any',
  );
}

/** The Ledger the engine runs on: the store, the workflow event types registered, the test's clock. */
export function workflowsLedger(store: EventStore, clock: Clock): Ledger {
  return new Ledger(store, new EventRegistry().registerNames(...WORKFLOW_EVENT_TYPES), clock);
}

export function makeEngine(
  o: Omit<WorkflowEngineOptions, 'notifier' | 'connection' | 'ledger'> & { store: EventStore; clock: Clock; outbox: string },
): WorkflowEngine {
  const { store, clock, outbox, ...rest } = o;
  return new WorkflowEngine({
    ...rest,
    ledger: workflowsLedger(store, clock),
    connection: redisConnection(),
    notifier: new FileOutboxNotifier(outbox, new StaticRoleDirectory(), clock),
  });
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
