/**
 * A faster RFC 8785 encoder for the append path, output-identical to src/ledger/canonical-json
 * (property-tested against it): loops instead of map/filter/join, no intermediate arrays for
 * entries. Keys sort by UTF-16 code units (Array.prototype.sort's default order).
 */
export function canonicalizeFast(value: unknown): string {
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
          out += v === undefined ? 'null' : canonicalizeFast(v);
        }
        return out + ']';
      }
      const maybe = value as { toJSON?: () => unknown };
      if (typeof maybe.toJSON === 'function') return canonicalizeFast(maybe.toJSON());
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
        out += JSON.stringify(k) + ':' + canonicalizeFast(v);
      }
      return out + '}';
    }
    case 'bigint':
      throw new TypeError('canonical JSON cannot encode a bigint: convert it to a string or number first');
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}
