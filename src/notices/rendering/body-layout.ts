/**
 * The body of a letter or document: PDF markup → blocks → pages, with the page-break rules a
 * printed legal notice needs (a reader must never find a heading at the foot of a page, one
 * stray line of a paragraph, or "Sincerely," without the name under it):
 *
 * - a heading stays with the first block under it;
 * - a paragraph is never split leaving fewer than 3 of its lines on either page (it moves whole
 *   to the next page instead), and one shorter than 6 lines is never split at all;
 * - a bullet is never split;
 * - the closing ("| " lines: salutation, signature, name, title, or a document's last contact
 *   line) is one unit, kept with the paragraph before it.
 *
 * Markup: "## " title, "# " heading, "- " bullet, "| " closing line, "|@signature" the place of
 * the signature (the organization's signature image when the profile has one, else space to
 * sign), blank line = paragraph break.
 */

export type Block =
  | { kind: 'title'; text: string }
  | { kind: 'heading'; text: string }
  | { kind: 'bullet'; text: string }
  | { kind: 'para'; text: string }
  | { kind: 'closing'; lines: Array<string | { signature: true }> };

/** PDF markup → blocks. */
export function parseMarkup(text: string): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  let closing: Extract<Block, { kind: 'closing' }> | null = null;
  const flush = () => {
    if (para.length) blocks.push({ kind: 'para', text: para.join('\n') });
    para = [];
  };
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '|@signature' || line.startsWith('| ') || line === '|') {
      flush();
      if (!closing) {
        closing = { kind: 'closing', lines: [] };
        blocks.push(closing);
      }
      closing.lines.push(line === '|@signature' ? { signature: true } : line.slice(2));
      continue;
    }
    closing = null;
    if (line === '') flush();
    else if (line.startsWith('## ')) {
      flush();
      blocks.push({ kind: 'title', text: line.slice(3) });
    } else if (line.startsWith('# ')) {
      flush();
      blocks.push({ kind: 'heading', text: line.slice(2) });
    } else if (line.startsWith('- ')) {
      flush();
      blocks.push({ kind: 'bullet', text: line.slice(2) });
    } else para.push(line);
  }
  flush();
  return blocks;
}

export interface BodyFonts {
  R: string;
  B: string;
}

export interface BodyFrame {
  left: number;
  width: number;
  /** Where text starts on a page after the first. */
  top: number;
  /** Lowest y a line may end at. */
  bottom: number;
  signature?: Buffer;
}

const SIZE = { title: 13, heading: 11, text: 10.5 } as const;
const PARA_GAP = 1;
const SIGNATURE = { width: 2.2 * 72, height: 0.55 * 72 };
/** Below this many lines a paragraph is never split; a split leaves at least MIN_PART lines on each page. */
const SPLIT_MIN_LINES = 6;
const MIN_PART = 3;

type Doc = PDFKit.PDFDocument;

function lineHeight(doc: Doc, f: BodyFonts): number {
  doc.font(f.R).fontSize(SIZE.text);
  return doc.currentLineHeight(true) + PARA_GAP;
}

/** Space between a list and the paragraph or closing after it. */
const AFTER_LIST = 0.45;
const afterList = (prev: Block | undefined, b: Block) => prev?.kind === 'bullet' && (b.kind === 'para' || b.kind === 'closing');

/** Height a block takes, including the space after it (and before it, after a list). */
function measure(doc: Doc, b: Block, fr: BodyFrame, f: BodyFonts, prev?: Block): number {
  const gap = (em: number, size: number) => em * size * 1.16;
  return (afterList(prev, b) ? gap(AFTER_LIST, SIZE.text) : 0) + measureOwn(doc, b, fr, f, gap);
}

function measureOwn(doc: Doc, b: Block, fr: BodyFrame, f: BodyFonts, gap: (em: number, size: number) => number): number {
  switch (b.kind) {
    case 'title':
      doc.font(f.B).fontSize(SIZE.title);
      return doc.heightOfString(b.text, { width: fr.width }) + gap(0.6, SIZE.title);
    case 'heading':
      doc.font(f.B).fontSize(SIZE.heading);
      return gap(0.3, SIZE.heading) + doc.heightOfString(b.text, { width: fr.width }) + gap(0.2, SIZE.heading);
    case 'bullet':
      doc.font(f.R).fontSize(SIZE.text);
      return doc.heightOfString(b.text, { width: fr.width - 20 }) + gap(0.15, SIZE.text);
    case 'para':
      doc.font(f.R).fontSize(SIZE.text);
      return doc.heightOfString(b.text, { width: fr.width, lineGap: PARA_GAP }) + gap(0.6, SIZE.text);
    case 'closing': {
      doc.font(f.R).fontSize(SIZE.text);
      let h = 0;
      for (const l of b.lines) h += typeof l === 'string' ? doc.heightOfString(l || ' ', { width: fr.width }) : SIGNATURE.height + 4;
      return h;
    }
  }
}

function draw(doc: Doc, b: Block, fr: BodyFrame, f: BodyFonts, prev?: Block): void {
  if (afterList(prev, b)) doc.font(f.R).fontSize(SIZE.text).moveDown(AFTER_LIST);
  switch (b.kind) {
    case 'title':
      doc.font(f.B).fontSize(SIZE.title).text(b.text, fr.left, doc.y, { width: fr.width });
      doc.moveDown(0.6);
      return;
    case 'heading':
      doc.moveDown(0.3);
      doc.font(f.B).fontSize(SIZE.heading).text(b.text, fr.left, doc.y, { width: fr.width });
      doc.moveDown(0.2);
      return;
    case 'bullet': {
      doc.font(f.R).fontSize(SIZE.text);
      const top = doc.y;
      doc.text('•', fr.left + 6, top, { lineBreak: false });
      doc.text(b.text, fr.left + 20, top, { width: fr.width - 20 });
      doc.moveDown(0.15);
      return;
    }
    case 'para':
      doc.font(f.R).fontSize(SIZE.text).text(b.text, fr.left, doc.y, { width: fr.width, lineGap: PARA_GAP });
      doc.moveDown(0.6);
      return;
    case 'closing':
      doc.font(f.R).fontSize(SIZE.text);
      for (const l of b.lines) {
        if (typeof l === 'string') {
          doc.text(l || ' ', fr.left, doc.y, { width: fr.width });
          continue;
        }
        const top = doc.y + 2;
        if (fr.signature) doc.image(fr.signature, fr.left, top, { fit: [SIGNATURE.width, SIGNATURE.height], valign: 'bottom' });
        doc.y = top + SIGNATURE.height + 2;
      }
      return;
  }
}

/**
 * Groups blocks into units that must share a page: a heading (or title) with the block that
 * follows it, and the closing with the unit before it.
 */
function units(blocks: Block[]): Block[][] {
  const out: Block[][] = [];
  let pending: Block[] = [];
  for (const b of blocks) {
    if (b.kind === 'closing' && pending.length === 0 && out.length > 0) {
      // The closing shares a page with the unit before it (at most a heading and one block).
      out[out.length - 1]!.push(b);
      continue;
    }
    pending.push(b);
    if (b.kind !== 'title' && b.kind !== 'heading') {
      out.push(pending);
      pending = [];
    }
  }
  if (pending.length) out.push(pending);
  return out;
}

/**
 * Draws one block; `replay.ts` passes its own to record the layout once and stamp the blocks
 * that differ per person (the salutation) at their recorded place.
 */
export type BlockPainter = (b: Block, index: number, prev: Block | undefined, paint: () => void) => void;

/** Draws one block at doc.y (the replay stamps per-person blocks with it). */
export function drawBlock(doc: Doc, b: Block, fr: BodyFrame, f: BodyFonts, prev?: Block): void {
  draw(doc, b, fr, f, prev);
}

/** Height of a block as the layout sees it (for the replay cache's key). */
export function blockHeight(doc: Doc, b: Block, fr: BodyFrame, f: BodyFonts, prev?: Block): number {
  return measure(doc, b, fr, f, prev);
}

/** Lays the body out from doc.y, adding pages as the rules above require. */
export function drawBody(doc: Doc, body: string | Block[], fr: BodyFrame, f: BodyFonts, painter?: BlockPainter): void {
  const newPage = () => {
    doc.addPage();
    doc.y = fr.top;
  };
  const blocks = typeof body === 'string' ? parseMarkup(body) : body;
  const index = new Map(blocks.map((b, i) => [b, i]));
  let prev: Block | undefined;
  const put = (b: Block) => {
    const before = prev;
    if (painter) painter(b, index.get(b)!, before, () => draw(doc, b, fr, f, before));
    else draw(doc, b, fr, f, before);
    prev = b;
  };
  for (const unit of units(blocks)) {
    const heights = unit.map((b, i) => measure(doc, b, fr, f, i === 0 ? prev : unit[i - 1]));
    const total = heights.reduce((a, b) => a + b, 0);
    const room = fr.bottom - doc.y;
    const pageRoom = fr.bottom - fr.top;
    if (total <= room) {
      for (const b of unit) put(b);
      continue;
    }
    if (total <= pageRoom) {
      newPage();
      for (const b of unit) put(b);
      continue;
    }
    // Longer than a page: block by block, splitting long paragraphs where both parts keep MIN_PART lines.
    const lh = lineHeight(doc, f);
    unit.forEach((b, i) => {
      const left = fr.bottom - doc.y;
      const h = heights[i]!;
      if (h <= left) return put(b);
      const keepNext = b.kind === 'heading' || b.kind === 'title';
      if (b.kind === 'para') {
        const lines = Math.round((h - 0.6 * SIZE.text * 1.16) / lh);
        const fit = Math.floor(left / lh);
        if (lines >= SPLIT_MIN_LINES && fit >= MIN_PART && lines - fit >= MIN_PART) return put(b);
      }
      if (!keepNext || left < h + lh * MIN_PART) newPage();
      put(b);
    });
  }
}
