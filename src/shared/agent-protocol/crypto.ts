/**
 * Crypto primitives of the agent channel, shared by the service and the host agent.
 * Ed25519 for signatures, X25519 + HKDF-SHA256 + AES-256-GCM (an ECIES-style seal) to hand a
 * key-encryption key to one agent and nobody else. Only node:crypto.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
  randomBytes,
  sign as edSign,
  verify as edVerify,
} from 'node:crypto';

export interface KeyPairPem {
  /** SPKI DER, base64. */
  publicKey: string;
  /** PKCS#8 PEM: only ever written to a 0600 file. */
  privateKeyPem: string;
}

export function generateSigningKeyPair(): KeyPairPem {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function generateSealKeyPair(): KeyPairPem {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function publicKeyFromB64(spkiB64: string, expected: 'ed25519' | 'x25519'): KeyObject {
  const key = createPublicKey({ key: Buffer.from(spkiB64, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== expected) throw new Error(`expected an ${expected} public key`);
  return key;
}

export function privateKeyFromPem(pem: string, expected: 'ed25519' | 'x25519'): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== expected) throw new Error(`expected an ${expected} private key`);
  return key;
}

/** Short key id: first 8 bytes of SHA-256 over the SPKI DER, hex. */
export function keyIdOf(spkiB64: string): string {
  return createHash('sha256').update(Buffer.from(spkiB64, 'base64')).digest('hex').slice(0, 16);
}

export function ed25519Sign(privateKey: KeyObject, message: Buffer): Buffer {
  return edSign(null, message, privateKey);
}

export function ed25519Verify(publicKey: KeyObject, message: Buffer, signature: Buffer): boolean {
  if (signature.length !== 64) return false;
  try {
    return edVerify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A KEK sealed to one agent's X25519 key. */
export interface SealedBox {
  alg: 'X25519-HKDF-SHA256-A256GCM';
  /** Ephemeral X25519 public key, SPKI DER base64. */
  epk: string;
  nonce: string;
  /** Ciphertext followed by the 16-byte GCM tag, base64. */
  ct: string;
}

const SEAL_INFO = 'safeharbor/seal/v1';

function sealKey(shared: Buffer, epkDer: Buffer, recipientDer: Buffer, context: string): Buffer {
  const salt = createHash('sha256')
    .update(Buffer.concat([epkDer, recipientDer]))
    .digest();
  return Buffer.from(hkdfSync('sha256', shared, salt, Buffer.from(`${SEAL_INFO}\0${context}`), 32));
}

/**
 * Seals `plaintext` to the holder of the X25519 private key. `context` (e.g. agent id, key id
 * and version) is bound into both the derived key and the AEAD, so a box cannot be replayed
 * for another purpose.
 */
export function sealTo(recipientPublicB64: string, plaintext: Buffer, context: string): SealedBox {
  const recipient = publicKeyFromB64(recipientPublicB64, 'x25519');
  const eph = generateKeyPairSync('x25519');
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient });
  const epkDer = eph.publicKey.export({ type: 'spki', format: 'der' });
  const recipientDer = recipient.export({ type: 'spki', format: 'der' });
  const key = sealKey(shared, epkDer, recipientDer, context);
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(context));
  const ct = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  key.fill(0);
  shared.fill(0);
  return { alg: 'X25519-HKDF-SHA256-A256GCM', epk: epkDer.toString('base64'), nonce: nonce.toString('base64'), ct: ct.toString('base64') };
}

export function openSealed(recipientPrivate: KeyObject, box: SealedBox, context: string): Buffer {
  if (box.alg !== 'X25519-HKDF-SHA256-A256GCM') throw new Error('unsupported seal algorithm');
  const epk = publicKeyFromB64(box.epk, 'x25519');
  const shared = diffieHellman({ privateKey: recipientPrivate, publicKey: epk });
  const recipientDer = createPublicKey(recipientPrivate).export({ type: 'spki', format: 'der' });
  const key = sealKey(shared, Buffer.from(box.epk, 'base64'), recipientDer, context);
  const ct = Buffer.from(box.ct, 'base64');
  if (ct.length < 16) throw new Error('sealed box too short');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(box.nonce, 'base64'));
  d.setAAD(Buffer.from(context));
  d.setAuthTag(ct.subarray(ct.length - 16));
  try {
    return Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
  } finally {
    key.fill(0);
    shared.fill(0);
  }
}

/** The context string a KEK version is sealed under for one agent. */
export function kekSealContext(agentId: string, keyId: string, version: number): string {
  return `kek|${agentId}|${keyId}|${version}`;
}

/** AES-256-GCM with a random 96-bit nonce: nonce || ct || tag. */
export function aeadSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  return Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()]);
}

export function aeadOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < 28) throw new Error('ciphertext too short');
  const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
}
