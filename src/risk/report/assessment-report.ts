/**
 * The annual risk assessment report for auditors, as a PDF (pdfkit): scope and method (the frozen
 * matrix), the inherent and residual heat maps, the register, treatments and acceptances, the
 * controls mapped to the HIPAA Security Rule (required/addressable) and HITRUST CSF categories,
 * the differences from the previous assessment, and the approvals. No PHI is in the register.
 */
import PDFDocument from 'pdfkit';
import type { AssessmentState, Risk } from '../domain/assessment';
import type { Catalogs } from '../domain/catalogs';
import type { AssessmentDiff } from '../domain/diff';
import type { RiskLevel, RiskMatrix } from '../domain/matrix';
import { rate } from '../domain/matrix';

export const LEVEL_COLORS: Record<RiskLevel, string> = {
  low: '#8BC34A',
  moderate: '#FFD54F',
  high: '#FB8C00',
  critical: '#D32F2F',
};

export interface ReportOptions {
  organization: string;
  generatedAt: Date;
  timeZone: string;
  catalogs: Catalogs;
  diff?: AssessmentDiff | null;
  /** Uncompressed content streams (tests read the text back). */
  compress?: boolean;
}

/** Risk counts per (likelihood, impact) cell for one rating kind. */
export function heatMapCounts(matrix: RiskMatrix, risks: Risk[], kind: 'inherent' | 'residual'): number[][] {
  const grid = matrix.likelihood.map(() => matrix.impact.map(() => 0));
  for (const r of risks) {
    const rt = r[kind];
    if (rt) grid[rt.likelihood - 1][rt.impact - 1]++;
  }
  return grid;
}

export function renderAssessmentReport(s: AssessmentState, o: ReportOptions): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'LETTER',
    margin: 50,
    compress: o.compress ?? true,
    info: {
      Title: `Risk assessment report - ${s.title}`,
      Author: 'Safe Harbor',
      Subject: 'HIPAA Security Rule risk analysis (45 CFR 164.308(a)(1)(ii)(A)-(B))',
      CreationDate: o.generatedAt,
      ModDate: o.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const risks = Object.values(s.risks);
  const assets = s.assets;
  const width = doc.page.width - 100;
  const h1 = (t: string) =>
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(14).fillColor('#000').text(t).moveDown(0.3).font('Helvetica').fontSize(9.5);
  const kv = (k: string, v: string) => doc.font('Helvetica-Bold').text(`${k}: `, { continued: true }).font('Helvetica').text(v);

  // Title page block
  doc.font('Helvetica-Bold').fontSize(20).text('Risk Assessment Report');
  doc.font('Helvetica').fontSize(12).text(o.organization).moveDown(0.2);
  if (s.status !== 'completed') {
    doc
      .font('Helvetica-Bold')
      .fontSize(11)
      .fillColor('#D32F2F')
      .text(`DRAFT - this assessment is ${s.status}, not yet ${s.status === 'approved' ? 'completed' : 'approved'}`)
      .fillColor('#000')
      .font('Helvetica');
  }
  doc
    .fontSize(10)
    .fillColor('#444')
    .text(`${s.title}  -  period ${s.periodStart} to ${s.periodEnd}`)
    .fillColor('#000')
    .moveDown(0.5)
    .fontSize(9.5);
  kv('Status', s.status);
  kv('Started by', s.startedBy);
  kv('Submitted by', s.submittedBy ?? '-');
  kv('Approved by', s.approvedBy ?? '-');
  kv('Completed on', s.completedOn ?? '-');
  kv('Next review due', s.nextReviewDueOn ?? '-');
  kv('Assessment id', s.assessmentId);
  if (s.previousAssessmentId) kv('Started from', s.previousAssessmentId);
  kv(
    'Catalogs',
    s.catalogVersions
      ? `HIPAA Security Rule ${s.catalogVersions.hipaa}, HITRUST CSF ${s.catalogVersions.hitrust}, controls v${s.catalogVersions.controls}`
      : '-',
  );
  kv('Generated', `${o.generatedAt.toISOString()} (${o.timeZone})`);

  h1('Method');
  doc.text(
    `Risk = likelihood x impact on the "${s.matrix.id}" matrix, frozen when this assessment started (${s.matrix.likelihood.length} x ${s.matrix.impact.length}). ` +
      `Levels: ${s.matrix.bands.map((b, i) => `${b.level} from ${b.minScore}${i + 1 < s.matrix.bands.length ? '' : ''}`).join(', ')}. ` +
      'Inherent risk is rated before controls, residual risk with the controls in place.',
    { width },
  );

  // Heat maps
  h1('Heat maps (number of risks per cell)');
  const top = doc.y + 4;
  drawHeatMap(doc, s.matrix, heatMapCounts(s.matrix, risks, 'inherent'), 50, top, 'Inherent');
  drawHeatMap(doc, s.matrix, heatMapCounts(s.matrix, risks, 'residual'), 50 + width / 2 + 5, top, 'Residual');
  doc.x = 50;
  // legend
  let lx = 50;
  const ly = doc.y + 6;
  for (const b of s.matrix.bands) {
    doc.rect(lx, ly, 10, 10).fill(LEVEL_COLORS[b.level]);
    doc
      .fillColor('#000')
      .fontSize(8.5)
      .text(b.level, lx + 14, ly + 1, { lineBreak: false });
    lx += 80;
  }
  doc.x = 50;
  doc.y = ly + 18;

  // Register
  h1(`Risk register (${risks.length} risks, ${Object.keys(assets).length} assets)`);
  const order = [...risks].sort((a, b) => (b.residual?.score ?? b.inherent?.score ?? 0) - (a.residual?.score ?? a.inherent?.score ?? 0));
  for (const r of order) {
    ensureSpace(doc, 70);
    const lvl = r.residual?.level ?? r.inherent?.level;
    const y0 = doc.y;
    doc.rect(50, y0, 6, 28).fill(lvl ? LEVEL_COLORS[lvl] : '#BDBDBD');
    doc
      .fillColor('#000')
      .font('Helvetica-Bold')
      .fontSize(9.5)
      .text(r.title, 62, y0, { width: width - 12 });
    doc.font('Helvetica').fontSize(8.5);
    const line = (t: string) => doc.text(t, 62, doc.y, { width: width - 12 });
    line(`Assets: ${r.assetIds.map((id) => assets[id]?.name ?? id).join(', ')}   Threat: ${r.threat}   Vulnerability: ${r.vulnerability}`);
    line(
      `Inherent: ${fmtRating(r.inherent)}   Residual: ${fmtRating(r.residual)}   Treatment: ${r.treatment ? `${r.treatment.option} (owner ${r.treatment.ownerId}, due ${r.treatment.dueOn})` : '-'}   Source: ${r.source.kind}`,
    );
    if (r.controls.length) line(`Controls: ${r.controls.map((c) => `${c} ${o.catalogs.controls.get(c)?.title ?? ''}`).join('; ')}`);
    for (const a of r.acceptances)
      line(`Accepted ${a.acceptedOn} by ${a.approverId} (${a.approverRole})${a.expiresOn ? ` until ${a.expiresOn}` : ''}: ${a.rationale}`);
    doc.moveDown(0.4);
  }
  doc.x = 50;

  // Control mapping
  h1('Controls mapped to the HIPAA Security Rule and HITRUST CSF');
  const used = new Set(risks.flatMap((r) => r.controls));
  for (const c of [...o.catalogs.controls.values()].filter((c) => used.has(c.id))) {
    ensureSpace(doc, 30);
    const hipaa = c.hipaa
      .map(
        (h) =>
          `${h} ${o.catalogs.hipaa.get(h)?.title ?? ''} (${(o.catalogs.hipaa.get(h)?.requirement ?? 'required') === 'required' ? 'R' : 'A'})`,
      )
      .join('; ');
    const hit = c.hitrust.map((h) => `${h} ${o.catalogs.hitrust.get(h)?.title ?? ''}`).join('; ');
    doc.font('Helvetica-Bold').fontSize(8.5).text(`${c.id} ${c.title}`, { width });
    doc
      .font('Helvetica')
      .text(`HIPAA: ${hipaa || '-'}   HITRUST: ${hit || '-'}`, { width })
      .moveDown(0.3);
  }
  const specs = [...o.catalogs.hipaa.values()].filter((i) => i.kind === 'implementation-specification');
  const coveredSpecs = new Set([...o.catalogs.controls.values()].filter((c) => used.has(c.id)).flatMap((c) => c.hipaa));
  doc
    .moveDown(0.3)
    .font('Helvetica')
    .fontSize(9)
    .text(
      `Implementation specifications addressed by the controls in this register: ${specs.filter((i) => coveredSpecs.has(i.id)).length} of ${specs.length} ` +
        `(required: ${specs.filter((i) => i.requirement === 'required' && coveredSpecs.has(i.id)).length} of ${specs.filter((i) => i.requirement === 'required').length}).`,
      { width },
    );

  if (o.diff) {
    h1('Changes since the previous assessment');
    const d = o.diff;
    doc.text(`Previous assessment ${d.fromAssessmentId}${d.matrixChanged ? ' (the matrix changed: ratings were not carried over)' : ''}.`, {
      width,
    });
    doc.text(
      `Assets added: ${d.assets.added.length}, removed: ${d.assets.removed.length}. Risks added: ${d.risks.added.length}, not carried over: ${d.risks.notCarried.length}, changed: ${d.risks.changed.length}, unchanged: ${d.risks.unchanged}.`,
      { width },
    );
    for (const c of d.risks.changed) {
      const parts = [];
      if (c.inherent) parts.push(`inherent ${fmtRating(c.inherent.from ?? undefined)} -> ${fmtRating(c.inherent.to ?? undefined)}`);
      if (c.residual) parts.push(`residual ${fmtRating(c.residual.from ?? undefined)} -> ${fmtRating(c.residual.to ?? undefined)}`);
      if (c.treatment) parts.push(`treatment ${c.treatment.from ?? '-'} -> ${c.treatment.to ?? '-'}`);
      doc.text(`- ${c.title}: ${parts.join(', ')}`, { width });
    }
    for (const a of d.risks.added) doc.text(`+ ${a.title} (${a.source})`, { width });
    for (const n of d.risks.notCarried) doc.text(`x ${n.title} (${n.reason})`, { width });
  }

  doc.end();
  return done;
}

function fmtRating(r?: { likelihood: number; impact: number; score: number; level: string } | null): string {
  return r ? `L${r.likelihood} x I${r.impact} = ${r.score} ${r.level}` : '-';
}

function ensureSpace(doc: PDFKit.PDFDocument, h: number): void {
  if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
}

function drawHeatMap(doc: PDFKit.PDFDocument, m: RiskMatrix, counts: number[][], x: number, y: number, title: string): void {
  const cell = Math.min(34, Math.floor(200 / Math.max(m.likelihood.length, m.impact.length)));
  const gx = x + 18;
  const gy = y + 16;
  doc.font('Helvetica-Bold').fontSize(10).fillColor('#000').text(title, x, y, { lineBreak: false });
  const n = m.likelihood.length;
  for (let li = 0; li < n; li++) {
    const row = n - 1 - li; // highest likelihood on top
    for (let ii = 0; ii < m.impact.length; ii++) {
      const level = rate(m, li + 1, ii + 1).level;
      const cx = gx + ii * cell;
      const cy = gy + row * cell;
      doc.rect(cx, cy, cell, cell).fill(LEVEL_COLORS[level]);
      doc.rect(cx, cy, cell, cell).lineWidth(0.5).stroke('#FFFFFF');
      const count = counts[li][ii];
      if (count > 0)
        doc
          .fillColor('#000')
          .font('Helvetica-Bold')
          .fontSize(10)
          .text(String(count), cx, cy + cell / 2 - 5, { width: cell, align: 'center', lineBreak: false });
    }
    doc
      .fillColor('#000')
      .font('Helvetica')
      .fontSize(7)
      .text(String(li + 1), x + 6, gy + row * cell + cell / 2 - 3, { lineBreak: false });
  }
  for (let ii = 0; ii < m.impact.length; ii++)
    doc.fontSize(7).text(String(ii + 1), gx + ii * cell, gy + n * cell + 2, { width: cell, align: 'center', lineBreak: false });
  doc.fontSize(7).text('likelihood (rows) x impact (columns)', gx, gy + n * cell + 12, { lineBreak: false });
  doc.y = gy + n * cell + 26;
}
