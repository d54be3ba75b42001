import { shippedCatalogs } from '../../../src/risk/domain/catalogs';
import { heatMapCounts, renderAssessmentReport } from '../../../src/risk/report/assessment-report';
import { completedAssessment, pdfText } from '../../support/risk/fixtures';

describe('annual risk assessment report (PDF)', () => {
  it('counts risks per matrix cell for the heat maps', () => {
    const s = completedAssessment('a', 7);
    const inherent = heatMapCounts(s.matrix, Object.values(s.risks), 'inherent');
    expect(inherent.flat().reduce((a, b) => a + b, 0)).toBe(7);
    for (const r of Object.values(s.risks)) expect(inherent[r.inherent!.likelihood - 1][r.inherent!.impact - 1]).toBeGreaterThan(0);
  });

  it('renders a PDF with the lifecycle, the heat maps, the register and the control mapping', async () => {
    const s = completedAssessment('a-2025', 4);
    const pdf = await renderAssessmentReport(s, {
      organization: 'Example Health',
      generatedAt: new Date('2025-12-16T10:00:00Z'),
      timeZone: 'America/New_York',
      catalogs: shippedCatalogs(),
      compress: false,
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    for (const t of [
      'Risk Assessment Report',
      'Example Health',
      'Heat maps',
      'Inherent',
      'Residual',
      'Next review due',
      '2026-12-15',
      'Approved by',
      'p-bob',
      'Generated risk number 3',
      'HIPAA Security Rule',
    ]) {
      expect(text).toContain(t);
    }
    expect(text).not.toContain('DRAFT');
    const draft = pdfText(
      await renderAssessmentReport(
        { ...s, status: 'submitted' },
        {
          organization: 'Example Health',
          generatedAt: new Date('2025-12-16T10:00:00Z'),
          timeZone: 'UTC',
          catalogs: shippedCatalogs(),
          compress: false,
        },
      ),
    );
    expect(draft).toContain('DRAFT - this assessment is submitted, not yet approved');
    // Every cell of the two 5x5 maps is drawn as a filled rectangle.
    expect((pdf.toString('latin1').match(/ re\n/g) ?? []).length).toBeGreaterThanOrEqual(50);
    // Compressed by default, and deterministic for the same inputs.
    const a = await renderAssessmentReport(s, {
      organization: 'Example Health',
      generatedAt: new Date('2025-12-16T10:00:00Z'),
      timeZone: 'UTC',
      catalogs: shippedCatalogs(),
    });
    const b = await renderAssessmentReport(s, {
      organization: 'Example Health',
      generatedAt: new Date('2025-12-16T10:00:00Z'),
      timeZone: 'UTC',
      catalogs: shippedCatalogs(),
    });
    expect(a.length).toBeLessThan(pdf.length);
    expect(a.equals(b)).toBe(true);
  });
});
