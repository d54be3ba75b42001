import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { buildOverlaySet, StateOverlaySet } from '../domain/triage/state-overlays';

/** workflows/state-overlays at the repository root (same relative place from src/ and dist/). */
export const DEFAULT_OVERLAYS_DIR = resolve(__dirname, '..', '..', '..', 'workflows', 'state-overlays');

const cache = new Map<string, StateOverlaySet>();

/**
 * Reads and validates every *.yaml overlay in `dir` (once per directory; the files are data
 * shipped with the release). A bad file fails loudly at start, naming the file and field.
 */
export function loadStateOverlays(dir: string = process.env.SAFEHARBOR_STATE_OVERLAYS_DIR ?? DEFAULT_OVERLAYS_DIR): StateOverlaySet {
  const hit = cache.get(dir);
  if (hit) return hit;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const set = buildOverlaySet(files.map((f) => ({ source: f, doc: parse(readFileSync(join(dir, f), 'utf8')) })));
  cache.set(dir, set);
  return set;
}
