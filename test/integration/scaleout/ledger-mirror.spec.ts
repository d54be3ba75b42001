/**
 * The contiguous SQLite mirror of a KurrentDB ledger (source: the KurrentDB adapter over the
 * server double; target: a real SQLite file), which lets the integrity layer's append hook build
 * leaves over KurrentDB exactly as over the embedded store.
 */
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { canonicalize } from '../../../src/shared/canonical-json';
import { KurrentDbEventStore } from '../../../src/ledger/kurrentdb/kurrentdb-event-store';
import { LedgerMirror, MirrorDivergenceError, ReplayClock } from '../../../src/ledger/kurrentdb/ledger-mirror';
import type { RecordedEvent } from '../../../src/ledger/port';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { newEvent, testStream, waitFor } from '../../ledger/event-store.contract';
import { makeTempDir } from '../../support/temp-dir';
import { KurrentDbDouble } from '../../unit/scaleout/support/kurrentdb-double';

describe('LedgerMirror (KurrentDB → contiguous SQLite ledger for the integrity layer)', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let clock: FakeClock;
  let source: KurrentDbEventStore;
  const opened: Array<{ close(): Promise<void> }> = [];

  const openTarget = () => {
    const replay = new ReplayClock();
    const target = new SqliteEventStore({ path: join(dir.path, 'mirror.db'), clock: replay, pollIntervalMs: 20 });
    opened.push(target);
    return { replay, target };
  };

  beforeEach(() => {
    dir = makeTempDir('safeharbor-mirror-');
    clock = new FakeClock('2025-04-01T09:00:00.000Z');
    source = new KurrentDbEventStore({ client: new KurrentDbDouble(), clock });
    opened.push(source);
  });

  afterEach(async () => {
    for (const s of opened.splice(0).reverse()) await s.close();
    dir.cleanup();
  });

  async function seed(): Promise<{ a: string; b: string }> {
    const a = testStream('incident');
    const b = testStream('key');
    await source.append(a, [newEvent('IncidentReported', { n: 1 }), newEvent('IncidentAmended', { n: 2 })], 'no-stream');
    clock.advance(1000);
    await source.append(b, [newEvent('KeyGenerated', { n: 3 })], 'no-stream');
    clock.advance(1000);
    await source.append(a, [newEvent('IncidentAmended', { n: 4 })], 2n);
    return { a, b };
  }

  it('copies $all in order with contiguous positions and the same envelopes', async () => {
    await seed();
    const { replay, target } = openTarget();
    const mirror = new LedgerMirror({ source, target, clock: replay });
    expect(await mirror.catchUp()).toBe(4);

    const src = (await source.readAll({ after: 0n, maxCount: 100 })).events;
    const dst = (await target.readAll({ after: 0n, maxCount: 100 })).events;
    expect(dst.map((e) => e.position)).toEqual([1n, 2n, 3n, 4n]);
    expect(src.map((e) => e.position)).not.toEqual([1n, 2n, 3n, 4n]); // commit positions have gaps
    const envelope = (e: RecordedEvent) => canonicalize({ ...e, position: 0, version: String(e.version) });
    expect(dst.map(envelope)).toEqual(src.map(envelope));
    for (let i = 0; i < src.length; i++) {
      expect(mirror.sourcePositionOf(BigInt(i + 1))).toBe(src[i]!.position);
      expect(mirror.mirrorPositionOf(src[i]!.position)).toBe(BigInt(i + 1));
    }
  });

  it("runs the target's append hooks inside the transaction that records the source position", async () => {
    await seed();
    const { replay, target } = openTarget();
    target.db.exec('CREATE TABLE leaves (idx INTEGER PRIMARY KEY, id TEXT NOT NULL)');
    let failAt: number | null = 3;
    target.addAppendHook({
      onAppend(db: Database.Database, events: RecordedEvent[]) {
        for (const e of events) {
          if (Number(e.position) === failAt) throw new Error('integrity hook refused');
          db.prepare('INSERT INTO leaves (idx, id) VALUES (?, ?)').run(Number(e.position) - 1, e.id);
        }
      },
    });
    const mirror = new LedgerMirror({ source, target, clock: replay });
    await expect(mirror.catchUp()).rejects.toThrow('integrity hook refused');
    // Two events mirrored with their leaves; the third left nothing behind.
    expect(target.db.prepare('SELECT COUNT(*) AS n FROM leaves').get()).toEqual({ n: 2 });
    expect(await target.headPosition()).toBe(2n);
    expect(mirror.sourcePositionOf(3n)).toBeNull();

    failAt = null;
    expect(await mirror.catchUp()).toBe(2);
    const leaves = target.db.prepare('SELECT idx, id FROM leaves ORDER BY idx').all() as Array<{ idx: number; id: string }>;
    const src = (await source.readAll({ after: 0n })).events;
    expect(leaves).toEqual(src.map((e, i) => ({ idx: i, id: e.id })));
  });

  it('resumes after a restart and then follows the source live', async () => {
    const { a } = await seed();
    {
      const { replay, target } = openTarget();
      await new LedgerMirror({ source, target, clock: replay }).catchUp();
      await target.close();
    }
    await source.append(a, [newEvent('IncidentAmended', { n: 5 })], 3n);
    const { replay, target } = openTarget();
    const mirror = new LedgerMirror({ source, target, clock: replay });
    const sub = mirror.start();
    await sub.caughtUp;
    expect(await target.headPosition()).toBe(5n);
    await source.append(a, [newEvent('IncidentAmended', { n: 6 })], 4n);
    await waitFor(() => target.db.prepare('SELECT COUNT(*) FROM events').pluck().get() === 6);
    await mirror.stop();
    const versions = (await target.readStream(a)).map((e) => e.version);
    expect(versions).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it('stops with MirrorDivergenceError when the source rewrites a mirrored history', async () => {
    const { a } = await seed();
    const { replay, target } = openTarget();
    const mirror = new LedgerMirror({ source, target, clock: replay });
    await mirror.catchUp();
    // A different KurrentDB (or a rewritten one) that holds another version 1 of the same stream,
    // at positions after what was mirrored.
    const forged = new KurrentDbDouble();
    const forgedStore = new KurrentDbEventStore({ client: forged, clock });
    opened.push(forgedStore);
    for (let i = 0; i < 6; i++) await forgedStore.append(testStream('padding'), [newEvent()], 'no-stream');
    await forgedStore.append(a, [newEvent('IncidentReported', { forged: true })], 'no-stream');
    const forgedMirror = new LedgerMirror({ source: forgedStore, target, clock: replay });
    const err = await forgedMirror.catchUp().catch((e) => e);
    expect(err).toBeInstanceOf(MirrorDivergenceError);
    expect(err.message).toMatch(/version 1 of its stream, but the mirror holds version 3/);
    expect((await target.readStream(a)).map((e) => e.data.forged)).toEqual([undefined, undefined, undefined]);
  });
});
