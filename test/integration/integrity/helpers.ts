import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RecordedEvent } from '../../../src/ledger/port';

export function tempDir(prefix = 'sh-integrity-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Synthetic events (no PHI: a ciphertext-shaped object stands where PHI would be). */
export function syntheticEvents(n: number, stream = 'incident-0192f0c4-0000-7000-8000-000000000001', startPosition = 1): RecordedEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `0192f0c4-${String(i).padStart(4, '0')}-7000-8000-${String(startPosition + i).padStart(12, '0')}`,
    stream,
    version: BigInt(i + 1),
    position: BigInt(startPosition + i),
    type: i === 0 ? 'IncidentReported' : 'IncidentNoteAdded',
    schemaVersion: 1,
    data: { seq: i, summary: { alg: 'A256GCM', kid: 'k1', iv: `iv${i}`, ct: Buffer.from(`cipher-${i}`).toString('base64'), tag: 't' } },
    metadata: {
      actor: { id: 'user-1', role: 'incident-responder' },
      correlationId: `corr-${i}`,
      occurredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
      recordedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i, 5)).toISOString(),
    },
  }));
}

/**
 * The insider's rebuild of the integrity tables (they have the source code): recompute every
 * leaf from the events table, the nodes and the frontier. With `authKey` (a stolen key folder)
 * the leaves are tagged too; without it the old tags stay as they were.
 */
export function attackerRehash(
  db: import('better-sqlite3').Database,
  authKey?: import('../../../src/ledger/integrity/event-auth').EventAuthKey,
): Buffer {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { eventLeafHash } = require('../../../src/ledger/integrity/hashing') as typeof import('../../../src/ledger/integrity/hashing');
  const { appendLeaf, EMPTY_TREE, rootOf } =
    require('../../../src/ledger/integrity/merkle') as typeof import('../../../src/ledger/integrity/merkle');
  const { encodeFrontier, rowToEvent } =
    require('../../../src/ledger/integrity/sqlite-integrity-store') as typeof import('../../../src/ledger/integrity/sqlite-integrity-store');
  /* eslint-enable @typescript-eslint/no-require-imports */
  db.prepare('DELETE FROM integrity_nodes').run();
  db.prepare('DELETE FROM integrity_tree').run();
  if (authKey) db.prepare('DELETE FROM integrity_leaf_auth').run();
  let state = EMPTY_TREE;
  const put = db.prepare('INSERT INTO integrity_nodes (level, idx, hash) VALUES (?, ?, ?)');
  const rows = db.prepare('SELECT * FROM events ORDER BY position').safeIntegers(true).all() as never[];
  for (const row of rows) {
    const leaf = eventLeafHash(rowToEvent(row));
    if (authKey) db.prepare('INSERT INTO integrity_leaf_auth (idx, tag) VALUES (?, ?)').run(state.size, authKey.tagLeaf(state.size, leaf));
    const r = appendLeaf(state, leaf);
    for (const n of r.nodes) put.run(n.level, n.index, n.hash);
    state = r.state;
  }
  if (state.size > 0)
    db.prepare('INSERT INTO integrity_tree (id, size, frontier) VALUES (1, ?, ?)').run(state.size, encodeFrontier(state.frontier));
  return rootOf(state);
}
