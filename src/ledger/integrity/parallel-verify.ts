/**
 * Parallel leaf scanning for `ledger verify` on large ledgers: the positions after the start are
 * split into aligned chunks of 2^k leaves; worker threads (each with its own read-only SQLite
 * connection) recompute and check the leaves of a chunk and fold them into the chunk's compact
 * range; the main thread combines the chunks in position order and checks every signed or
 * witnessed checkpoint exactly as the sequential scan does.
 */
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TreeState } from './merkle';
import { ChunkResult, foldChunk, pushNode, scanChunk, RowSource } from './leaf-scan';
import type { LeafScanner } from './verify';

const CHUNK = 1 << 14;

function workerScript(): { file: string; execArgv: string[] } {
  const js = path.join(__dirname, 'verify-worker.js');
  if (__filename.endsWith('.js')) return { file: js, execArgv: [] };
  // running from TypeScript sources (tests, benchmarks): compile in the worker too
  return {
    file: path.join(__dirname, 'verify-worker.ts'),
    execArgv: ['-r', path.join(__dirname, '..', '..', '..', 'scripts', 'swc-register.js')],
  };
}

function revive(r: ChunkResult): ChunkResult {
  const b = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return {
    ...r,
    hashes: r.hashes.map(b),
    snapshots: r.snapshots.map((s) => ({ ...s, hashes: s.hashes.map(b) })),
  };
}

export function parallelScanner(
  dbPath: string,
  src: RowSource,
  head: number,
  threads = Math.min(4, Math.max(1, availableParallelism())),
  chunk = CHUNK,
): LeafScanner {
  if (!Number.isInteger(Math.log2(chunk))) throw new RangeError('chunk must be a power of two');
  const CHUNK = chunk;
  return async (start: TreeState, sizes, acc, check) => {
    for (const f of start.frontier) pushNode(acc.levels, acc.hashes, f.level, f.hash);
    // the unaligned head runs here, then aligned chunks in workers
    const alignedStart = Math.min(head, Math.ceil(start.size / CHUNK) * CHUNK);
    if (alignedStart > start.size) {
      const lead = scanChunk(src, start.size, alignedStart, sizes, undefined, acc.levels, acc.hashes);
      acc.levels.length = 0;
      acc.hashes.length = 0;
      const bad = foldChunk(acc, lead, check);
      if (bad) return bad;
      if (lead.endSize < alignedStart) return null; // the table ended early: the caller's tail checks report it
    }
    const tasks: Array<{ id: number; from: number; to: number; sizes: number[] }> = [];
    for (let from = alignedStart, id = 0; from < head; from += CHUNK, id++) {
      const to = Math.min(head, from + CHUNK);
      tasks.push({ id, from, to, sizes: [...sizes].filter((s) => s > from && s <= to) });
    }
    if (tasks.length === 0) return null;
    const { file, execArgv } = workerScript();
    const n = Math.min(threads, tasks.length);
    const workers = Array.from({ length: n }, () => new Worker(file, { workerData: { dbPath }, execArgv }));
    const results = new Map<number, ChunkResult>();
    const waiters = new Map<number, (r: ChunkResult) => void>();
    let failure: Error | null = null;
    let next = 0;
    const feed = (w: Worker) => {
      if (next < tasks.length) w.postMessage(tasks[next++]);
    };
    const errors: Array<(e: Error) => void> = [];
    for (const w of workers) {
      w.on('message', (m: { id: number; result?: ChunkResult; error?: string }) => {
        if (m.error) {
          failure = new Error(`verify worker failed: ${m.error}`);
          errors.forEach((f) => f(failure!));
          return;
        }
        const r = revive(m.result!);
        const wait = waiters.get(m.id);
        if (wait) wait(r);
        else results.set(m.id, r);
        feed(w);
      });
      w.on('error', (e) => {
        failure = e;
        errors.forEach((f) => f(e));
      });
      feed(w);
    }
    const take = (id: number) =>
      new Promise<ChunkResult>((resolve, reject) => {
        if (failure) return reject(failure);
        const r = results.get(id);
        if (r) {
          results.delete(id);
          return resolve(r);
        }
        waiters.set(id, resolve);
        errors.push(reject);
      });
    try {
      for (const t of tasks) {
        const r = await take(t.id);
        const bad = foldChunk(acc, r, check);
        if (bad) return bad;
        if (r.endSize < t.to) return null;
      }
      return null;
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  };
}
