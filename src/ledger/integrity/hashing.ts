/**
 * RFC 6962 §2.1 hashing (SHA-256, 0x00 leaf prefix, 0x01 node prefix) and the leaf encoding
 * of a ledger event.
 *
 * Leaf bytes = RFC 8785 canonical JSON of the RecordedEvent envelope with `version` and
 * `position` written as decimal STRINGS (they are bigint in the port: a string is exact for
 * every 64-bit value, a JSON number is not). Every other field is taken as stored; PHI fields
 * are already ciphertext objects inside `data`, so the leaf commits to ciphertext only and
 * crypto-shredding a data key leaves the chain verifiable. Leaf index = position - 1
 * (SQLite positions are contiguous from 1).
 */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { canonicalize } from '../../shared/canonical-json';
import type { RecordedEvent } from '../port';

export const HASH_SIZE = 32;
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256(""). */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** One-shot SHA-256 (node ≥ 20.12): a fraction of createHash's per-call cost. */
const oneShot = (crypto as unknown as { hash?: (alg: string, data: string | Uint8Array, enc: 'buffer') => Buffer }).hash;

export function leafHash(data: Uint8Array): Buffer {
  if (oneShot) {
    const b = Buffer.allocUnsafe(data.length + 1);
    b[0] = 0x00;
    b.set(data, 1);
    return oneShot('sha256', b, 'buffer');
  }
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** Leaf hash of a string's UTF-8 bytes without an intermediate Buffer (U+0000 encodes as 0x00). */
export function leafHashOfText(text: string): Buffer {
  if (oneShot) return oneShot('sha256', `\u0000${text}`, 'buffer');
  return createHash('sha256').update(LEAF_PREFIX).update(text, 'utf8').digest();
}

const scratch = Buffer.alloc(1 + 2 * HASH_SIZE);

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (oneShot && left.length === HASH_SIZE && right.length === HASH_SIZE) {
    scratch[0] = 0x01;
    scratch.set(left, 1);
    scratch.set(right, 1 + HASH_SIZE);
    return oneShot('sha256', scratch, 'buffer');
  }
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The JSON object a leaf commits to (see the file comment for the decisions). */
export function leafEnvelope(event: RecordedEvent): Record<string, unknown> {
  return {
    id: event.id,
    stream: event.stream,
    version: event.version.toString(),
    position: event.position.toString(),
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
  };
}

export function leafBytes(event: RecordedEvent): Buffer {
  return Buffer.from(canonicalize(leafEnvelope(event)), 'utf8');
}

export function eventLeafHash(event: RecordedEvent): Buffer {
  return leafHash(leafBytes(event));
}

export interface LeafColumns {
  id: string;
  stream: string;
  version: bigint | number;
  position: bigint | number;
  type: string;
  schemaVersion: number;
  /** RFC 8785 canonical JSON text of data / metadata. */
  dataText: string;
  metadataText: string;
}

/**
 * The canonical envelope text assembled from already-canonical column texts (keys in RFC 8785
 * order: data, id, metadata, position, schemaVersion, stream, type, version). Equal to
 * canonicalize(leafEnvelope(event)) when dataText/metadataText are canonical.
 */
export function spliceLeafText(c: LeafColumns): string {
  return (
    '{"data":' +
    c.dataText +
    ',"id":' +
    JSON.stringify(c.id) +
    ',"metadata":' +
    c.metadataText +
    ',"position":"' +
    String(c.position) +
    '","schemaVersion":' +
    String(c.schemaVersion) +
    ',"stream":' +
    JSON.stringify(c.stream) +
    ',"type":' +
    JSON.stringify(c.type) +
    ',"version":"' +
    String(c.version) +
    '"}'
  );
}

/** Canonical texts of an event's data and metadata, and its leaf hash, computed once. */
export function canonicalLeaf(event: RecordedEvent): { dataText: string; metadataText: string; leaf: Buffer } {
  if (!Number.isSafeInteger(event.schemaVersion)) throw new TypeError('schemaVersion must be an integer');
  const dataText = canonicalize(event.data);
  const metadataText = canonicalize(event.metadata);
  const text = spliceLeafText({ ...event, dataText, metadataText });
  return { dataText, metadataText, leaf: leafHashOfText(text) };
}

export function isHash(value: unknown): value is Buffer {
  return Buffer.isBuffer(value) && value.length === HASH_SIZE;
}
