import { createHash, createHmac } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { z } from 'zod';
import type { AffectedIndividual, PostalAddress } from '../domain/affected-individual';
import { isJurisdiction } from '../domain/triage/jurisdictions';
import { Hash64Map } from './hash-set';
import { SipHash128 } from './siphash';

// csv-parse 6 is ESM-first with a CommonJS export; require keeps Jest and tsc (node10) happy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse } = require('csv-parse') as { parse: (options: Record<string, unknown>) => Transform & { info?: { bytes: number } } };

/**
 * Streaming import of an affected-individuals list (RFC 4180 CSV) into NDJSON
 * AffectedIndividual records, to be stored as an encrypted artifact by the caller.
 *
 * Memory is bounded: records stream through; the duplicate index keeps 8 bytes of a keyed
 * hash and a line number per person. Every row is accounted for: accepted, merged into an
 * earlier line (reported), or rejected (reported with line, column and reason, never the value).
 */

/** Where each field comes from: CSV header names. `name` may join several columns (first, last). */
export const columnMappingSchema = z
  .object({
    name: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    line1: z.string().min(1),
    line2: z.string().min(1).optional(),
    city: z.string().min(1),
    state: z.string().min(1),
    zip: z.string().min(1),
    email: z.string().min(1).optional(),
    emailConsent: z.string().min(1).optional(),
    deceased: z.string().min(1).optional(),
    nextOfKinName: z.string().min(1).optional(),
    nextOfKinLine1: z.string().min(1).optional(),
    nextOfKinLine2: z.string().min(1).optional(),
    nextOfKinCity: z.string().min(1).optional(),
    nextOfKinState: z.string().min(1).optional(),
    nextOfKinZip: z.string().min(1).optional(),
  })
  .strict();

export type ColumnMapping = z.infer<typeof columnMappingSchema>;

/** The mapping used when none is given: header names equal to the field names. */
export const DEFAULT_MAPPING: ColumnMapping = {
  name: 'name',
  line1: 'line1',
  line2: 'line2',
  city: 'city',
  state: 'state',
  zip: 'zip',
  email: 'email',
  emailConsent: 'emailConsent',
  deceased: 'deceased',
  nextOfKinName: 'nextOfKinName',
  nextOfKinLine1: 'nextOfKinLine1',
  nextOfKinLine2: 'nextOfKinLine2',
  nextOfKinCity: 'nextOfKinCity',
  nextOfKinState: 'nextOfKinState',
  nextOfKinZip: 'nextOfKinZip',
};

const REQUIRED: Array<keyof ColumnMapping> = ['name', 'line1', 'city', 'state', 'zip'];

export interface ImportIssue {
  line: number;
  kind: 'rejected' | 'merged';
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
  /** Rows merged into an earlier row for the same person. */
  duplicates: number;
  /** Unique individuals per USPS code; `unknown` when no valid state is given. */
  byState: Record<string, number>;
  insufficientContact: number;
  deceased: number;
  /** Deceased people whose next of kin's address is missing: not insufficient contact (164.404(d)(1)(ii)). */
  deceasedWithoutNextOfKinAddress: number;
  emailConsent: number;
  /** SHA-256 of the NDJSON written, hex. */
  digest: string;
  bytes: number;
}

export class ImportFormatError extends Error {
  readonly code = 'IMPORT_FORMAT';
  constructor(message: string, readonly line?: number, readonly column?: string) {
    super(message);
    this.name = 'ImportFormatError';
  }
}

export interface ImportOptions {
  input: Readable;
  /** Receives the NDJSON AffectedIndividual records (PHI: encrypt before it rests). */
  output: Writable;
  /** Receives the NDJSON issue report (no PHI: line, column, reason). */
  report?: Writable;
  mapping?: ColumnMapping;
  /** Key for record ids and the duplicate index (per incident, secret): ids are not PHI-derivable. */
  idKey: Buffer;
  /** Called about every 10 000 rows and at the end with input bytes consumed and rows read. */
  onProgress?: (bytes: number, rows: number) => void;
  /** Largest record accepted, in bytes (guards memory against a runaway quoted field). */
  maxRecordBytes?: number;
}

const ZIP = /^(\d{5})(?:-?(\d{4}))?$/;
const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;
// eslint-disable-next-line no-control-regex
/** Control characters other than tab (line breaks included). */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const MAX_FIELD = 200;

class RowError {
  constructor(readonly column: string, readonly reason: string) {}
}

function clean(v: string | undefined, column: string): string {
  if (v === undefined || v.length === 0) return '';
  // Checked before trimming: a line break anywhere in a mapped field rejects the row (which also
  // lets accepted rows skip the line-break count of their mapped fields).
  if (CONTROL.test(v)) throw new RowError(column, 'contains control characters');
  const t = v.trim();
  if (t.length === 0) return '';
  if (t.length > MAX_FIELD) throw new RowError(column, `longer than ${MAX_FIELD} characters`);
  return t.indexOf('  ') === -1 ? t : t.replace(/ {2,}/g, ' ');
}

function bool(v: string, column: string): boolean {
  if (v === '') return false;
  switch (v.toLowerCase()) {
    case 'true': case 'yes': case 'y': case '1':
      return true;
    case 'false': case 'no': case 'n': case '0':
      return false;
    default:
      throw new RowError(column, 'not a yes/no value (true/false, yes/no, y/n, 1/0)');
  }
}

function state(v: string, column: string): string {
  if (v === '') return '';
  const s = v.toUpperCase();
  if (!isJurisdiction(s)) throw new RowError(column, 'not a USPS state or territory code');
  return s;
}

function zip(v: string, column: string): string {
  if (v === '') return '';
  const m = ZIP.exec(v);
  if (!m) throw new RowError(column, 'not a 5-digit ZIP or ZIP+4');
  return m[2] ? `${m[1]}-${m[2]}` : m[1];
}

/** A complete postal address, or undefined when any required part is missing. */
function address(line1: string, line2: string, city: string, st: string, z: string): PostalAddress | undefined {
  if (!line1 || !city || !st || !z) return undefined;
  // Key order as in the shared record shape.
  return line2 ? { line1, line2, city, state: st, zip: z } : { line1, city, state: st, zip: z };
}

interface Cols {
  /** Columns no field maps to: the only ones an accepted row may carry line breaks in. */
  unmapped: number[];
  name: number[];
  line1: number;
  line2: number;
  city: number;
  state: number;
  zip: number;
  email: number;
  emailConsent: number;
  deceased: number;
  nextOfKinName: number;
  nextOfKinLine1: number;
  nextOfKinLine2: number;
  nextOfKinCity: number;
  nextOfKinState: number;
  nextOfKinZip: number;
}

function resolveColumns(header: string[], mapping: ColumnMapping, explicit: boolean): Cols {
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    const k = h.trim();
    if (index.has(k)) throw new ImportFormatError(`header has column "${k}" twice`, 1, k);
    index.set(k, i);
  });
  const find = (field: keyof ColumnMapping, required: boolean): number => {
    const name = mapping[field];
    if (name === undefined) return -1;
    if (Array.isArray(name)) throw new ImportFormatError(`${field} maps to one column only`);
    const i = index.get(name);
    if (i === undefined) {
      // Optional columns of the default mapping may simply be absent; an explicit mapping must match.
      if (required || explicit) throw new ImportFormatError(`column "${name}" (for ${field}) is not in the header`, 1, field);
      return -1;
    }
    return i;
  };
  const names = Array.isArray(mapping.name) ? mapping.name : [mapping.name];
  const nameIdx = names.map((n) => {
    const i = index.get(n);
    if (i === undefined) throw new ImportFormatError(`column "${n}" (for name) is not in the header`, 1, 'name');
    return i;
  });
  const r = (f: keyof ColumnMapping) => find(f, REQUIRED.includes(f));
  const c = {
    unmapped: [] as number[],
    name: nameIdx,
    line1: r('line1'),
    line2: r('line2'),
    city: r('city'),
    state: r('state'),
    zip: r('zip'),
    email: r('email'),
    emailConsent: r('emailConsent'),
    deceased: r('deceased'),
    nextOfKinName: r('nextOfKinName'),
    nextOfKinLine1: r('nextOfKinLine1'),
    nextOfKinLine2: r('nextOfKinLine2'),
    nextOfKinCity: r('nextOfKinCity'),
    nextOfKinState: r('nextOfKinState'),
    nextOfKinZip: r('nextOfKinZip'),
  };
  const mapped = new Set<number>([...c.name, c.line1, c.line2, c.city, c.state, c.zip, c.email, c.emailConsent, c.deceased,
    c.nextOfKinName, c.nextOfKinLine1, c.nextOfKinLine2, c.nextOfKinCity, c.nextOfKinState, c.nextOfKinZip]);
  for (let i = 0; i < header.length; i++) if (!mapped.has(i)) c.unmapped.push(i);
  return c;
}

interface Parsed {
  record: AffectedIndividual;
  /** Jurisdiction the person is counted under. */
  countState: string;
  /** Identity used for merging duplicates, or null when the row carries too little to tell people apart. */
  dedupeKey: string | null;
}

function lower(s: string): string {
  return s.toLowerCase();
}

/** Validates one data row. Throws RowError naming the mapped field and the reason. */
function parseRow(row: string[], c: Cols): Omit<Parsed, 'record'> & { record: Omit<AffectedIndividual, 'id'> } {
  const at = (i: number, col: string) => (i < 0 ? '' : clean(row[i], col));
  let name: string;
  if (c.name.length === 1) name = clean(row[c.name[0]], 'name');
  else {
    name = '';
    for (const i of c.name) {
      const part = clean(row[i], 'name');
      if (part !== '') name = name === '' ? part : `${name} ${part}`;
    }
  }
  if (name === '') throw new RowError('name', 'is required');
  const line1 = at(c.line1, 'line1');
  const line2 = at(c.line2, 'line2');
  const city = at(c.city, 'city');
  const st = state(at(c.state, 'state'), 'state');
  const z = zip(at(c.zip, 'zip'), 'zip');
  const email = at(c.email, 'email');
  if (email !== '' && (email.length > 254 || !EMAIL.test(email))) throw new RowError('email', 'not an email address');
  const consent = bool(at(c.emailConsent, 'emailConsent'), 'emailConsent');
  if (consent && email === '') throw new RowError('emailConsent', 'consent to electronic notice given without an email address');
  const deceased = bool(at(c.deceased, 'deceased'), 'deceased');
  const nokName = at(c.nextOfKinName, 'nextOfKinName');
  const nokLine1 = at(c.nextOfKinLine1, 'nextOfKinLine1');
  const nokLine2 = at(c.nextOfKinLine2, 'nextOfKinLine2');
  const nokCity = at(c.nextOfKinCity, 'nextOfKinCity');
  const nokState = state(at(c.nextOfKinState, 'nextOfKinState'), 'nextOfKinState');
  const nokZip = zip(at(c.nextOfKinZip, 'nextOfKinZip'), 'nextOfKinZip');
  const hasNok = nokName !== '' || nokLine1 !== '' || nokCity !== '' || nokState !== '' || nokZip !== '';
  if (hasNok && !deceased) throw new RowError('nextOfKinName', 'next of kin given for a person not marked deceased');

  const addr = address(line1, line2, city, st, z);
  const record: Omit<AffectedIndividual, 'id'> = { name } as Omit<AffectedIndividual, 'id'>;
  if (addr) record.address = addr;
  if (email) record.email = email;
  record.emailConsent = consent;
  record.deceased = deceased;
  let nokAddr: PostalAddress | undefined;
  if (deceased && nokName !== '') {
    nokAddr = address(nokLine1, nokLine2, nokCity, nokState, nokZip);
    if (nokAddr) record.nextOfKin = { name: nokName, address: nokAddr };
  }
  // Deceased: notice goes to the next of kin if their address is known; a missing next-of-kin
  // address is not "insufficient contact" (164.404(d)(2), contract). Living: a full postal
  // address, or email with consent to electronic notice.
  record.insufficientContact = !deceased && !addr && !(email !== '' && consent);

  let dedupeKey: string | null = null;
  const n = lower(name);
  if (addr) dedupeKey = `a\u0000${n}\u0000${lower(addr.line1)}\u0000${lower(addr.line2 ?? '')}\u0000${addr.zip.slice(0, 5)}`;
  else if (email) dedupeKey = `e\u0000${n}\u0000${lower(email)}`;
  else if (record.nextOfKin) dedupeKey = `k\u0000${n}\u0000${lower(record.nextOfKin.name)}\u0000${lower(record.nextOfKin.address.line1)}\u0000${record.nextOfKin.address.zip.slice(0, 5)}`;
  return { record, countState: st === '' ? 'unknown' : st, dedupeKey };
}

const q = JSON.stringify;

function addressJson(a: PostalAddress): string {
  return `{"line1":${q(a.line1)},${a.line2 !== undefined ? `"line2":${q(a.line2)},` : ''}"city":${q(a.city)},"state":"${a.state}","zip":"${a.zip}"}`;
}

/**
 * One NDJSON line in the shared AffectedIndividual key order, built directly (equal to
 * JSON.stringify of the record, which a test checks) to keep a million rows cheap.
 */
function serialize(id: string, r: Omit<AffectedIndividual, 'id'>): string {
  let s = `{"id":"${id}","name":${q(r.name)}`;
  if (r.address) s += `,"address":${addressJson(r.address)}`;
  if (r.email !== undefined) s += `,"email":${q(r.email)}`;
  s += `,"emailConsent":${r.emailConsent},"deceased":${r.deceased}`;
  if (r.nextOfKin) s += `,"nextOfKin":{"name":${q(r.nextOfKin.name)},"address":${addressJson(r.nextOfKin.address)}}`;
  return `${s},"insufficientContact":${r.insufficientContact}}`;
}

function newlinesIn(f: string): number {
  let n = 0;
  if (f.length === 0) return 0;
  if (f.indexOf('\n') !== -1) {
    for (let j = 0; j < f.length; j++) if (f.charCodeAt(j) === 10) n++;
  } else if (f.indexOf('\r') !== -1) {
    // A lone CR inside a quoted field is a line break too (CRLF counts once, via its LF).
    for (let j = 0; j < f.length; j++) if (f.charCodeAt(j) === 13) n++;
  }
  return n;
}

/** Line breaks inside a record's quoted fields (all of them, or only the given columns). */
function countNewlines(row: string[], only?: number[]): number {
  let n = 0;
  if (only) for (const i of only) n += newlinesIn(row[i] ?? '');
  else for (let i = 0; i < row.length; i++) n += newlinesIn(row[i]);
  return n;
}

/**
 * Runs the import. Resolves with the summary once the output (and report) are flushed; rejects
 * with ImportFormatError for a file that cannot be read as CSV at all (bad header, unbalanced
 * quotes): the caller discards what was written, nothing is half-stored.
 */
export async function importAffectedIndividuals(opts: ImportOptions): Promise<ImportSummary> {
  const explicit = opts.mapping !== undefined;
  const mapping = explicit ? columnMappingSchema.parse(opts.mapping) : DEFAULT_MAPPING;
  // Ids and the duplicate index: SipHash-2-4-128 keyed by a subkey of the incident's id key.
  const sip = new SipHash128(createHmac('sha256', opts.idKey).update('affected-import/siphash-2-4-128').digest().subarray(0, 16));
  const seen = new Hash64Map(1 << 19);
  const byState = new Map<string, number>();
  const summary: ImportSummary = {
    rows: 0, accepted: 0, rejected: 0, duplicates: 0, byState: {}, insufficientContact: 0,
    deceased: 0, deceasedWithoutNextOfKinAddress: 0, emailConsent: 0, digest: '', bytes: 0,
  };
  let cols: Cols | null = null;
  let width = 0;
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

  const reportOut = opts.report;
  const reportLines: string[] = [];
  const hash = createHash('sha256');
  const BATCH = 512;
  const OUT_CHUNK = 256 * 1024;
  let outBuf = Buffer.allocUnsafeSlow(OUT_CHUNK);
  let outPos = 0;

  const handle = (row: string[]): string | null => {
    const line = nextLine;
    if (row.length === 1 && row[0] === '') {
      nextLine += 1; // empty line
      return null;
    }
    if (cols === null) {
      nextLine += 1 + countNewlines(row);
      cols = resolveColumns(row, mapping, explicit);
      width = row.length;
      return null;
    }
    summary.rows++;
    if (row.length !== width) {
      nextLine += 1 + countNewlines(row);
      summary.rejected++;
      if (reportOut) reportLines.push(JSON.stringify({ line, kind: 'rejected', reason: `expected ${width} columns, found ${row.length}` }));
      return null;
    }
    let parsed;
    try {
      parsed = parseRow(row, cols);
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      nextLine += 1 + countNewlines(row);
      summary.rejected++;
      if (reportOut) reportLines.push(JSON.stringify({ line, kind: 'rejected', column: e.column, reason: e.reason }));
      return null;
    }
    // Mapped fields of an accepted row hold no line breaks (clean() rejects them).
    nextLine += 1 + (cols.unmapped.length > 0 ? countNewlines(row, cols.unmapped) : 0);
    let id: string;
    if (parsed.dedupeKey !== null) {
      const h = sip.hashUtf8(parsed.dedupeKey);
      const first = seen.putIfAbsent(h[0], h[1], line);
      if (first !== -1) {
        summary.duplicates++;
        if (reportOut) {
          reportLines.push(JSON.stringify({ line, kind: 'merged', reason: 'same person as an earlier row', mergedIntoLine: first }));
        }
        return null;
      }
      id = sip.hex();
    } else {
      // Too little to tell people apart: kept as its own person (never undercount).
      sip.hashUtf8(`r\u0000${line}\u0000${parsed.record.name}`);
      id = sip.hex();
    }
    const r = parsed.record;
    summary.accepted++;
    byState.set(parsed.countState, (byState.get(parsed.countState) ?? 0) + 1);
    if (r.insufficientContact) summary.insufficientContact++;
    if (r.deceased) {
      summary.deceased++;
      if (!r.nextOfKin) summary.deceasedWithoutNextOfKinAddress++;
    }
    if (r.emailConsent) summary.emailConsent++;
    return serialize(id, r);
  };

  // The parser is read directly (no per-record stream write machinery); output goes out in
  // 256 KiB chunks, and reading pauses while either sink is over its high-water mark.
  const sink = opts.output;
  let drains = 0;
  let pump: () => void = () => undefined;
  const waitDrain = (w: Writable) => {
    drains++;
    w.once('drain', () => {
      drains--;
      if (drains === 0) pump();
    });
  };
  const writeTo = (w: Writable, chunk: Buffer | string) => {
    if (!w.write(chunk)) waitDrain(w);
  };
  const flushReport = () => {
    if (!reportOut || reportLines.length === 0) return;
    const chunk = reportLines.join('\n') + '\n';
    reportLines.length = 0;
    writeTo(reportOut, chunk);
  };
  const pushOut = () => {
    if (outPos === 0) return;
    const buf = outBuf.subarray(0, outPos);
    outBuf = Buffer.allocUnsafeSlow(OUT_CHUNK);
    outPos = 0;
    hash.update(buf);
    summary.bytes += buf.length;
    writeTo(sink, buf);
  };
  /** Appends one NDJSON line, encoding straight into the output chunk (no intermediate join). */
  const appendLine = (line: string) => {
    if (outPos + line.length * 3 + 1 > outBuf.length) {
      pushOut();
      if (line.length * 3 + 1 > outBuf.length) outBuf = Buffer.allocUnsafeSlow(line.length * 3 + 1);
    }
    outPos += outBuf.write(line, outPos, 'utf8');
    outBuf[outPos++] = 10;
  };
  const finished = (w: Writable) =>
    new Promise<void>((res, rej) => {
      if (w.writableFinished) return res();
      w.once('finish', () => res());
      w.once('error', rej);
    });

  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        opts.input.unpipe(parser);
        opts.input.destroy();
        parser.destroy();
        sink.destroy(e as Error);
        reportOut?.destroy(e as Error);
        reject(e);
      };
      pump = () => {
        if (settled) return;
        try {
          let row: string[] | null;
          while (drains === 0 && (row = parser.read() as string[] | null) !== null) {
            const out = handle(row);
            if (out !== null) appendLine(out);
            if (reportLines.length >= BATCH) flushReport();
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
        try {
          pushOut();
          flushReport();
        } catch (e) {
          return fail(e);
        }
        sink.end();
        finished(sink).then(() => {
          settled = true;
          resolve();
        }, fail);
      });
      parser.on('error', fail);
      opts.input.on('error', fail);
      sink.on('error', fail);
      reportOut?.on('error', fail);
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
  if (reportOut) await new Promise<void>((res, rej) => reportOut.end((err?: Error | null) => (err ? rej(err) : res())));
  bytesIn = parser.info?.bytes ?? bytesIn;
  opts.onProgress?.(bytesIn, summary.rows);
  summary.byState = Object.fromEntries([...byState.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  summary.digest = hash.digest('hex');
  return summary;
}
