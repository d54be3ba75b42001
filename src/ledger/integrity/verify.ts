/**
 * `ledger verify`: recompute every leaf from the stored events, refold the tree, and check every
 * signed checkpoint (log signature, witness cosignatures, root) and every checkpoint the
 * witnesses hold (rollback, fork), in position order, stopping at the first bad position.
 */
import { CheckpointError, CheckpointPolicy, verifyCheckpointNote } from './checkpoint';
import { EMPTY_TREE, frontierAt, MissingNodeError, rootOf, TreeState } from './merkle';
import { SqliteIntegrityStore } from './sqlite-integrity-store';
import { foldChunk, scanChunk } from './leaf-scan';

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
