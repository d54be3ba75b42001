import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  buildOverlaySet,
  compileOverlaySet,
  overlaySetFromCompiled,
  StateOverlayError,
  type CompiledOverlayFile,
  type OverlayDocument,
  type StateOverlaySet,
} from '../domain/triage/state-overlays';

/** workflows/state-overlays at the repository root (same relative place from src/ and dist/). */
export const DEFAULT_OVERLAYS_DIR = resolve(__dirname, '..', '..', '..', 'workflows', 'state-overlays');

/**
 * Where `npm run build` leaves the overlays compiled to JSON (scripts/compile-overlays.js): parsing
 * and validating 54 YAML files costs most of a `safeharbor triage` run. Used only while fresh.
 */
export const COMPILED_OVERLAYS_FILE = join(__dirname, 'state-overlays.compiled.json');

interface CompiledOverlays {
  /** Each YAML file's name and SHA-256: the compiled set is used only when the directory still holds exactly these. */
  files: Record<string, string>;
  overlays: CompiledOverlayFile[];
}

const cache = new Map<string, StateOverlaySet>();

/** Parses one overlay file's text, with a way to find the line of a field path (for messages). */
export function parseOverlayText(source: string, text: string): OverlayDocument {
  // Loaded here: a run that finds fresh compiled overlays never loads the YAML parser.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { isNode, LineCounter, parseDocument } = require('yaml') as typeof import('yaml');
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

/** The overlay files of `dir` (sub-folders such as the case tables under tests/ are not read), with their text. */
function overlayFiles(dir: string): Array<{ name: string; text: string }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The compiled set, when it exists and was compiled from exactly these files. */
function freshCompiled(files: Array<{ name: string; text: string }>, compiledFile: string): StateOverlaySet | null {
  if (!existsSync(compiledFile)) return null;
  const compiled = JSON.parse(readFileSync(compiledFile, 'utf8')) as CompiledOverlays;
  const names = Object.keys(compiled.files);
  if (names.length !== files.length || files.some((f) => compiled.files[f.name] !== sha256(f.text))) return null;
  return overlaySetFromCompiled(compiled.overlays);
}

/**
 * Reads and validates every *.yaml overlay in `dir` (once per directory; the files are data
 * shipped with the release). A bad file fails loudly at start, naming the file, field and line.
 * The compiled JSON of a build is used instead while it matches the files byte for byte.
 */
export function loadStateOverlays(
  dir: string = process.env.SAFEHARBOR_STATE_OVERLAYS_DIR ?? DEFAULT_OVERLAYS_DIR,
  compiledFile: string = COMPILED_OVERLAYS_FILE,
): StateOverlaySet {
  const hit = cache.get(dir);
  if (hit) return hit;
  const files = overlayFiles(dir);
  const set = freshCompiled(files, compiledFile) ?? buildOverlaySet(files.map((f) => parseOverlayText(f.name, f.text)));
  cache.set(dir, set);
  return set;
}

/** The JSON a build writes to COMPILED_OVERLAYS_FILE: `dir`'s overlays, validated (throws on a bad file). */
export function compileStateOverlays(dir: string = DEFAULT_OVERLAYS_DIR): string {
  const files = overlayFiles(dir);
  const set = buildOverlaySet(files.map((f) => parseOverlayText(f.name, f.text)));
  const compiled: CompiledOverlays = {
    files: Object.fromEntries(files.map((f) => [f.name, sha256(f.text)])),
    overlays: compileOverlaySet(set),
  };
  return JSON.stringify(compiled);
}
