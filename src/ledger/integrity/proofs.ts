/**
 * Inclusion and consistency proofs.
 * Generation: RFC 6962 §2.1.1 PATH(m, D[n]) and §2.1.2 PROOF(m, D[n]) over stored nodes.
 * Verification: RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), with every size,
 * index, hash length and proof length checked before any hashing. Verifiers throw
 * ProofVerificationError with the reason; they never return "true" for a malformed input.
 */
import { HASH_SIZE, nodeHash } from './hashing';
import { NodeReader, splitPoint, subtreeHash } from './merkle';

/** More proof elements than any tree below 2^64 leaves needs. */
export const MAX_PROOF_LENGTH = 64;

export class ProofVerificationError extends Error {
  readonly code = 'PROOF_INVALID';
  constructor(reason: string) {
    super(reason);
    this.name = 'ProofVerificationError';
  }
}

function checkSize(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative safe integer`);
}

/** PATH(m, D[n]): the audit path of leaf index m in the tree of size n. */
export function inclusionProof(reader: NodeReader, index: number, size: number): Buffer[] {
  checkSize('index', index);
  checkSize('size', size);
  if (index >= size) throw new RangeError(`leaf index ${index} is not in a tree of size ${size}`);
  const out: Buffer[] = [];
  // Iterative form of the RFC recursion: collect siblings top-down, then reverse (proof is bottom-up).
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index - start < k) {
      out.push(subtreeHash(reader, start + k, end));
      end = start + k;
    } else {
      out.push(subtreeHash(reader, start, start + k));
      start = start + k;
    }
  }
  return out.reverse();
}

/** PROOF(m, D[n]): the consistency proof between tree sizes m and n (0 < m ≤ n; m = n gives []). */
export function consistencyProof(reader: NodeReader, m: number, n: number): Buffer[] {
  checkSize('from size', m);
  checkSize('to size', n);
  if (m > n) throw new RangeError(`from size ${m} is larger than to size ${n}`);
  if (m === 0 || m === n) return [];
  const out: Buffer[] = [];
  let start = 0;
  let end = n;
  let rel = m;
  let b = true;
  // SUBPROOF(m, D[start:end], b), unrolled; elements collected top-down then reversed.
  for (;;) {
    const size = end - start;
    if (rel === size) {
      if (!b) out.push(subtreeHash(reader, start, end));
      break;
    }
    const k = splitPoint(size);
    if (rel <= k) {
      out.push(subtreeHash(reader, start + k, end));
      end = start + k;
    } else {
      out.push(subtreeHash(reader, start, start + k));
      start = start + k;
      rel -= k;
      b = false;
    }
  }
  return out.reverse();
}

function checkHashes(what: string, hashes: readonly Uint8Array[]): void {
  if (!Array.isArray(hashes)) throw new ProofVerificationError(`${what} is not a list of hashes`);
  if (hashes.length > MAX_PROOF_LENGTH) throw new ProofVerificationError(`${what} has ${hashes.length} elements (max ${MAX_PROOF_LENGTH})`);
  hashes.forEach((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new ProofVerificationError(`${what}[${i}] is not a 32-byte hash`);
  });
}

function checkHash(what: string, h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new ProofVerificationError(`${what} is not a 32-byte hash`);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

const odd = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);

/** The root an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1–5), or throws. */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Buffer {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || size < 0) {
    throw new ProofVerificationError('index and tree size must be non-negative integers');
  }
  if (index >= size) throw new ProofVerificationError(`leaf index ${index} is not below tree size ${size}`);
  checkHash('leaf hash', leaf);
  checkHashes('inclusion proof', proof);
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) throw new ProofVerificationError('inclusion proof is longer than the tree is deep');
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new ProofVerificationError('inclusion proof is shorter than the tree is deep');
  return r;
}

export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  checkHash('root', root);
  const r = rootFromInclusionProof(index, size, leaf, proof);
  if (!equal(r, root)) throw new ProofVerificationError(`inclusion proof for leaf ${index} does not lead to the root of tree size ${size}`);
}

/** RFC 9162 §2.1.4.2; size 0 is consistent with anything (empty proof), as the witness protocol needs. */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): void {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || second < 0) {
    throw new ProofVerificationError('tree sizes must be non-negative integers');
  }
  checkHash('first root', firstRoot);
  checkHash('second root', secondRoot);
  checkHashes('consistency proof', proof);
  if (first > second) throw new ProofVerificationError(`tree size ${second} is smaller than ${first} (rollback)`);
  if (first === second) {
    if (proof.length !== 0) throw new ProofVerificationError('consistency proof between equal sizes must be empty');
    if (!equal(firstRoot, secondRoot)) throw new ProofVerificationError(`different roots at the same tree size ${first} (fork)`);
    return;
  }
  if (first === 0) {
    if (proof.length !== 0) throw new ProofVerificationError('consistency proof from size 0 must be empty');
    return;
  }
  if (proof.length === 0) throw new ProofVerificationError('consistency proof is empty');
  let path = proof.slice();
  let fn = first - 1;
  let sn = second - 1;
  if (isPow2(first)) path = [firstRoot, ...path];
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0]);
  let sr: Buffer = Buffer.from(path[0]);
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) throw new ProofVerificationError('consistency proof is longer than needed');
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new ProofVerificationError('consistency proof is shorter than needed');
  if (!equal(fr, firstRoot)) throw new ProofVerificationError(`consistency proof does not lead to the root of size ${first}`);
  if (!equal(sr, secondRoot)) throw new ProofVerificationError(`consistency proof does not lead to the root of size ${second}`);
}

function isPow2(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

/** Boolean wrappers for callers that only branch. */
export function isValidInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  try {
    verifyInclusion(index, size, leaf, proof, root);
    return true;
  } catch (e) {
    if (e instanceof ProofVerificationError) return false;
    throw e;
  }
}

export function isValidConsistency(first: number, second: number, r1: Uint8Array, r2: Uint8Array, proof: readonly Uint8Array[]): boolean {
  try {
    verifyConsistency(first, second, r1, r2, proof);
    return true;
  } catch (e) {
    if (e instanceof ProofVerificationError) return false;
    throw e;
  }
}
