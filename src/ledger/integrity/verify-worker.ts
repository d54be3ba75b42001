/**
 * Worker thread for the parallel verifier: opens the ledger file read-only and scans the chunks
 * it is given (aligned ranges of leaves), returning their compact ranges.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { DbRowReader, scanChunk } from './leaf-scan';

const db = new Database((workerData as { dbPath: string }).dbPath, { readonly: true, fileMustExist: true });
const reader = new DbRowReader(db);

parentPort!.on('message', (task: { id: number; from: number; to: number; sizes: number[] } | 'close') => {
  if (task === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    const r = scanChunk(reader, task.from, task.to, new Set(task.sizes));
    parentPort!.postMessage({ id: task.id, result: r });
  } catch (e) {
    parentPort!.postMessage({ id: task.id, error: (e as Error).message });
  }
});
