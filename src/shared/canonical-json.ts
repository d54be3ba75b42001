/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), the one encoder of the service: ledger rows and
 * Merkle leaves, signed agent messages, idempotency fingerprints and workflow digests all hash
 * these bytes, so its output must never change (test/fixtures/ledger/leaf-hashes.v1.json).
 *
 * - Object keys sorted by UTF-16 code units (Array.prototype.sort's default order), members
 *   whose value is undefined left out; no whitespace.
 * - Numbers in ECMAScript Number::toString form (RFC 8785 §3.2.2.3); -0 is 0; NaN and the
 *   infinities are refused.
 * - Strings escaped as JSON.stringify does, which is RFC 8785 §3.2.2.2. Lone surrogates (outside
 *   I-JSON, so outside JCS) come out as \uXXXX escapes rather than an error, as they always have.
 * - A value with toJSON (Date) is encoded as what toJSON returns; undefined in an array is null.
 *
 * Written as loops rather than map/filter/join: it runs on every append.
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot encode a non-finite number');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const v = value[i];
          out += v === undefined ? 'null' : canonicalize(v);
        }
        return out + ']';
      }
      const maybe = value as { toJSON?: () => unknown };
      if (typeof maybe.toJSON === 'function') return canonicalize(maybe.toJSON());
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const v = obj[k];
        if (v === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += JSON.stringify(k) + ':' + canonicalize(v);
      }
      return out + '}';
    }
    case 'bigint':
      throw new TypeError('canonical JSON cannot encode a bigint: convert it to a string or number first');
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}

/** The UTF-8 bytes of the canonical form (what gets hashed or signed). */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}
