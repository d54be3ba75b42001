import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { IdempotencyViolationError, WrongExpectedVersionError } from '../../src/ledger/errors';
import type { AppendResult } from '../../src/ledger/port';
import { SqliteEventStore } from '../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../src/platform/clock';
import { makeTempDir } from '../support/temp-dir';
import { newEvent, testStream } from './event-store.contract';

type Settled = { ok: AppendResult } | { err: unknown };
const settle = (p: Promise<AppendResult>): Promise<Settled> =>
  p.then(
    (ok) => ({ ok }),
    (err: unknown) => ({ err }),
  );

describe('SQLite ledger group commit', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => (dir = makeTempDir('sh-group-commit-')));
  afterEach(() => dir.cleanup());

  it('appends made together share one transaction, each with its own expected-version check, idempotency and positions', async () => {
    const path = join(dir.path, 'ledger.db');
    const store = new SqliteEventStore({ path, clock: new FakeClock() });
    const outside = new Database(path, { readonly: true });
    // What another connection sees while each append of the group runs: the group's commit only.
    const seenOutside: number[] = [];
    store.addAppendHook({
      onAppend: (_db, events) => {
        seenOutside.push((outside.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n);
        if (events.some((e) => e.type === 'Poisoned')) throw new Error('hook refused this append');
      },
    });
    const shared = testStream('shared');
    const first = newEvent();
    await store.append(shared, [first], 'no-stream');
    seenOutside.length = 0;

    const fresh = Array.from({ length: 20 }, () => ({ stream: testStream('fresh'), events: [newEvent(), newEvent()] }));
    const racing = Array.from({ length: 5 }, () => newEvent());
    const known = newEvent();
    const pending = [
      ...fresh.map((f) => store.append(f.stream, f.events, 'no-stream')),
      ...racing.map((e) => store.append(shared, [e], 1n)),
      store.append(shared, [first], 'any'), // a retry of a committed append
      store.append(fresh[3]!.stream, fresh[3]!.events, 'no-stream'), // a retry of one in this very group
      store.append(testStream('mixed'), [known, newEvent()], 'no-stream'),
      store.append(testStream('mixed'), [known], 'no-stream'), // its id is taken by another stream's event
      store.append(testStream('poison'), [newEvent('Poisoned')], 'no-stream'),
      store.append(testStream('last'), [newEvent()], 'no-stream'),
    ].map(settle);
    const out = await Promise.all(pending);
    outside.close();

    // one transaction: no append of the group was visible outside before the group committed
    // (the hook runs for each append that writes: 20 fresh, the race's winner, mixed, poison, last)
    expect(seenOutside).toHaveLength(24);
    expect(new Set(seenOutside)).toEqual(new Set([1]));

    const ok = (i: number) => (out[i] as { ok: AppendResult }).ok;
    const err = (i: number) => (out[i] as { err: unknown }).err;
    // fresh streams: positions in request order, gap-free after the first event
    fresh.forEach((_, i) =>
      expect(ok(i)).toEqual({
        nextExpectedVersion: 2n,
        firstPosition: BigInt(2 + 2 * i),
        lastPosition: BigInt(3 + 2 * i),
        duplicate: false,
      }),
    );
    // the race on the shared stream: the first wins, the other four conflict
    expect(ok(20)).toEqual({ nextExpectedVersion: 2n, firstPosition: 42n, lastPosition: 42n, duplicate: false });
    for (let i = 21; i < 25; i++) expect(err(i)).toBeInstanceOf(WrongExpectedVersionError);
    // idempotent retries answer with the original positions and write nothing
    expect(ok(25)).toEqual({ nextExpectedVersion: 1n, firstPosition: 1n, lastPosition: 1n, duplicate: true });
    expect(ok(26)).toEqual({ nextExpectedVersion: 2n, firstPosition: 8n, lastPosition: 9n, duplicate: true });
    expect(ok(27)).toEqual({ nextExpectedVersion: 2n, firstPosition: 43n, lastPosition: 44n, duplicate: false });
    expect(err(28)).toBeInstanceOf(IdempotencyViolationError);
    // the hook's refusal rolled back that append alone
    expect((err(29) as Error).message).toBe('hook refused this append');
    expect(ok(30)).toEqual({ nextExpectedVersion: 1n, firstPosition: 45n, lastPosition: 45n, duplicate: false });

    const all = await store.readAll({ after: 0n, maxCount: 1000 });
    expect(all.events.map((e) => e.position)).toEqual(Array.from({ length: 45 }, (_, i) => BigInt(i + 1)));
    expect((await store.readStream(shared)).map((e) => e.id)).toEqual([first.id, racing[0]!.id]);
    expect(all.events.some((e) => e.type === 'Poisoned')).toBe(false);
    await store.close();
  });

  it('the global log shows a committed group only once it is durable; the stream reads (for the next decision) see it at once', async () => {
    const store = new SqliteEventStore({ path: join(dir.path, 'ledger.db'), clock: new FakeClock() });
    const s = testStream();
    const appended = store.append(s, [newEvent()], 'no-stream');
    // this runs right after the group's COMMIT, before the fsync's completion can be delivered
    const [page, head, stream] = await new Promise<[Awaited<ReturnType<typeof store.readAll>>, bigint, unknown[]]>((resolve) =>
      setImmediate(() => void Promise.all([store.readAll({ after: 0n }), store.headPosition(), store.readStream(s)]).then(resolve)),
    );
    expect(page.events).toEqual([]);
    expect(head).toBe(0n);
    expect(stream).toHaveLength(1);
    expect(await appended).toMatchObject({ firstPosition: 1n, lastPosition: 1n });
    expect((await store.readAll({ after: 0n })).events.map((e) => e.position)).toEqual([1n]);
    expect(await store.headPosition()).toBe(1n);
    await store.close();
  });

  it('an append acknowledged before the process is killed is in the ledger afterwards, positions gap-free', async () => {
    const path = join(dir.path, 'ledger.db');
    const child = spawn(process.execPath, [
      '-r',
      join(__dirname, '../../scripts/swc-register.js'),
      join(__dirname, 'fixtures/group-commit-crasher.ts'),
      path,
    ]);
    const acks: Array<{ id: string; stream: string; position: bigint; version: bigint }> = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [, id, stream, position, version] = line.split(' ');
        acks.push({ id: id!, stream: stream!, position: BigInt(position!), version: BigInt(version!) });
      }
      if (acks.length >= 400 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    expect(await exited).toBe('SIGKILL');
    expect(stderr).toBe('');
    expect(acks.length).toBeGreaterThanOrEqual(400);

    const store = new SqliteEventStore({ path, clock: new FakeClock() });
    const all = await store.readAll({ after: 0n, maxCount: 1_000_000 });
    const byId = new Map(all.events.map((e) => [e.id, e]));
    for (const a of acks) {
      const e = byId.get(a.id);
      expect(e && { stream: e.stream, position: e.position, version: e.version }).toEqual({
        stream: a.stream,
        position: a.position,
        version: a.version,
      });
    }
    expect(all.events.map((e) => e.position)).toEqual(all.events.map((_, i) => BigInt(i + 1)));
    // the racing appends to the shared stream: one per wave, versions 1, 2, 3… without a gap
    const shared = all.events.filter((e) => e.stream.startsWith('shared-'));
    expect(shared.map((e) => e.version)).toEqual(shared.map((_, i) => BigInt(i + 1)));
    await store.close();
  }, 60_000);
});
