import fc from 'fast-check';
import { leafHash } from '../../../src/ledger/integrity/hashing';
import { MerkleTree } from '../../../src/ledger/integrity/merkle';
import { inclusionProof } from '../../../src/ledger/integrity/proofs';

// The offline verifier auditors run carries its own RFC 9162 code: fuzz it like the service's.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const script = require('../../../src/evidence/verifier/verify-evidence.js') as {
  rootFromInclusion(index: number, size: number, leaf: Buffer, proof: Buffer[]): Buffer;
  Fail: new (m: string) => Error;
};

function accepts(index: number, size: number, leaf: Buffer, proof: Buffer[], root: Buffer): boolean {
  try {
    return script.rootFromInclusion(index, size, leaf, proof).equals(root);
  } catch (e) {
    if (e instanceof script.Fail) return false;
    throw e;
  }
}

describe('standalone verify-evidence.js inclusion check', () => {
  const tree = new MerkleTree();
  const leaves: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    const l = leafHash(Buffer.from(`leaf ${i}`));
    leaves.push(l);
    tree.append(l);
  }

  it('accepts every honest proof (any index, any size)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, i]) => {
          expect(accepts(i, n, leaves[i], inclusionProof(tree.store, i, n), tree.root(n))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never accepts a flipped bit, a dropped/added element, a wrong index or a wrong leaf', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 1, max: 50 }),
        ([n, i], pick, bit, delta) => {
          const proof = inclusionProof(tree.store, i, n);
          const root = tree.root(n);
          const w = pick % proof.length;
          const flipped = proof.map((p, j) => (j === w ? Buffer.from(p.map((b, k) => (k === bit % 32 ? b ^ (1 << (bit % 8)) : b))) : p));
          expect(accepts(i, n, leaves[i], flipped, root)).toBe(false);
          expect(
            accepts(
              i,
              n,
              leaves[i],
              proof.filter((_, j) => j !== w),
              root,
            ),
          ).toBe(false);
          expect(accepts(i, n, leaves[i], [...proof, root], root)).toBe(false);
          expect(accepts(i, n, leaves[i], [root, ...proof], root)).toBe(false);
          expect(accepts((i + delta) % n === i ? i + n : (i + delta) % n, n, leaves[i], proof, root)).toBe(false);
          expect(accepts(i, n, leaves[(i + 1) % n], proof, root)).toBe(false);
          expect(accepts(i, n * 2, leaves[i], proof, root)).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });
});
