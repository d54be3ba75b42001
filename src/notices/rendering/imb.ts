/**
 * USPS Intelligent Mail barcode (USPS-B-3200): 20-digit tracking code (barcode id, service type
 * id, mailer id, serial number) + routing code (ZIP, ZIP+4 or ZIP+4+delivery point) → 65 bars,
 * each F (full), A (ascender), D (descender) or T (tracker). Pure; the spec's steps in order:
 * fields → binary data (BigInt), 11-bit CRC frame check sequence, codewords, characters
 * (5-of-13 / 2-of-13 tables, generated as the spec describes), bars (the spec's bar-to-character
 * table). Tested against published encodings.
 */

export class ImbError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ImbError';
  }
}

export interface ImbFields {
  /** 2 digits, the second 0–4. */
  barcodeId: string;
  /** 3 digits. */
  serviceType: string;
  /** 6 digits (000000–899999) or 9 digits (900000000–999999999). */
  mailerId: string;
  /** 9 digits with a 6-digit mailer id, 6 with a 9-digit one. */
  serial: string;
  /** '', 5, 9 or 11 digits. */
  routing: string;
}

// Spec table: for bar i, the descender is bit DESC_BIT[i] of character DESC_CHAR[i], the ascender
// bit ASC_BIT[i] of character ASC_CHAR[i] (characters A..J = 0..9).
const DESC_CHAR = [
  7, 1, 9, 5, 8, 0, 2, 4, 6, 3, 5, 8, 9, 7, 3, 0, 6, 1, 7, 4, 6, 8, 9, 2, 5, 1, 7, 5, 4, 3, 8, 7, 6, 0, 2, 5, 4, 9, 3, 0, 1, 6, 8, 2, 0, 4,
  5, 9, 6, 7, 5, 2, 6, 3, 8, 5, 1, 9, 8, 7, 4, 0, 2, 6, 3,
];
const DESC_BIT = [
  2, 10, 12, 5, 9, 1, 5, 4, 3, 9, 11, 5, 10, 1, 6, 3, 4, 1, 10, 0, 2, 11, 8, 6, 1, 12, 3, 8, 6, 4, 4, 11, 0, 6, 1, 9, 11, 5, 3, 7, 3, 10, 7,
  11, 8, 2, 10, 3, 5, 8, 0, 3, 12, 11, 8, 4, 5, 1, 3, 0, 7, 12, 9, 8, 10,
];
const ASC_CHAR = [
  4, 0, 2, 6, 3, 5, 1, 9, 8, 7, 1, 2, 0, 6, 4, 8, 2, 9, 5, 3, 0, 1, 3, 7, 4, 6, 8, 9, 2, 0, 5, 1, 9, 4, 3, 8, 6, 7, 1, 2, 4, 3, 9, 5, 7, 8,
  3, 0, 2, 1, 4, 0, 9, 1, 7, 0, 2, 4, 6, 3, 7, 1, 9, 5, 8,
];
const ASC_BIT = [
  3, 0, 8, 11, 1, 12, 8, 11, 10, 6, 4, 12, 2, 7, 9, 6, 7, 9, 2, 8, 4, 0, 12, 7, 10, 9, 0, 7, 10, 5, 7, 9, 6, 8, 2, 12, 1, 4, 2, 0, 1, 5, 4,
  6, 12, 1, 0, 9, 4, 7, 5, 10, 2, 6, 9, 11, 2, 12, 6, 7, 5, 11, 0, 3, 2,
];

function reverse13(v: number): number {
  let r = 0;
  for (let i = 0; i < 13; i++) if (v & (1 << i)) r |= 1 << (12 - i);
  return r;
}

/** The spec's N-of-13 table: pairs (value, its bit reverse) from the front, palindromes from the back. */
function nOf13(n: number, length: number): number[] {
  const table = new Array<number>(length);
  let lo = 0;
  let hi = length - 1;
  for (let v = 0; v < 8192; v++) {
    let bits = 0;
    for (let x = v; x; x >>= 1) bits += x & 1;
    if (bits !== n) continue;
    const r = reverse13(v);
    if (r < v) continue;
    if (r === v) table[hi--] = v;
    else {
      table[lo++] = v;
      table[lo++] = r;
    }
  }
  if (lo !== hi + 1) throw new Error('imb: table generation');
  return table;
}
const TABLE_5 = nOf13(5, 1287);
const TABLE_2 = nOf13(2, 78);

function digits(field: keyof ImbFields, value: string, lengths: number[]): string {
  if (!/^\d*$/.test(value) || !lengths.includes(value.length))
    throw new ImbError(field, `expected ${lengths.join(', ').replace(/, (\d+)$/, ' or $1')} digits`);
  return value;
}

/** Step 1: the fields as one number. */
export function imbBinary(f: ImbFields): bigint {
  const routing = digits('routing', f.routing, [0, 5, 9, 11]);
  const id = digits('barcodeId', f.barcodeId, [2]);
  if (Number(id[1]) > 4) throw new ImbError('barcodeId', 'second digit must be 0–4');
  const stid = digits('serviceType', f.serviceType, [3]);
  const mid = digits('mailerId', f.mailerId, [6, 9]);
  if ((mid.length === 6) === mid.startsWith('9'))
    throw new ImbError('mailerId', 'a 6-digit mailer id is below 900000, a 9-digit one from 900000000');
  const serial = digits('serial', f.serial, [mid.length === 6 ? 9 : 6]);
  let v = 0n;
  if (routing.length === 5) v = BigInt(routing) + 1n;
  else if (routing.length === 9) v = BigInt(routing) + 100000n + 1n;
  else if (routing.length === 11) v = BigInt(routing) + 1000000000n + 100000n + 1n;
  v = v * 10n + BigInt(id[0]!);
  v = v * 5n + BigInt(id[1]!);
  for (const d of stid + mid + serial) v = v * 10n + BigInt(d);
  return v;
}

/** Step 2: the 11-bit CRC over the 102 data bits (13 bytes, the top 2 bits skipped). */
export function imbFcs(binary: bigint): number {
  const bytes: number[] = [];
  for (let i = 12; i >= 0; i--) bytes.push(Number((binary >> BigInt(i * 8)) & 0xffn));
  const poly = 0x0f35;
  let fcs = 0x07ff;
  let data = bytes[0]! << 5;
  for (let bit = 2; bit < 8; bit++) {
    fcs = (fcs ^ data) & 0x400 ? (fcs << 1) ^ poly : fcs << 1;
    fcs &= 0x7ff;
    data <<= 1;
  }
  for (let b = 1; b < 13; b++) {
    data = bytes[b]! << 3;
    for (let bit = 0; bit < 8; bit++) {
      fcs = (fcs ^ data) & 0x400 ? (fcs << 1) ^ poly : fcs << 1;
      fcs &= 0x7ff;
      data <<= 1;
    }
  }
  return fcs;
}

/** The 65 bars, left to right, as the letters F, A, D, T. */
export function encodeImb(f: ImbFields): string {
  const binary = imbBinary(f);
  const fcs = imbFcs(binary);
  // Step 3: codewords A..J.
  const cw = new Array<number>(10);
  let v = binary;
  cw[9] = Number(v % 636n);
  v /= 636n;
  for (let i = 8; i >= 1; i--) {
    cw[i] = Number(v % 1365n);
    v /= 1365n;
  }
  cw[0] = Number(v);
  if (cw[0] > 658) throw new ImbError('routing', 'value out of range');
  // Step 4: orientation in J, the FCS's top bit in A.
  cw[9] *= 2;
  if (fcs & 0x400) cw[0] += 659;
  // Step 5: characters, with the FCS's low 10 bits folded in.
  const chars = cw.map((c, i) => {
    const ch = c < 1287 ? TABLE_5[c]! : TABLE_2[c - 1287]!;
    return fcs & (1 << i) ? ch ^ 0x1fff : ch;
  });
  // Step 6: bars.
  let out = '';
  for (let i = 0; i < 65; i++) {
    const d = (chars[DESC_CHAR[i]!]! >> DESC_BIT[i]!) & 1;
    const a = (chars[ASC_CHAR[i]!]! >> ASC_BIT[i]!) & 1;
    out += d && a ? 'F' : a ? 'A' : d ? 'D' : 'T';
  }
  return out;
}

/** The human-readable tracking + routing digits printed under or beside the bars (optional). */
export function imbDigits(f: ImbFields): string {
  return `${f.barcodeId}${f.serviceType}${f.mailerId}${f.serial}${f.routing}`;
}

/**
 * The serial number of a batch's letter: unique within the batch (chunk × 10,000 + position; a
 * chunk holds at most 10,000 letters), and with a 6-digit mailer id prefixed by 3 digits of the
 * batch id so concurrent batches differ. USPS asks for uniqueness over 45 days per mailer id.
 */
export function imbSerial(mailerId: string, batchHex: string, chunk: number, index: number): string {
  const ordinal = String((chunk * 10000 + index) % 1_000_000).padStart(6, '0');
  if (mailerId.length === 9) return ordinal;
  const prefix = String(parseInt(batchHex.replace(/[^0-9a-f]/gi, '').slice(0, 8) || '0', 16) % 1000).padStart(3, '0');
  return `${prefix}${ordinal}`;
}

/** The routing code of a US ZIP or ZIP+4 ('' when the address has neither). */
export function imbRouting(zip: string): string {
  const d = zip.replace(/[^0-9]/g, '');
  return d.length === 5 || d.length === 9 ? d : '';
}
