import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../src/platform/clock';
import { makeTempDir } from '../support/temp-dir';
import { newEvent, testStream } from './event-store.contract';

function runChild(args: string[]): Promise<{ won: number; conflicts: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      '-r',
      join(__dirname, '../../scripts/swc-register.js'),
      join(__dirname, 'fixtures/two-process-appender.ts'),
      ...args,
    ]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('SQLite ledger shared by two processes', () => {
  it('20 appends from two processes with the same expected version: one wins, 19 conflict, no gaps', async () => {
    const dir = makeTempDir();
    try {
      const dbPath = join(dir.path, 'ledger.db');
      const store = new SqliteEventStore({ path: dbPath, clock: new FakeClock() });
      const stream = testStream('race');
      await store.append(stream, [newEvent()], 'no-stream');
      const go = join(dir.path, 'go');
      const children = [runChild([dbPath, stream, go, '10']), runChild([dbPath, stream, go, '10'])];
      await new Promise((r) => setTimeout(r, 1500)); // both children open the file and wait
      writeFileSync(go, '');
      const results = await Promise.all(children);
      expect(results.reduce((n, r) => n + r.won, 0)).toBe(1);
      expect(results.reduce((n, r) => n + r.conflicts, 0)).toBe(19);
      const events = await store.readStream(stream);
      expect(events.map((e) => e.version)).toEqual([1n, 2n]);
      const all = await store.readAll({ after: 0n });
      expect(all.events.map((e) => e.position)).toEqual([1n, 2n]);
      await store.close();
    } finally {
      dir.cleanup();
    }
  });
});
