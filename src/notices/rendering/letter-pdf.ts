import { dirname, join } from 'node:path';
/**
 * Letters as PDF (pdfkit). One PDF per recipient, laid out for a standard #10 single-window
 * envelope (window 4½" × 1⅛", ⅞" from the left, ½" from the bottom) with a tri-fold letter:
 * the recipient block sits 2⅛"–3⅛" from the top of the sheet, 1" from the left, with the
 * ⅛" clearance USPS asks for; the return address prints just above it inside the same window.
 *
 * Output is deterministic (fixed creation date → fixed /ID), so re-rendering after a crash
 * gives the same bytes and the same SHA-256: writing a letter is idempotent.
 *
 * Fonts are loaded once per worker (a LetterFonts instance is shared by every document):
 * the standard PDF fonts (Helvetica) for text WinAnsi can encode — the fast path — and a
 * TrueType Unicode font, embedded and subset, for letters whose names or text need more.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { drawBody as layoutBody } from './body-layout';
import { drawBodyReplayed, drawOnceReplayed } from './body-replay';

export { parseMarkup, type Block } from './body-layout';

const IN = 72;
export const LAYOUT = {
  page: { width: 8.5 * IN, height: 11 * IN },
  margin: { left: 1 * IN, right: 1 * IN, top: 0.6 * IN, bottom: 0.75 * IN },
  /** Recipient block inside the envelope window (top-left corner and size). */
  addressBlock: { x: 1 * IN, y: 2.125 * IN, width: 4 * IN, height: 1 * IN },
  returnAddress: { x: 1 * IN, y: 1.6 * IN },
  /** Intelligent Mail barcode: inside the window, above the recipient block (USPS allows it above the address). */
  imb: { x: 1 * IN, y: 1.82 * IN },
  bodyTop: 3.9 * IN,
  foldMarks: [11 / 3, 22 / 3].map((f) => f * IN),
} as const;

export interface FontPair {
  regular: Buffer | string;
  bold: Buffer | string;
}

/** Loaded once per worker process. */
export class LetterFonts {
  readonly standard: FontPair = { regular: 'Helvetica', bold: 'Helvetica-Bold' };
  readonly unicode: { regular: Buffer; bold: Buffer } | null;

  constructor(unicode?: { regular: string; bold: string } | null) {
    const paths = unicode === undefined ? LetterFonts.systemUnicodeFont() : unicode;
    this.unicode = paths ? { regular: readFileSync(paths.regular), bold: readFileSync(paths.bold) } : null;
  }

  static systemUnicodeFont(): { regular: string; bold: string } | null {
    const env = process.env.NOTICES_UNICODE_FONT;
    const envBold = process.env.NOTICES_UNICODE_FONT_BOLD;
    if (env) return { regular: env, bold: envBold ?? env };
    // The OS's DejaVu when present, else the copy shipped in the dejavu-fonts-ttf package, so
    // names in any script render on a machine without system fonts.
    const dirs = ['/usr/share/fonts/truetype/dejavu'];
    try {
      dirs.push(join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf'));
    } catch {
      /* package not installed */
    }
    for (const dir of dirs) {
      const r = `${dir}/DejaVuSans.ttf`;
      const b = `${dir}/DejaVuSans-Bold.ttf`;
      if (existsSync(r) && existsSync(b)) return { regular: r, bold: b };
    }
    return null;
  }
}

let shared: LetterFonts | null = null;
/** The per-process font set. */
export function workerFonts(): LetterFonts {
  if (!shared) shared = new LetterFonts();
  return shared;
}

// Characters the standard fonts encode (Windows-1252).
const CP1252_EXTRA = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
const CP1252 = new Set<number>(Array.from(CP1252_EXTRA, (c) => c.codePointAt(0)!));
export function winAnsiEncodable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c <= 0x7e) || c === 10 || (c >= 0xa0 && c <= 0xff)) continue;
    if (CP1252.has(c)) continue;
    return false;
  }
  return true;
}

export class LetterNeedsUnicodeFontError extends Error {
  constructor() {
    super('letter text needs a Unicode font: set NOTICES_UNICODE_FONT to a TrueType file');
    this.name = 'LetterNeedsUnicodeFontError';
  }
}

export interface LetterLetterhead {
  name: string;
  lines: string[];
  logo?: Buffer;
}

export interface LetterDocument {
  /** Printed in the footer so returned mail can be traced; not PHI. */
  letterId: string;
  /** Letter date as printed (already formatted). */
  dateText: string;
  letterhead: LetterLetterhead;
  returnAddress: string[];
  /** Recipient block: name then address lines. Empty for documents that are not mailed (reports, postings). */
  recipient: string[];
  /** Rendered template in PDF markup. */
  body: string;
  /** The signatory's signature (PNG or JPEG), drawn at "|@signature" in the closing. */
  signature?: Buffer;
  /** USPS Intelligent Mail barcode (65 letters F/A/D/T), printed above the recipient in the window. */
  imb?: string;
  /** Footer words in the letter's language (default English "Ref", "Page", "of"). */
  pageLabels?: { ref: string; page: string; of: string };
  /**
   * The strings in the body that differ per person (the names it prints). The rest of the body is
   * laid out once per process and replayed (body-replay.ts); blocks containing these are drawn per letter.
   */
  personal?: string[];
}

export interface RenderedPdf {
  pdf: Buffer;
  sha256: string;
  pages: number;
}

export interface RenderOptions {
  /** Fixed creation date: the same input renders the same bytes. */
  creationDate: Date;
  /** Off for tests that read the content streams directly. */
  compress?: boolean;
  /** Pad to an even page count so duplex printing never shares a sheet between letters. */
  duplexPad?: boolean;
  /** Replay a recorded body layout when one fits (default true; same bytes either way). */
  replayBody?: boolean;
}

export class LetterPdfRenderer {
  constructor(private readonly fonts: LetterFonts = workerFonts()) {}

  fontsFor(doc: LetterDocument): FontPair {
    const all = [
      doc.letterhead.name,
      ...doc.letterhead.lines,
      ...doc.returnAddress,
      ...doc.recipient,
      doc.body,
      doc.dateText,
      doc.letterId,
    ].join('\n');
    if (winAnsiEncodable(all)) return this.fonts.standard;
    if (!this.fonts.unicode) throw new LetterNeedsUnicodeFontError();
    return this.fonts.unicode;
  }

  render(letter: LetterDocument, options: RenderOptions): Promise<RenderedPdf> {
    const fonts = this.fontsFor(letter);
    const doc = new PDFDocument({
      size: 'LETTER',
      margins: { top: LAYOUT.margin.top, bottom: LAYOUT.margin.bottom, left: LAYOUT.margin.left, right: LAYOUT.margin.right },
      compress: options.compress ?? true,
      autoFirstPage: true,
      bufferPages: true,
      info: { CreationDate: options.creationDate, Title: 'Notice', Producer: 'Safe Harbor', Creator: 'Safe Harbor' },
      // No default font: ours are installed from the per-worker cache below.
      font: null as never,
    });
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      doc.on('data', (c: Buffer) => chunks.push(c));
      doc.on('end', () => resolve(Buffer.concat(chunks)));
      doc.on('error', reject);
    });
    // Standard fonts are used by name: pdfkit re-parses a standard font's metrics on every
    // font() call made through a registered alias, so aliases are kept for embedded fonts only.
    let f: FontNames = { R: 'Helvetica', B: 'Helvetica-Bold' };
    if (typeof fonts.regular !== 'string') {
      doc.registerFont('R', fonts.regular as never);
      doc.registerFont('B', fonts.bold as never);
      f = { R: 'R', B: 'B' };
    }
    installCachedFont(doc, f.R);
    installCachedFont(doc, f.B);
    drawLetter(doc, letter, f, options.replayBody !== false && typeof fonts.regular === 'string');
    const range = doc.bufferedPageRange();
    let pages = range.count;
    for (let i = 0; i < range.count; i++) {
      doc.switchToPage(i);
      drawFooter(doc, letter.letterId, i + 1, range.count, f, letter.pageLabels);
    }
    if (options.duplexPad && pages % 2 === 1) {
      doc.addPage();
      pages++;
    }
    doc.end();
    return done.then((pdf) => ({ pdf, sha256: createHash('sha256').update(pdf).digest('hex'), pages }));
  }
}

interface FontNames {
  R: string;
  B: string;
}

/**
 * Fonts parsed once per worker. pdfkit parses a standard font's metrics (AFM) or a TrueType
 * file (fontkit) for every document; the parsed form is immutable, so the first document's font
 * object serves as a template and later documents get a fresh per-document font object (own
 * id, PDF dictionary, subset) around the same parsed data. Uses pdfkit internals
 * (`_fontFamilies`, `_fontCount`): pinned to pdfkit 0.17 and covered by the content tests; if
 * they change, fonts are simply parsed per document again.
 */
type PdfkitFont = {
  constructor: new (doc: unknown, font: unknown, id: string) => PdfkitFont;
  font: unknown;
  document: unknown;
  id: string;
  dictionary?: unknown;
  embedded?: boolean;
  subset?: unknown;
};
const fontTemplates = new Map<unknown, PdfkitFont>();

export function installCachedFont(doc: PDFKit.PDFDocument, name: string): void {
  const d = doc as unknown as {
    _fontFamilies?: Record<string, PdfkitFont>;
    _fontCount?: number;
    _registeredFonts?: Record<string, { src: unknown }>;
    _font: PdfkitFont | null;
  };
  if (!d._fontFamilies || typeof d._fontCount !== 'number') return;
  const src = d._registeredFonts?.[name]?.src ?? name; // a Buffer (embedded) or a standard font name
  const tpl = fontTemplates.get(src);
  if (!tpl) {
    doc.font(name);
    const made = d._fontFamilies[name] ?? d._font;
    if (made) fontTemplates.set(src, made);
    return;
  }
  const id = `F${++d._fontCount}`;
  let font: PdfkitFont;
  if (tpl.subset !== undefined) {
    font = new tpl.constructor(doc, tpl.font, id); // EmbeddedFont: fresh subset, shared fontkit font
  } else {
    font = Object.assign(Object.create(Object.getPrototypeOf(tpl)), tpl) as PdfkitFont; // StandardFont: shared AFM metrics
    font.document = doc;
    font.id = id;
    delete font.dictionary;
    font.embedded = false;
  }
  d._fontFamilies[name] = font;
}

function drawLetter(doc: PDFKit.PDFDocument, l: LetterDocument, f: FontNames, replay: boolean): void {
  const width = LAYOUT.page.width - LAYOUT.margin.left - LAYOUT.margin.right;
  const mailed = l.recipient.length > 0;
  // The same for every letter of a batch: drawn once per process, then replayed (body-replay.ts).
  const head = () => drawHead(doc, l, f, width, mailed);
  if (replay) {
    const key = JSON.stringify([l.letterhead.name, l.letterhead.lines, l.letterhead.logo?.length ?? 0, l.returnAddress, f, mailed]);
    drawOnceReplayed(doc, key, [l.letterhead.logo], head);
  } else head();
  if (!mailed) {
    // A document, not a mailed letter: no window, body right under the letterhead.
    const y = LAYOUT.margin.top + 20 + 11 * l.letterhead.lines.length;
    doc
      .font(f.R)
      .fontSize(10.5)
      .text(l.dateText, LAYOUT.margin.left, Math.max(y + 14, 1.4 * IN), { width });
    doc.moveDown(1);
    drawBody(doc, l, width, f, replay);
    return;
  }
  if (l.imb) drawImb(doc, l.imb, LAYOUT.imb.x, LAYOUT.imb.y);
  let ay = LAYOUT.addressBlock.y;
  for (const line of l.recipient.slice(0, 5)) {
    // One line per address line, never wrapped into the next: a long name is set smaller
    // (down to 8 pt), and only past that shortened.
    const text = fitLine(doc.font(f.R), line.toUpperCase(), LAYOUT.addressBlock.width);
    doc.text(text.text, LAYOUT.addressBlock.x, ay, { lineBreak: false });
    ay += 13;
  }
  // Date, then the body flows across pages.
  doc
    .font(f.R)
    .fontSize(10.5)
    .text(l.dateText, LAYOUT.margin.left, LAYOUT.bodyTop - 28, { width });
  doc.y = LAYOUT.bodyTop;
  drawBody(doc, l, width, f, replay);
}

/** Letterhead, and for a mailed letter the fold marks and the return address in the window. */
function drawHead(doc: PDFKit.PDFDocument, l: LetterDocument, f: FontNames, width: number, mailed: boolean): void {
  let y = LAYOUT.margin.top;
  let textX = LAYOUT.margin.left;
  if (l.letterhead.logo) {
    doc.image(l.letterhead.logo, LAYOUT.margin.left, y, { fit: [0.9 * IN, 0.9 * IN] });
    textX += 1.05 * IN;
  }
  doc
    .font(f.B)
    .fontSize(15)
    .text(l.letterhead.name, textX, y, { width: width - (textX - LAYOUT.margin.left), lineBreak: false });
  doc.font(f.R).fontSize(9).fillColor('#333333');
  y += 20;
  for (const line of l.letterhead.lines) {
    doc.text(line, textX, y, { lineBreak: false });
    y += 11;
  }
  doc.fillColor('black');
  if (!mailed) return;
  // Fold marks in the left margin for tri-fold insertion.
  for (const fy of LAYOUT.foldMarks)
    doc
      .moveTo(0.25 * IN, fy)
      .lineTo(0.45 * IN, fy)
      .lineWidth(0.5)
      .stroke();
  // Return address, inside the window above the recipient.
  doc.font(f.R).fontSize(7.5).text(l.returnAddress.join('  ·  '), LAYOUT.returnAddress.x, LAYOUT.returnAddress.y, {
    width: LAYOUT.addressBlock.width,
    lineBreak: false,
  });
}

/**
 * Draws an IMb at USPS-B-3200 nominal dimensions: 22 bars per inch, bars 0.02" wide, full bar
 * 0.145", tracker 0.05" centred; ascenders and descenders run from the tracker to the top or bottom.
 */
export function drawImb(doc: PDFKit.PDFDocument, bars: string, x: number, y: number): void {
  const pitch = IN / 22;
  const width = 0.02 * IN;
  const full = 0.145 * IN;
  const tracker = 0.05 * IN;
  const trackTop = y + (full - tracker) / 2;
  for (let i = 0; i < bars.length; i++) {
    const c = bars[i];
    const top = c === 'F' || c === 'A' ? y : trackTop;
    const bottom = c === 'F' || c === 'D' ? y + full : trackTop + tracker;
    doc.rect(x + i * pitch, top, width, bottom - top);
  }
  doc.fillColor('black').fill();
}

/** Sets the font size that fits `text` on one line of `width` (10.5 pt, down to 8), shortening it only past that. */
export function fitLine(doc: PDFKit.PDFDocument, text: string, width: number): { text: string; size: number } {
  doc.fontSize(10.5);
  const w = doc.widthOfString(text);
  if (w <= width) return { text, size: 10.5 };
  const size = Math.max(8, Math.floor(((10.5 * width) / w) * 10) / 10);
  doc.fontSize(size);
  let t = text;
  while (t.length > 1 && doc.widthOfString(t) > width) t = t.slice(0, -1);
  return { text: t.trimEnd(), size };
}

function drawBody(doc: PDFKit.PDFDocument, l: LetterDocument, width: number, f: FontNames, replay: boolean): void {
  const frame = {
    left: LAYOUT.margin.left,
    width,
    top: LAYOUT.margin.top,
    bottom: LAYOUT.page.height - LAYOUT.margin.bottom,
    ...(l.signature ? { signature: l.signature } : {}),
  };
  if (replay) drawBodyReplayed(doc, l.body, frame, f, l.personal ?? []);
  else layoutBody(doc, l.body, frame, f);
}

function drawFooter(
  doc: PDFKit.PDFDocument,
  letterId: string,
  page: number,
  of: number,
  f: FontNames,
  w: { ref: string; page: string; of: string } = { ref: 'Ref', page: 'Page', of: 'of' },
): void {
  const bottom = doc.page.margins.bottom;
  doc.page.margins.bottom = 0;
  doc
    .font(f.R)
    .fontSize(7)
    .fillColor('#555555')
    .text(`${w.ref} ${letterId}   ·   ${w.page} ${page} ${w.of} ${of}`, LAYOUT.margin.left, LAYOUT.page.height - 0.5 * IN, {
      width: LAYOUT.page.width - LAYOUT.margin.left - LAYOUT.margin.right,
      align: 'right',
      lineBreak: false,
    });
  doc.fillColor('black');
  doc.page.margins.bottom = bottom;
}
