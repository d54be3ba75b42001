/** Text of a PDF through an independent extractor (pdf.js inside pdf-parse), whitespace-normalized. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pdfParse = require('pdf-parse/lib/pdf-parse.js') as (b: Buffer) => Promise<{ text: string; numpages: number }>;

export async function pdfText(pdf: Buffer): Promise<{ text: string; flat: string; pages: number }> {
  const r = await pdfParse(pdf);
  return { text: r.text, flat: r.text.replace(/\s+/g, ' ').trim(), pages: r.numpages };
}
