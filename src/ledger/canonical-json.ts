/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code units, no
 * whitespace, numbers in ECMAScript shortest form, strings escaped as JSON.stringify does
 * (which matches RFC 8785 §3.2.2.2). Leaves of the Merkle tree hash these bytes.
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot encode a non-finite number');
      return JSON.stringify(value); // ES Number::toString is the RFC 8785 form; -0 becomes 0
    case 'bigint':
      throw new TypeError('canonical JSON cannot encode a bigint: convert it to a string or number first');
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalize(v === undefined ? null : v)).join(',')}]`;
      const maybe = value as { toJSON?: () => unknown };
      if (typeof maybe.toJSON === 'function') return canonicalize(maybe.toJSON());
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}
