/**
 * The engine reads and writes through `Ledger` on a real SQLite ledger: old schema versions of a
 * context's events are upcast before translators see them, and concurrent firings of one
 * timeline are settled by the timeline decider (re-read and re-decided on a version conflict),
 * never recorded twice. No Redis is touched: planning and firing read only the ledger.
 */
import { join } from 'node:path';
import { Ledger } from '../../../src/ledger/ledger';
import { EventRegistry } from '../../../src/ledger/registry';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { uuidv7 } from '../../../src/platform/ids';
import { validateDefinition } from '../../../src/workflows/domain/definition';
import { timelineStream, WORKFLOW_EVENT_TYPES, type TimelineIntent } from '../../../src/workflows/domain/timeline';
import { FileOutboxNotifier } from '../../../src/workflows/notifier/file-outbox';
import { StaticRoleDirectory } from '../../../src/workflows/ports';
import { definitionStream, publishDefinitions } from '../../../src/workflows/definitions-ledger';
import { WorkflowEngine, WORKFLOWS_ACTOR } from '../../../src/workflows/runtime/workflow-engine';
import { cleanup, outboxFiles, redisConnection, shippedRegistry, tempDir } from '../../support/workflows/harness';

const TZ = 'America/New_York';

describe('workflows engine behind Ledger', () => {
  let dir: string;
  let store: SqliteEventStore;
  let clock: FakeClock;
  let engine: WorkflowEngine;
  let ledger: Ledger;

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock('2025-12-01T14:00:00Z'); // 09:00 in New York, 30 days before 2025-12-31
    store = new SqliteEventStore({ path: join(dir, 'ledger.db'), clock });
    // KeyActivated v1 carried `rotateBy`; v2 calls it `rotationDueOn`. Only the registry knows.
    const events = new EventRegistry()
      .registerNames(...WORKFLOW_EVENT_TYPES)
      .register({ type: 'KeyActivated', schemaVersion: 2, upcasters: { 1: ({ rotateBy, ...rest }) => ({ ...rest, rotationDueOn: rotateBy }) } });
    ledger = new Ledger(store, events, clock);
    engine = new WorkflowEngine({ ledger, registry: shippedRegistry(), timeZone: TZ, connection: redisConnection(), notifier: new FileOutboxNotifier(join(dir, 'outbox'), new StaticRoleDirectory(), clock), runWorker: false });
    engine.registerTranslator(['KeyActivated'], (e): TimelineIntent[] =>
      e.type === 'KeyActivated' && typeof e.data.rotationDueOn === 'string'
        ? [{ kind: 'schedule', workflow: 'key-rotation', workflowVersion: engine.registry.current('key-rotation').version, subject: { kind: 'key', id: String(e.data.keyId) }, dueOn: e.data.rotationDueOn }]
        : [],
    );
  });
  afterEach(async () => {
    await engine.stop();
    await store.close();
    cleanup(dir);
  });

  /** A v1 KeyActivated as stored before the schema changed. */
  const activateV1 = (keyId: string) =>
    store.append(`key-${keyId}`, [{ id: uuidv7(), type: 'KeyActivated', schemaVersion: 1, data: { keyId, rotateBy: '2025-12-31' }, metadata: { actor: { id: 'p-sec', role: 'security-officer' }, correlationId: uuidv7(), occurredAt: clock.now().toISOString() } }], 'no-stream');
  const job = (keyId: string, step: string) => ({ timerId: `key-rotation:${keyId}:2025-12-31:${step}`, sourceStream: `key-${keyId}`, workflow: 'key-rotation', subjectKind: 'key', subjectId: keyId, dueOn: '2025-12-31', step });

  it('plans timelines from upcast events (the translator only knows schema version 2)', async () => {
    await activateV1('k1');
    const plan = await engine.plan();
    expect(plan.map((p) => [p.timeline.subject.id, p.timeline.dueOn])).toEqual([['k1', '2025-12-31']]);
    expect(plan[0].timers.find((t) => t.step === 'reminder-30d')).toMatchObject({ state: 'pending', fireAt: new Date('2025-12-01T14:00:00Z') });
  });

  it('records a fired timer through the decider: system actor, timer id as correlation, once however often it runs', async () => {
    await activateV1('k2');
    const runs = await Promise.all([engine.fire(job('k2', 'reminder-30d')), engine.fire(job('k2', 'reminder-30d')), engine.fire(job('k2', 'reminder-30d'))]);
    expect(runs.map((r) => r.outcome).sort()).toEqual(['already-sent', 'already-sent', 'sent']);
    const own = await store.readStream(timelineStream('key-rotation', { kind: 'key', id: 'k2' }));
    expect(own.map((e) => e.type)).toEqual(['ReminderSent']);
    expect(own[0].metadata).toMatchObject({ actor: { id: 'system:workflows', role: 'system' }, correlationId: 'key-rotation:k2:2025-12-31:reminder-30d' });
    expect(own[0].data).toMatchObject({ step: 'reminder-30d', daysLeft: 30, sentAt: '2025-12-01T14:00:00.000Z' });
    expect(outboxFiles(join(dir, 'outbox'))).toHaveLength(1);
    expect(await engine.fire(job('k2', 'reminder-30d'))).toEqual({ outcome: 'already-sent' });
  });

  it('two timers of one timeline fired at once are both recorded (the conflict is re-decided, not lost)', async () => {
    // Two action steps (never superseded) due together.
    const v1 = engine.registry.current('key-rotation');
    const v2 = validateDefinition({ ...v1, version: 2, reminders: [], escalation: [{ after: '0d', to: ['security-officer'], action: 'suspend-key' }, { after: '1d', to: ['security-officer'], action: 'suspend-key' }] });
    if (!v2.ok) throw new Error(JSON.stringify(v2.issues));
    engine.registry.add(v2.definition, { current: true });
    const actions: string[] = [];
    engine.registerActionHandler('suspend-key', async (c) => {
      actions.push(c.step);
    });
    await activateV1('k3');
    clock.set('2026-01-01T14:00:00Z');
    const outcomes = await Promise.all([engine.fire(job('k3', 'escalation-0d')), engine.fire(job('k3', 'escalation-1d'))]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['sent', 'sent']);
    expect(actions.sort()).toEqual(['escalation-0d', 'escalation-1d']);
    const own = await store.readStream(timelineStream('key-rotation', { kind: 'key', id: 'k3' }));
    expect(own.map((e) => `${e.version}:${e.type}`)).toEqual(['1:EscalationRaised', '2:EscalationRaised']);
    expect(own.map((e) => e.data.step).sort()).toEqual(['escalation-0d', 'escalation-1d']);
  });

  it('two schedulers publishing the definitions at the same moment write each version once', async () => {
    const a = shippedRegistry();
    const [ra, rb] = await Promise.all([publishDefinitions(ledger, a, WORKFLOWS_ACTOR), publishDefinitions(ledger, shippedRegistry(), WORKFLOWS_ACTOR)]);
    expect([...ra.published, ...rb.published].sort()).toEqual(a.currentDefinitions().map((d) => `${d.workflow}@${d.version}`).sort());
    for (const d of a.currentDefinitions()) {
      const events = await store.readStream(definitionStream(d.workflow));
      expect(events.map((e) => [e.type, e.data.version, e.metadata.actor.role])).toEqual([['WorkflowDefinitionPublished', d.version, 'system']]);
    }
  });
});
