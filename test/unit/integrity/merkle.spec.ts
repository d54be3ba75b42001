import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { EMPTY_ROOT, leafHash, nodeHash } from '../../../src/ledger/integrity/hashing';
import { frontierAt, MemoryNodeStore, MerkleTree, rootOf, appendLeaf, EMPTY_TREE } from '../../../src/ledger/integrity/merkle';
import {
  consistencyProof,
  inclusionProof,
  isValidConsistency,
  isValidInclusion,
  ProofVerificationError,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/ledger/integrity/proofs';

const h = (hex: string) => Buffer.from(hex, 'hex');

// The RFC 6962 reference tree used by Certificate Transparency and transparency-dev/merkle
// (proof/verify_test.go): 8 leaves, the roots of every prefix, and known inclusion/consistency paths.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(h);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(h);
// leaf numbers are 1-based in the published table
const INCLUSION: Array<{ leaf: number; size: number; path: string[] }> = [
  {
    leaf: 1,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CONSISTENCY: Array<{ m: number; n: number; path: string[] }> = [
  { m: 1, n: 1, path: [] },
  {
    m: 1,
    n: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    m: 6,
    n: 8,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    m: 2,
    n: 5,
    path: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    m: 6,
    n: 7,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

function referenceTree(): MerkleTree {
  const t = new MerkleTree();
  for (const l of LEAVES) t.append(leafHash(l));
  return t;
}

/** Straight RFC 6962 MTH definition, recursive over the raw leaves (test oracle only). */
function mth(hashes: Buffer[]): Buffer {
  if (hashes.length === 0) return createHash('sha256').digest();
  if (hashes.length === 1) return hashes[0];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(mth(hashes.slice(0, k)), mth(hashes.slice(k)));
}

/**
 * Shape oracles from the RFC 6962 generation recursion (independent of the verifiers): a proof
 * verified under other sizes/indices computes the same expressions iff the shape is identical,
 * in which case accepting it is inherent to RFC 6962 (the signed checkpoint binds size to root).
 */
function inclusionShape(i: number, n: number): string {
  const dirs: string[] = [];
  let start = 0;
  let end = n;
  while (end - start > 1) {
    let k = 1;
    while (k * 2 < end - start) k *= 2;
    if (i - start < k) {
      dirs.push('R');
      end = start + k;
    } else {
      dirs.push('L');
      start += k;
    }
  }
  return dirs.reverse().join('');
}
function consistencyShape(m: number, n: number): string {
  if (m <= 0 || m > n) return `invalid:${m}:${n}`;
  if (m === n) return 'equal';
  const ops: string[] = [];
  let start = 0;
  let end = n;
  let rel = m;
  let b = true;
  for (;;) {
    const size = end - start;
    if (rel === size) {
      ops.push(b ? 'seed-old-root' : 'seed-element');
      break;
    }
    let k = 1;
    while (k * 2 < size) k *= 2;
    if (rel <= k) {
      ops.push('right-new-only');
      end = start + k;
    } else {
      ops.push('left-both');
      start += k;
      rel -= k;
      b = false;
    }
  }
  return ops.reverse().join(',');
}

function buildTree(n: number, seed = 0): { tree: MerkleTree; leaves: Buffer[] } {
  const tree = new MerkleTree();
  const leaves: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const l = leafHash(Buffer.from(`leaf-${seed}-${i}`));
    leaves.push(l);
    tree.append(l);
  }
  return { tree, leaves };
}

describe('RFC 6962 published vectors', () => {
  it('empty tree hash is SHA-256 of the empty string', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new MerkleTree().root().equals(EMPTY_ROOT)).toBe(true);
  });

  it('incremental roots match every published prefix root', () => {
    const t = new MerkleTree();
    LEAVES.forEach((l, i) => {
      t.append(leafHash(l));
      expect(t.root().toString('hex')).toBe(ROOTS[i].toString('hex'));
    });
    // prefix roots recomputed from stored nodes agree too
    for (let n = 1; n <= 8; n++) expect(t.root(n).equals(ROOTS[n - 1])).toBe(true);
  });

  it.each(INCLUSION)('inclusion path leaf $leaf in size $size is generated and verified', ({ leaf, size, path }) => {
    const t = referenceTree();
    const proof = inclusionProof(t.store, leaf - 1, size);
    expect(proof.map((p) => p.toString('hex'))).toEqual(path);
    expect(() => verifyInclusion(leaf - 1, size, leafHash(LEAVES[leaf - 1]), path.map(h), ROOTS[size - 1])).not.toThrow();
  });

  it.each(CONSISTENCY)('consistency proof $m → $n is generated and verified', ({ m, n, path }) => {
    const t = referenceTree();
    expect(consistencyProof(t.store, m, n).map((p) => p.toString('hex'))).toEqual(path);
    expect(() => verifyConsistency(m, n, ROOTS[m - 1], ROOTS[n - 1], path.map(h))).not.toThrow();
  });

  it('edge cases of the reference verifier tests are refused', () => {
    const some = h('abacaba000000000000000000000000000000000000000000060061e00123456');
    for (const [i, n] of [
      [0, 0],
      [1, 0],
      [2, 1],
    ] as const) {
      expect(isValidInclusion(i, n, some, [], EMPTY_ROOT)).toBe(false);
    }
    expect(isValidConsistency(1, 1, EMPTY_ROOT, some, [])).toBe(false); // fork at equal size
    expect(isValidConsistency(1, 0, some, some, [])).toBe(false); // time travel
    expect(isValidConsistency(1, 2, some, some, [])).toBe(false); // empty proof
    expect(isValidConsistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false); // non-empty from 0
    expect(isValidConsistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
    expect(isValidConsistency(0, 5, EMPTY_ROOT, some, [])).toBe(true);
    expect(() => verifyInclusion(0, 1, Buffer.alloc(0), [], EMPTY_ROOT)).toThrow(ProofVerificationError);
  });
});

describe('incremental tree', () => {
  it('frontier has one entry per set bit and matches a rebuild from stored nodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (n) => {
        const { tree, leaves } = buildTree(n);
        expect(tree.frontier.length).toBe(
          n
            .toString(2)
            .split('')
            .filter((c) => c === '1').length,
        );
        expect(tree.root().equals(mth(leaves))).toBe(true);
        const rebuilt = frontierAt(tree.store, n);
        expect(rootOf({ size: n, frontier: rebuilt }).equals(tree.root())).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('an append hashes at most log2(n)+1 nodes', () => {
    let state = EMPTY_TREE;
    for (let i = 0; i < 1025; i++) {
      const r = appendLeaf(state, leafHash(Buffer.from([i & 255, i >> 8])));
      expect(r.nodes.length).toBeLessThanOrEqual(Math.floor(Math.log2(i + 1)) + 1);
      state = r.state;
    }
  });

  it('prefix roots from stored nodes equal the definition', () => {
    const { tree, leaves } = buildTree(77, 3);
    for (let m = 0; m <= 77; m++) expect(tree.root(m).equals(mth(leaves.slice(0, m)))).toBe(true);
  });
});

describe('property: any proof for any tree size verifies', () => {
  const big = buildTree(600, 9);
  it('inclusion', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, i]) => {
          const proof = inclusionProof(big.tree.store, i, n);
          const root = big.tree.root(n);
          verifyInclusion(i, n, big.leaves[i], proof, root);
          expect(rootFromInclusionProof(i, n, big.leaves[i], proof).equals(root)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
  it('consistency', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))),
        ([m, n]) => {
          const proof = consistencyProof(big.tree.store, m, n);
          verifyConsistency(m, n, big.tree.root(m), big.tree.root(n), proof);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('mutation fuzz: a tampered proof is never accepted', () => {
  const big = buildTree(300, 11);
  const mutateBytes = (proof: Buffer[], which: number, byte: number, bit: number) =>
    proof.map((p, j) => {
      if (j !== which) return p;
      const c = Buffer.from(p);
      c[byte] ^= 1 << bit;
      return c;
    });

  it('inclusion: flipped bit, dropped/added/swapped element, wrong index/size/leaf/root', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        fc.nat(),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 1, max: 40 }),
        ([n, i], pick, byte, bit, delta) => {
          const proof = inclusionProof(big.tree.store, i, n);
          const root = big.tree.root(n);
          const leaf = big.leaves[i];
          const bad: Array<[number, number, Buffer, Buffer[], Buffer]> = [];
          if (proof.length > 0) {
            const w = pick % proof.length;
            bad.push([i, n, leaf, mutateBytes(proof, w, byte, bit), root]);
            bad.push([i, n, leaf, proof.filter((_, j) => j !== w), root]);
            bad.push([i, n, leaf, [...proof.slice(0, w), leafHash(Buffer.from('x')), ...proof.slice(w)], root]);
            if (proof.length > 1) bad.push([i, n, leaf, [...proof.slice(1), proof[0]], root]);
          }
          bad.push([i, n, leaf, [...proof, root], root]);
          bad.push([i, n, leaf, [root, ...proof], root]);
          const leaf2 = Buffer.from(leaf);
          leaf2[byte] ^= 1 << bit;
          bad.push([i, n, leaf2, proof, root]);
          const root2 = Buffer.from(root);
          root2[byte] ^= 1 << bit;
          bad.push([i, n, leaf, proof, root2]);
          bad.push([(i + delta) % n === i ? i + n : (i + delta) % n, n, leaf, proof, root]);
          for (const [bi, bn, bl, bp, br] of bad) expect(isValidInclusion(bi, bn, bl, bp, br)).toBe(false);
          // wrong tree size: refused unless RFC 6962 gives the path the very same shape
          for (const wrong of [n * 2, n + delta, Math.floor(n / 2), n - 1]) {
            if (wrong === n || i >= wrong) {
              expect(isValidInclusion(i, wrong, leaf, proof, root)).toBe(false);
              continue;
            }
            expect(isValidInclusion(i, wrong, leaf, proof, root)).toBe(inclusionShape(i, wrong) === inclusionShape(i, n));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('consistency: flipped bit, dropped/added element, wrong sizes, swapped roots', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n))),
        fc.nat(),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 1, max: 40 }),
        ([m, n], pick, byte, bit, delta) => {
          const proof = consistencyProof(big.tree.store, m, n);
          const r1 = big.tree.root(m);
          const r2 = big.tree.root(n);
          const w = pick % proof.length;
          const bad: Array<[number, number, Buffer, Buffer, Buffer[]]> = [
            [m, n, r1, r2, mutateBytes(proof, w, byte, bit)],
            [m, n, r1, r2, proof.filter((_, j) => j !== w)],
            [m, n, r1, r2, [...proof.slice(0, w), leafHash(Buffer.from('y')), ...proof.slice(w)]],
            [m, n, r1, r2, [...proof, r1]],
            [m, n, r1, r2, [r2, ...proof]],
            [m, n, r1, r2, []],
            [m, n, r2, r1, proof],
            [n, m, r2, r1, proof],
            [m, n, big.tree.root(m - 1), r2, proof],
            [m, n, r1, big.tree.root(n - 1), proof],
          ];
          for (const [a, b, x, y, p] of bad) expect(isValidConsistency(a, b, x, y, p)).toBe(false);
          // wrong sizes: refused unless RFC 6962 gives the proof the very same shape
          const shape = consistencyShape(m, n);
          for (const [a, b] of [
            [m, n + delta],
            [m, n * 2],
            [m + delta, n],
            [m - 1, n],
            [m ^ 2, n],
            [m, Math.floor(n / 2)],
          ]) {
            if (a === m && b === n) continue;
            expect(isValidConsistency(a, b, r1, r2, proof)).toBe(a > 0 && consistencyShape(a, b) === shape);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a proof from a forked tree never verifies against the honest root', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 120 })
          .chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([m, n, forkAt]) => {
          const honest = buildTree(n, 21);
          const forked = new MerkleTree(new MemoryNodeStore());
          honest.leaves.forEach((l, i) => forked.append(i === forkAt ? leafHash(Buffer.from('evil')) : l));
          const p = consistencyProof(forked.store, m, n);
          const accepted = isValidConsistency(m, n, honest.tree.root(m), forked.root(n), p);
          // consistent only if the fork happened after the old size
          expect(accepted).toBe(forkAt >= m);
        },
      ),
      { numRuns: 200 },
    );
  });
});
