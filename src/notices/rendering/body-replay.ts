/**
 * The letter body laid out once per distinct body and replayed for every other letter (issue
 * 15 item 1). In a batch every letter's body is the same text but for the salutation (and, in a
 * next-of-kin letter, the deceased's name): one body per language, channel and state variant.
 * Laying it out (wrapping, kerning, encoding) took 38% of the renderer's CPU.
 *
 * The first letter of a variant is drawn normally while its content-stream operators are
 * recorded; the blocks that name the person ("live" blocks) are not recorded but noted with the
 * place they were drawn at. Every later letter with the same variant (same text outside the live
 * blocks, same live-block heights, same fonts and frame) gets the recorded operators written
 * straight into its pages, page breaks and the signature image replayed, and only its live blocks
 * drawn. The bytes are exactly what drawing the body would have produced (the test renders both
 * ways and compares SHA-256), so the output stays a real PDF that pdftotext reads in order.
 *
 * Only for the standard (WinAnsi) fonts: an embedded TrueType font's glyph ids depend on the
 * document's subset, so letters in the Unicode font are always laid out in full.
 */
import { blockHeight, drawBlock, drawBody, parseMarkup, type Block, type BodyFonts, type BodyFrame } from './body-layout';

type Doc = PDFKit.PDFDocument;

type Op =
  | { t: 'content'; s: string }
  | { t: 'fonts'; ids: string[] }
  | { t: 'page'; prevOptions: boolean }
  | { t: 'image'; src: number; x: number; y: number; options: unknown }
  | { t: 'live'; index: number; prev: number | null; y: number };

/** Where a live block was drawn during recording: `paint` draws it (not recorded). */
type LiveHook = (index: number, prev: number | null, paint: () => void) => void;

interface Layout {
  ops: Op[];
  endY: number;
}

interface FontRef {
  id: string;
  ref(): unknown;
}

/** pdfkit internals the recorder touches (pinned version, covered by the byte-identity test). */
interface Internals {
  page: { resources: { data: { Font?: Record<string, unknown> } }; fonts: Record<string, unknown>; _options: unknown };
  _font: FontRef;
  _fontFamilies: Record<string, FontRef>;
  addContent(data: string): Doc;
  addPage(options?: unknown): Doc;
  image(src: unknown, x?: number, y?: number, options?: unknown): Doc;
}

const MAX_LAYOUTS = 256;
/** Per process (each sandboxed renderer): key → recorded layout, or null when the body cannot be replayed. */
const layouts = new Map<string, Layout | null>();

export const replayStats = { recorded: 0, replayed: 0, full: 0 };

/** Clears the cache (tests). */
export function clearBodyLayouts(): void {
  layouts.clear();
  replayStats.recorded = replayStats.replayed = replayStats.full = 0;
}

function liveBlocks(blocks: Block[], personal: readonly string[]): Set<number> {
  const names = personal.filter((p) => p.trim() !== '');
  const live = new Set<number>();
  blocks.forEach((b, i) => {
    const text = b.kind === 'closing' ? b.lines.filter((l) => typeof l === 'string').join('\n') : b.text;
    if (names.some((n) => text.includes(n))) live.add(i);
  });
  return live;
}

function fontId(doc: Doc, name: string): string {
  doc.font(name);
  return (doc as unknown as Internals)._font.id;
}

/**
 * Draws the body from doc.y like drawBody, from a recorded layout when one fits. `personal`:
 * the strings that differ per person (names); blocks containing one are drawn for each letter.
 */
export function drawBodyReplayed(doc: Doc, body: string, fr: BodyFrame, f: BodyFonts, personal: readonly string[]): void {
  const blocks = parseMarkup(body);
  const live = liveBlocks(blocks, personal);
  const key = JSON.stringify([
    doc.y,
    fr.left,
    fr.width,
    fr.top,
    fr.bottom,
    fr.signature ? fr.signature.length : 0,
    f.R,
    f.B,
    fontId(doc, f.R),
    fontId(doc, f.B),
    blocks.map((b, i) => (live.has(i) ? { live: b.kind, h: blockHeight(doc, b, fr, f, blocks[i - 1]) } : b)),
  ]);
  const images = [fr.signature];
  const hit = layouts.get(key);
  if (hit) {
    replay(doc, hit, images, (index, prev) => drawBlock(doc, blocks[index]!, fr, f, prev === null ? undefined : blocks[prev]));
    replayStats.replayed++;
    return;
  }
  if (hit === null) {
    drawBody(doc, blocks, fr, f);
    replayStats.full++;
    return;
  }
  remember(
    key,
    record(doc, images, (hook) =>
      drawBody(doc, blocks, fr, f, (b, index, prev, paint) =>
        live.has(index) ? hook(index, prev ? blocks.indexOf(prev) : null, paint) : paint(),
      ),
    ),
  );
}

/**
 * Draws what `draw` draws — the same for every letter of a batch (letterhead, return address,
 * fold marks) — from a recording when one was made under `key`. `images`: the image sources
 * `draw` may use (replayed with the current letter's, by position).
 */
export function drawOnceReplayed(doc: Doc, key: string, images: readonly unknown[], draw: () => void): void {
  const k = `static\0${key}\0${fontId(doc, 'Helvetica')}`;
  const hit = layouts.get(k);
  if (hit) return replay(doc, hit, images, () => undefined);
  if (hit === null) return draw();
  remember(
    k,
    record(doc, images, () => draw()),
  );
}

function remember(key: string, layout: Layout | null): void {
  if (layouts.size >= MAX_LAYOUTS) layouts.delete(layouts.keys().next().value!);
  layouts.set(key, layout);
  replayStats.recorded++;
}

function replay(doc: Doc, layout: Layout, images: readonly unknown[], live: (index: number, prev: number | null) => void): void {
  const d = doc as unknown as Internals;
  const byId = new Map(Object.values(d._fontFamilies).map((font) => [font.id, font]));
  for (const op of layout.ops) {
    switch (op.t) {
      case 'content':
        d.addContent(op.s);
        break;
      case 'fonts':
        for (const id of op.ids) d.page.fonts[id] = byId.get(id)!.ref();
        break;
      case 'page':
        if (op.prevOptions) d.addPage(d.page._options);
        else d.addPage();
        break;
      case 'image':
        d.image(images[op.src], op.x, op.y, op.options);
        break;
      case 'live':
        doc.y = op.y;
        live(op.index, op.prev);
        break;
    }
  }
  doc.y = layout.endY;
}

/** Draws for real while recording; returns null when it cannot be replayed. */
function record(doc: Doc, images: readonly unknown[], draw: (live: LiveHook) => void): Layout | null {
  const d = doc as unknown as Internals;
  const ops: Op[] = [];
  let buf: string[] = [];
  let capturing = true;
  let replayable = true;
  const pageFonts = () => Object.keys(d.page.resources.data.Font ?? {});
  let known = pageFonts().length;
  const flush = () => {
    if (buf.length) ops.push({ t: 'content', s: buf.join('\n') });
    buf = [];
  };
  const own = { addContent: d.addContent, addPage: d.addPage, image: d.image };
  d.addContent = (data: string) => {
    if (capturing) {
      const ids = pageFonts();
      if (ids.length !== known) {
        flush();
        ops.push({ t: 'fonts', ids: ids.slice(known) });
        known = ids.length;
      }
      buf.push(data);
    }
    return own.addContent.call(doc, data);
  };
  d.addPage = (options?: unknown) => {
    if (!capturing) replayable = false; // a live block ran onto a new page
    const was = capturing;
    flush();
    capturing = false;
    const prevOptions = options !== undefined && options === d.page._options;
    if (options !== undefined && !prevOptions) replayable = false;
    try {
      own.addPage.call(doc, options);
    } finally {
      capturing = was;
    }
    ops.push({ t: 'page', prevOptions });
    known = pageFonts().length;
    return doc;
  };
  d.image = (src: unknown, x?: number, y?: number, options?: unknown) => {
    if (!capturing) return own.image.call(doc, src, x, y, options);
    const at = images.indexOf(src);
    if (at < 0 || x === undefined || y === undefined) replayable = false;
    flush();
    ops.push({ t: 'image', src: at, x: x ?? 0, y: y ?? 0, options });
    capturing = false;
    try {
      return own.image.call(doc, src, x, y, options);
    } finally {
      capturing = true;
    }
  };
  try {
    draw((index, prev, paint) => {
      flush();
      ops.push({ t: 'live', index, prev, y: doc.y });
      capturing = false;
      try {
        paint();
      } finally {
        capturing = true;
      }
      known = pageFonts().length;
    });
    flush();
  } finally {
    d.addContent = own.addContent;
    d.addPage = own.addPage;
    d.image = own.image;
  }
  return replayable ? { ops, endY: doc.y } : null;
}
