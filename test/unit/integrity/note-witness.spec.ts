import { leafHash } from '../../../src/ledger/integrity/hashing';
import { MerkleTree } from '../../../src/ledger/integrity/merkle';
import { consistencyProof } from '../../../src/ledger/integrity/proofs';
import {
  addSignatureLines,
  Ed25519NoteKey,
  KEY_TYPE_COSIGNATURE_V1,
  NoteError,
  parseNote,
  signNote,
  verifyNoteSignatures,
} from '../../../src/ledger/integrity/note';
import { CheckpointError, formatCheckpoint, parseCheckpoint, verifyCheckpointNote } from '../../../src/ledger/integrity/checkpoint';
import {
  cosign,
  decideAddCheckpoint,
  decodeAddCheckpoint,
  encodeAddCheckpoint,
  WitnessRecord,
} from '../../../src/ledger/integrity/witness';

// golang.org/x/mod/sumdb/note reference vector (note_test.go / package doc)
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

describe('signed notes', () => {
  it('reproduces the Go sumdb/note vector byte for byte and verifies it', () => {
    const signer = Ed25519NoteKey.fromPrivate(GO_SKEY);
    expect(signer.verifierKey).toBe(GO_VKEY);
    expect(signNote(GO_TEXT, [signer])).toBe(`${GO_TEXT}\n${GO_SIG}`);
    const v = verifyNoteSignatures(`${GO_TEXT}\n${GO_SIG}`, [Ed25519NoteKey.fromVerifierKey(GO_VKEY)]);
    expect(v.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
  });

  it('refuses a changed text, a mangled key and malformed notes', () => {
    const key = Ed25519NoteKey.fromVerifierKey(GO_VKEY);
    expect(() => verifyNoteSignatures(`${GO_TEXT.replace('answer', 'ANSWER')}\n${GO_SIG}`, [key])).toThrow(NoteError);
    expect(() => Ed25519NoteKey.fromVerifierKey(GO_VKEY.replace('c74f20a3', 'c74f20a4'))).toThrow(NoteError);
    expect(() => parseNote(GO_TEXT)).toThrow(NoteError);
    expect(() => parseNote(`${GO_TEXT}\n— PeterNeumann !!!\n`)).toThrow(NoteError);
    // unknown keys are ignored rather than trusted
    expect(verifyNoteSignatures(`${GO_TEXT}\n${GO_SIG}`, [Ed25519NoteKey.generate('other')]).verified).toEqual([]);
  });

  it('round-trips generated keys and cosignature/v1 keys with timestamps', () => {
    const log = Ed25519NoteKey.generate('example.org/log');
    const w = Ed25519NoteKey.generate('witness.example/w1', KEY_TYPE_COSIGNATURE_V1);
    expect(Ed25519NoteKey.fromPrivate(w.privateKeyString).verifierKey).toBe(w.verifierKey);
    const text = 'example.org/log\n3\n' + leafHash(Buffer.from('x')).toString('base64') + '\n';
    const note = addSignatureLines(signNote(text, [log]), cosign(w, text, 1_700_000_000));
    const v = verifyNoteSignatures(note, [Ed25519NoteKey.fromVerifierKey(log.verifierKey), Ed25519NoteKey.fromVerifierKey(w.verifierKey)]);
    expect(v.verified.map((s) => [s.name, s.timestamp])).toEqual([
      ['example.org/log', 0],
      ['witness.example/w1', 1_700_000_000],
    ]);
    // the cosignature commits to its timestamp: changing it breaks the signature
    const line = parseNote(note).signatures[1];
    const raw = Buffer.concat([line.keyId, line.sig]);
    raw[11] ^= 1;
    const forged = `${text}\n${parseNote(note).signatures[0].line}\u2014 witness.example/w1 ${raw.toString('base64')}\n`;
    expect(() => verifyNoteSignatures(forged, [Ed25519NoteKey.fromVerifierKey(w.verifierKey)])).toThrow(NoteError);
  });
});

describe('checkpoints', () => {
  const root = leafHash(Buffer.from('r'));
  it('formats and strictly parses the body', () => {
    const text = formatCheckpoint({ origin: 'safeharbor.local/ledger', size: 42, root });
    expect(text).toBe(`safeharbor.local/ledger\n42\n${root.toString('base64')}\n`);
    expect(parseCheckpoint(text)).toEqual({ origin: 'safeharbor.local/ledger', size: 42, root, extensions: [] });
    for (const bad of [
      'o\n042\n' + root.toString('base64') + '\n',
      'o\n1\nAAAA\n',
      'o\n1\n',
      `o\n-1\n${root.toString('base64')}\n`,
      `o\n1\n${root.toString('base64')}`,
    ]) {
      expect(() => parseCheckpoint(bad)).toThrow(CheckpointError);
    }
  });

  it('policy requires the log signature and k-of-n cosignatures', () => {
    const log = Ed25519NoteKey.generate('o');
    const ws = [1, 2, 3].map((i) => Ed25519NoteKey.generate(`w${i}`, KEY_TYPE_COSIGNATURE_V1));
    const text = formatCheckpoint({ origin: 'o', size: 1, root });
    let note = signNote(text, [log]);
    note = addSignatureLines(note, cosign(ws[0], text, 10) + cosign(ws[1], text, 11));
    const policy = { origin: 'o', logKeys: [log], witnessKeys: ws, quorum: 2 };
    expect(verifyCheckpointNote(note, policy).cosignatures).toHaveLength(2);
    expect(() => verifyCheckpointNote(note, { ...policy, quorum: 3 })).toThrow(/2 valid witness cosignature/);
    const other = Ed25519NoteKey.generate('o');
    expect(() => verifyCheckpointNote(note, { ...policy, logKeys: [other] })).toThrow(/no valid log signature/);
    // a cosignature cannot stand in for the log signature
    const onlyCosigned = `${text}\n${cosign(ws[0], text, 1)}`;
    expect(() => verifyCheckpointNote(onlyCosigned, { ...policy, quorum: 1 })).toThrow(/no valid log signature/);
  });
});

describe('witness decisions', () => {
  const log = Ed25519NoteKey.generate('safeharbor.test/log');
  const trusted = new Map([[log.name, [log]]]);
  const tree = new MerkleTree();
  for (let i = 0; i < 20; i++) tree.append(leafHash(Buffer.from(`e${i}`)));
  const note = (size: number, root = tree.root(size), key = log) => signNote(formatCheckpoint({ origin: log.name, size, root }), [key]);
  const held = (size: number, root = tree.root(size)): WitnessRecord => ({ origin: log.name, size, root });

  it('accepts the first checkpoint and a consistent extension', () => {
    expect(decideAddCheckpoint({ oldSize: 0, proof: [], note: note(5) }, trusted, undefined).accepted).toBe(true);
    const d = decideAddCheckpoint({ oldSize: 5, proof: consistencyProof(tree.store, 5, 12), note: note(12) }, trusted, held(5));
    expect(d.accepted && d.record.size).toBe(12);
    expect(decideAddCheckpoint({ oldSize: 12, proof: [], note: note(12) }, trusted, held(12)).accepted).toBe(true);
  });

  it.each([
    [
      'rollback',
      () => decideAddCheckpoint({ oldSize: 5, proof: consistencyProof(tree.store, 5, 8), note: note(8) }, trusted, held(12)),
      409,
    ],
    ['fork', () => decideAddCheckpoint({ oldSize: 12, proof: [], note: note(12, leafHash(Buffer.from('evil'))) }, trusted, held(12)), 409],
    [
      'bad-proof',
      () => decideAddCheckpoint({ oldSize: 5, proof: consistencyProof(tree.store, 6, 12), note: note(12) }, trusted, held(5)),
      422,
    ],
    [
      'stale-old-size',
      () => decideAddCheckpoint({ oldSize: 3, proof: consistencyProof(tree.store, 3, 12), note: note(12) }, trusted, held(5)),
      409,
    ],
    [
      'bad-signature',
      () =>
        decideAddCheckpoint({ oldSize: 0, proof: [], note: note(5, tree.root(5), Ed25519NoteKey.generate(log.name)) }, trusted, undefined),
      403,
    ],
    [
      'unknown-origin',
      () =>
        decideAddCheckpoint(
          {
            oldSize: 0,
            proof: [],
            note: signNote(formatCheckpoint({ origin: 'x', size: 1, root: tree.root(1) }), [Ed25519NoteKey.generate('x')]),
          },
          trusted,
          undefined,
        ),
      404,
    ],
    ['bad-request', () => decideAddCheckpoint({ oldSize: 9, proof: [], note: note(5) }, trusted, undefined), 400],
  ] as const)('refuses %s', (reason, run, status) => {
    const d = run();
    expect(d.accepted).toBe(false);
    if (!d.accepted) expect([d.reason, d.status]).toEqual([reason, status]);
  });

  it('a fork that extends differently is refused as an unprovable extension', () => {
    const forked = new MerkleTree();
    for (let i = 0; i < 20; i++) forked.append(leafHash(Buffer.from(i === 3 ? 'evil' : `e${i}`)));
    const d = decideAddCheckpoint(
      { oldSize: 5, proof: consistencyProof(forked.store, 5, 12), note: note(12, forked.root(12)) },
      trusted,
      held(5),
    );
    expect(!d.accepted && d.status).toBe(422);
  });

  it('encodes and decodes the add-checkpoint body', () => {
    const req = { oldSize: 5, proof: consistencyProof(tree.store, 5, 12), note: note(12) };
    const body = encodeAddCheckpoint(req);
    expect(body.startsWith('old 5\n')).toBe(true);
    expect(decodeAddCheckpoint(body)).toEqual(req);
    expect(() => decodeAddCheckpoint('old 05\n\n' + req.note)).toThrow();
    expect(() => decodeAddCheckpoint('old 5\nAAAA\n\n' + req.note)).toThrow();
  });
});
