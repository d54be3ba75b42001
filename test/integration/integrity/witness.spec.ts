import * as fs from 'node:fs';
import * as path from 'node:path';
import { FakeClock } from '../../../src/platform/clock';
import { formatCheckpoint, verifyCheckpointNote } from '../../../src/ledger/integrity/checkpoint';
import { collectCosignatures } from '../../../src/ledger/integrity/cosigning';
import { FileWitness } from '../../../src/ledger/integrity/file-witness';
import { leafHash } from '../../../src/ledger/integrity/hashing';
import { HttpWitnessClient, WitnessHttpServer } from '../../../src/ledger/integrity/http-witness';
import { MerkleTree } from '../../../src/ledger/integrity/merkle';
import { Ed25519NoteKey, signNote } from '../../../src/ledger/integrity/note';
import { consistencyProof } from '../../../src/ledger/integrity/proofs';
import { encodeAddCheckpoint } from '../../../src/ledger/integrity/witness';
import { tempDir } from './helpers';

describe('file witness and HTTP witness (real files, real HTTP)', () => {
  let tmp: ReturnType<typeof tempDir>;
  const clock = new FakeClock('2025-03-01T00:00:00Z');
  const log = Ed25519NoteKey.generate('safeharbor.test/ledger');
  const tree = new MerkleTree();
  for (let i = 0; i < 40; i++) tree.append(leafHash(Buffer.from(`event-${i}`)));
  const signed = (size: number, root = tree.root(size)) => signNote(formatCheckpoint({ origin: log.name, size, root }), [log]);
  const proof = (m: number, n: number) => consistencyProof(tree.store, m, n);

  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('creates its own 0600 key in its own directory and persists what it cosigned', async () => {
    const w = FileWitness.open(path.join(tmp.dir, 'w1'), { name: 'witness.test/w1', trustedLogKeys: [log.verifierKey], clock });
    expect(fs.statSync(path.join(tmp.dir, 'w1', 'witness.key')).mode & 0o777).toBe(0o600);
    const r = await w.addCheckpoint({ oldSize: 0, proof: [], note: signed(10) });
    expect(r.status).toBe(200);
    // reopen from disk: same key, same held state
    const again = FileWitness.open(path.join(tmp.dir, 'w1'), { name: 'ignored', trustedLogKeys: [log.verifierKey], clock });
    expect(again.verifierKey).toBe(w.verifierKey);
    expect(again.held(log.name)?.size).toBe(10);
    expect((await again.addCheckpoint({ oldSize: 10, proof: proof(10, 25), note: signed(25) })).status).toBe(200);
    expect(again.history(log.name).map((h) => h.size)).toEqual([10, 25]);
    // a rollback and a fork are refused and kept as evidence
    expect((await again.addCheckpoint({ oldSize: 10, proof: proof(10, 20), note: signed(20) })).status).toBe(409);
    const fork = await again.addCheckpoint({ oldSize: 25, proof: [], note: signed(25, leafHash(Buffer.from('other'))) });
    expect(fork).toMatchObject({ status: 409, reason: 'fork' });
    expect(again.evidence(log.name).map((e) => e.reason)).toEqual(['rollback', 'fork']);
    expect(again.held(log.name)?.size).toBe(25);
  });

  it('refuses to use a key file readable by others', () => {
    const dir = path.join(tmp.dir, 'w');
    FileWitness.open(dir, { name: 'w', trustedLogKeys: [log.verifierKey], clock });
    fs.chmodSync(path.join(dir, 'witness.key'), 0o644);
    expect(() => FileWitness.open(dir, { name: 'w', trustedLogKeys: [log.verifierKey], clock })).toThrow(/readable by others/);
  });

  it('speaks tlog-witness add-checkpoint over HTTP with the spec status codes', async () => {
    const w = FileWitness.open(path.join(tmp.dir, 'http-w'), { name: 'witness.test/http', trustedLogKeys: [log.verifierKey], clock });
    const server = new WitnessHttpServer(w);
    const url = await server.listen();
    try {
      const post = (body: string) => fetch(`${url}/add-checkpoint`, { method: 'POST', body });
      let res = await post(encodeAddCheckpoint({ oldSize: 0, proof: [], note: signed(8) }));
      expect(res.status).toBe(200);
      const lines = await res.text();
      expect(lines.startsWith('\u2014 witness.test/http ')).toBe(true);
      // the returned cosignature verifies as cosignature/v1 under the witness key
      const v = verifyCheckpointNote(signed(8) + lines, {
        origin: log.name,
        logKeys: [log],
        witnessKeys: [Ed25519NoteKey.fromVerifierKey(w.verifierKey)],
        quorum: 1,
      });
      expect(v.cosignatures[0].timestamp).toBe(Math.floor(clock.now().getTime() / 1000));
      res = await post(encodeAddCheckpoint({ oldSize: 0, proof: [], note: signed(12) }));
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toBe('text/x.tlog.size');
      expect(await res.text()).toBe('8\n');
      res = await post(encodeAddCheckpoint({ oldSize: 8, proof: proof(7, 12), note: signed(12) }));
      expect(res.status).toBe(422);
      res = await post(
        encodeAddCheckpoint({
          oldSize: 0,
          proof: [],
          note: signNote(formatCheckpoint({ origin: log.name, size: 9, root: tree.root(9) }), [Ed25519NoteKey.generate(log.name)]),
        }),
      );
      expect(res.status).toBe(403);
      res = await post('garbage');
      expect(res.status).toBe(400);
      res = await fetch(`${url}/add-checkpoint`);
      expect(res.status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('collects k-of-n cosignatures; a down witness does not block and catches up later', async () => {
    const fw = FileWitness.open(path.join(tmp.dir, 'fw'), { name: 'witness.test/file', trustedLogKeys: [log.verifierKey], clock });
    const hw = FileWitness.open(path.join(tmp.dir, 'hw'), { name: 'witness.test/remote', trustedLogKeys: [log.verifierKey], clock });
    const server = new WitnessHttpServer(hw);
    const url = await server.listen();
    const remote = new HttpWitnessClient(hw.name, hw.verifierKey, url, 1000);
    const known = new Map<string, number>();
    const offer = async (size: number) => {
      const cp = { origin: log.name, size, root: tree.root(size) };
      const r = await collectCosignatures(signed(size), cp, [fw, remote], (n) => known.get(n) ?? 0, proof);
      for (const o of r.outcomes) if (o.status === 'cosigned') known.set(o.witness, o.size);
      return r;
    };
    try {
      let r = await offer(5);
      expect(r.cosigned).toBe(2);
      await server.close(); // the remote witness goes down
      r = await offer(15);
      expect(r.cosigned).toBe(1);
      expect(r.outcomes.find((o) => o.witness === remote.name)?.status).toBe('unreachable');
      r = await offer(22);
      expect(r.cosigned).toBe(1);
      // back up on a new port: one request from its own held size (5) to 30 catches it up
      const server2 = new WitnessHttpServer(hw);
      const url2 = await server2.listen();
      const remote2 = new HttpWitnessClient(hw.name, hw.verifierKey, url2, 1000);
      const cp = { origin: log.name, size: 30, root: tree.root(30) };
      known.delete(remote.name); // even without knowing its size, the 409 tells us
      r = await collectCosignatures(signed(30), cp, [fw, remote2], (n) => known.get(n) ?? 0, proof);
      await server2.close();
      expect(r.cosigned).toBe(2);
      expect(hw.held(log.name)?.size).toBe(30);
      const policy = {
        origin: log.name,
        logKeys: [log],
        witnessKeys: [fw, hw].map((w) => Ed25519NoteKey.fromVerifierKey(w.verifierKey)),
        quorum: 2,
      };
      expect(verifyCheckpointNote(r.note, policy).cosignatures).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});
