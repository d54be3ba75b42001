/** Text of a PDF through an independent extractor (pdf.js inside pdf-parse), whitespace-normalized. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pdfParse = require("pdf-parse/lib/pdf-parse.js") as (b: Buffer, o?: object) => Promise<{ text: string; numpages: number }>;

export async function pdfText(pdf: Buffer): Promise<{ text: string; flat: string; pages: number }> {
  const r = await pdfParse(pdf);
  return { text: r.text, flat: r.text.replace(/\s+/g, ' ').trim(), pages: r.numpages };
}

/** Text per page (1-based index → text). */
export async function pdfPages(pdf: Buffer): Promise<string[]> {
  const pages: string[] = [];
  await pdfParse(pdf, {
    pagerender: async (page: { pageIndex: number; getTextContent: () => Promise<{ items: Array<{ str: string }> }> }) => {
      const tc = await page.getTextContent();
      pages[page.pageIndex] = tc.items.map((i) => i.str).join(' ').replace(/\s+/g, ' ');
      return '';
    },
  } as never);
  return pages;
}
