import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { buildOverlaySet, StateOverlayError, type OverlayDocument, type StateOverlaySet } from '../domain/triage/state-overlays';

/** workflows/state-overlays at the repository root (same relative place from src/ and dist/). */
export const DEFAULT_OVERLAYS_DIR = resolve(__dirname, '..', '..', '..', 'workflows', 'state-overlays');

const cache = new Map<string, StateOverlaySet>();

/** Parses one overlay file's text, with a way to find the line of a field path (for messages). */
export function parseOverlayText(source: string, text: string): OverlayDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new StateOverlayError(source, '(yaml)', e.message.split('\n')[0], e.linePos?.[0]?.line);
  }
  const lineOf = (path: ReadonlyArray<PropertyKey>): number | undefined => {
    // The nearest node that exists on the path (a missing field is reported at its parent).
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { source, doc: doc.toJS(), lineOf };
}

/**
 * Reads and validates every *.yaml overlay in `dir` (once per directory; the files are data
 * shipped with the release). A bad file fails loudly at start, naming the file, field and line.
 * Sub-folders (the case tables under tests/) are not read.
 */
export function loadStateOverlays(dir: string = process.env.SAFEHARBOR_STATE_OVERLAYS_DIR ?? DEFAULT_OVERLAYS_DIR): StateOverlaySet {
  const hit = cache.get(dir);
  if (hit) return hit;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const set = buildOverlaySet(files.map((f) => parseOverlayText(f, readFileSync(join(dir, f), 'utf8'))));
  cache.set(dir, set);
  return set;
}
