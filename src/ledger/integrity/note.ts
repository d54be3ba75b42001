/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519, and C2SP tlog-cosignature/v1
 * witness cosignatures (https://c2sp.org/tlog-cosignature) — node:crypto only.
 *
 *   note      = text "\n" signature-line+         text ends with "\n"
 *   signature = "— " name " " base64(keyID[4] || sigbytes) "\n"
 *   keyID     = SHA-256(name || 0x0A || type || pubkey)[:4]
 *   type 0x01 (Ed25519 note signature):     sigbytes = Ed25519(text)
 *   type 0x04 (Ed25519 cosignature/v1):     sigbytes = u64be(timestamp) || Ed25519("cosignature/v1\ntime T\n" || text)
 *
 * Verifier keys use the vkey encoding `name+hex(keyID)+base64(type || pubkey)`; private keys
 * the matching `PRIVATE+KEY+name+hex(keyID)+base64(type || seed)`.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';

export const KEY_TYPE_ED25519 = 0x01;
export const KEY_TYPE_COSIGNATURE_V1 = 0x04;
export type KeyType = typeof KEY_TYPE_ED25519 | typeof KEY_TYPE_COSIGNATURE_V1;

const EM_DASH = '\u2014';

export class NoteError extends Error {
  readonly code = 'NOTE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'NoteError';
  }
}

export function validKeyName(name: string): boolean {
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  return typeof name === 'string' && name.length > 0 && !/[\s+]/u.test(name) && !/[\u0000-\u001f\u007f]/.test(name);
}

export function keyId(name: string, type: KeyType, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, type]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

const b64url = (b: Buffer) => b.toString('base64url');

export function publicKeyObject(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new NoteError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(raw) }, format: 'jwk' });
}

/** An Ed25519 key with a name and a role (note signer or cosigner). */
export class Ed25519NoteKey {
  readonly keyId: Buffer;
  private constructor(
    readonly name: string,
    readonly type: KeyType,
    readonly publicKey: Buffer,
    private readonly privateKey: KeyObject | null,
    private readonly seed: Buffer | null,
  ) {
    if (!validKeyName(name)) throw new NoteError('key name must be non-empty without spaces or "+"');
    this.keyId = keyId(name, type, publicKey);
  }

  static generate(name: string, type: KeyType = KEY_TYPE_ED25519): Ed25519NoteKey {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' }) as { x: string; d: string };
    return new Ed25519NoteKey(name, type, Buffer.from(jwk.x, 'base64url'), privateKey, Buffer.from(jwk.d, 'base64url'));
  }

  /** Parses `PRIVATE+KEY+name+keyid+base64(type||seed)`. */
  static fromPrivate(encoded: string): Ed25519NoteKey {
    const parts = splitPlus(encoded.trim(), 5);
    if (!parts || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw new NoteError('not a PRIVATE+KEY signer key');
    const [, , name, hexId, b64] = parts;
    const raw = Buffer.from(b64, 'base64');
    if (raw.length !== 33 || (raw[0] !== KEY_TYPE_ED25519 && raw[0] !== KEY_TYPE_COSIGNATURE_V1))
      throw new NoteError('signer key is not Ed25519');
    const seed = raw.subarray(1);
    const pk = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const jwk = pk.export({ format: 'jwk' }) as { x: string };
    const key = new Ed25519NoteKey(name, raw[0] as KeyType, Buffer.from(jwk.x, 'base64url'), pk, Buffer.from(seed));
    if (key.keyId.toString('hex') !== hexId) throw new NoteError('signer key id does not match its key');
    return key;
  }

  /** Parses a vkey `name+keyid+base64(type||pubkey)` (verification only). */
  static fromVerifierKey(vkey: string): Ed25519NoteKey {
    const parts = splitPlus(vkey.trim(), 3);
    if (!parts) throw new NoteError('verifier key must be name+keyid+base64');
    const [name, hexId, b64] = parts;
    const raw = Buffer.from(b64, 'base64');
    if (raw.length !== 33 || (raw[0] !== KEY_TYPE_ED25519 && raw[0] !== KEY_TYPE_COSIGNATURE_V1))
      throw new NoteError('verifier key is not Ed25519');
    const key = new Ed25519NoteKey(name, raw[0] as KeyType, Buffer.from(raw.subarray(1)), null, null);
    if (key.keyId.toString('hex') !== hexId) throw new NoteError('verifier key id does not match its key');
    return key;
  }

  get verifierKey(): string {
    return `${this.name}+${this.keyId.toString('hex')}+${Buffer.concat([Buffer.from([this.type]), this.publicKey]).toString('base64')}`;
  }

  get privateKeyString(): string {
    if (!this.seed) throw new NoteError('this key holds no private part');
    return `PRIVATE+KEY+${this.name}+${this.keyId.toString('hex')}+${Buffer.concat([Buffer.from([this.type]), this.seed]).toString('base64')}`;
  }

  get canSign(): boolean {
    return this.privateKey !== null;
  }

  /** The signature bytes (after the key id) for a note text. `timestamp` (seconds) is needed for cosignatures. */
  signText(text: string, timestamp?: number): Buffer {
    if (!this.privateKey) throw new NoteError(`key ${this.name} cannot sign: no private key`);
    if (this.type === KEY_TYPE_ED25519) return sign(null, Buffer.from(text, 'utf8'), this.privateKey);
    if (timestamp === undefined || !Number.isSafeInteger(timestamp) || timestamp < 0)
      throw new NoteError('a cosignature needs a timestamp in seconds');
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(timestamp));
    return Buffer.concat([ts, sign(null, cosignedMessage(text, timestamp), this.privateKey)]);
  }

  /** Verifies signature bytes; returns the cosignature timestamp (or 0 for a plain note signature), null if bad. */
  verifyText(text: string, sigBytes: Buffer): { timestamp: number } | null {
    const pub = publicKeyObject(this.publicKey);
    if (this.type === KEY_TYPE_ED25519) {
      if (sigBytes.length !== 64) return null;
      return verify(null, Buffer.from(text, 'utf8'), pub, sigBytes) ? { timestamp: 0 } : null;
    }
    if (sigBytes.length !== 72) return null;
    const t = sigBytes.readBigUInt64BE(0);
    if (t > BigInt(Number.MAX_SAFE_INTEGER)) return null;
    const timestamp = Number(t);
    return verify(null, cosignedMessage(text, timestamp), pub, sigBytes.subarray(8)) ? { timestamp } : null;
  }

  signatureLine(text: string, timestamp?: number): string {
    return `${EM_DASH} ${this.name} ${Buffer.concat([this.keyId, this.signText(text, timestamp)]).toString('base64')}\n`;
  }
}

/** Splits on the first n-1 '+' (base64 may itself contain '+'). */
function splitPlus(s: string, n: number): string[] | null {
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < n - 1; i++) {
    const j = rest.indexOf('+');
    if (j < 0) return null;
    out.push(rest.slice(0, j));
    rest = rest.slice(j + 1);
  }
  out.push(rest);
  if (!/^[0-9a-f]{8}$/.test(out[n - 2]) || !/^[A-Za-z0-9+/]+=*$/.test(rest)) return null;
  return out;
}

function cosignedMessage(text: string, timestamp: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${text}`, 'utf8');
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  /** Signature bytes after the key id. */
  sig: Buffer;
  line: string;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

export function checkNoteText(text: string): void {
  if (!text.endsWith('\n')) throw new NoteError('note text must end with a newline');
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) throw new NoteError('note text contains control characters');
}

/** Splits a signed note into text and signature lines (syntax only; nothing verified). */
export function parseNote(note: string): ParsedNote {
  if (typeof note !== 'string') throw new NoteError('note must be a string');
  if (note.length > 1_000_000) throw new NoteError('note is too large');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('note has no signature block');
  const text = note.slice(0, split + 1);
  checkNoteText(text);
  const sigBlock = note.slice(split + 2);
  if (!sigBlock.endsWith('\n')) throw new NoteError('signature block must end with a newline');
  const signatures: NoteSignature[] = [];
  for (const line of sigBlock.slice(0, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!m) throw new NoteError('malformed signature line');
    const raw = Buffer.from(m[2], 'base64');
    if (raw.length < 5 || raw.toString('base64') !== m[2]) throw new NoteError('malformed signature encoding');
    signatures.push({ name: m[1], keyId: raw.subarray(0, 4), sig: raw.subarray(4), line: `${line}\n` });
  }
  if (signatures.length === 0) throw new NoteError('note has no signatures');
  if (signatures.length > 100) throw new NoteError('note has too many signatures');
  return { text, signatures };
}

export function signNote(text: string, keys: Ed25519NoteKey[], timestamp?: number): string {
  checkNoteText(text);
  return `${text}\n${keys.map((k) => k.signatureLine(text, timestamp)).join('')}`;
}

/** Appends signature lines (e.g. cosignatures from a witness) to a signed note. */
export function addSignatureLines(note: string, lines: string): string {
  const parsed = parseNote(note);
  const extra = parseNote(`${parsed.text}\n${lines}`).signatures;
  const seen = new Set(parsed.signatures.map((s) => s.line));
  const all = [...parsed.signatures, ...extra.filter((s) => !seen.has(s.line))];
  return `${parsed.text}\n${all.map((s) => s.line).join('')}`;
}

export interface VerifiedSignature {
  name: string;
  keyId: string;
  type: KeyType;
  timestamp: number;
}

/**
 * Checks every signature line against the known keys (matched by name + key id).
 * Unknown keys are ignored (as the spec requires); a line from a known key with a bad
 * signature is an error (it is evidence of forgery, never silently skipped).
 */
export function verifyNoteSignatures(note: string, keys: Ed25519NoteKey[]): { text: string; verified: VerifiedSignature[] } {
  const { text, signatures } = parseNote(note);
  const verified: VerifiedSignature[] = [];
  for (const s of signatures) {
    const key = keys.find((k) => k.name === s.name && k.keyId.equals(s.keyId));
    if (!key) continue;
    const r = key.verifyText(text, s.sig);
    if (!r) throw new NoteError(`signature by ${s.name} does not verify`);
    if (!verified.some((v) => v.name === key.name && v.keyId === key.keyId.toString('hex'))) {
      verified.push({ name: key.name, keyId: key.keyId.toString('hex'), type: key.type, timestamp: r.timestamp });
    }
  }
  return { text, verified };
}
