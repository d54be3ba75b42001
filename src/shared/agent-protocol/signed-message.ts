/**
 * The signed envelope every message of the agent channel travels in. Redis is not trusted: it
 * may drop, delay, reorder, duplicate, modify or inject jobs. So the receiver checks the shape,
 * then the Ed25519 signature over a domain-separated encoding of (type, payload bytes), and only
 * then parses the payload.
 *
 *   signing input = "safeharbor/agent-channel/v1" 0x00 type 0x00 payload
 *   payload       = RFC 8785 canonical JSON bytes of the body
 */
import type { KeyObject } from 'node:crypto';
import { canonicalBytes } from '../canonical-json';
import { ed25519Sign, ed25519Verify, sha256Hex } from './crypto';

export const CHANNEL_DOMAIN = 'safeharbor/agent-channel/v1';
export const MESSAGE_TYPES = ['command', 'result', 'heartbeat', 'approval', 'access'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
/** Largest payload accepted (before base64). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

export interface SignedMessage {
  v: 1;
  type: MessageType;
  /** Key id of the signer (see keyIdOf). */
  kid: string;
  /** base64 of the canonical JSON payload. */
  payload: string;
  /** base64 Ed25519 signature over the signing input. */
  sig: string;
}

export function signingInput(type: MessageType, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${CHANNEL_DOMAIN}\0${type}\0`, 'utf8'), payload]);
}

export function signMessage(type: MessageType, body: unknown, privateKey: KeyObject, kid: string): SignedMessage {
  const payload = canonicalBytes(body);
  if (payload.length > MAX_PAYLOAD_BYTES) throw new Error(`${type} payload exceeds ${MAX_PAYLOAD_BYTES} bytes`);
  const sig = ed25519Sign(privateKey, signingInput(type, payload));
  return { v: 1, type, kid, payload: payload.toString('base64'), sig: sig.toString('base64') };
}

/** Digest of a signed message's payload: what results and events refer to. */
export function payloadDigest(msg: Pick<SignedMessage, 'payload'>): string {
  return sha256Hex(Buffer.from(msg.payload, 'base64'));
}

export type OpenResult =
  | { ok: true; body: unknown; payload: Buffer; digest: string }
  | {
      ok: false;
      reason: 'malformed-envelope' | 'wrong-type' | 'unknown-key' | 'bad-signature' | 'malformed-payload';
      detail: string;
      digest: string | null;
    };

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Shape check of the outer envelope only: nothing inside the payload is looked at. */
export function wellFormed(msg: unknown): msg is SignedMessage {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return false;
  const o = msg as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  if (keys.join(',') !== 'kid,payload,sig,type,v') return false;
  if (o.v !== 1) return false;
  if (typeof o.type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(o.type)) return false;
  if (typeof o.kid !== 'string' || !/^[0-9a-f]{16}$/.test(o.kid)) return false;
  if (
    typeof o.payload !== 'string' ||
    o.payload.length === 0 ||
    o.payload.length > Math.ceil(MAX_PAYLOAD_BYTES / 3) * 4 ||
    o.payload.length % 4 !== 0 ||
    !B64_RE.test(o.payload)
  )
    return false;
  if (typeof o.sig !== 'string' || o.sig.length !== 88 || !B64_RE.test(o.sig)) return false;
  return true;
}

/**
 * Verify, then parse. `keys` maps kid → pinned public key. The payload is JSON-parsed only
 * after the signature verified; a payload that is not canonical JSON is refused too (the
 * signer always sends canonical bytes, so anything else was not made by it).
 */
export function openMessage(msg: unknown, expected: MessageType, keys: (kid: string) => KeyObject | undefined): OpenResult {
  if (!wellFormed(msg))
    return { ok: false, reason: 'malformed-envelope', detail: 'envelope is not {v:1,type,kid,payload,sig}', digest: null };
  const digest = payloadDigest(msg);
  if (msg.type !== expected) return { ok: false, reason: 'wrong-type', detail: `expected a ${expected} message`, digest };
  const key = keys(msg.kid);
  if (!key) return { ok: false, reason: 'unknown-key', detail: 'signer key id is not pinned', digest };
  const payload = Buffer.from(msg.payload, 'base64');
  if (!ed25519Verify(key, signingInput(msg.type, payload), Buffer.from(msg.sig, 'base64'))) {
    return { ok: false, reason: 'bad-signature', detail: 'signature does not verify under the pinned key', digest };
  }
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed-payload', detail: 'payload is not JSON', digest };
  }
  if (!canonicalBytes(body).equals(payload))
    return { ok: false, reason: 'malformed-payload', detail: 'payload is not canonical JSON', digest };
  return { ok: true, body, payload, digest };
}
