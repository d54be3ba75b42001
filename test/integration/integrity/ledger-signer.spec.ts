import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyCheckpointNote } from '../../../src/ledger/integrity/checkpoint';
import { leafHash } from '../../../src/ledger/integrity/hashing';
import { LedgerSigner, SigningRefusedError } from '../../../src/ledger/integrity/ledger-signer';
import { MerkleTree } from '../../../src/ledger/integrity/merkle';
import { consistencyProof } from '../../../src/ledger/integrity/proofs';
import { tempDir } from './helpers';

describe('ledger signer: its own key, never two inconsistent checkpoints', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  const tree = (n: number, evilAt = -1) => {
    const t = new MerkleTree();
    for (let i = 0; i < n; i++) t.append(leafHash(Buffer.from(i === evilAt ? 'evil' : `e${i}`)));
    return t;
  };

  it('creates a 0600 key under its own directory and signs verifiable checkpoints', () => {
    const s = LedgerSigner.open(path.join(tmp.dir, 'integrity'), 'safeharbor.test/ledger');
    expect(fs.statSync(path.join(tmp.dir, 'integrity', 'ledger-signing.key')).mode & 0o777).toBe(0o600);
    const t = tree(10);
    const { note } = s.sign(10, t.root(), (m, n) => consistencyProof(t.store, m, n));
    expect(
      verifyCheckpointNote(note, { origin: 'safeharbor.test/ledger', logKeys: [s.publicKey], witnessKeys: [], quorum: 0 }).checkpoint.size,
    ).toBe(10);
    // reopening uses the same key; a different origin is refused
    expect(LedgerSigner.open(path.join(tmp.dir, 'integrity'), 'safeharbor.test/ledger').verifierKey).toBe(s.verifierKey);
    expect(() => LedgerSigner.open(path.join(tmp.dir, 'integrity'), 'other/origin')).toThrow(/origin/);
  });

  it('refuses a rollback, a fork at the same size and an inconsistent extension', () => {
    const s = LedgerSigner.open(path.join(tmp.dir, 'integrity'), 'o');
    const honest = tree(20);
    const proof = (t: MerkleTree) => (m: number, n: number) => consistencyProof(t.store, m, n);
    s.sign(12, honest.root(12), proof(honest));
    s.sign(12, honest.root(12), proof(honest)); // the same checkpoint again is fine
    expect(() => s.sign(11, honest.root(11), proof(honest))).toThrow(SigningRefusedError);
    const forked = tree(20, 3);
    expect(() => s.sign(12, forked.root(12), proof(forked))).toThrow(/not consistent/);
    expect(() => s.sign(15, forked.root(15), proof(forked))).toThrow(/not consistent/);
    expect(s.sign(15, honest.root(15), proof(honest)).checkpoint.size).toBe(15);
    expect(s.lastSigned()).toEqual({ size: 15, root: honest.root(15) });
  });
});
