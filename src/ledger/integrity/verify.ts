/**
 * `ledger verify`: recompute every leaf from the stored events, refold the tree, and check every
 * signed checkpoint (log signature, witness cosignatures, root) and every checkpoint the
 * witnesses hold (rollback, fork), in position order, stopping at the first bad position.
 */
import { CheckpointError, CheckpointPolicy, verifyCheckpointNote } from './checkpoint';
import { eventLeafHash, leafHashOfText, nodeHash, spliceLeafText } from './hashing';
import { EMPTY_TREE, frontierAt, MissingNodeError, rootOf, TreeState } from './merkle';
import { SqliteIntegrityStore } from './sqlite-integrity-store';

export type VerifyFailureKind =
  | 'event-changed'
  | 'leaf-missing'
  | 'gap'
  | 'checkpoint-signature'
  | 'checkpoint-root'
  | 'fork'
  | 'rollback'
  | 'tree-state'
  | 'untrusted-key'
  | 'leaf-unauthenticated';

export interface WitnessView {
  name: string;
  /** Checkpoints this witness cosigned for our origin (from its own storage). */
  history: Array<{ size: number; root: Buffer }>;
  /** The log keys the witness trusts (cross-check of the ledger's key), if known. */
  trustedLogKeys?: string[];
  /** The witness's record could not be checked against the ledger's key (key replaced?). */
  error?: string;
}

export interface VerifyOk {
  ok: true;
  fromPosition: number;
  toPosition: number;
  eventsVerified: number;
  root: string;
  checkpointsVerified: number;
  checkpointsMeetingQuorum: number;
  latestCheckpoint: { size: number; cosignatures: number } | null;
  witnessCheckpointsVerified: number;
  incremental: boolean;
}

export interface VerifyFailure {
  ok: false;
  kind: VerifyFailureKind;
  /** The first bad ledger position when one can be named. */
  position?: number;
  reason: string;
}

export type VerifyReport = VerifyOk | VerifyFailure;

interface Expectation {
  size: number;
  root: Buffer;
  source: string;
  note?: string;
  local: boolean;
}

/**
 * Scans the leaves after `start`, folding them into `acc` (a compact range starting empty, to
 * which the caller's start frontier must first be pushed) and calling `check` at every
 * expectation size reached, in position order. Used for the parallel (worker) scan.
 */
export type LeafScanner = (
  start: TreeState,
  sizes: ReadonlySet<number>,
  acc: { levels: number[]; hashes: Buffer[] },
  check: (size: number, root: Buffer) => VerifyFailure | null,
) => Promise<VerifyFailure | null>;

export async function verifyLedger(
  store: SqliteIntegrityStore,
  policy: CheckpointPolicy,
  witnesses: WitnessView[],
  opts: {
    since?: boolean;
    onProgress?: (position: number, head: number) => void;
    now?: () => string;
    scanner?: LeafScanner;
    record?: boolean;
  } = {},
): Promise<VerifyReport> {
  const scanner = opts.scanner;
  const fail = (kind: VerifyFailureKind, reason: string, position?: number): VerifyFailure => ({ ok: false, kind, reason, position });

  for (const w of witnesses) {
    if (w.error) return fail('untrusted-key', w.error);
    if (w.trustedLogKeys && w.trustedLogKeys.length > 0) {
      const ours = policy.logKeys.map((k) => k.verifierKey);
      if (!ours.some((k) => w.trustedLogKeys!.includes(k))) {
        return fail('untrusted-key', `the ledger signing key is not the key witness ${w.name} trusts for ${policy.origin} (key replaced?)`);
      }
    }
  }

  let state: TreeState = EMPTY_TREE;
  let incremental = false;
  if (opts.since) {
    // Resume only from what the database cannot forge: the newest checkpoint whose note carries a
    // valid log signature and the witness quorum, and that a witness holds in its own copy. The
    // stored nodes must fold to that signed root (so they are the nodes of that tree).
    const start = resumePoint(store, policy, witnesses);
    if (start) {
      let frontier;
      try {
        frontier = frontierAt(store, start.size);
      } catch (e) {
        if (e instanceof MissingNodeError)
          return fail('tree-state', `stored tree nodes below the witnessed checkpoint ${start.size} are missing`, start.size);
        throw e;
      }
      if (!rootOf({ size: start.size, frontier }).equals(start.root)) {
        return fail(
          'checkpoint-root',
          `the stored tree does not fold to the root of the witnessed checkpoint ${start.size} (history before position ${start.size + 1} was rewritten): run a full verify`,
          start.size,
        );
      }
      state = { size: start.size, frontier };
      incremental = true;
    }
  }
  const fromPosition = state.size + 1;

  const expectations = new Map<number, Expectation[]>();
  const expect = (e: Expectation) => {
    if (e.size <= state.size && incremental) return;
    expectations.set(e.size, [...(expectations.get(e.size) ?? []), e]);
  };
  const localCheckpoints = store.checkpoints();
  for (const c of localCheckpoints)
    expect({ size: c.size, root: c.root, source: `signed checkpoint ${c.size}`, note: c.note, local: true });
  for (const w of witnesses) for (const h of w.history) expect({ size: h.size, root: h.root, source: `witness ${w.name}`, local: false });

  let checkpointsVerified = 0;
  let meetingQuorum = 0;
  let witnessChecked = 0;
  let latest: { size: number; cosignatures: number } | null = null;
  const head = store.headPosition();

  const check = (size: number, root: Buffer): VerifyFailure | null => {
    const list = expectations.get(size);
    if (!list) return null;
    for (const e of list) {
      if (e.local) {
        let cosignatures = 0;
        try {
          const v = verifyCheckpointNote(e.note!, { ...policy, quorum: 0 });
          cosignatures = v.cosignatures.length;
          if (v.checkpoint.size !== size || !v.checkpoint.root.equals(e.root)) {
            return fail('checkpoint-signature', `checkpoint at size ${size}: the stored size/root differ from the signed note`, size);
          }
        } catch (err) {
          if (err instanceof CheckpointError) return fail('checkpoint-signature', `checkpoint at size ${size}: ${err.message}`, size);
          throw err;
        }
        if (!e.root.equals(root)) {
          return fail(
            'checkpoint-root',
            `checkpoint at size ${size}: the signed root differs from the tree recomputed from the events (history before position ${size + 1} was rewritten)`,
            size,
          );
        }
        checkpointsVerified += 1;
        if (cosignatures >= policy.quorum) meetingQuorum += 1;
        latest = { size, cosignatures };
      } else {
        if (!e.root.equals(root)) {
          return fail(
            'fork',
            `fork: the ledger's history up to position ${size} differs from the checkpoint ${e.source} cosigned at size ${size}`,
            size,
          );
        }
        witnessChecked += 1;
      }
    }
    return null;
  };

  const acc = { levels: [] as number[], hashes: [] as Buffer[] };
  if (scanner) {
    const bad = await scanner(state, new Set(expectations.keys()), acc, check);
    if (bad) return bad;
  } else {
    const scan = scanChunk(
      store,
      state.size,
      Number.POSITIVE_INFINITY,
      new Set(expectations.keys()),
      opts.onProgress ? (p) => opts.onProgress!(p, head) : undefined,
      state.frontier.map((f) => f.level),
      state.frontier.map((f) => f.hash),
    );
    const bad = foldChunk(acc, scan, check);
    if (bad) return bad;
  }
  const endSize = acc.levels.reduce((sum, l) => sum + 2 ** l, 0);
  state = { size: endSize, frontier: acc.levels.map((level, i) => ({ level, hash: acc.hashes[i] })) };

  const n = state.size;
  const beyond = [...expectations.keys()].filter((s) => s > n).sort((a, b) => a - b);
  if (beyond.length > 0) {
    const s = beyond[beyond.length - 1];
    const sources = expectations
      .get(s)!
      .map((e) => e.source)
      .join(', ');
    return fail(
      'rollback',
      `rollback: ${sources} covers ${s} events but the ledger holds only ${n}; positions ${n + 1}..${s} were removed`,
      n + 1,
    );
  }
  const tree = store.treeState();
  if (tree.size !== n) {
    return fail(
      tree.size > n ? 'rollback' : 'tree-state',
      tree.size > n
        ? `rollback: the Merkle tree covers ${tree.size} events but the ledger holds only ${n}`
        : `the Merkle tree covers ${tree.size} events but the ledger holds ${n}`,
      Math.min(tree.size, n) + 1,
    );
  }
  if (!rootOf(tree).equals(rootOf(state)))
    return fail('tree-state', 'the stored Merkle frontier does not match the tree recomputed from the events');

  // Leaves after the last signed checkpoint are covered by no signature yet: each must carry the
  // service's authentication tag (a forged row with a recomputed leaf and frontier has none).
  const signedUpTo = Math.min(latest ? (latest as { size: number }).size : incremental ? state.size : 0, n);
  const tailFrom = Math.max(signedUpTo, incremental ? fromPosition - 1 : 0);
  const bad = store.badLeafTags(tailFrom, n, 1);
  if (bad.length > 0) {
    return fail(
      'leaf-unauthenticated',
      `position ${bad[0] + 1}: the event and its leaf carry no valid authentication tag of the service (written outside the ledger, not adopted)`,
      bad[0] + 1,
    );
  }

  if (n > 0 && opts.record !== false)
    store.putVerifiedState(n, rootOf(state), state.frontier, opts.now ? opts.now() : new Date(0).toISOString());
  return {
    ok: true,
    fromPosition,
    toPosition: n,
    eventsVerified: n - fromPosition + 1,
    root: rootOf(state).toString('base64'),
    checkpointsVerified,
    checkpointsMeetingQuorum: meetingQuorum,
    latestCheckpoint: latest,
    witnessCheckpointsVerified: witnessChecked,
    incremental,
  };
}

/**
 * The leaf hash of a stored row. Fast path: rows are stored canonically, so the envelope text is
 * assembled from the column texts and hashed directly. Soundness against text re-split between
 * columns with the envelope bytes unchanged: the id, position, schemaVersion, stream, type and
 * version tokens are self-delimiting, so any such re-split moves the data/metadata boundary, and
 * then the metadata column is either a proper suffix of a JSON object or starts with the tail of
 * the data object — invalid JSON in both cases. So the fast path is accepted only when the
 * metadata column parses. Otherwise (a row stored by a writer that did not canonicalize, or an
 * altered row): parse and re-encode.
 */
function rowLeaf(row: unknown[], stored: Buffer): Buffer | null {
  const [position, id, stream, version, type, schemaVersion, data, metadata] = row as [
    number,
    string,
    string,
    number,
    string,
    number,
    string,
    string,
  ];
  const fast = leafHashOfText(
    spliceLeafText({ id, stream, version, position, type, schemaVersion, dataText: data, metadataText: metadata }),
  );
  let parsedMeta: unknown;
  try {
    parsedMeta = JSON.parse(metadata);
  } catch {
    return null;
  }
  if (fast.equals(stored)) return fast;
  try {
    return eventLeafHash({
      id,
      stream,
      version: BigInt(version),
      position: BigInt(position),
      type,
      schemaVersion: Number(schemaVersion),
      data: JSON.parse(data) as Record<string, unknown>,
      metadata: parsedMeta as never,
    });
  } catch {
    return null;
  }
}

// ---- chunked scanning (shared by the sequential and the parallel verifier) -------------------

export interface RowSource {
  rawRowsAfter(after: number, limit: number): unknown[][];
  storedLeafArray(from: number, count: number): Array<Buffer | undefined>;
}

/** Row access on any better-sqlite3 connection (the worker threads open their own, read-only). */
export class DbRowReader implements RowSource {
  private readonly rows: { all(...a: unknown[]): unknown[] };
  private readonly leaves: { all(...a: unknown[]): unknown[] };
  constructor(db: { prepare(sql: string): { raw(v: boolean): { all(...a: unknown[]): unknown[] } } }) {
    this.rows = db
      .prepare(
        'SELECT position, id, stream, version, type, schema_version, data, metadata FROM events WHERE position > ? ORDER BY position ASC LIMIT ?',
      )
      .raw(true);
    this.leaves = db.prepare('SELECT idx, hash FROM integrity_nodes WHERE level = 0 AND idx >= ? AND idx < ? ORDER BY idx ASC').raw(true);
  }
  rawRowsAfter(after: number, limit: number): unknown[][] {
    return this.rows.all(after, limit) as unknown[][];
  }
  storedLeafArray(from: number, count: number): Array<Buffer | undefined> {
    const out: Array<Buffer | undefined> = new Array(count);
    for (const r of this.leaves.all(from, from + count) as Array<[number, Buffer]>) out[r[0] - from] = r[1];
    return out;
  }
}

export interface ChunkFailure {
  kind: VerifyFailureKind;
  reason: string;
  position: number;
}

export interface ChunkResult {
  /** Compact ranges of [from, size) at each requested size reached, in order. */
  snapshots: Array<{ size: number; levels: number[]; hashes: Buffer[] }>;
  /** Compact range of [from, endSize). */
  levels: number[];
  hashes: Buffer[];
  endSize: number;
  failure?: ChunkFailure;
}

/**
 * Verifies the stored leaves of positions from+1 .. to (or to the end) against the events and
 * folds them into a compact range of [from, …). `from` must be aligned for the result to be
 * combinable (any value for a single whole-ledger scan, starting from `startLevels`).
 */
export function scanChunk(
  src: RowSource,
  from: number,
  to: number,
  sizes: ReadonlySet<number>,
  onProgress?: (position: number) => void,
  startLevels: number[] = [],
  startHashes: Buffer[] = [],
): ChunkResult {
  const PAGE = 4000;
  const levels = startLevels.slice();
  const hashes = startHashes.slice();
  const snapshots: ChunkResult['snapshots'] = [];
  let size = from;
  const done = (failure?: ChunkFailure): ChunkResult => ({ snapshots, levels, hashes, endSize: size, failure });
  while (size < to) {
    const want = Math.min(PAGE, to - size);
    const rows = src.rawRowsAfter(size, want);
    if (rows.length === 0) break;
    const first = Number(rows[0][0]);
    const leaves = src.storedLeafArray(first - 1, rows.length);
    for (const row of rows) {
      const position = Number(row[0]);
      if (position !== size + 1)
        return done({ kind: 'gap', reason: `position ${size + 1} is missing from the ledger (deleted)`, position: size + 1 });
      const stored = leaves[position - first];
      if (!stored)
        return done({
          kind: 'leaf-missing',
          reason: `position ${position}: no leaf hash was recorded for this event (a row written outside the ledger: not adopted)`,
          position,
        });
      const lh = rowLeaf(row, stored);
      if (lh === null)
        return done({ kind: 'event-changed', reason: `position ${position}: the stored event is no longer valid JSON`, position });
      if (!lh.equals(stored)) {
        return done({
          kind: 'event-changed',
          reason: `position ${position}: the stored event does not match the leaf hash recorded when it was appended (event altered)`,
          position,
        });
      }
      pushNode(levels, hashes, 0, lh);
      size += 1;
      if (sizes.has(size)) snapshots.push({ size, levels: levels.slice(), hashes: hashes.slice() });
      if (onProgress && position % 5000 === 0) onProgress(position);
    }
    if (rows.length < want) break;
  }
  return done();
}

/** Appends a perfect subtree of `level` to a compact range (carrying equal levels). */
export function pushNode(levels: number[], hashes: Buffer[], level: number, hash: Buffer): void {
  let h = hash;
  let l = level;
  while (levels.length > 0 && levels[levels.length - 1] === l) {
    levels.pop();
    h = nodeHash(hashes.pop()!, h);
    l += 1;
  }
  levels.push(l);
  hashes.push(h);
}

function rootOfRange(levels: readonly number[], hashes: readonly Buffer[]): Buffer {
  return rootOf({ size: 0, frontier: levels.map((level, i) => ({ level, hash: hashes[i] })) });
}

/**
 * Folds one chunk's result into the running compact range `acc` (mutated), checking every
 * expectation the chunk reached in order, then the chunk's own failure.
 */
export function foldChunk(
  acc: { levels: number[]; hashes: Buffer[] },
  chunk: ChunkResult,
  check: (size: number, root: Buffer) => VerifyFailure | null,
): VerifyFailure | null {
  const base = acc.levels.length;
  for (const snap of chunk.snapshots) {
    const lv = acc.levels.slice(0, base);
    const hs = acc.hashes.slice(0, base);
    for (let i = 0; i < snap.levels.length; i++) pushNode(lv, hs, snap.levels[i], snap.hashes[i]);
    const bad = check(snap.size, rootOfRange(lv, hs));
    if (bad) return bad;
  }
  for (let i = 0; i < chunk.levels.length; i++) pushNode(acc.levels, acc.hashes, chunk.levels[i], chunk.hashes[i]);
  if (chunk.failure) return { ok: false, ...chunk.failure };
  return null;
}

/** The newest checkpoint with a valid log signature, the witness quorum, and a witness's own copy. */
function resumePoint(
  store: SqliteIntegrityStore,
  policy: CheckpointPolicy,
  witnesses: WitnessView[],
): { size: number; root: Buffer } | null {
  if (policy.quorum < 1 || witnesses.length === 0) return null;
  const cps = store.checkpoints();
  for (let i = cps.length - 1; i >= 0; i--) {
    const c = cps[i];
    let v;
    try {
      v = verifyCheckpointNote(c.note, policy);
    } catch {
      continue;
    }
    const { size, root } = v.checkpoint;
    if (witnesses.some((w) => w.history.some((h) => h.size === size && h.root.equals(root)))) return { size, root };
  }
  return null;
}
