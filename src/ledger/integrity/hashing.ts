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
import { createHash } from 'node:crypto';
import { canonicalBytes } from '../canonical-json';
import type { RecordedEvent } from '../port';

export const HASH_SIZE = 32;
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256(""). */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
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
  return canonicalBytes(leafEnvelope(event));
}

export function eventLeafHash(event: RecordedEvent): Buffer {
  return leafHash(leafBytes(event));
}

export function isHash(value: unknown): value is Buffer {
  return Buffer.isBuffer(value) && value.length === HASH_SIZE;
}
