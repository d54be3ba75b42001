import { createHash } from 'node:crypto';
import { planChannel } from '../../../src/notices/domain/channel';
import { LetterFonts, LetterPdfRenderer } from '../../../src/notices/rendering/letter-pdf';
import { LetterComposer } from '../../../src/notices/rendering/letters';
import { manifestCsv, mergeLetters, PdfMergeError, PrintFileReader } from '../../../src/notices/rendering/mailhouse';
import { TemplateSet } from '../../../src/notices/rendering/templates';
import { syntheticPerson, testFacts, testOrg } from './fixtures';
import { pdfPages, pdfText } from './pdf-text';

const BATCH = '01937a4e-8f00-7000-8000-0000000000b2';

describe('mail-house print files', () => {
  const composer = new LetterComposer(new TemplateSet(), { org: testOrg(), incident: testFacts() }, '2025-04-01');
  const renderer = new LetterPdfRenderer(new LetterFonts());

  async function letters(n: number) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const p = { ...syntheticPerson(i), emailConsent: false, ...(i === 2 ? { name: 'Đặng Văn Lâm' } : {}) };
      const doc = composer.letter(BATCH, p, planChannel(p));
      const r = await renderer.render(doc, { creationDate: new Date('2025-04-01T00:00:00Z') });
      out.push({ person: p, letterId: doc.letterId, ...r });
    }
    return out;
  }

  it('merges letters without re-rendering; the manifest maps each letter to its pages and digest', async () => {
    const ls = await letters(5);
    const merged = mergeLetters(
      ls.map((l) => ({ letterId: l.letterId, pdf: l.pdf })),
      { duplex: true },
    );
    const pages = await pdfPages(merged.pdf);
    const expectedPages = ls.reduce((s, l) => s + l.pages + (l.pages % 2), 0);
    expect(merged.pages).toBe(expectedPages);
    expect(pages.length).toBe(expectedPages);
    for (const [i, l] of ls.entries()) {
      const e = merged.manifest[i]!;
      expect(e.letterId).toBe(l.letterId);
      expect(e.sha256).toBe(createHash('sha256').update(l.pdf).digest('hex'));
      expect(e.sha256).toBe(l.sha256);
      // the first page of the range is this person's letter, and no other letter's name is on it
      expect(pages[e.firstPage - 1]).toContain(`Dear ${l.person.name},`);
      expect(pages[e.firstPage - 1]).toContain(`Ref ${l.letterId}`);
      for (const other of ls) if (other !== l) expect(pages[e.firstPage - 1]).not.toContain(`Ref ${other.letterId}`);
      expect((e.lastPage - e.firstPage + 1) % 2).toBe(0);
    }
    const csv = manifestCsv('print-0001.pdf', merged.manifest, { duplex: true });
    const last = merged.manifest[0]!.lastPage;
    expect(csv.split('\n')[1]).toBe(`print-0001.pdf,${ls[0]!.letterId},0,${last},${last / 2},1,${last},${ls[0]!.sha256},`);
    // Reconcilable: page counts add up to the file's pages, each row starts where the previous ended.
    const csvRows = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((r) => r.split(','));
    expect(csvRows.reduce((n, r) => n + Number(r[3]), 0)).toBe(merged.pages);
    csvRows.forEach((r, i) => i > 0 && expect(Number(r[2])).toBe(Number(csvRows[i - 1]![2]) + Number(csvRows[i - 1]![3])));
    // every xref entry points at its object (a strict reader needs no repair)
    const latin = merged.pdf.toString('latin1');
    const xrefAt = Number(/startxref\n(\d+)/.exec(latin)![1]);
    const rows = latin
      .slice(xrefAt)
      .split('\n')
      .slice(3)
      .filter((r) => / n $/.test(r));
    rows.forEach((r, i) => expect(latin.slice(Number(r.slice(0, 10)), Number(r.slice(0, 10)) + 12)).toMatch(new RegExp(`^${i + 1} 0 obj`)));
    // the merged file is itself a valid PDF an independent reader parses completely
    const all = await pdfText(merged.pdf);
    expect(all.flat).toContain('Dear Đặng Văn Lâm,');
  });

  it('reproduces one letter from the print file: the same bytes every time, that letter only, a PDF a strict reader parses', async () => {
    const ls = await letters(4);
    const merged = mergeLetters(
      ls.map((l) => ({ letterId: l.letterId, pdf: l.pdf })),
      { duplex: true },
    );
    const reader = new PrintFileReader(merged.pdf);
    expect(reader.pages).toBe(merged.pages);
    for (const [i, l] of ls.entries()) {
      const e = merged.manifest[i]!;
      const one = reader.letter(e.firstPage, e.lastPage);
      expect(new PrintFileReader(merged.pdf).letter(e.firstPage, e.lastPage).equals(one)).toBe(true);
      const text = await pdfText(one);
      expect(text.pages).toBe(e.lastPage - e.firstPage + 1);
      expect(text.flat).toContain(`Dear ${l.person.name},`);
      for (const other of ls) if (other !== l) expect(text.flat).not.toContain(`Ref ${other.letterId}`);
      const latin = one.toString('latin1');
      const xrefAt = Number(/startxref\n(\d+)/.exec(latin)![1]);
      const rows = latin
        .slice(xrefAt)
        .split('\n')
        .slice(3)
        .filter((r) => / n $/.test(r));
      rows.forEach((r, n) => expect(latin.slice(Number(r.slice(0, 10))).startsWith(`${n + 1} 0 obj`)).toBe(true));
    }
    expect(() => reader.letter(0, 1)).toThrow(PdfMergeError);
    expect(() => reader.letter(1, merged.pages + 1)).toThrow(PdfMergeError);
  });

  it('rejects input that is not a PDF it understands', () => {
    expect(() => mergeLetters([{ letterId: 'x', pdf: Buffer.from('%PDF-1.3\nnothing here') }])).toThrow(PdfMergeError);
  });
});
