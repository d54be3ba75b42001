import { randomBytes } from 'node:crypto';

let lastMs = -1;
let seq = 0;

/**
 * UUIDv7 (RFC 9562): 48-bit Unix ms timestamp, then random bits. Ids made in the same
 * millisecond stay ordered through a 12-bit counter in rand_a.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  if (nowMs === lastMs) {
    seq = (seq + 1) & 0xfff;
  } else {
    lastMs = nowMs;
    seq = randomBytes(2).readUInt16BE(0) & 0x7ff;
  }
  const b = randomBytes(16);
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = 0x70 | ((seq >> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID_RE.test(s);
}
