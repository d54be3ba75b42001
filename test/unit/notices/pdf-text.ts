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
