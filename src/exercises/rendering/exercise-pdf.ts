/**
 * Exercise documents as PDFs (pdfkit): the after-action report and sample notice letters to
 * synthetic individuals. Every page carries a large diagonal "EXERCISE" mark and a banner at
 * the top and bottom, drawn on page creation, so no page can leave without it.
 */
import PDFDocument from 'pdfkit';
import type { AfterAction } from '../domain/after-action';
import type { SyntheticPerson } from '../domain/scenarios';

export const EXERCISE_MARK = 'EXERCISE';
const BANNER = 'EXERCISE — NOT A REAL BREACH NOTICE — DO NOT SEND';

function markPage(doc: PDFKit.PDFDocument): void {
  const { width, height } = doc.page;
  const x = doc.x;
  const y = doc.y;
  // Drawn outside the text area: no bottom margin while marking, or pdfkit would start a new page.
  const bottom = doc.page.margins.bottom;
  doc.page.margins.bottom = 0;
  doc.save();
  doc.fillColor('#d32f2f').opacity(0.18).font('Helvetica-Bold').fontSize(120);
  doc.rotate(-35, { origin: [width / 2, height / 2] });
  doc.text(EXERCISE_MARK, 0, height / 2 - 60, { width, align: 'center', lineBreak: false });
  doc.restore();
  doc.save();
  doc.rect(0, 0, width, 26).fill('#d32f2f');
  doc.rect(0, height - 26, width, 26).fill('#d32f2f');
  doc.fillColor('#ffffff').opacity(1).font('Helvetica-Bold').fontSize(12);
  doc.text(BANNER, 0, 8, { width, align: 'center', lineBreak: false });
  doc.text(BANNER, 0, height - 18, { width, align: 'center', lineBreak: false });
  doc.restore();
  doc.page.margins.bottom = bottom;
  doc.fillColor('#000000').opacity(1).font('Helvetica').fontSize(10);
  doc.x = x;
  doc.y = Math.max(y, 50);
}

function open(title: string, at: Date, compress: boolean): { doc: PDFKit.PDFDocument; done: Promise<Buffer> } {
  const doc = new PDFDocument({
    size: 'LETTER',
    margins: { top: 50, bottom: 50, left: 50, right: 50 },
    compress,
    info: {
      Title: `${EXERCISE_MARK}: ${title}`,
      Author: 'Safe Harbor',
      Subject: EXERCISE_MARK,
      Keywords: EXERCISE_MARK,
      CreationDate: at,
      ModDate: at,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.on('pageAdded', () => markPage(doc));
  markPage(doc);
  return { doc, done };
}

function table(doc: PDFKit.PDFDocument, head: string[], widths: number[], rows: string[][]): void {
  const left = doc.page.margins.left;
  const line = (cells: string[], bold: boolean) => {
    if (doc.y > doc.page.height - 90) doc.addPage();
    const y = doc.y;
    let x = left;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8.5);
    let h = 0;
    cells.forEach((c, i) => {
      h = Math.max(h, doc.heightOfString(c, { width: widths[i]! - 4 }));
    });
    cells.forEach((c, i) => {
      doc.text(c, x, y, { width: widths[i]! - 4 });
      x += widths[i]!;
    });
    doc.x = left;
    doc.y = y + h + 3;
  };
  line(head, true);
  doc
    .moveTo(left, doc.y - 1)
    .lineTo(left + widths.reduce((a, b) => a + b, 0), doc.y - 1)
    .strokeColor('#999999')
    .stroke();
  for (const r of rows) line(r, false);
  doc.moveDown(0.6);
}

function heading(doc: PDFKit.PDFDocument, text: string): void {
  if (doc.y > doc.page.height - 120) doc.addPage();
  doc.moveDown(0.4).font('Helvetica-Bold').fontSize(13).fillColor('#000000').text(text, doc.page.margins.left);
  doc.moveDown(0.3).font('Helvetica').fontSize(10);
}

export function renderAfterActionPdf(r: AfterAction, o: { generatedAt: Date; compress?: boolean }): Promise<Buffer> {
  const { doc, done } = open(`After-action report — ${r.title}`, o.generatedAt, o.compress ?? true);
  doc.font('Helvetica-Bold').fontSize(18).text(`After-action report (${EXERCISE_MARK})`);
  doc.font('Helvetica').fontSize(11).text(r.title);
  doc.moveDown(0.3).fontSize(9).fillColor('#444444');
  doc.text(
    `Exercise ${r.exerciseId}${r.scenario ? ` · scenario ${r.scenario}` : ''} · opened ${r.openedOn} · exercise date ${r.asOf}` +
      `${r.closedOn ? ` · closed ${r.closedOn}` : ' · still open'} · discovery ${r.discoveredOn ?? '-'} · generated ${o.generatedAt.toISOString()}`,
  );
  doc
    .fillColor('#000000')
    .text(
      'Synthetic individuals only. Nothing in this exercise was sent, posted or delivered to an agent; it is not part of the real obligations, metrics or the HHS log.',
    );

  heading(doc, `Gaps found (${r.gaps.length})`);
  if (r.gaps.length === 0) doc.text('None.');
  for (const g of r.gaps) doc.text(`•  ${g}`, { indent: 6 });

  heading(doc, 'Obligations against the legal clock (days from discovery)');
  table(
    doc,
    ['obligation', 'due', 'allowed', 'completed', 'used', 'verdict'],
    [190, 70, 50, 70, 40, 92],
    r.obligations.map((x) => [
      x.obligationId,
      x.dueOn ?? '-',
      x.daysAllowed === null ? '-' : String(x.daysAllowed),
      x.completedOn ?? '-',
      x.daysUsed === null ? '-' : String(x.daysUsed),
      x.verdict,
    ]),
  );

  heading(doc, 'Decisions');
  table(
    doc,
    ['exercise date', 'by', 'trigger', 'breach', 'basis', 'affected', 'obligations'],
    [75, 120, 75, 40, 70, 60, 72],
    r.decisions.map((d) => [d.on, d.by, d.trigger, d.breach ? 'yes' : 'no', d.basis, String(d.totalAffected), String(d.obligations)]),
  );

  heading(doc, 'Notices (drafted and rendered only; never sent)');
  table(
    doc,
    ['notice', 'obligation', 'letters', 'drafted', 'approved'],
    [110, 170, 60, 86, 86],
    r.notices.map((n) => [n.noticeId, n.obligationId, String(n.letters), n.draftedOn, n.approvedOn ?? 'not approved']),
  );

  heading(doc, 'Timeline');
  table(
    doc,
    ['exercise date', 'what', 'by', 'wall time'],
    [80, 250, 120, 62],
    r.timeline.map((t) => [t.on, t.what, t.by || '-', t.wallMinutes === null ? '-' : `+${t.wallMinutes} min`]),
  );
  doc.end();
  return done;
}

/** A sample individual notice to synthetic people (one page each), under the exercise mark. */
export function renderExerciseLetters(
  people: readonly SyntheticPerson[],
  o: { title: string; summary: string; discoveredOn: string; dueOn: string; generatedAt: Date; compress?: boolean },
): Promise<Buffer> {
  const { doc, done } = open(`Notice letters — ${o.title}`, o.generatedAt, o.compress ?? true);
  people.forEach((p, i) => {
    if (i > 0) doc.addPage();
    doc.font('Helvetica').fontSize(10).text(`${p.name}\n${p.street}\n${p.city}, ${p.state} ${p.postalCode}`, 60, 90);
    doc.moveDown(2).font('Helvetica-Bold').fontSize(13).text('Notice of a data breach (EXERCISE)');
    doc.moveDown(0.6).font('Helvetica').fontSize(10.5);
    doc.text(`Dear ${p.name},`);
    doc.moveDown(0.5).text(`What happened: ${o.summary} We discovered it on ${o.discoveredOn}.`);
    doc.moveDown(0.5).text('What information was involved, what we are doing, what you can do, and how to reach us would follow here.');
    doc.moveDown(0.5).text(`This letter is part of a breach exercise. A real letter would have been due by ${o.dueOn}.`);
  });
  doc.end();
  return done;
}
