import { freeTextScope, type FreeTextFields } from './free-text-sealer';
import { legacyText } from './phi-vault';

/**
 * `node` with `fn` applied to the value at each `path` (dot keys, `*` for every key or element):
 * a copy where something changed, `node` itself where nothing did; `node` is never mutated.
 */
function mapAt(node: unknown, path: readonly string[], fn: (v: unknown) => unknown): unknown {
  if (path.length === 0) return fn(node);
  if (typeof node !== 'object' || node === null || (node as { $phi?: unknown }).$phi === 1) return node;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(node)) {
    if (head !== '*') return node;
    const mapped = node.map((n) => mapAt(n, rest, fn));
    return mapped.some((m, i) => m !== node[i]) ? mapped : node;
  }
  const obj = node as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(obj) : head in obj ? [head] : [];
  let copy: Record<string, unknown> | null = null;
  for (const k of keys) {
    const v = mapAt(obj[k], rest, fn);
    if (v !== obj[k]) (copy ??= { ...obj })[k] = v;
  }
  return copy ?? node;
}

const isClear = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * An event's data as read models and responses should see it: a declared free-text field that
 * still holds clear text (written before the ledger sealed free text) is marked as legacy text
 * (src/phi/phi-vault.ts `LegacyText`), so it is treated like sealed text from there on. The
 * stored event is not touched (the ledger is append-only and hashed); the same data comes back
 * when nothing is clear.
 */
export function markLegacyText(
  fields: FreeTextFields,
  stream: string,
  type: string,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const paths = fields[type];
  if (!paths?.length) return data;
  let scope: string | undefined;
  let out = data;
  for (const path of paths) {
    out = mapAt(out, path.split('.'), (v) => (isClear(v) ? legacyText((scope ??= freeTextScope(stream, data)), v) : v)) as Record<
      string,
      unknown
    >;
  }
  return out;
}

/** How many clear values a stored event's declared free-text fields hold, per field path (never the values). */
export function clearFreeTextFields(fields: FreeTextFields, type: string, data: unknown): Map<string, number> {
  const found = new Map<string, number>();
  for (const path of fields[type] ?? []) {
    mapAt(data, path.split('.'), (v) => {
      if (isClear(v)) found.set(path, (found.get(path) ?? 0) + 1);
      return v;
    });
  }
  return found;
}
