import { ValidationError } from '../errors';

/**
 * Bounds on a JSON body, checked on the raw bytes before JSON.parse and before anything walks
 * the value (canonicalize for Idempotency-Key fingerprints, zod, the ledger's encoder all
 * recurse). The size bound is the body parser's `limit` (BODY_LIMIT); this adds the nesting
 * depth and the count of values, so a hostile body is a 400, never a RangeError.
 */
export interface JsonLimits {
  maxDepth: number;
  maxValues: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxValues: 100_000 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** Throws ValidationError when `body` nests deeper than `maxDepth` or holds more than `maxValues` members. */
export function assertJsonWithinLimits(body: Uint8Array, limits: JsonLimits = DEFAULT_JSON_LIMITS): void {
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      values++;
      if (depth > limits.maxDepth) throw ValidationError.field('(body)', `JSON nests deeper than ${limits.maxDepth} levels`);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
    else if (c === COMMA) values++;
    if (values > limits.maxValues) throw ValidationError.field('(body)', `JSON holds more than ${limits.maxValues} values`);
  }
}

/** The body parser's `verify` hook: runs on the raw bytes before JSON.parse. */
export function jsonLimitsVerifier(limits: JsonLimits = DEFAULT_JSON_LIMITS) {
  return (_req: unknown, _res: unknown, buf: Buffer): void => assertJsonWithinLimits(buf, limits);
}
