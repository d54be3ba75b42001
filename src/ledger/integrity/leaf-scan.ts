/**
 * The leaf scan under `ledger verify`: recompute each stored event's leaf (a fast path over the
 * canonical row bytes, else parse and re-encode), compare it with the stored leaf, and fold the
 * chunk into subtree roots that the caller (one thread, or worker threads) joins in order.
 */
import { eventLeafHash, HASH_SIZE, leafHashOfText, nodeHash, spliceLeafText } from './hashing';
import { rootOf } from './merkle';
import type { VerifyFailure, VerifyFailureKind } from './verify';

/**
 * The leaf hash of a stored row. Fast path: rows are stored canonically, so the envelope text is
 * assembled from the column texts and hashed directly. Soundness against text re-split between
 * columns with the envelope bytes unchanged: the id, position, schemaVersion, stream, type and
 * version tokens are self-delimiting, so any such re-split moves the data/metadata boundary, and
 * then the metadata column is either a proper suffix of a JSON object or starts with the tail of
 * the data object — invalid JSON in both cases. So the fast path is accepted only when the
 * metadata column parses. Otherwise (a row stored by a writer that did not canonicalize, or an
 * altered row): parse and re-encode.
 */
function rowLeaf(row: unknown[], stored: Buffer): Buffer | null {
  const [position, id, stream, version, type, schemaVersion, data, metadata] = row as [
    number,
    string,
    string,
    number,
    string,
    number,
    string,
    string,
  ];
  const fast = leafHashOfText(
    spliceLeafText({ id, stream, version, position, type, schemaVersion, dataText: data, metadataText: metadata }),
  );
  let parsedMeta: unknown;
  try {
    parsedMeta = JSON.parse(metadata);
  } catch {
    return null;
  }
  if (fast.equals(stored)) return fast;
  try {
    return eventLeafHash({
      id,
      stream,
      version: BigInt(version),
      position: BigInt(position),
      type,
      schemaVersion: Number(schemaVersion),
      data: JSON.parse(data) as Record<string, unknown>,
      metadata: parsedMeta as never,
    });
  } catch {
    return null;
  }
}

// ---- chunked scanning (shared by the sequential and the parallel verifier) -------------------

export interface RowSource {
  rawRowsAfter(after: number, limit: number): unknown[][];
  /** [position, leaf text or null] — see LEAF_TEXT_SQL. */
  leafTextsAfter(after: number, limit: number): unknown[][];
  /** The stored leaves [from, from + count) as count × 32 bytes, or null unless all are there. */
  storedLeafPage(from: number, count: number): Buffer | null;
  storedLeafArray(from: number, count: number): Array<Buffer | undefined>;
}

/**
 * The leaf text assembled by SQLite from the columns (spliceLeafText's text), so the verifier
 * hashes it without building strings in JS. The id, stream and type go through json_quote, so
 * they stay self-delimiting tokens as in spliceLeafText (where its quoting differs from
 * JSON.stringify, on rare characters, the hash differs and the per-row path decides). The
 * soundness condition of rowLeaf (the metadata column is valid JSON) is json_valid's RFC 8259
 * check; a row that fails it gets NULL and the per-row path.
 */
const LEAF_TEXT_SQL = `SELECT position, CASE WHEN json_valid(metadata) THEN
    '{"data":' || data || ',"id":' || json_quote(id) || ',"metadata":' || metadata || ',"position":"' || position ||
    '","schemaVersion":' || schema_version || ',"stream":' || json_quote(stream) || ',"type":' || json_quote(type) ||
    ',"version":"' || version || '"}'
  END
  FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`;

/** A page of stored leaf hashes as one buffer (one allocation instead of one per leaf). */
const LEAF_PAGE_SQL = `SELECT count(*), unhex(group_concat(hex(hash), '')) FROM
  (SELECT hash FROM integrity_nodes WHERE level = 0 AND idx >= ? AND idx < ? ORDER BY idx ASC)`;

type RawStatement = { all(...a: unknown[]): unknown[] };

/** Row access on any better-sqlite3 connection (the worker threads open their own, read-only). */
export class DbRowReader implements RowSource {
  private readonly rows: RawStatement;
  private readonly leafTexts: RawStatement;
  private readonly leafPage: RawStatement;
  private readonly leaves: RawStatement;
  constructor(db: { prepare(sql: string): { raw(v: boolean): RawStatement } }) {
    this.leafTexts = db.prepare(LEAF_TEXT_SQL).raw(true);
    this.leafPage = db.prepare(LEAF_PAGE_SQL).raw(true);
    this.rows = db
      .prepare(
        'SELECT position, id, stream, version, type, schema_version, data, metadata FROM events WHERE position > ? ORDER BY position ASC LIMIT ?',
      )
      .raw(true);
    this.leaves = db.prepare('SELECT idx, hash FROM integrity_nodes WHERE level = 0 AND idx >= ? AND idx < ? ORDER BY idx ASC').raw(true);
  }
  rawRowsAfter(after: number, limit: number): unknown[][] {
    return this.rows.all(after, limit) as unknown[][];
  }
  leafTextsAfter(after: number, limit: number): unknown[][] {
    return this.leafTexts.all(after, limit) as unknown[][];
  }
  storedLeafPage(from: number, count: number): Buffer | null {
    const [n, page] = this.leafPage.all(from, from + count)[0] as [number, Buffer | null];
    return n === count && page && page.length === count * HASH_SIZE ? page : null;
  }
  storedLeafArray(from: number, count: number): Array<Buffer | undefined> {
    const out: Array<Buffer | undefined> = new Array(count);
    for (const r of this.leaves.all(from, from + count) as Array<[number, Buffer]>) out[r[0] - from] = r[1];
    return out;
  }
}

export interface ChunkFailure {
  kind: VerifyFailureKind;
  reason: string;
  position: number;
}

export interface ChunkResult {
  /** Compact ranges of [from, size) at each requested size reached, in order. */
  snapshots: Array<{ size: number; levels: number[]; hashes: Buffer[] }>;
  /** Compact range of [from, endSize). */
  levels: number[];
  hashes: Buffer[];
  endSize: number;
  failure?: ChunkFailure;
}

/**
 * Verifies the stored leaves of positions from+1 .. to (or to the end) against the events and
 * folds them into a compact range of [from, …). `from` must be aligned for the result to be
 * combinable (any value for a single whole-ledger scan, starting from `startLevels`).
 */
export function scanChunk(
  src: RowSource,
  from: number,
  to: number,
  sizes: ReadonlySet<number>,
  onProgress?: (position: number) => void,
  startLevels: number[] = [],
  startHashes: Buffer[] = [],
): ChunkResult {
  const PAGE = 4000;
  const levels = startLevels.slice();
  const hashes = startHashes.slice();
  const snapshots: ChunkResult['snapshots'] = [];
  let size = from;
  const done = (failure?: ChunkFailure): ChunkResult => ({ snapshots, levels, hashes, endSize: size, failure });
  while (size < to) {
    const want = Math.min(PAGE, to - size);
    const rows = src.leafTextsAfter(size, want);
    if (rows.length === 0) break;
    const first = Number(rows[0][0]);
    // the common case: every stored leaf of the page in one buffer; else one lookup per row
    const page = src.storedLeafPage(first - 1, rows.length);
    const leaves = page ? null : src.storedLeafArray(first - 1, rows.length);
    for (const row of rows) {
      const position = Number(row[0]);
      if (position !== size + 1)
        return done({ kind: 'gap', reason: `position ${size + 1} is missing from the ledger (deleted)`, position: size + 1 });
      const i = position - first;
      const stored = page ? null : leaves![i];
      if (!page && !stored)
        return done({
          kind: 'leaf-missing',
          reason: `position ${position}: no leaf hash was recorded for this event (a row written outside the ledger: not adopted)`,
          position,
        });
      // fast: hash the text SQLite assembled; else (NULL, or a mismatch that the canonical
      // re-encoding may still explain) the per-row path over the columns
      const text = row[1] as string | null;
      const fast = text === null ? null : leafHashOfText(text);
      let lh: Buffer | null;
      if (fast && (page ? fast.compare(page, i * HASH_SIZE, (i + 1) * HASH_SIZE) === 0 : fast.equals(stored!))) lh = fast;
      else {
        const expected = page ? Buffer.from(page.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)) : stored!;
        lh = rowLeaf(src.rawRowsAfter(position - 1, 1)[0], expected);
        if (lh !== null && !lh.equals(expected)) {
          return done({
            kind: 'event-changed',
            reason: `position ${position}: the stored event does not match the leaf hash recorded when it was appended (event altered)`,
            position,
          });
        }
      }
      if (lh === null)
        return done({ kind: 'event-changed', reason: `position ${position}: the stored event is no longer valid JSON`, position });
      pushNode(levels, hashes, 0, lh);
      size += 1;
      if (sizes.has(size)) snapshots.push({ size, levels: levels.slice(), hashes: hashes.slice() });
      if (onProgress && position % 5000 === 0) onProgress(position);
    }
    if (rows.length < want) break;
  }
  return done();
}

/** Appends a perfect subtree of `level` to a compact range (carrying equal levels). */
export function pushNode(levels: number[], hashes: Buffer[], level: number, hash: Buffer): void {
  let h = hash;
  let l = level;
  while (levels.length > 0 && levels[levels.length - 1] === l) {
    levels.pop();
    h = nodeHash(hashes.pop()!, h);
    l += 1;
  }
  levels.push(l);
  hashes.push(h);
}

function rootOfRange(levels: readonly number[], hashes: readonly Buffer[]): Buffer {
  return rootOf({ size: 0, frontier: levels.map((level, i) => ({ level, hash: hashes[i] })) });
}

/**
 * Folds one chunk's result into the running compact range `acc` (mutated), checking every
 * expectation the chunk reached in order, then the chunk's own failure.
 */
export function foldChunk(
  acc: { levels: number[]; hashes: Buffer[] },
  chunk: ChunkResult,
  check: (size: number, root: Buffer) => VerifyFailure | null,
): VerifyFailure | null {
  const base = acc.levels.length;
  for (const snap of chunk.snapshots) {
    const lv = acc.levels.slice(0, base);
    const hs = acc.hashes.slice(0, base);
    for (let i = 0; i < snap.levels.length; i++) pushNode(lv, hs, snap.levels[i], snap.hashes[i]);
    const bad = check(snap.size, rootOfRange(lv, hs));
    if (bad) return bad;
  }
  for (let i = 0; i < chunk.levels.length; i++) pushNode(acc.levels, acc.hashes, chunk.levels[i], chunk.hashes[i]);
  if (chunk.failure) return { ok: false, ...chunk.failure };
  return null;
}
