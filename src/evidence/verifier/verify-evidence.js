#!/usr/bin/env node
'use strict';
/*
 * Safe Harbor evidence verifier — standalone, no dependencies, Node >= 16.
 *
 *   node verify-evidence.js <evidence.zip | extracted-folder> --log-key FILE|VKEY [--witness-key VKEY ...] [--quorum K]
 *   node verify-evidence.js <evidence.zip | extracted-folder> --trust-bundle-keys
 *
 * Checks, for the bundle:
 *   1. checkpoint.txt is a C2SP signed note whose body is a tlog checkpoint (origin, size, root);
 *   2. it carries a valid Ed25519 signature by the log key, and valid cosignature/v1 signatures
 *      by at least K distinct witness keys;
 *   3. every events/<position>.json: leaf hash = SHA-256(0x00 || file bytes) (RFC 6962), its
 *      "position" matches the file name, and its inclusion proof (proofs.json) leads to the
 *      checkpoint root (RFC 9162 §2.1.3.2);
 *   4. completeness: stream-heads.txt is signed by the log key over the same size and root and
 *      names where the incident's stream ended in that tree (version n at position p); the
 *      bundle must hold that stream's versions 1..n, the last one at position p.
 * Prints "OK ..." and exits 0, or "FAIL: <reason>" and exits 1 (2 for usage errors).
 *
 * Trust: the keys inside the bundle are only as good as where the bundle came from, so the log
 * key must be pinned (--log-key, a file or the key itself, obtained apart from the bundle); the
 * verifier refuses without it unless told --trust-bundle-keys, and then says so loudly.
 */
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const zlib = require('zlib');

class Fail extends Error {}
const fail = (msg) => {
  throw new Fail(msg);
};

// ---------- zip reading (stored and deflated entries) ----------
function readZip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) fail('zip central directory is corrupt');
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const off = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    p += 46 + nlen + xlen + clen;
    if (buf.readUInt32LE(off) !== 0x04034b50) fail(`zip entry ${name} is corrupt`);
    const start = off + 30 + buf.readUInt16LE(off + 26) + buf.readUInt16LE(off + 28);
    const raw = buf.subarray(start, start + csize);
    let data;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = zlib.inflateRawSync(raw);
    else fail(`zip entry ${name} uses unsupported compression ${method}`);
    if (data.length !== usize) fail(`zip entry ${name} has the wrong length`);
    if (crc32(data) !== crc) fail(`zip entry ${name} fails its CRC check (the archive was altered or damaged)`);
    if (name.endsWith('/')) continue;
    if (name.includes('..') || path.isAbsolute(name)) fail(`zip entry ${name} has an unsafe path`);
    files.set(name, data);
  }
  return files;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function readDir(dir) {
  const files = new Map();
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else files.set(r, fs.readFileSync(path.join(dir, r)));
    }
  };
  walk('');
  return files;
}

// ---------- RFC 6962 / 9162 ----------
const sha256 = (...parts) => {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leafHash = (d) => sha256(Buffer.from([0]), d);
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);

function rootFromInclusion(index, size, leaf, proof) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    fail(`leaf index ${index} is not in tree size ${size}`);
  if (!Array.isArray(proof) || proof.length > 64) fail('inclusion proof is not a list of at most 64 hashes');
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (!Buffer.isBuffer(p) || p.length !== 32) fail('inclusion proof element is not a 32-byte hash');
    if (sn === 0) fail('inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) fail('inclusion proof is too short');
  return r;
}

// ---------- C2SP signed notes ----------
function parseVkey(vkey) {
  const s = String(vkey).trim();
  const a = s.indexOf('+');
  const b = s.indexOf('+', a + 1);
  if (a <= 0 || b < 0) fail(`malformed verifier key: ${s}`);
  const name = s.slice(0, a);
  const id = s.slice(a + 1, b);
  const raw = Buffer.from(s.slice(b + 1), 'base64');
  if (raw.length !== 33 || (raw[0] !== 0x01 && raw[0] !== 0x04)) fail(`verifier key ${name} is not an Ed25519 key`);
  const type = raw[0];
  const pub = raw.subarray(1);
  const keyId = sha256(Buffer.from(name, 'utf8'), Buffer.from([0x0a, type]), pub).subarray(0, 4);
  if (keyId.toString('hex') !== id) fail(`verifier key ${name}: key id does not match the key`);
  const keyObject = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pub.toString('base64url') }, format: 'jwk' });
  return { name, type, keyId, keyObject, vkey: s, fingerprint: sha256(raw).toString('hex').slice(0, 16) };
}

function parseNote(note) {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) fail('checkpoint is not a signed note (no signature block)');
  const text = note.slice(0, split + 1);
  const sigs = note
    .slice(split + 2)
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
      if (!m) fail('checkpoint has a malformed signature line');
      const raw = Buffer.from(m[2], 'base64');
      if (raw.length < 5) fail('checkpoint has a truncated signature');
      return { name: m[1], keyId: raw.subarray(0, 4), sig: raw.subarray(4) };
    });
  return { text, sigs };
}

function verifySig(key, text, sig) {
  if (key.type === 0x01) return sig.length === 64 && crypto.verify(null, Buffer.from(text, 'utf8'), key.keyObject, sig);
  if (sig.length !== 72) return false;
  const ts = sig.readBigUInt64BE(0);
  const msg = Buffer.from(`cosignature/v1\ntime ${ts.toString()}\n${text}`, 'utf8');
  return crypto.verify(null, msg, key.keyObject, sig.subarray(8));
}

function parseCheckpoint(text) {
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) fail('checkpoint body needs origin, size and root');
  const [origin, size, root] = lines;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size)) fail('checkpoint size is malformed');
  const r = Buffer.from(root, 'base64');
  if (r.length !== 32 || r.toString('base64') !== root) fail('checkpoint root is malformed');
  return { origin, size: Number(size), root: r };
}

// ---------- main ----------
function verifyBundle(files, opts) {
  const get = (n) => files.get(n) || fail(`bundle is missing ${n}`);
  let manifest;
  try {
    manifest = JSON.parse(get('manifest.json').toString('utf8'));
  } catch (e) {
    if (e instanceof Fail) throw e;
    fail('manifest.json is not valid JSON');
  }
  if (manifest.format !== 'safeharbor-evidence/v1') fail('unknown bundle format');
  let proofs;
  try {
    proofs = JSON.parse(get('proofs.json').toString('utf8'));
  } catch (e) {
    if (e instanceof Fail) throw e;
    fail('proofs.json is not valid JSON');
  }
  const logKey = parseVkey(opts.logKey || manifest.keys.log);
  if (logKey.type !== 0x01) fail('the log key must be a note signing (0x01) key');
  const witnessKeys = (opts.witnessKeys.length ? opts.witnessKeys : manifest.keys.witnesses).map(parseVkey);
  const quorum = opts.quorum !== undefined ? opts.quorum : manifest.keys.quorum;
  if (!Number.isInteger(quorum) || quorum < 0) fail('quorum is not a non-negative integer');

  const note = get('checkpoint.txt').toString('utf8');
  const { text, sigs } = parseNote(note);
  const cp = parseCheckpoint(text);
  if (cp.origin !== logKey.name) fail(`checkpoint origin "${cp.origin}" is not the log key's name "${logKey.name}"`);
  let logSigned = false;
  const cosigners = new Set();
  for (const s of sigs) {
    const key = [logKey, ...witnessKeys].find((k) => k.name === s.name && k.keyId.equals(s.keyId));
    if (!key) continue;
    if (!verifySig(key, text, s.sig)) fail(`checkpoint signature by ${s.name} is invalid`);
    if (key === logKey) logSigned = true;
    else if (key.type === 0x04) cosigners.add(key.vkey);
  }
  if (!logSigned) fail('checkpoint is not signed by the log key');
  if (cosigners.size < quorum) fail(`checkpoint has ${cosigners.size} valid witness cosignature(s), ${quorum} required`);

  const headsNote = get('stream-heads.txt').toString('utf8');
  const hp = parseNote(headsNote);
  if (!hp.sigs.some((s) => s.name === logKey.name && s.keyId.equals(logKey.keyId) && verifySig(logKey, hp.text, s.sig)))
    fail('stream-heads.txt is not signed by the log key');
  const hl = hp.text.slice(0, -1).split('\n');
  if (hl[0] !== `${cp.origin}/stream-heads` || hl[1] !== String(cp.size) || hl[2] !== cp.root.toString('base64'))
    fail('stream-heads.txt is not about this checkpoint (origin, size or root differ)');
  const heads = hl.slice(3).map((line) => {
    const m = /^(\S+) (0|[1-9][0-9]{0,15}) (0|[1-9][0-9]{0,15})$/.exec(line);
    if (!m) fail('stream-heads.txt has a malformed line');
    return { stream: m[1], version: Number(m[2]), position: Number(m[3]) };
  });
  const incidentStream = `incident-${manifest.incidentId}`;
  if (!heads.some((h) => h.stream === incidentStream)) fail(`stream-heads.txt does not name the incident stream ${incidentStream}`);

  const eventFiles = [...files.keys()].filter((n) => /^events\/[^/]+\.json$/.test(n)).sort();
  if (eventFiles.length === 0) fail('bundle contains no events');
  const declared = Object.keys(proofs.events || {});
  if (declared.length !== eventFiles.length) fail(`proofs.json lists ${declared.length} events but the bundle holds ${eventFiles.length}`);
  const seen = [];
  for (const name of eventFiles) {
    const m = /^events\/([1-9][0-9]*)\.json$/.exec(name);
    if (!m) fail(`${name}: file name is not a ledger position`);
    const position = Number(m[1]);
    const bytes = files.get(name);
    let ev;
    try {
      ev = JSON.parse(bytes.toString('utf8'));
    } catch {
      fail(`event at position ${position}: not valid JSON`);
    }
    if (String(ev.position) !== String(position)) fail(`event at position ${position}: its envelope says position ${ev.position}`);
    const entry = proofs.events[String(position)];
    if (!entry) fail(`event at position ${position}: no inclusion proof`);
    const lh = leafHash(bytes);
    if (entry.leafHash && entry.leafHash !== lh.toString('hex'))
      fail(`event at position ${position}: content does not match its recorded leaf hash`);
    const path = (entry.inclusionProof || []).map((b) => Buffer.from(String(b), 'base64'));
    let root;
    try {
      root = rootFromInclusion(position - 1, cp.size, lh, path);
    } catch (e) {
      if (e instanceof Fail) fail(`event at position ${position}: ${e.message}`);
      throw e;
    }
    if (!root.equals(cp.root))
      fail(`event at position ${position}: inclusion proof does not lead to the checkpoint root (event altered or proof forged)`);
    seen.push({ stream: ev.stream, version: Number(ev.version), position });
  }
  for (const h of heads) {
    const versions = seen.filter((e) => e.stream === h.stream).sort((a, b) => a.version - b.version);
    for (let v = 1; v <= h.version; v++) {
      const e = versions[v - 1];
      if (!e || e.version !== v)
        fail(
          `incomplete: stream ${h.stream} ended at version ${h.version} in the signed tree, but version ${v} is not in the bundle (event removed?)`,
        );
    }
    if (versions.length !== h.version) fail(`stream ${h.stream}: the bundle holds versions beyond the signed head ${h.version}`);
    if (h.version > 0 && versions[h.version - 1].position !== h.position)
      fail(
        `stream ${h.stream}: version ${h.version} is at position ${versions[h.version - 1].position}, the signed head says ${h.position}`,
      );
  }
  return { origin: cp.origin, size: cp.size, events: eventFiles.length, cosigners: cosigners.size, quorum, logKey, witnessKeys };
}

const USAGE =
  'usage: node verify-evidence.js <evidence.zip|folder> --log-key FILE|VKEY [--witness-key VKEY ...] [--quorum K]\n' +
  '       node verify-evidence.js <evidence.zip|folder> --trust-bundle-keys\n';

function main(argv) {
  const args = argv.slice(2);
  const opts = { witnessKeys: [], logKey: undefined, quorum: undefined, trustBundleKeys: false };
  let target;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--log-key') {
      const v = args[++i];
      opts.logKey = v && fs.existsSync(v) && fs.statSync(v).isFile() ? fs.readFileSync(v, 'utf8').trim() : v;
    } else if (a === '--trust-bundle-keys') opts.trustBundleKeys = true;
    else if (a === '--witness-key') opts.witnessKeys.push(args[++i]);
    else if (a === '--quorum') opts.quorum = Number(args[++i]);
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else if (!target) target = a;
    else {
      process.stderr.write(`unexpected argument: ${a}\n`);
      return 2;
    }
  }
  if (!target) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (!opts.logKey && !opts.trustBundleKeys) {
    process.stderr.write(
      'REFUSED: the log key is not pinned. Pass --log-key FILE|VKEY with the key you obtained apart from this bundle,\n' +
        'or --trust-bundle-keys to trust the keys inside it (which proves nothing against whoever made the bundle).\n',
    );
    return 2;
  }
  if (!opts.logKey)
    process.stderr.write(
      '\n*** WARNING: --trust-bundle-keys: TRUSTING THE KEYS INSIDE THE BUNDLE. Whoever made this bundle could have made the keys too. ***\n\n',
    );
  try {
    const st = fs.statSync(target);
    const files = st.isDirectory() ? readDir(target) : readZip(fs.readFileSync(target));
    const r = verifyBundle(files, opts);
    process.stdout.write(
      `OK: ${r.events} event(s) included in checkpoint ${r.origin} size ${r.size}, signed by the log and cosigned by ${r.cosigners} witness(es) (quorum ${r.quorum})\n` +
        `log key ${r.logKey.name} fingerprint ${r.logKey.fingerprint}${opts.logKey ? ' (pinned)' : ' (from the bundle: compare with the key you hold)'}\n` +
        r.witnessKeys.map((k) => `witness key ${k.name} fingerprint ${k.fingerprint}\n`).join(''),
    );
    return 0;
  } catch (e) {
    if (e instanceof Fail) {
      process.stdout.write(`FAIL: ${e.message}\n`);
      return 1;
    }
    if (e && e.code === 'ENOENT') {
      process.stderr.write(`no such file: ${target}\n`);
      return 2;
    }
    process.stdout.write(`FAIL: ${e && e.message ? e.message : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv);
module.exports = { verifyBundle, readZip, main, rootFromInclusion, Fail };
