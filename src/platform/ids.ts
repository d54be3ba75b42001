import { v7 } from 'uuid';

/**
 * A UUIDv7 (RFC 9562) from the `uuid` package: a 48-bit Unix ms timestamp, then a 32-bit
 * counter seeded at random each millisecond (method 3 of RFC 9562 §6.2), then random bits. Ids
 * from one process are unique and strictly increasing, however many are made in a millisecond
 * or if the wall clock steps back (the counter carries into the timestamp).
 *
 * The timestamp is the wall clock at minting, never the injected domain clock: an id says when
 * it was made, which the KurrentDB adapter compares with the server's own record time, while
 * domain time lives in the event (occurredAt, recordedAt).
 */
export function uuidv7(): string {
  return v7();
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID_RE.test(s);
}
