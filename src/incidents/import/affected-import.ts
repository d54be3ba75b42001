import type { Readable, Transform, Writable } from 'node:stream';
import { AffectedIdentities } from './identity';
import type { Normalization } from './normalize';
import { ImportWriter, serializeRecord } from './import-writer';
import { dataColumnsOf, elementsSeen } from './data-columns';
import type { DataElement } from '../../shared/data-elements';
import {
  columnMappingSchema,
  countNewlines,
  DEFAULT_MAPPING,
  ImportFormatError,
  countStateOf,
  parseRow,
  resolveColumns,
  RowError,
  type ColumnMapping,
  type Cols,
} from './row-validation';

export { columnMappingSchema, DEFAULT_MAPPING, ImportFormatError, type ColumnMapping } from './row-validation';

// csv-parse 6 is ESM-first with a CommonJS export; require keeps Jest and tsc (node10) happy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse } = require('csv-parse') as { parse: (options: Record<string, unknown>) => Transform & { info?: { bytes: number } } };

/**
 * Streaming import of an affected-individuals list (RFC 4180 CSV) into NDJSON
 * AffectedIndividual records, to be stored as an encrypted artifact by the caller: rows are
 * validated (row-validation.ts), identified and de-duplicated (identity.ts), and written with
 * back-pressure (import-writer.ts).
 *
 * Memory is bounded: records stream through. Every row is accounted for: accepted, merged into
 * an earlier line (reported), or rejected (reported with line, column and reason, never the value).
 */

export interface ImportIssue {
  line: number;
  /** rejected: kept as an unresolved row; normalized: repaired (change, from → to as shapes). */
  kind: 'rejected' | 'merged' | 'normalized';
  change?: Normalization['change'];
  from?: string;
  to?: string;
  /** Mapped field name (not the value). */
  column?: string;
  reason: string;
  /** For merged duplicates: the line of the first occurrence, which was kept. */
  mergedIntoLine?: number;
}

export interface ImportSummary {
  /** Data rows read (header excluded). */
  rows: number;
  /** Unique individuals written. */
  accepted: number;
  rejected: number;
  /** Rejected rows kept (encrypted) as unresolved: counted in byState under their state or `unknown`. */
  unresolved: number;
  /** Repairs made (normalize.ts), one per field changed. */
  normalized: number;
  /** Rows merged into an earlier row for the same person. */
  duplicates: number;
  /** Unique individuals plus unresolved rows per USPS code; `unknown` when no valid state is given. */
  byState: Record<string, number>;
  insufficientContact: number;
  deceased: number;
  /** Deceased people whose next of kin's address is missing: not insufficient contact (164.404(d)(1)(ii)). */
  deceasedWithoutNextOfKinAddress: number;
  emailConsent: number;
  /** Kinds of information the list's own columns hold (a column with at least one value): codes, never headers or values. */
  dataElements: DataElement[];
  /** Accepted individuals per language the list gives (ISO 639-1; `en` when none is given). */
  languages: Record<string, number>;
  /** SHA-256 of the NDJSON written, hex. */
  digest: string;
  bytes: number;
}

export interface ImportOptions {
  input: Readable;
  /** Receives the NDJSON AffectedIndividual records (PHI: encrypt before it rests). */
  output: Writable;
  /** Receives the NDJSON issue report (no PHI: line, column, reason, kind of repair). */
  report?: Writable;
  /** Receives the rejected rows as NDJSON `{ line, column, reason, state, cells }` (PHI: encrypt before it rests). */
  unresolved?: Writable;
  mapping?: ColumnMapping;
  /** Key for record ids and the duplicate index (per incident, secret): ids are not PHI-derivable. */
  idKey: Buffer;
  /** Called about every 10 000 rows and at the end with input bytes consumed and rows read. */
  onProgress?: (bytes: number, rows: number) => void;
  /** Largest record accepted, in bytes (guards memory against a runaway quoted field). */
  maxRecordBytes?: number;
}

/**
 * Runs the import. Resolves with the summary once the output (and report) are flushed; rejects
 * with ImportFormatError for a file that cannot be read as CSV at all (bad header, unbalanced
 * quotes): the caller discards what was written, nothing is half-stored.
 */
export async function importAffectedIndividuals(opts: ImportOptions): Promise<ImportSummary> {
  const explicit = opts.mapping !== undefined;
  const mapping = explicit ? columnMappingSchema.parse(opts.mapping) : DEFAULT_MAPPING;
  const identities = new AffectedIdentities(opts.idKey);
  const byState = new Map<string, number>();
  const summary: ImportSummary = {
    rows: 0,
    accepted: 0,
    rejected: 0,
    unresolved: 0,
    normalized: 0,
    duplicates: 0,
    byState: {},
    insufficientContact: 0,
    deceased: 0,
    deceasedWithoutNextOfKinAddress: 0,
    emailConsent: 0,
    dataElements: [],
    languages: {},
    digest: '',
    bytes: 0,
  };
  let cols: Cols | null = null;
  let header: string[] = [];
  let width = 0;
  let dataCols: Array<{ index: number; element: DataElement }> = [];
  const elements = new Set<DataElement>();
  const unresolvedLines: string[] = [];
  const count = (st: string) => byState.set(st, (byState.get(st) ?? 0) + 1);
  /** A rejected row is kept whole (PHI, encrypted by the caller) so a person can fix it, and counted. */
  const reject = (line: number, row: string[], reason: string, column?: string) => {
    summary.rejected++;
    summary.unresolved++;
    const st = cols ? countStateOf(row, cols) : 'unknown';
    count(st);
    writer.issue({ line, kind: 'rejected', ...(column ? { column } : {}), reason });
    if (opts.unresolved) {
      const cells: Record<string, string> = {};
      header.forEach((h, i) => (cells[h.trim() || `column${i + 1}`] = row[i] ?? ''));
      unresolvedLines.push(JSON.stringify({ line, ...(column ? { column } : {}), reason, state: st, cells }));
    }
  };
  /** Line on which the next record starts (RFC 4180 lines, 1-based). */
  let nextLine = 1;
  let lastProgress = 0;
  let bytesIn = 0;

  // Empty lines come through as a record of one empty field and are skipped here, so line
  // numbers can be counted from the records themselves (no per-record info objects).
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
    max_record_size: opts.maxRecordBytes ?? 64 * 1024,
  });

  let pump: () => void = () => undefined;
  const writer = new ImportWriter(opts.output, opts.report, () => pump());

  /** One parsed CSV record → an NDJSON line, or null (header, empty line, rejected, merged). */
  const handle = (row: string[]): string | null => {
    const line = nextLine;
    if (row.length === 1 && row[0] === '') {
      nextLine += 1; // empty line
      return null;
    }
    if (cols === null) {
      nextLine += 1 + countNewlines(row);
      cols = resolveColumns(row, mapping, explicit);
      header = row;
      width = row.length;
      for (const h of Object.keys(mapping.dataElements ?? {}))
        if (!row.some((x) => x.trim() === h))
          throw new ImportFormatError(`column "${h}" (for dataElements) is not in the header`, 1, 'dataElements');
      dataCols = dataColumnsOf(header, cols.unmapped, mapping.dataElements);
      return null;
    }
    summary.rows++;
    for (const d of dataCols) if (!elements.has(d.element) && (row[d.index] ?? '').trim() !== '') elements.add(d.element);
    if (row.length !== width) {
      nextLine += 1 + countNewlines(row);
      reject(line, row, `expected ${width} columns, found ${row.length}`);
      return null;
    }
    let parsed;
    const changes: Normalization[] = [];
    try {
      parsed = parseRow(row, cols, changes);
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      nextLine += 1 + countNewlines(row);
      reject(line, row, e.reason, e.column);
      return null;
    }
    for (const ch of changes) writer.issue({ line, kind: 'normalized', ...ch });
    summary.normalized += changes.length;
    // Mapped fields of an accepted row hold no line breaks (row validation rejects them).
    nextLine += 1 + (cols.unmapped.length > 0 ? countNewlines(row, cols.unmapped) : 0);
    const id = identities.identify(parsed.record, line);
    if (typeof id === 'number') {
      summary.duplicates++;
      writer.issue({ line, kind: 'merged', reason: 'same person as an earlier row', mergedIntoLine: id });
      return null;
    }
    const r = parsed.record;
    summary.accepted++;
    count(parsed.countState);
    if (r.insufficientContact) summary.insufficientContact++;
    if (r.deceased) {
      summary.deceased++;
      if (!r.nextOfKin) summary.deceasedWithoutNextOfKinAddress++;
    }
    if (r.emailConsent) summary.emailConsent++;
    const lang = r.language ?? 'en';
    summary.languages[lang] = (summary.languages[lang] ?? 0) + 1;
    return serializeRecord(id, r);
  };

  // The parser is read directly (no per-record stream write machinery); reading pauses while
  // the writer waits for a sink to drain.
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        opts.input.unpipe(parser);
        // Drained, not destroyed: destroying an HTTP request resets the connection before the
        // 400 can be answered (and a file stream is read to its end quickly anyway).
        opts.input.on('error', () => undefined);
        opts.input.resume();
        parser.destroy();
        opts.output.destroy(e as Error);
        opts.report?.destroy(e as Error);
        opts.unresolved?.destroy(e as Error);
        reject(e);
      };
      pump = () => {
        if (settled) return;
        try {
          let row: string[] | null;
          while (!writer.paused && (row = parser.read() as string[] | null) !== null) {
            const out = handle(row);
            if (out !== null) writer.record(out);
            if (opts.onProgress && summary.rows - lastProgress >= 10_000) {
              lastProgress = summary.rows;
              bytesIn = parser.info?.bytes ?? bytesIn;
              opts.onProgress(bytesIn, summary.rows);
            }
          }
        } catch (e) {
          fail(e);
        }
      };
      parser.on('readable', () => pump());
      parser.on('end', () => {
        if (settled) return;
        writer.finishOutput().then(() => {
          settled = true;
          resolve();
        }, fail);
      });
      parser.on('error', fail);
      opts.input.on('error', fail);
      opts.output.on('error', fail);
      opts.report?.on('error', fail);
      opts.input.pipe(parser);
    });
  } catch (e) {
    if (e instanceof ImportFormatError) throw e;
    const err = e as { code?: string; lines?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('CSV_')) {
      // csv-parse messages can quote field content: report only the code and the line.
      throw new ImportFormatError(`CSV cannot be read (${err.code})`, err.lines);
    }
    throw e;
  }
  if (cols === null) throw new ImportFormatError('the file is empty (no header row)', 1);
  await writer.finishReport();
  if (opts.unresolved) await endWith(opts.unresolved, unresolvedLines.length ? `${unresolvedLines.join('\n')}\n` : '');
  bytesIn = parser.info?.bytes ?? bytesIn;
  opts.onProgress?.(bytesIn, summary.rows);
  summary.byState = Object.fromEntries([...byState.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  summary.dataElements = elementsSeen(elements);
  summary.bytes = writer.bytes;
  summary.digest = writer.digest();
  return summary;
}

function endWith(w: Writable, text: string): Promise<void> {
  return new Promise<void>((res, rej) => {
    w.once('error', rej);
    w.end(text, () => res());
  });
}
