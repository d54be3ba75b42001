/**
 * Row validation for the affected-individuals import: the column mapping, the header resolved
 * against it, and each data row checked field by field into an AffectedIndividual record (no
 * id yet). A bad row throws RowError naming the mapped field and the reason, never the value.
 */
import { z } from 'zod';
import type { AffectedIndividual, PostalAddress } from '../domain/affected-individual';
import { normalizeState, normalizeZip, type Normalization } from './normalize';
import { DATA_ELEMENTS } from '../../shared/data-elements';
import { languageCode } from '../../shared/languages';

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
    /** The recipient's language ("es", "Spanish", "español"…): letters and emails in it where templates exist, else English. */
    language: z.string().min(1).optional(),
    /** Columns that hold a kind of information (header → data-element code), beyond those recognized by name. */
    dataElements: z.record(z.string().min(1), z.enum(DATA_ELEMENTS)).optional(),
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
  language: 'language',
};

const REQUIRED: Array<keyof ColumnMapping> = ['name', 'line1', 'city', 'state', 'zip'];

export class ImportFormatError extends Error {
  readonly code = 'IMPORT_FORMAT';
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(message);
    this.name = 'ImportFormatError';
  }
}

const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;
/** Control characters other than tab (line breaks included). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const MAX_FIELD = 200;

export class RowError {
  constructor(
    readonly column: string,
    readonly reason: string,
  ) {}
}

function clean(v: string | undefined, column: string, changes?: Normalization[]): string {
  if (v === undefined || v.length === 0) return '';
  // Checked before trimming: a line break anywhere in a mapped field rejects the row (which also
  // lets accepted rows skip the line-break count of their mapped fields).
  if (CONTROL.test(v)) throw new RowError(column, 'contains control characters');
  const t = v.trim();
  if (t.length === 0) return '';
  if (t.length > MAX_FIELD) throw new RowError(column, `longer than ${MAX_FIELD} characters`);
  const out = t.indexOf('  ') === -1 ? t : t.replace(/ {2,}/g, ' ');
  if (changes && out.length !== v.length) {
    changes.push({ column, change: 'spaces-trimmed', from: `${v.length} characters`, to: `${out.length} characters` });
  }
  return out;
}

function bool(v: string, column: string): boolean {
  if (v === '') return false;
  switch (v.toLowerCase()) {
    case 'true':
    case 'yes':
    case 'y':
    case '1':
      return true;
    case 'false':
    case 'no':
    case 'n':
    case '0':
      return false;
    default:
      throw new RowError(column, 'not a yes/no value (true/false, yes/no, y/n, 1/0)');
  }
}

function state(v: string, column: string, changes?: Normalization[]): string {
  const r = normalizeState(v, column);
  if ('error' in r) throw new RowError(column, r.error);
  if (r.change) changes?.push(r.change);
  return r.code;
}

function zip(v: string, st: string, column: string, changes?: Normalization[]): string {
  const r = normalizeZip(v, st, column);
  if ('error' in r) throw new RowError(column, r.error);
  if (r.change) changes?.push(r.change);
  return r.zip;
}

/** The state a row would be counted under even when the row is rejected: its code, or `unknown`. */
export function countStateOf(row: string[], c: Cols): string {
  if (c.state < 0) return 'unknown';
  const v = (row[c.state] ?? '').trim();
  const r = normalizeState(v, 'state');
  return 'error' in r || r.code === '' ? 'unknown' : r.code;
}

/** A complete postal address, or undefined when any required part is missing. */
function address(line1: string, line2: string, city: string, st: string, z: string): PostalAddress | undefined {
  if (!line1 || !city || !st || !z) return undefined;
  // Key order as in the shared record shape.
  return line2 ? { line1, line2, city, state: st, zip: z } : { line1, city, state: st, zip: z };
}

export interface Cols {
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
  language: number;
}

export function resolveColumns(header: string[], mapping: ColumnMapping, explicit: boolean): Cols {
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    const k = h.trim();
    if (index.has(k)) throw new ImportFormatError(`header has column "${k}" twice`, 1, k);
    index.set(k, i);
  });
  const find = (field: Exclude<keyof ColumnMapping, 'dataElements'>, required: boolean): number => {
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
  const r = (f: Exclude<keyof ColumnMapping, 'dataElements'>) => find(f, REQUIRED.includes(f));
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
    language: r('language'),
  };
  const mapped = new Set<number>([
    ...c.name,
    c.line1,
    c.line2,
    c.city,
    c.state,
    c.zip,
    c.email,
    c.emailConsent,
    c.deceased,
    c.nextOfKinName,
    c.nextOfKinLine1,
    c.nextOfKinLine2,
    c.nextOfKinCity,
    c.nextOfKinState,
    c.nextOfKinZip,
    c.language,
  ]);
  for (let i = 0; i < header.length; i++) if (!mapped.has(i)) c.unmapped.push(i);
  return c;
}

export interface ValidRow {
  record: Omit<AffectedIndividual, 'id'>;
  /** Jurisdiction the person is counted under. */
  countState: string;
}

/**
 * Validates one data row, repairing what is unambiguous (normalize.ts) and pushing each repair to
 * `changes`. Throws RowError naming the mapped field and the reason.
 */
export function parseRow(row: string[], c: Cols, changes?: Normalization[]): ValidRow {
  const at = (i: number, col: string) => (i < 0 ? '' : clean(row[i], col, changes));
  let name: string;
  if (c.name.length === 1) name = clean(row[c.name[0]], 'name', changes);
  else {
    name = '';
    for (const i of c.name) {
      const part = clean(row[i], 'name', changes);
      if (part !== '') name = name === '' ? part : `${name} ${part}`;
    }
  }
  if (name === '') throw new RowError('name', 'is required');
  const line1 = at(c.line1, 'line1');
  const line2 = at(c.line2, 'line2');
  const city = at(c.city, 'city');
  const st = state(at(c.state, 'state'), 'state', changes);
  const z = zip(at(c.zip, 'zip'), st, 'zip', changes);
  const email = at(c.email, 'email');
  if (email !== '' && (email.length > 254 || !EMAIL.test(email))) throw new RowError('email', 'not an email address');
  const consent = bool(at(c.emailConsent, 'emailConsent'), 'emailConsent');
  if (consent && email === '') throw new RowError('emailConsent', 'consent to electronic notice given without an email address');
  const deceased = bool(at(c.deceased, 'deceased'), 'deceased');
  const nokName = at(c.nextOfKinName, 'nextOfKinName');
  const nokLine1 = at(c.nextOfKinLine1, 'nextOfKinLine1');
  const nokLine2 = at(c.nextOfKinLine2, 'nextOfKinLine2');
  const nokCity = at(c.nextOfKinCity, 'nextOfKinCity');
  const nokState = state(at(c.nextOfKinState, 'nextOfKinState'), 'nextOfKinState', changes);
  const nokZip = zip(at(c.nextOfKinZip, 'nextOfKinZip'), nokState, 'nextOfKinZip', changes);
  const hasNok = nokName !== '' || nokLine1 !== '' || nokCity !== '' || nokState !== '' || nokZip !== '';
  if (hasNok && !deceased) throw new RowError('nextOfKinName', 'next of kin given for a person not marked deceased');

  const addr = address(line1, line2, city, st, z);
  const record: Omit<AffectedIndividual, 'id'> = { name } as Omit<AffectedIndividual, 'id'>;
  if (addr) record.address = addr;
  if (email) record.email = email;
  record.emailConsent = consent;
  record.deceased = deceased;
  // An unrecognized language is not a reason to hold a person back: they are written to in English.
  const lang = languageCode(at(c.language, 'language'));
  if (lang) record.language = lang;
  let nokAddr: PostalAddress | undefined;
  if (deceased && nokName !== '') {
    nokAddr = address(nokLine1, nokLine2, nokCity, nokState, nokZip);
    if (nokAddr) record.nextOfKin = { name: nokName, address: nokAddr };
  }
  // Deceased: notice goes to the next of kin if their address is known; a missing next-of-kin
  // address is not "insufficient contact" (164.404(d)(2), contract). Living: a full postal
  // address, or email with consent to electronic notice.
  record.insufficientContact = !deceased && !addr && !(email !== '' && consent);
  return { record, countState: st === '' ? 'unknown' : st };
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
export function countNewlines(row: string[], only?: number[]): number {
  let n = 0;
  if (only) for (const i of only) n += newlinesIn(row[i] ?? '');
  else for (let i = 0; i < row.length; i++) n += newlinesIn(row[i]);
  return n;
}
