/** Text of a PDF through an independent extractor (pdf.js inside pdf-parse), whitespace-normalized. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pdfParse = require('pdf-parse/lib/pdf-parse.js') as (b: Buffer, o?: object) => Promise<{ text: string; numpages: number }>;

/**
 * The bundled pdf.js reads a Buffer's underlying ArrayBuffer from offset 0, so a Buffer that
 * is a slice of a larger allocation (Node's pool) hands it shifted bytes. Give it a plain
 * Uint8Array over an ArrayBuffer of its own.
 */
function own(pdf: Buffer): Buffer {
  const ab = new ArrayBuffer(pdf.length);
  new Uint8Array(ab).set(pdf);
  return new Uint8Array(ab) as Buffer;
}

export async function pdfText(pdf: Buffer): Promise<{ text: string; flat: string; pages: number }> {
  const r = await pdfParse(own(pdf));
  return { text: r.text, flat: r.text.replace(/\s+/g, ' ').trim(), pages: r.numpages };
}

/** Text per page (1-based index → text). */
export async function pdfPages(pdf: Buffer): Promise<string[]> {
  const pages: string[] = [];
  await pdfParse(own(pdf), {
    pagerender: async (page: { pageIndex: number; getTextContent: () => Promise<{ items: Array<{ str: string }> }> }) => {
      const tc = await page.getTextContent();
      pages[page.pageIndex] = tc.items
        .map((i) => i.str)
        .join(' ')
        .replace(/\s+/g, ' ');
      return '';
    },
  } as never);
  return pages;
}

/** Lines per page, top to bottom (items sharing a baseline joined), for page-break checks. */
export async function pdfLines(pdf: Buffer): Promise<string[][]> {
  const pages: string[][] = [];
  await pdfParse(own(pdf), {
    pagerender: async (page: {
      pageIndex: number;
      getTextContent: () => Promise<{ items: Array<{ str: string; transform: number[] }> }>;
    }) => {
      const tc = await page.getTextContent();
      const rows = new Map<number, Array<{ x: number; s: string }>>();
      for (const i of tc.items) {
        const y = Math.round(i.transform[5]!);
        if (!rows.has(y)) rows.set(y, []);
        rows.get(y)!.push({ x: i.transform[4]!, s: i.str });
      }
      pages[page.pageIndex] = [...rows.entries()]
        .sort(([a], [b]) => b - a)
        .map(([, items]) =>
          items
            .sort((a, b) => a.x - b.x)
            .map((i) => i.s)
            .join(' ')
            .replace(/\s+/g, ' ')
            .trim(),
        )
        .filter((l) => l !== '');
      return '';
    },
  } as never);
  return pages;
}
