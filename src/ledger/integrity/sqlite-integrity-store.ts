import { toRecorded, type EventRow } from '../sqlite/sqlite-event-store';
/**
 * Integrity tables inside the ledger's own SQLite file, written by the adapter's append hook in
 * the same transaction as the events: leaf hashes + completed perfect nodes + the frontier.
 *
 *   integrity_nodes(level, idx, hash)        level 0 = leaf hash of the event at position idx+1
 *   integrity_tree(size, frontier)           one row: the compact range [0, size)
 *   integrity_checkpoints(size, root, note)  signed checkpoints (note gains cosignatures later)
 *   integrity_witnesses(name, size, ...)     what each witness last cosigned / its last error
 *   integrity_verified(size, root, frontier) informational only: `verify --since` resumes from a
 *                                            signed, witnessed checkpoint, never from this row
 *   integrity_leaf_auth(idx, tag)            HMAC of each leaf by the service's event key (event-auth.ts)
 */
import type Database from 'better-sqlite3';
import type { AppendHook } from '../sqlite/sqlite-event-store';
import type { RecordedEvent } from '../port';
import { canonicalLeaf, HASH_SIZE } from './hashing';
import type { EventAuthKey } from './event-auth';
import { INTEGRITY_SCHEMA } from './sqlite-integrity-schema';
import { DbRowReader } from './leaf-scan';
import { appendLeaf, EMPTY_TREE, FrontierEntry, NodeReader, rootOf, TreeNode, TreeState } from './merkle';

export class LedgerIntegrityError extends Error {
  readonly code = 'LEDGER_INTEGRITY';
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'LedgerIntegrityError';
  }
}

export function encodeFrontier(f: readonly FrontierEntry[]): Buffer {
  return Buffer.concat(f.map((e) => Buffer.concat([Buffer.from([e.level]), e.hash])));
}

export function decodeFrontier(b: Buffer): FrontierEntry[] {
  if (b.length % (HASH_SIZE + 1) !== 0) throw new LedgerIntegrityError('stored frontier is corrupt');
  const out: FrontierEntry[] = [];
  for (let i = 0; i < b.length; i += HASH_SIZE + 1) out.push({ level: b[i], hash: Buffer.from(b.subarray(i + 1, i + 1 + HASH_SIZE)) });
  return out;
}

type RawEventRow = EventRow;

/** The RecordedEvent a stored row reads as: the adapter's own mapping. */
export const rowToEvent = (r: RawEventRow): RecordedEvent => toRecorded(r);

export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  note: string;
  signedAt: string;
  cosigned: number;
}

export class SqliteIntegrityStore implements NodeReader, AppendHook {
  private readonly s: ReturnType<SqliteIntegrityStore['prepare']>;
  /** The verifier's row reads (the same statements the worker threads use). */
  private readonly rows: DbRowReader;

  /**
   * `auth` tags each leaf in the append transaction. `authKeyIsNew`: the key was created by this
   * start (first start with per-event authentication): the leaves already in the tree were
   * adopted by earlier versions and are tagged once; with an existing key, a leaf without its tag
   * is tampering.
   */
  constructor(
    readonly db: Database.Database,
    readonly auth?: EventAuthKey,
    authKeyIsNew = false,
  ) {
    db.exec(INTEGRITY_SCHEMA);
    this.s = this.prepare();
    this.rows = new DbRowReader(db);
    if (auth && authKeyIsNew) this.tagUntagged();
  }

  private prepare() {
    const db = this.db;
    return {
      node: db.prepare('SELECT hash FROM integrity_nodes WHERE level = ? AND idx = ?').pluck(),
      canonicalize: db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?'),
      putNode: db.prepare('INSERT INTO integrity_nodes (level, idx, hash) VALUES (?, ?, ?)'),
      tree: db.prepare('SELECT size, frontier FROM integrity_tree WHERE id = 1'),
      treeSize: db.prepare('SELECT size FROM integrity_tree WHERE id = 1').pluck(),
      putTree: db.prepare(
        'INSERT INTO integrity_tree (id, size, frontier) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier',
      ),
      eventsAfter: db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?').safeIntegers(true),
      eventsRange: db.prepare('SELECT * FROM events WHERE position > ? AND position <= ? ORDER BY position ASC').safeIntegers(true),
      eventById: db.prepare('SELECT * FROM events WHERE id = ?').safeIntegers(true),
      eventsOfStream: db.prepare('SELECT * FROM events WHERE stream = ? ORDER BY version ASC').safeIntegers(true),
      eventsOfIncident: db
        .prepare(
          "SELECT * FROM events WHERE stream = ? OR (json_valid(data) AND json_extract(data, '$.incidentId') = ?) ORDER BY position ASC",
        )
        .safeIntegers(true),
      head: db.prepare('SELECT COALESCE(MAX(position), 0) FROM events').pluck(),
      leavesRange: db.prepare('SELECT idx, hash FROM integrity_nodes WHERE level = 0 AND idx >= ? AND idx < ? ORDER BY idx ASC'),
      checkpoints: db.prepare('SELECT size, root, note, signed_at AS signedAt, cosigned FROM integrity_checkpoints ORDER BY size ASC'),
      latestCheckpoint: db.prepare(
        'SELECT size, root, note, signed_at AS signedAt, cosigned FROM integrity_checkpoints ORDER BY size DESC LIMIT 1',
      ),
      checkpointAtLeast: db.prepare(
        'SELECT size, root, note, signed_at AS signedAt, cosigned FROM integrity_checkpoints WHERE size >= ? ORDER BY cosigned DESC, size ASC LIMIT 1',
      ),
      bestCosigned: db.prepare(
        'SELECT size, root, note, signed_at AS signedAt, cosigned FROM integrity_checkpoints WHERE size >= ? AND cosigned >= ? ORDER BY size DESC LIMIT 1',
      ),
      checkpointBySize: db.prepare('SELECT size, root, note, signed_at AS signedAt, cosigned FROM integrity_checkpoints WHERE size = ?'),
      putCheckpoint: db.prepare('INSERT INTO integrity_checkpoints (size, root, note, signed_at, cosigned) VALUES (?, ?, ?, ?, ?)'),
      updateCheckpoint: db.prepare('UPDATE integrity_checkpoints SET note = ?, cosigned = ? WHERE size = ?'),
      witness: db.prepare('SELECT name, size, updated_at AS updatedAt, last_error AS lastError FROM integrity_witnesses WHERE name = ?'),
      witnesses: db.prepare('SELECT name, size, updated_at AS updatedAt, last_error AS lastError FROM integrity_witnesses ORDER BY name'),
      putWitness: db.prepare(
        'INSERT INTO integrity_witnesses (name, size, updated_at, last_error) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET size = excluded.size, updated_at = excluded.updated_at, last_error = excluded.last_error',
      ),
      witnessError: db.prepare(
        'INSERT INTO integrity_witnesses (name, size, updated_at, last_error) VALUES (?, 0, NULL, ?) ON CONFLICT(name) DO UPDATE SET last_error = excluded.last_error',
      ),
      putTag: db.prepare('INSERT OR REPLACE INTO integrity_leaf_auth (idx, tag) VALUES (?, ?)'),
      tagsRange: db.prepare('SELECT idx, tag FROM integrity_leaf_auth WHERE idx >= ? AND idx < ? ORDER BY idx ASC').raw(true),
      untagged: db
        .prepare(
          'SELECT n.idx, n.hash FROM integrity_nodes n LEFT JOIN integrity_leaf_auth a ON a.idx = n.idx WHERE n.level = 0 AND a.idx IS NULL ORDER BY n.idx',
        )
        .raw(true),
      verified: db.prepare('SELECT size, root, frontier, at FROM integrity_verified WHERE id = 1'),
      putVerified: db.prepare(
        'INSERT INTO integrity_verified (id, size, root, frontier, at) VALUES (1, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET size = excluded.size, root = excluded.root, frontier = excluded.frontier, at = excluded.at',
      ),
    };
  }

  // ---- tree ----------------------------------------------------------------------------------

  treeState(): TreeState {
    const row = this.s.tree.get() as { size: number; frontier: Buffer } | undefined;
    if (!row) return EMPTY_TREE;
    return { size: row.size, frontier: decodeFrontier(row.frontier) };
  }

  treeSize(): number {
    return (this.s.treeSize.get() as number | undefined) ?? 0;
  }

  node(level: number, index: number): Buffer | undefined {
    return (this.s.node.get(level, index) as Buffer | undefined) ?? undefined;
  }

  root(): Buffer {
    return rootOf(this.treeState());
  }

  /** The append hook: runs inside the append transaction (the adapter's BEGIN IMMEDIATE). */
  onAppend(_db: Database.Database, events: RecordedEvent[]): void {
    let state = this.treeState();
    const first = Number(events[0].position);
    if (state.size > first - 1) {
      throw new LedgerIntegrityError(
        `the Merkle tree covers ${state.size} events but the new event has position ${first}: ledger events were removed or rewritten`,
        first,
      );
    }
    if (state.size < first - 1) {
      // Appends and their leaves are written in one transaction, so a row without its leaf was
      // written outside the ledger: never adopted, and nothing is appended on top of it.
      throw new LedgerIntegrityError(
        `position ${state.size + 1}: the events table holds ${first - 1 - state.size} row(s) without a leaf (written outside the ledger); refusing to append on top of them`,
        state.size + 1,
      );
    }
    const nodes: TreeNode[] = [];
    for (const e of events) {
      if (Number(e.position) !== state.size + 1)
        throw new LedgerIntegrityError(`position ${e.position} does not follow ${state.size}`, Number(e.position));
      const leaf = this.leafAndCanonicalize(e);
      if (this.auth) this.s.putTag.run(state.size, this.auth.tagLeaf(state.size, leaf));
      const r = appendLeaf(state, leaf);
      state = r.state;
      for (const n of r.nodes) nodes.push(n);
    }
    this.write(state, nodes);
  }

  /**
   * Rows in the events table beyond the tree (written without their leaves): never adopted.
   * Returns the first such position and how many, or null when the tree covers the table.
   */
  unadoptedRows(): { position: number; count: number } | null {
    const state = this.treeState();
    const head = Number(this.s.head.get());
    if (head <= state.size) return null;
    return { position: state.size + 1, count: head - state.size };
  }

  /** Leaf indices in [from, to) whose authentication tag is missing or wrong (first `limit`). */
  badLeafTags(from: number, to: number, limit = 10): number[] {
    if (!this.auth || to <= from) return [];
    const bad: number[] = [];
    for (let start = from; start < to && bad.length < limit; start += 4096) {
      const end = Math.min(to, start + 4096);
      const leaves = this.storedLeafArray(start, end - start);
      const tags = new Map<number, Buffer>();
      for (const [i, t] of this.s.tagsRange.all(start, end) as Array<[number, Buffer]>) tags.set(i, t);
      for (let i = start; i < end && bad.length < limit; i++) {
        const leaf = leaves[i - start];
        if (!leaf || !this.auth.leafTagValid(i, leaf, tags.get(i))) bad.push(i);
      }
    }
    return bad;
  }

  /** One-time tagging of the leaves adopted before per-event authentication existed. */
  private tagUntagged(): number {
    const auth = this.auth!;
    const run = this.db.transaction(() => {
      const rows = this.s.untagged.all() as Array<[number, Buffer]>;
      for (const [idx, hash] of rows) this.s.putTag.run(idx, auth.tagLeaf(idx, hash));
      return rows.length;
    });
    return run.immediate();
  }

  /**
   * The event's leaf hash. Rows are kept in RFC 8785 canonical form (same JSON values, keys
   * sorted) so that `ledger verify` can hash the stored text directly instead of re-encoding;
   * the adapter stores JSON.stringify output, which this rewrites in the same transaction
   * only when it differs.
   */
  private leafAndCanonicalize(e: RecordedEvent): Buffer {
    const c = canonicalLeaf(e);
    const storedData = JSON.stringify(e.data);
    const storedMeta = JSON.stringify(e.metadata);
    if (storedData !== c.dataText || storedMeta !== c.metadataText) this.s.canonicalize.run(c.dataText, c.metadataText, e.position);
    return c.leaf;
  }

  private readonly multiInsert = new Map<number, Database.Statement>();

  private write(state: TreeState, nodes: readonly TreeNode[]): void {
    // multi-row INSERTs for batches (one statement per 256 nodes instead of one per node)
    const CHUNK = 256;
    let i = 0;
    for (; i + CHUNK <= nodes.length; i += CHUNK) {
      let stmt = this.multiInsert.get(CHUNK);
      if (!stmt) {
        stmt = this.db.prepare(`INSERT INTO integrity_nodes (level, idx, hash) VALUES ${Array(CHUNK).fill('(?, ?, ?)').join(', ')}`);
        this.multiInsert.set(CHUNK, stmt);
      }
      const params: unknown[] = [];
      for (let j = i; j < i + CHUNK; j++) params.push(nodes[j].level, nodes[j].index, nodes[j].hash);
      stmt.run(...params);
    }
    for (; i < nodes.length; i++) this.s.putNode.run(nodes[i].level, nodes[i].index, nodes[i].hash);
    this.s.putTree.run(state.size, encodeFrontier(state.frontier));
  }

  // ---- events ----------------------------------------------------------------------------------

  headPosition(): number {
    return Number(this.s.head.get());
  }

  /** Raw stored events (never upcast: the leaf commits to what was written). */
  *iterateEvents(after = 0, pageSize = 2000): Generator<RecordedEvent> {
    let cursor = after;
    for (;;) {
      const rows = this.s.eventsAfter.all(BigInt(cursor), pageSize) as RawEventRow[];
      for (const r of rows) yield rowToEvent(r);
      if (rows.length < pageSize) return;
      cursor = Number(rows[rows.length - 1].position);
    }
  }

  /** Raw rows with their original JSON text, for the fast verifier path. */
  *iterateRows(after = 0, pageSize = 2000): Generator<RawEventRow> {
    let cursor = after;
    for (;;) {
      const rows = this.s.eventsAfter.all(BigInt(cursor), pageSize) as RawEventRow[];
      for (const r of rows) yield r;
      if (rows.length < pageSize) return;
      cursor = Number(rows[rows.length - 1].position);
    }
  }

  /** Raw row tuples [position, id, stream, version, type, schema_version, data, metadata] (a JOIN with the leaves is 5x slower than two range scans). */
  rawRowsAfter(after: number, limit: number): unknown[][] {
    return this.rows.rawRowsAfter(after, limit);
  }

  /** [position, leaf text assembled by SQLite, or null]: the verifier's fast path. */
  leafTextsAfter(after: number, limit: number): unknown[][] {
    return this.rows.leafTextsAfter(after, limit);
  }

  storedLeafPage(from: number, count: number): Buffer | null {
    return this.rows.storedLeafPage(from, count);
  }

  /** Stored leaf hashes for indices [from, from + count) as a dense array (undefined where missing). */
  storedLeafArray(from: number, count: number): Array<Buffer | undefined> {
    return this.rows.storedLeafArray(from, count);
  }

  storedLeaves(from: number, to: number): Map<number, Buffer> {
    const m = new Map<number, Buffer>();
    for (const r of this.s.leavesRange.all(from, to) as Array<{ idx: number; hash: Buffer }>) m.set(r.idx, r.hash);
    return m;
  }

  eventById(id: string): RecordedEvent | undefined {
    const r = this.s.eventById.get(id) as RawEventRow | undefined;
    return r ? rowToEvent(r) : undefined;
  }

  /** The incident's own stream plus every event that names the incident (other contexts' streams). */
  eventsOfIncident(incidentId: string): RecordedEvent[] {
    return (this.s.eventsOfIncident.all(`incident-${incidentId}`, incidentId) as RawEventRow[]).map(rowToEvent);
  }

  eventsOfStream(stream: string): RecordedEvent[] {
    return (this.s.eventsOfStream.all(stream) as RawEventRow[]).map(rowToEvent);
  }

  // ---- checkpoints -----------------------------------------------------------------------------

  checkpoints(): StoredCheckpoint[] {
    return this.s.checkpoints.all() as StoredCheckpoint[];
  }
  latestCheckpoint(): StoredCheckpoint | undefined {
    return this.s.latestCheckpoint.get() as StoredCheckpoint | undefined;
  }
  checkpointBySize(size: number): StoredCheckpoint | undefined {
    return this.s.checkpointBySize.get(size) as StoredCheckpoint | undefined;
  }
  /** The newest checkpoint covering `size` with at least `quorum` cosignatures. */
  bestCheckpointCovering(size: number, quorum: number): StoredCheckpoint | undefined {
    return this.s.bestCosigned.get(size, quorum) as StoredCheckpoint | undefined;
  }
  putCheckpoint(c: StoredCheckpoint): void {
    this.s.putCheckpoint.run(c.size, c.root, c.note, c.signedAt, c.cosigned);
  }
  updateCheckpointNote(size: number, note: string, cosigned: number): void {
    this.s.updateCheckpoint.run(note, cosigned, size);
  }

  // ---- witnesses -------------------------------------------------------------------------------

  witnessSize(name: string): number {
    return (this.s.witness.get(name) as { size: number } | undefined)?.size ?? 0;
  }
  witnessStates(): Array<{ name: string; size: number; updatedAt: string | null; lastError: string | null }> {
    return this.s.witnesses.all() as never;
  }
  recordWitnessSuccess(name: string, size: number, at: string): void {
    this.s.putWitness.run(name, size, at, null);
  }
  recordWitnessError(name: string, message: string): void {
    this.s.witnessError.run(name, message.slice(0, 500));
  }

  // ---- incremental verification ----------------------------------------------------------------

  verifiedState(): { size: number; root: Buffer; frontier: FrontierEntry[]; at: string } | undefined {
    const r = this.s.verified.get() as { size: number; root: Buffer; frontier: Buffer; at: string } | undefined;
    return r ? { size: r.size, root: r.root, frontier: decodeFrontier(r.frontier), at: r.at } : undefined;
  }
  putVerifiedState(size: number, root: Buffer, frontier: FrontierEntry[], at: string): void {
    this.s.putVerified.run(size, root, encodeFrontier(frontier), at);
  }
}
