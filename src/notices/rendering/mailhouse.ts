/**
 * Print-ready files for a mail house: many letter PDFs merged into one PDF (e.g. 1,000 letters
 * a file) without re-rendering, plus a manifest (letter id, page range, SHA-256 of the letter's
 * own PDF) so the mail house and returned-mail processing can tie every sheet back to a letter.
 *
 * The merger reads the PDFs this service produces (pdfkit: classic xref, one object per
 * "N 0 obj … endobj", streams with a direct /Length). It copies each letter's page objects and
 * everything they reference byte for byte, renumbering indirect references, and writes a new
 * page tree. Anything it does not understand is an error, never a silently broken print file.
 */
import { createHash } from 'node:crypto';

export class PdfMergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PdfMergeError';
  }
}

interface PdfObject {
  num: number;
  /** Text of the object before "stream" (or the whole object when there is no stream). */
  head: string;
  /** Raw stream bytes (without "stream\n" / "\nendstream"). */
  stream?: Buffer;
}

const OBJ_RE = /(\d+) 0 obj\n/g;

function parseObjects(pdf: Buffer): { objects: Map<number, PdfObject>; rootNum: number } {
  const latin = pdf.toString('latin1');
  const objects = new Map<number, PdfObject>();
  OBJ_RE.lastIndex = 0;
  let pos = 0;
  for (;;) {
    OBJ_RE.lastIndex = pos;
    const m = OBJ_RE.exec(latin);
    if (!m) break;
    const num = Number(m[1]);
    const start = m.index + m[0].length;
    const endobj = latin.indexOf('\nendobj', start);
    const streamAt = latin.indexOf('\nstream\n', start);
    if (endobj < 0) throw new PdfMergeError('object without endobj');
    if (streamAt >= 0 && streamAt < endobj) {
      const head = latin.slice(start, streamAt);
      const len = /\/Length (\d+)\b/.exec(head);
      if (!len) throw new PdfMergeError(`stream object ${num} has no direct /Length`);
      const dataStart = streamAt + '\nstream\n'.length;
      const dataEnd = dataStart + Number(len[1]);
      const tail = latin.slice(dataEnd, dataEnd + 20);
      if (!/^\n?endstream\nendobj/.test(tail)) throw new PdfMergeError(`stream object ${num} length mismatch`);
      objects.set(num, { num, head, stream: pdf.subarray(dataStart, dataEnd) });
      pos = latin.indexOf('endobj', dataEnd) + 6;
    } else {
      objects.set(num, { num, head: latin.slice(start, endobj) });
      pos = endobj + 7;
    }
  }
  const root = /\/Root (\d+) 0 R/.exec(latin.slice(latin.lastIndexOf('trailer')));
  if (!root) throw new PdfMergeError('no trailer /Root');
  return { objects, rootNum: Number(root[1]) };
}

const REF_RE = /(?<![\d.])(\d+) 0 R\b/g;

/** Calls fn on every "N 0 R" outside string literals; returns the text with replacements. */
function mapRefs(text: string, fn: (n: number) => number): string {
  // Fast path: no string literal to step over (most objects: pages, fonts, streams' dictionaries).
  if (!text.includes('(')) return text.replace(REF_RE, (_, n: string) => `${fn(Number(n))} 0 R`);
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '(') {
      // literal string: copy through, honouring escapes and nesting
      let depth = 0;
      const s = i;
      for (; i < text.length; i++) {
        const ch = text[i]!;
        if (ch === '\\') {
          i++;
          continue;
        }
        if (ch === '(') depth++;
        else if (ch === ')' && --depth === 0) {
          i++;
          break;
        }
      }
      out += text.slice(s, i);
      continue;
    }
    const m = /^(\d+) 0 R\b/.exec(text.slice(i, i + 24));
    if (m && (i === 0 || !/[\d.]/.test(text[i - 1]!))) {
      out += `${fn(Number(m[1]))} 0 R`;
      i += m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function refsOf(text: string): number[] {
  const out: number[] = [];
  mapRefs(text, (n) => {
    out.push(n);
    return n;
  });
  return out;
}

export interface ManifestEntry {
  letterId: string;
  /** 1-based inclusive page range in the merged file. */
  firstPage: number;
  lastPage: number;
  /** SHA-256 of the letter's own PDF (the proof-of-notice digest). */
  sha256: string;
}

export interface MergedPrintFile {
  pdf: Buffer;
  sha256: string;
  pages: number;
  manifest: ManifestEntry[];
}

export interface LetterInput {
  letterId: string;
  pdf: Buffer;
}

/**
 * Merges letters in order. With duplex, each letter is padded to an even page count so no
 * sheet carries two people's letters.
 */
export function mergeLetters(letters: LetterInput[], options: { duplex?: boolean; title?: string } = {}): MergedPrintFile {
  const parts: Buffer[] = [];
  let offset = 0;
  const xref: number[] = [0];
  let next = 1;
  const write = (s: string | Buffer) => {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    parts.push(b);
    offset += b.length;
  };
  write('%PDF-1.3\n%\xff\xff\xff\xff\n');
  const pagesNum = next++;
  const catalogNum = next++;
  const infoNum = next++;
  const kids: number[] = [];
  const manifest: ManifestEntry[] = [];
  let blankContent: number | null = null;
  let mediaBox = '[0 0 612 792]';

  const emit = (num: number, head: string, stream?: Buffer) => {
    xref[num] = offset;
    write(`${num} 0 obj\n${head}`);
    if (stream) {
      write('\nstream\n');
      write(stream);
      write('\nendstream');
    }
    write('\nendobj\n');
  };

  for (const letter of letters) {
    const { objects, rootNum } = parseObjects(letter.pdf);
    const root = objects.get(rootNum);
    const pagesRef = root && /\/Pages (\d+) 0 R/.exec(root.head);
    const pagesObj = pagesRef && objects.get(Number(pagesRef[1]));
    const kidsM = pagesObj && /\/Kids \[([^\]]*)\]/.exec(pagesObj.head);
    if (!kidsM) throw new PdfMergeError(`letter ${letter.letterId}: no page tree`);
    const pageNums = refsOf(kidsM[1]!);
    const pagesTreeNum = Number(pagesRef![1]);
    // Objects reachable from the pages, not through /Parent.
    const keep = new Set<number>();
    const stack = [...pageNums];
    while (stack.length) {
      const n = stack.pop()!;
      if (keep.has(n) || n === pagesTreeNum) continue;
      const o = objects.get(n);
      if (!o) throw new PdfMergeError(`letter ${letter.letterId}: missing object ${n}`);
      keep.add(n);
      for (const r of refsOf(o.head)) if (!keep.has(r)) stack.push(r);
    }
    const renum = new Map<number, number>();
    for (const n of [...keep].sort((a, b) => a - b)) renum.set(n, next++);
    for (const n of [...keep].sort((a, b) => a - b)) {
      const o = objects.get(n)!;
      const head = mapRefs(o.head, (r) =>
        r === pagesTreeNum
          ? pagesNum
          : (renum.get(r) ??
            (() => {
              throw new PdfMergeError(`dangling reference ${r}`);
            })()),
      );
      emit(renum.get(n)!, head, o.stream);
    }
    const firstPage = kids.length + 1;
    for (const p of pageNums) kids.push(renum.get(p)!);
    const mb = /\/MediaBox (\[[^\]]*\])/.exec(objects.get(pageNums[0]!)!.head);
    if (mb) mediaBox = mb[1]!;
    if (options.duplex && pageNums.length % 2 === 1) {
      if (blankContent === null) {
        blankContent = next++;
        emit(blankContent, '<<\n/Length 0\n>>', Buffer.alloc(0));
      }
      const blank = next++;
      emit(blank, `<<\n/Type /Page\n/Parent ${pagesNum} 0 R\n/MediaBox ${mediaBox}\n/Contents ${blankContent} 0 R\n/Resources <<\n>>\n>>`);
      kids.push(blank);
    }
    manifest.push({
      letterId: letter.letterId,
      firstPage,
      lastPage: kids.length,
      sha256: createHash('sha256').update(letter.pdf).digest('hex'),
    });
  }
  emit(pagesNum, `<<\n/Type /Pages\n/Count ${kids.length}\n/Kids [${kids.map((k) => `${k} 0 R`).join(' ')}]\n>>`);
  emit(catalogNum, `<<\n/Type /Catalog\n/Pages ${pagesNum} 0 R\n>>`);
  const title = (options.title ?? 'Mail house print file').replace(/[()\\]/g, '');
  emit(infoNum, `<<\n/Producer (Safe Harbor)\n/Title (${title})\n>>`);
  const xrefAt = offset;
  let x = `xref\n0 ${next}\n0000000000 65535 f \n`;
  for (let n = 1; n < next; n++) {
    const off = xref[n];
    if (off === undefined) throw new PdfMergeError(`object ${n} was never written`);
    x += `${String(off).padStart(10, '0')} 00000 n \n`;
  }
  write(x);
  write(`trailer\n<<\n/Size ${next}\n/Root ${catalogNum} 0 R\n/Info ${infoNum} 0 R\n>>\nstartxref\n${xrefAt}\n%%EOF\n`);
  const pdf = Buffer.concat(parts);
  return { pdf, sha256: createHash('sha256').update(pdf).digest('hex'), pages: kids.length, manifest };
}

export const MANIFEST_HEADER = 'file,reference,page_offset,page_count,sheet_count,first_page,last_page,sha256,imb';

/**
 * The manifest as CSV, one row per letter, for the mail house to reconcile what it prints and
 * inserts: the file, the letter's reference (printed in its footer), where it starts (0-based
 * page offset), its pages and sheets (duplex: two pages a sheet, padding included), its
 * 1-based page range, the SHA-256 of the letter's own PDF, and its Intelligent Mail barcode
 * digits when one is printed. Page counts add up to the file's pages, sheet counts to its sheets.
 */
export function manifestCsv(
  file: string,
  m: ManifestEntry[],
  options: { duplex?: boolean; imb?: ReadonlyMap<string, string> } = {},
): string {
  const rows = m.map((e) => {
    const pages = e.lastPage - e.firstPage + 1;
    const sheets = options.duplex ? Math.ceil(pages / 2) : pages;
    return [file, e.letterId, e.firstPage - 1, pages, sheets, e.firstPage, e.lastPage, e.sha256, options.imb?.get(e.letterId) ?? ''].join(
      ',',
    );
  });
  return [MANIFEST_HEADER, ...rows].join('\n') + '\n';
}

/**
 * One letter back out of a print file, for proof of notice (issue 15 item 5: each letter is
 * stored once, inside its print file). The print file is parsed once; `letter(first, last)`
 * gives a standalone PDF of that page range (the letter and its duplex padding) with the objects
 * those pages reference, renumbered from 1 — deterministic, so its SHA-256 is the letter's
 * proof-of-notice digest, the same every time it is extracted.
 */
export class PrintFileReader {
  private readonly objects: Map<number, PdfObject>;
  private readonly kids: number[];
  private readonly pagesTreeNum: number;

  constructor(pdf: Buffer) {
    const { objects, rootNum } = parseObjects(pdf);
    const pagesRef = /\/Pages (\d+) 0 R/.exec(objects.get(rootNum)?.head ?? '');
    const kidsM = pagesRef && /\/Kids \[([^\]]*)\]/.exec(objects.get(Number(pagesRef[1]))?.head ?? '');
    if (!kidsM) throw new PdfMergeError('print file: no page tree');
    this.objects = objects;
    this.pagesTreeNum = Number(pagesRef![1]);
    this.kids = refsOf(kidsM[1]!);
  }

  get pages(): number {
    return this.kids.length;
  }

  /** The letter on 1-based pages first..last as a standalone PDF. */
  letter(first: number, last: number): Buffer {
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last < first || last > this.kids.length)
      throw new PdfMergeError(`page range ${first}-${last} is outside the print file (${this.kids.length} pages)`);
    const pageNums = this.kids.slice(first - 1, last);
    const keep = new Set<number>();
    const stack = [...pageNums];
    while (stack.length) {
      const n = stack.pop()!;
      if (keep.has(n) || n === this.pagesTreeNum) continue;
      const o = this.objects.get(n);
      if (!o) throw new PdfMergeError(`print file: missing object ${n}`);
      keep.add(n);
      for (const r of refsOf(o.head)) if (!keep.has(r)) stack.push(r);
    }
    const renum = new Map<number, number>();
    let next = 3; // 1: page tree, 2: catalog
    for (const n of [...keep].sort((a, b) => a - b)) renum.set(n, next++);
    const parts: Buffer[] = [];
    const xref: number[] = [];
    let offset = 0;
    const write = (s: string | Buffer) => {
      const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
      parts.push(b);
      offset += b.length;
    };
    const emit = (num: number, head: string, stream?: Buffer) => {
      xref[num] = offset;
      write(`${num} 0 obj\n${head}`);
      if (stream) {
        write('\nstream\n');
        write(stream);
        write('\nendstream');
      }
      write('\nendobj\n');
    };
    write('%PDF-1.3\n%\xff\xff\xff\xff\n');
    for (const [n, to] of renum) {
      const o = this.objects.get(n)!;
      emit(
        to,
        mapRefs(o.head, (r) => (r === this.pagesTreeNum ? 1 : renum.get(r)!)),
        o.stream,
      );
    }
    emit(1, `<<\n/Type /Pages\n/Count ${pageNums.length}\n/Kids [${pageNums.map((p) => `${renum.get(p)} 0 R`).join(' ')}]\n>>`);
    emit(2, '<<\n/Type /Catalog\n/Pages 1 0 R\n>>');
    const xrefAt = offset;
    let x = `xref\n0 ${next}\n0000000000 65535 f \n`;
    for (let n = 1; n < next; n++) x += `${String(xref[n]).padStart(10, '0')} 00000 n \n`;
    write(x);
    write(`trailer\n<<\n/Size ${next}\n/Root 2 0 R\n>>\nstartxref\n${xrefAt}\n%%EOF\n`);
    return Buffer.concat(parts);
  }
}
