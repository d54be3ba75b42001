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
  | 'untrusted-key';

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

export function verifyLedger(
  store: SqliteIntegrityStore,
  policy: CheckpointPolicy,
  witnesses: WitnessView[],
  opts: { since?: boolean; onProgress?: (position: number, head: number) => void; now?: () => string } = {},
): VerifyReport {
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
    const v = store.verifiedState();
    if (v) {
      const recorded = { size: v.size, frontier: v.frontier };
      let current;
      try {
        current = frontierAt(store, v.size);
      } catch (e) {
        if (e instanceof MissingNodeError) return fail('tree-state', `stored tree nodes below the last verified size ${v.size} are missing`);
        throw e;
      }
      if (!rootOf(recorded).equals(v.root) || !rootOf({ size: v.size, frontier: current }).equals(v.root)) {
        return fail('tree-state', `the stored tree no longer matches the last verified state at size ${v.size}: run a full verify`);
      }
      state = recorded;
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
  for (const c of localCheckpoints) expect({ size: c.size, root: c.root, source: `signed checkpoint ${c.size}`, note: c.note, local: true });
  for (const w of witnesses) for (const h of w.history) expect({ size: h.size, root: h.root, source: `witness ${w.name}`, local: false });

  let checkpointsVerified = 0;
  let meetingQuorum = 0;
  let witnessChecked = 0;
  let latest: { size: number; cosignatures: number } | null = null;
  const head = store.headPosition();

  const check = (size: number): VerifyFailure | null => {
    const list = expectations.get(size);
    if (!list) return null;
    const root = rootOf(state);
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
          return fail('checkpoint-root', `checkpoint at size ${size}: the signed root differs from the tree recomputed from the events (history before position ${size + 1} was rewritten)`, size);
        }
        checkpointsVerified += 1;
        if (cosignatures >= policy.quorum) meetingQuorum += 1;
        latest = { size, cosignatures };
      } else {
        if (!e.root.equals(root)) {
          return fail('fork', `fork: the ledger's history up to position ${size} differs from the checkpoint ${e.source} cosigned at size ${size}`, size);
        }
        witnessChecked += 1;
      }
    }
    return null;
  };

  const PAGE = 4000;
  // A mutable compact range for the scan (same fold as appendLeaf, without per-leaf copies).
  const levels: number[] = state.frontier.map((f) => f.level);
  const hashes: Buffer[] = state.frontier.map((f) => f.hash);
  let size = state.size;
  const sync = () => {
    state = { size, frontier: levels.map((level, i) => ({ level, hash: hashes[i] })) };
  };
  for (;;) {
    const rows = store.rawRowsAfter(size, PAGE);
    if (rows.length === 0) break;
    const first = Number(rows[0][0]);
    const leaves = store.storedLeafArray(first - 1, rows.length);
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k];
      const position = Number(row[0]);
      if (position !== size + 1) {
        sync();
        return fail('gap', `position ${size + 1} is missing from the ledger (deleted)`, size + 1);
      }
      const stored = leaves[position - first];
      if (!stored) return fail('leaf-missing', `position ${position}: no leaf hash was recorded for this event`, position);
      const lh = rowLeaf(row, stored);
      if (lh === null) return fail('event-changed', `position ${position}: the stored event is no longer valid JSON`, position);
      if (!lh.equals(stored)) {
        return fail('event-changed', `position ${position}: the stored event does not match the leaf hash recorded when it was appended (event altered)`, position);
      }
      let h = lh;
      let level = 0;
      while (levels.length > 0 && levels[levels.length - 1] === level) {
        levels.pop();
        h = nodeHash(hashes.pop()!, h);
        level += 1;
      }
      levels.push(level);
      hashes.push(h);
      size += 1;
      if (expectations.has(size)) {
        sync();
        const bad = check(size);
        if (bad) return bad;
      }
      if (opts.onProgress && position % 5000 === 0) opts.onProgress(position, head);
    }
    if (rows.length < PAGE) break;
  }
  sync();

  const n = state.size;
  const beyond = [...expectations.keys()].filter((s) => s > n).sort((a, b) => a - b);
  if (beyond.length > 0) {
    const s = beyond[beyond.length - 1];
    const sources = expectations.get(s)!.map((e) => e.source).join(', ');
    return fail('rollback', `rollback: ${sources} covers ${s} events but the ledger holds only ${n}; positions ${n + 1}..${s} were removed`, n + 1);
  }
  const tree = store.treeState();
  if (tree.size !== n) {
    return fail(
      tree.size > n ? 'rollback' : 'tree-state',
      tree.size > n ? `rollback: the Merkle tree covers ${tree.size} events but the ledger holds only ${n}` : `the Merkle tree covers ${tree.size} events but the ledger holds ${n}`,
      Math.min(tree.size, n) + 1,
    );
  }
  if (!rootOf(tree).equals(rootOf(state))) return fail('tree-state', 'the stored Merkle frontier does not match the tree recomputed from the events');

  if (n > 0) store.putVerifiedState(n, rootOf(state), state.frontier, opts.now ? opts.now() : new Date(0).toISOString());
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
  const [position, id, stream, version, type, schemaVersion, data, metadata] = row as [number, string, string, number, string, number, string, string];
  const fast = leafHashOfText(spliceLeafText({ id, stream, version, position, type, schemaVersion, dataText: data, metadataText: metadata }));
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
