/**
 * An incremental RFC 6962 Merkle tree.
 *
 * State = (size, frontier): the frontier is the compact range [0, size) — the roots of the
 * perfect subtrees along the right edge, highest level first (one per set bit of `size`).
 * Appending a leaf merges equal-level frontier entries (O(log n) hashes worst case, O(1)
 * amortized) and yields every perfect node it completed; the caller persists those nodes in
 * the same transaction as the event. The root is folded from the frontier (O(log n)); the tree
 * is never recomputed from scratch. Proofs read stored perfect nodes: any range the RFC 6962
 * recursion asks for decomposes into O(log n) aligned perfect subtrees.
 */
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './hashing';

export interface FrontierEntry {
  level: number;
  hash: Buffer;
}

/** A perfect, aligned subtree: leaves [index * 2^level, (index + 1) * 2^level). Level 0 = leaf hashes. */
export interface TreeNode {
  level: number;
  index: number;
  hash: Buffer;
}

export interface TreeState {
  size: number;
  frontier: FrontierEntry[];
}

export interface NodeReader {
  /** The stored hash of a perfect subtree, or undefined. */
  node(level: number, index: number): Buffer | undefined;
}

export interface NodeStore extends NodeReader {
  putNodes(nodes: readonly TreeNode[]): void;
}

export class MissingNodeError extends Error {
  readonly code = 'MERKLE_NODE_MISSING';
  constructor(
    readonly level: number,
    readonly index: number,
  ) {
    super(`merkle node missing at level ${level} index ${index}`);
    this.name = 'MissingNodeError';
  }
}

export const EMPTY_TREE: TreeState = Object.freeze({ size: 0, frontier: [] }) as TreeState;

/** Appends one leaf hash. Returns the new state and the perfect nodes completed (leaf first). */
export function appendLeaf(state: TreeState, leaf: Buffer): { state: TreeState; nodes: TreeNode[] } {
  if (leaf.length !== HASH_SIZE) throw new TypeError('leaf hash must be 32 bytes');
  const frontier = state.frontier.slice();
  const index = state.size;
  const nodes: TreeNode[] = [{ level: 0, index, hash: leaf }];
  let hash = leaf;
  let level = 0;
  while (frontier.length > 0 && frontier[frontier.length - 1].level === level) {
    const left = frontier.pop()!;
    hash = nodeHash(left.hash, hash);
    level += 1;
    nodes.push({ level, index: Math.floor(index / 2 ** level), hash });
  }
  frontier.push({ level, hash });
  return { state: { size: index + 1, frontier }, nodes };
}

export function appendLeaves(state: TreeState, leaves: readonly Buffer[]): { state: TreeState; nodes: TreeNode[] } {
  let s = state;
  const nodes: TreeNode[] = [];
  for (const leaf of leaves) {
    const r = appendLeaf(s, leaf);
    s = r.state;
    for (const n of r.nodes) nodes.push(n);
  }
  return { state: s, nodes };
}

/** MTH of the whole tree, folded from the frontier. */
export function rootOf(state: TreeState): Buffer {
  const f = state.frontier;
  if (f.length === 0) return EMPTY_ROOT;
  let acc = f[f.length - 1].hash;
  for (let i = f.length - 2; i >= 0; i--) acc = nodeHash(f[i].hash, acc);
  return acc;
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  if (!Number.isInteger(n) || n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** MTH(D[start:end]) from stored perfect nodes (O(log n) lookups and hashes). */
export function subtreeHash(reader: NodeReader, start: number, end: number): Buffer {
  const n = end - start;
  if (n <= 0) {
    if (n === 0 && start === 0) return EMPTY_ROOT;
    throw new RangeError(`empty or negative range [${start}, ${end})`);
  }
  if (isPowerOfTwo(n) && start % n === 0) {
    const level = Math.round(Math.log2(n));
    const index = start / n;
    const h = reader.node(level, index);
    if (!h) throw new MissingNodeError(level, index);
    return h;
  }
  const k = splitPoint(n);
  return nodeHash(subtreeHash(reader, start, start + k), subtreeHash(reader, start + k, end));
}

/** The frontier of the prefix of size n, rebuilt from stored nodes (e.g. to check a stored frontier). */
export function frontierAt(reader: NodeReader, size: number): FrontierEntry[] {
  const out: FrontierEntry[] = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (start + width <= size) {
      const h = reader.node(level, start / width);
      if (!h) throw new MissingNodeError(level, start / width);
      out.push({ level, hash: h });
      start += width;
    }
  }
  return out;
}

/** An in-memory node store (tests, the verifier's rebuild, witnesses' replay). */
export class MemoryNodeStore implements NodeStore {
  private readonly levels: Buffer[][] = [];
  node(level: number, index: number): Buffer | undefined {
    return this.levels[level]?.[index];
  }
  putNodes(nodes: readonly TreeNode[]): void {
    for (const n of nodes) (this.levels[n.level] ??= [])[n.index] = n.hash;
  }
}

/** A tree held in memory: state + store. */
export class MerkleTree {
  private state: TreeState = EMPTY_TREE;
  constructor(readonly store: NodeStore = new MemoryNodeStore()) {}
  get size(): number {
    return this.state.size;
  }
  get frontier(): FrontierEntry[] {
    return this.state.frontier.slice();
  }
  append(leaf: Buffer): number {
    const r = appendLeaf(this.state, leaf);
    this.store.putNodes(r.nodes);
    this.state = r.state;
    return r.state.size - 1;
  }
  root(size = this.state.size): Buffer {
    if (size === this.state.size) return rootOf(this.state);
    if (size > this.state.size || size < 0) throw new RangeError(`tree size ${size} out of range 0..${this.state.size}`);
    return subtreeHash(this.store, 0, size);
  }
}
