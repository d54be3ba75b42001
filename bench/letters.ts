/**
 * npm run bench -- letters [--letters 300] [--rounds 3]
 * Our letter path (template → PDF markup → window-envelope layout, footer, SHA-256; then the
 * mail-house merge) beside raw pdfkit rendering the same text with the same fonts, in the same
 * run. The baseline is pdfkit used well: one document per letter, fonts read and parsed once per
 * process (the standard Helvetica pair our letters use for WinAnsi text, through the same parsed-font
 * cache our renderer uses, so neither side re-parses font metrics per letter), the text prepared in
 * advance and laid out by pdfkit for every letter. Also prints our path with the body laid out in full for every letter
 * (`ours-full-layout`, the path before issue 15 item 1) and the projected time for 1,000,000
 * letters with two workers (one per core).
 */
import PDFDocument from 'pdfkit';
import { performance } from 'node:perf_hooks';
import { planChannel } from '../src/notices/domain/channel';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { replayStats } from '../src/notices/rendering/body-replay';
import { installCachedFont, LetterPdfRenderer, workerFonts } from '../src/notices/rendering/letter-pdf';
import { LetterComposer } from '../src/notices/rendering/letters';
import { manifestCsv, mergeLetters, PrintFileReader } from '../src/notices/rendering/mailhouse';
import { TemplateSet } from '../src/notices/rendering/templates';
import { syntheticPerson, testFacts, testOrg } from '../test/unit/notices/fixtures';
import { arg, median, report } from './support';

const N = arg('letters', 300);
const ROUNDS = arg('rounds', 3);
const BATCH = '01937a4e-8f00-7000-8000-0000000be4c4';
const creationDate = new Date('2025-04-01T00:00:00Z');

const composer = new LetterComposer(new TemplateSet(), { org: testOrg(), incident: testFacts() }, '2025-04-01');
const renderer = new LetterPdfRenderer(workerFonts());
const people = Array.from({ length: N }, (_, i) => ({ ...syntheticPerson(i), emailConsent: false }));
// The baseline gets exactly the text our letters print, prepared in advance.
const texts = people.map((p) => {
  const d = composer.letter(BATCH, p, planChannel(p));
  return {
    head: [d.letterhead.name, ...d.letterhead.lines].join('\n'),
    address: d.recipient.join('\n'),
    date: d.dateText,
    body: d.body.replace(/^#+ |^- /gm, ''),
  };
});

function rawPdfkit(t: (typeof texts)[number]): Promise<Buffer> {
  return new Promise((resolve) => {
    // Fonts parsed once per process, not per document: the parsed standard fonts are reused.
    const doc = new PDFDocument({ size: 'LETTER', compress: true, info: { CreationDate: creationDate }, font: null as never });
    installCachedFont(doc, 'Helvetica');
    installCachedFont(doc, 'Helvetica-Bold');
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.font('Helvetica-Bold').fontSize(15).text(t.head);
    doc.font('Helvetica').fontSize(10.5).text(t.address, 72, 153);
    doc.text(t.date, 72, 260);
    doc.text(t.body, 72, 281, { width: 468 });
    doc.end();
  });
}

async function ours(replayBody = true): Promise<{ secs: number; pdfs: Array<{ letterId: string; pdf: Buffer }> }> {
  const t0 = performance.now();
  const pdfs = [];
  for (const p of people) {
    const doc = composer.letter(BATCH, p, planChannel(p));
    const r = await renderer.render(doc, { creationDate, replayBody });
    pdfs.push({ letterId: doc.letterId, pdf: r.pdf });
  }
  return { secs: (performance.now() - t0) / 1000, pdfs };
}

async function baseline(): Promise<number> {
  const t0 = performance.now();
  for (const t of texts) await rawPdfkit(t);
  return (performance.now() - t0) / 1000;
}

(async () => {
  await ours();
  await baseline(); // warm-up
  await ours(false);
  let printBytes = 0;
  let manifestBytes = 0;
  let lastPdfs: Array<{ letterId: string; pdf: Buffer }> = [];
  const o: number[] = [];
  const full: number[] = [];
  const b: number[] = [];
  const m: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    full.push(N / (await ours(false)).secs);
    const run = await ours();
    o.push(N / run.secs);
    lastPdfs = run.pdfs;
    b.push(N / (await baseline()));
    const t0 = performance.now();
    const merged = mergeLetters(run.pdfs, { duplex: true });
    // As the chunk runner does: each letter's proof digest from its extract out of the print file.
    const reader = new PrintFileReader(merged.pdf);
    for (const e of merged.manifest) createHash('sha256').update(reader.letter(e.firstPage, e.lastPage)).digest('hex');
    m.push(N / ((performance.now() - t0) / 1000));
    printBytes = merged.pdf.length;
    manifestBytes = manifestCsv('batch-x-chunk-00000.pdf', merged.manifest, { duplex: true }).length;
  }
  // What a person costs at rest (issue 15 item 5): the print file, encrypted (AES-GCM, 20 bytes
  // a 64 KB chunk plus a header), and the manifest row; letters are not stored a second time.
  const encrypted = printBytes + Math.ceil(printBytes / 65536) * 20 + 64;
  report('letters-bytes-at-rest', (encrypted + manifestBytes) / N, 4096, 'bytes/person', {
    printFileBytesPerPerson: Math.round(encrypted / N),
    manifestBytesPerPerson: Math.round(manifestBytes / N),
    ownLetterPdfBytes: Math.round(lastPdfs.reduce((n, p) => n + p.pdf.length, 0) / N),
  });
  const oursRate = median(o);
  const baseRate = median(b);
  const mergeRate = median(m);
  report('letters', oursRate, baseRate, 'letters/s', {
    letters: N,
    rounds: ROUNDS,
    bodyLayouts: { recorded: replayStats.recorded, replayed: replayStats.replayed },
    loadavg1m: Math.round(loadavg()[0]! * 100) / 100,
  });
  report('letters-full-layout', median(full), baseRate, 'letters/s', {
    replayedPerFullLayout: Math.round((oursRate / median(full)) * 100) / 100,
  });
  // The chunk pipeline per letter: render + merge into the print file (encryption is I/O-light).
  const pipeline = 1 / (1 / oursRate + 1 / mergeRate);
  const workers = 2;
  const minutes = 1_000_000 / (pipeline * workers) / 60;
  report('letters-pipeline', pipeline, baseRate, 'letters/s', {
    mergeRate: Math.round(mergeRate),
    projectedMinutesFor1MWith2Workers: Math.round(minutes * 10) / 10,
  });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
