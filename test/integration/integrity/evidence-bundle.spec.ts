import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildEvidenceFiles, buildEvidenceZip } from '../../../src/evidence/bundle';
import { writeZip } from '../../../src/evidence/zip';
import { formatCheckpoint } from '../../../src/ledger/integrity/checkpoint';
import { collectCosignatures } from '../../../src/ledger/integrity/cosigning';
import { FileWitness } from '../../../src/ledger/integrity/file-witness';
import { eventLeafHash } from '../../../src/ledger/integrity/hashing';
import { MerkleTree } from '../../../src/ledger/integrity/merkle';
import { Ed25519NoteKey, signNote } from '../../../src/ledger/integrity/note';
import { consistencyProof, inclusionProof } from '../../../src/ledger/integrity/proofs';
import { FakeClock } from '../../../src/platform/clock';
import { syntheticEvents, tempDir } from './helpers';

function runVerifier(target: string, extra: string[] = []): { code: number; out: string } {
  const script = fs.statSync(target).isDirectory()
    ? path.join(target, 'verify-evidence.js')
    : path.join(path.dirname(target), 'verify-evidence.js');
  const trust = extra.includes('--log-key') || extra.includes('--no-trust') ? [] : ['--trust-bundle-keys'];
  const r = spawnSync(process.execPath, [script, target, ...trust, ...extra.filter((a) => a !== '--no-trust')], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('evidence bundle + standalone verifier', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  async function makeBundle() {
    const clock = new FakeClock('2025-04-01T00:00:00Z');
    const log = Ed25519NoteKey.generate('safeharbor.test/ledger');
    const events = syntheticEvents(23);
    const tree = new MerkleTree();
    for (const e of events) tree.append(eventLeafHash(e));
    const witnesses = ['a', 'b'].map((n) =>
      FileWitness.open(path.join(tmp.dir, `w-${n}`), { name: `witness.test/${n}`, trustedLogKeys: [log.verifierKey], clock }),
    );
    const cp = { origin: log.name, size: tree.size, root: tree.root() };
    const { note } = await collectCosignatures(
      signNote(formatCheckpoint(cp), [log]),
      cp,
      witnesses,
      () => 0,
      (m, n) => consistencyProof(tree.store, m, n),
    );
    const chosen = events; // the incident's stream, versions 1..23
    const last = events[events.length - 1];
    const heads = `${log.name}/stream-heads\n${cp.size}\n${cp.root.toString('base64')}\n${last.stream} ${last.version} ${last.position}\n`;
    const input = {
      incidentId: last.stream.replace(/^incident-/, ''),
      origin: log.name,
      generatedAt: clock.now().toISOString(),
      checkpoint: { note, size: cp.size, root: cp.root },
      streamHeads: signNote(heads, [log]),
      keys: { log: log.verifierKey, witnesses: witnesses.map((w) => w.verifierKey), quorum: 2 },
      events: chosen.map((event) => ({ event, inclusionProof: inclusionProof(tree.store, Number(event.position) - 1, tree.size) })),
    };
    return { input, log, witnesses, chosen };
  }

  it('verifies offline as a zip, and a standard unzip accepts the archive', async () => {
    const { input, log, witnesses } = await makeBundle();
    const zip = path.join(tmp.dir, 'out', 'evidence.zip');
    fs.mkdirSync(path.dirname(zip));
    fs.writeFileSync(zip, buildEvidenceZip(input));
    fs.copyFileSync(
      path.join(__dirname, '../../../src/evidence/verifier/verify-evidence.js'),
      path.join(tmp.dir, 'out', 'verify-evidence.js'),
    );
    const ok = runVerifier(zip);
    expect(ok.out).toMatch(/^OK: 23 event\(s\) included in checkpoint safeharbor.test\/ledger size 23/);
    expect(ok.out).toMatch(/WARNING: --trust-bundle-keys: TRUSTING THE KEYS INSIDE THE BUNDLE/);
    // unpinned without --trust-bundle-keys: refused
    const unpinned = runVerifier(zip, ['--no-trust']);
    expect(unpinned.code).toBe(2);
    expect(unpinned.out).toMatch(/REFUSED: the log key is not pinned/);
    const pinFile = path.join(tmp.dir, 'log.vkey');
    fs.writeFileSync(pinFile, `${log.verifierKey}\n`);
    expect(runVerifier(zip, ['--log-key', pinFile]).code).toBe(0);
    expect(ok.code).toBe(0);
    const pinned = runVerifier(zip, [
      '--log-key',
      log.verifierKey,
      ...witnesses.flatMap((w) => ['--witness-key', w.verifierKey]),
      '--quorum',
      '2',
    ]);
    expect(pinned.code).toBe(0);
    // pinning a different log key (the one the auditor holds) exposes a substituted bundle key
    const wrong = runVerifier(zip, ['--log-key', Ed25519NoteKey.generate(log.name).verifierKey]);
    expect(wrong).toMatchObject({ code: 1 });
    expect(wrong.out).toMatch(/FAIL: checkpoint is not signed by the log key/);
    const quorum3 = runVerifier(zip, ['--quorum', '3']);
    expect(quorum3.out).toMatch(/FAIL: checkpoint has 2 valid witness cosignature\(s\), 3 required/);
    const hasUnzip = spawnSync('unzip', ['-v']).status === 0;
    if (hasUnzip) {
      const x = path.join(tmp.dir, 'x');
      execFileSync('unzip', ['-q', zip, '-d', x]);
      expect(runVerifier(x).code).toBe(0);
      // tampering the extracted folder is caught as well
      const ev = fs.readdirSync(path.join(x, 'events'))[0];
      const p = path.join(x, 'events', ev);
      fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace('"schemaVersion":1', '"schemaVersion":2'));
      expect(runVerifier(x).out).toContain(`FAIL: event at position ${ev.replace('.json', '')}`);
    }
  });

  it('one changed byte in an exported event makes the verifier fail and name the position', async () => {
    const { input, chosen } = await makeBundle();
    const files = buildEvidenceFiles(input);
    const target = chosen[2];
    const name = `events/${target.position}.json`;
    const entry = files.find((f) => f.name === name)!;
    const i = entry.data.indexOf(Buffer.from('IncidentNoteAdded'));
    const altered = Buffer.from(entry.data);
    altered[i] = 'J'.charCodeAt(0); // one byte
    const out = path.join(tmp.dir, 'out');
    fs.mkdirSync(out);
    // (a) the attacker rebuilds a perfectly valid zip around the altered byte
    fs.writeFileSync(path.join(out, 'evidence.zip'), writeZip(files.map((f) => (f.name === name ? { ...f, data: altered } : f))));
    fs.copyFileSync(path.join(__dirname, '../../../src/evidence/verifier/verify-evidence.js'), path.join(out, 'verify-evidence.js'));
    const r = runVerifier(path.join(out, 'evidence.zip'));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL: event at position ${target.position}`);
    // (b) one byte flipped in the stored zip itself
    const zipBytes = buildEvidenceZip(input);
    const good = path.join(out, 'good.zip');
    fs.writeFileSync(good, zipBytes);
    expect(runVerifier(good).code).toBe(0);
    const flipped = Buffer.from(zipBytes);
    const at = flipped.indexOf(Buffer.from(`events/${target.position}.json`)) + 40;
    flipped[at] ^= 0x01;
    fs.writeFileSync(path.join(out, 'flipped.zip'), flipped);
    const f = runVerifier(path.join(out, 'flipped.zip'));
    expect(f.code).toBe(1);
    expect(f.out).toMatch(/^FAIL: /);
  });

  it('one event and its proof removed from the bundle: incomplete (the signed stream head names what is missing)', async () => {
    const { input, log } = await makeBundle();
    const out = path.join(tmp.dir, 'out');
    fs.mkdirSync(out);
    fs.copyFileSync(path.join(__dirname, '../../../src/evidence/verifier/verify-evidence.js'), path.join(out, 'verify-evidence.js'));
    const pin = ['--log-key', log.verifierKey];
    // a middle event (version 7), and the last one (version 23)
    for (const [idx, version] of [
      [6, 7],
      [22, 23],
    ]) {
      const files = buildEvidenceFiles(input);
      const pos = String(input.events[idx].event.position);
      const proofs = JSON.parse(files.find((f) => f.name === 'proofs.json')!.data.toString());
      delete proofs.events[pos];
      const cut = files
        .filter((f) => f.name !== `events/${pos}.json`)
        .map((f) => (f.name === 'proofs.json' ? { ...f, data: Buffer.from(JSON.stringify(proofs)) } : f));
      const zip = path.join(out, `cut-${version}.zip`);
      fs.writeFileSync(zip, writeZip(cut));
      const r = runVerifier(zip, pin);
      expect(r.code).toBe(1);
      expect(r.out).toContain(
        `FAIL: incomplete: stream ${input.events[0].event.stream} ended at version 23 in the signed tree, but version ${version} is not in the bundle`,
      );
    }
    // and the heads note cannot be dropped or replaced by an unsigned one
    const files = buildEvidenceFiles(input);
    fs.writeFileSync(path.join(out, 'noheads.zip'), writeZip(files.filter((f) => f.name !== 'stream-heads.txt')));
    expect(runVerifier(path.join(out, 'noheads.zip'), pin).out).toMatch(/FAIL: bundle is missing stream-heads.txt/);
    const other = Ed25519NoteKey.generate(log.name);
    const forged = files.map((f) =>
      f.name === 'stream-heads.txt' ? { ...f, data: Buffer.from(signNote(f.data.toString().split('\n\n')[0] + '\n', [other])) } : f,
    );
    fs.writeFileSync(path.join(out, 'forged.zip'), writeZip(forged));
    expect(runVerifier(path.join(out, 'forged.zip'), pin).out).toMatch(/FAIL: stream-heads.txt is not signed by the log key/);
  });

  it('a removed cosignature or a swapped proof is reported', async () => {
    const { input } = await makeBundle();
    const out = path.join(tmp.dir, 'out');
    fs.mkdirSync(out);
    fs.copyFileSync(path.join(__dirname, '../../../src/evidence/verifier/verify-evidence.js'), path.join(out, 'verify-evidence.js'));
    const lines = input.checkpoint.note.split('\n');
    const oneCosig = lines.slice(0, -2).join('\n') + '\n';
    fs.writeFileSync(path.join(out, 'a.zip'), buildEvidenceZip({ ...input, checkpoint: { ...input.checkpoint, note: oneCosig } }));
    expect(runVerifier(path.join(out, 'a.zip')).out).toMatch(/1 valid witness cosignature\(s\), 2 required/);
    const swapped = {
      ...input,
      events: input.events.map((e, i) => ({ ...e, inclusionProof: input.events[(i + 1) % input.events.length].inclusionProof })),
    };
    fs.writeFileSync(path.join(out, 'b.zip'), buildEvidenceZip(swapped));
    expect(runVerifier(path.join(out, 'b.zip')).out).toMatch(
      /FAIL: event at position \d+: inclusion proof does not lead to the checkpoint root/,
    );
  });
});
