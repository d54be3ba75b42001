/**
 * The integrity layer's Merkle tree on PostgreSQL: the append hook of PostgresEventStore writes the
 * leaf hashes, the completed perfect nodes and the frontier in the same transaction as the events
 * (tables integrity_nodes / integrity_tree, migration 001), exactly as SqliteIntegrityStore does in
 * the SQLite file. Appends hold the ledger's advisory lock, so the leaf index is gap-free: leaf n is
 * the event at position n.
 *
 * `verifyPgTree` recomputes every leaf from the stored event rows and compares it, and the root,
 * with what the append hook stored: a row rewritten or removed after the fact shows up as the
 * first position whose hash differs.
 */
import type { Pool, PoolClient } from 'pg';
import type { RecordedEvent } from '../port';
import { leafHashOfText, spliceLeafText } from './hashing';
import { appendLeaf, EMPTY_TREE, rootOf, type TreeNode, type TreeState } from './merkle';
import { decodeFrontier, encodeFrontier, LedgerIntegrityError } from './sqlite-integrity-store';
import { canonicalize } from '../../shared/canonical-json';
import type { PgAppendHook, StoredTexts } from '../postgres/postgres-event-store';

type Queryable = Pick<PoolClient, 'query'> | Pick<Pool, 'query'>;

async function treeState(q: Queryable): Promise<TreeState> {
  const r = await q.query<{ size: string; frontier: Buffer }>('SELECT size, frontier FROM integrity_tree WHERE id = 1');
  if (r.rows.length === 0) return EMPTY_TREE;
  return { size: Number(r.rows[0]!.size), frontier: decodeFrontier(r.rows[0]!.frontier) };
}

/** The leaf hash of an event, from the canonical texts the adapter stored (computed once, not re-encoded). */
function leafOf(e: RecordedEvent, texts?: StoredTexts): Buffer {
  return leafHashOfText(
    spliceLeafText({
      ...e,
      dataText: texts?.dataText ?? canonicalize(e.data),
      metadataText: texts?.metadataText ?? canonicalize(e.metadata),
    }),
  );
}

interface StoredRow {
  position: string;
  id: string;
  stream: string;
  version: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
}

/** The leaf hash of a stored row, hashing the stored text as it is (no re-encoding). */
function leafOfRow(r: StoredRow): Buffer {
  return leafHashOfText(
    spliceLeafText({
      id: r.id,
      stream: r.stream,
      version: BigInt(r.version),
      position: BigInt(r.position),
      type: r.type,
      schemaVersion: r.schema_version,
      dataText: r.data,
      metadataText: r.metadata,
    }),
  );
}

export class PgIntegrityTree implements PgAppendHook {
  async onAppend(client: PoolClient, events: RecordedEvent[], stored?: StoredTexts[]): Promise<void> {
    let state = await treeState(client);
    const first = Number(events[0]!.position);
    if (state.size > first - 1) {
      throw new LedgerIntegrityError(
        `the Merkle tree covers ${state.size} events but the new event has position ${first}: ledger events were removed or rewritten`,
        first,
      );
    }
    const nodes: TreeNode[] = [];
    if (state.size < first - 1) {
      // events appended before the hook was attached: hash them from the stored rows first
      const rows = await client.query<StoredRow>('SELECT * FROM events WHERE position > $1 AND position < $2 ORDER BY position', [
        state.size,
        first,
      ]);
      for (const row of rows.rows) {
        const r = appendLeaf(state, leafOfRow(row));
        state = r.state;
        nodes.push(...r.nodes);
      }
    }
    for (const [i, e] of events.entries()) {
      if (Number(e.position) !== state.size + 1) {
        throw new LedgerIntegrityError(`position ${e.position} does not follow ${state.size}`, Number(e.position));
      }
      const r = appendLeaf(state, leafOf(e, stored?.[i]));
      state = r.state;
      nodes.push(...r.nodes);
    }
    await client.query('INSERT INTO integrity_nodes (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])', [
      nodes.map((n) => n.level),
      nodes.map((n) => String(n.index)),
      nodes.map((n) => n.hash),
    ]);
    await client.query(
      'INSERT INTO integrity_tree (id, size, frontier) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier',
      [state.size, encodeFrontier(state.frontier)],
    );
  }
}

export interface PgTreeReport {
  ok: boolean;
  size: number;
  root: string;
  /** The first position whose stored event no longer hashes to its leaf, or which is missing. */
  firstBadPosition?: number;
  reason?: string;
}

/** Recomputes the tree from the events table, in pages, and compares it with the stored one. */
export async function verifyPgTree(pool: Pool, pageSize = 2000): Promise<PgTreeReport> {
  const stored = await treeState(pool);
  let state = EMPTY_TREE;
  const root = () => rootOf(stored).toString('hex');
  while (state.size < stored.size) {
    const rows = await pool.query<StoredRow>('SELECT * FROM events WHERE position > $1 ORDER BY position LIMIT $2', [state.size, pageSize]);
    if (rows.rows.length === 0) break;
    const leaves = await pool.query<{ idx: string; hash: Buffer }>(
      'SELECT idx, hash FROM integrity_nodes WHERE level = 0 AND idx >= $1 AND idx < $2 ORDER BY idx',
      [state.size, state.size + rows.rows.length],
    );
    const leafAt = new Map(leaves.rows.map((l) => [Number(l.idx), l.hash]));
    for (const row of rows.rows) {
      const position = state.size + 1;
      if (Number(row.position) !== position)
        return { ok: false, size: stored.size, root: root(), firstBadPosition: position, reason: 'missing event' };
      const leaf = leafOfRow(row);
      if (!leafAt.get(position - 1)?.equals(leaf)) {
        return { ok: false, size: stored.size, root: root(), firstBadPosition: position, reason: 'event does not match its leaf hash' };
      }
      state = appendLeaf(state, leaf).state;
    }
  }
  if (state.size !== stored.size)
    return { ok: false, size: stored.size, root: root(), firstBadPosition: state.size + 1, reason: 'missing event' };
  if (!rootOf(state).equals(rootOf(stored)))
    return { ok: false, size: stored.size, root: root(), reason: 'stored frontier does not match the events' };
  return { ok: true, size: stored.size, root: root() };
}
