/**
 * State regulator / attorney-general notices: one document per regulator notice in each state
 * overlay, with the recipient, citation and every item that regulator asks for, the counts, and
 * the legal-review mark; rendered to PDF and read back.
 */
import { loadStateOverlays } from '../../../src/incidents/infrastructure/state-overlays.loader';
import { pickRegulator } from '../../../src/notices/content/notice-content';
import { LetterFonts, LetterPdfRenderer } from '../../../src/notices/rendering/letter-pdf';
import { regulatorNoticesOf, stateRegulatorNotice } from '../../../src/notices/rendering/regulator-notice';
import { TemplateSet } from '../../../src/notices/rendering/templates';
import { testFacts, testOrg } from './fixtures';
import { pdfLines, pdfText } from './pdf-text';

const t = new TemplateSet();
const renderer = new LetterPdfRenderer(new LetterFonts());
const overlays = loadStateOverlays();
const ON = '2026-06-01';

describe('state regulator notices from the overlays', () => {
  const all = [...overlays.byJurisdiction.entries()].flatMap(([code, o]) => regulatorNoticesOf(o, ON).map((r) => ({ code, r })));

  it('finds the regulator notices the overlays list (New York, California, Connecticut, Vermont, Texas, Florida, Washington, Colorado, Illinois among them)', () => {
    const states = new Set(all.map((x) => x.code));
    for (const s of ['NY', 'CA', 'CT', 'VT', 'TX', 'FL', 'WA', 'CO', 'IL']) expect(states).toContain(s);
    expect(all.find((x) => x.code === 'NY' && x.r.id.endsWith('.ag-dos-police'))!.r.carries).toContain(
      'approximate number of affected New York residents',
    );
  });

  it('renders a notice for every regulator of every state with the fields that regulator asks for', async () => {
    const facts = testFacts({ breachStartedOn: '2025-03-08', breachEndedOn: '2025-03-08' });
    for (const { code, r } of all) {
      const doc = stateRegulatorNotice(
        t,
        { org: testOrg(), incident: facts },
        { code, regulator: r, residents: 1234, total: 5000, residentsNoticeOn: '2025-04-01' },
        '2025-04-02',
      );
      const b = doc.body.replace(/\s+/g, ' ');
      expect(b).toContain(`To: ${r.to.replace(/\s+/g, ' ')}`);
      expect(b).toContain(r.citation.replace(/\s+/g, ' '));
      for (const c of r.carries) expect(b).toContain(`- ${c.replace(/\s+/g, ' ')}`);
      expect(b).toContain('1,234');
      expect(b).toContain('(5,000 individuals in all)');
      expect(b).toContain('DRAFT FOR LEGAL REVIEW');
      expect(b).toContain('The breach took place on March 8, 2025.');
    }
    // Two rendered and read back from the PDF, page breaks clean.
    for (const pick of [all.find((x) => x.code === 'NY')!, all.find((x) => x.code === 'CA')!]) {
      const doc = stateRegulatorNotice(
        t,
        { org: testOrg(), incident: facts },
        { code: pick.code, regulator: pick.r, residents: 1234, total: null, residentsNoticeOn: '2025-04-01' },
        '2025-04-02',
      );
      const pdf = (await renderer.render(doc, { creationDate: new Date('2025-04-02T00:00:00Z') })).pdf;
      const flat = (await pdfText(pdf)).flat;
      expect(flat).toContain(`Notice of a Data Breach Affecting`);
      expect(flat).toContain('1,234');
      const pages = await pdfLines(pdf);
      pages.slice(1).forEach((p) => expect(p.length).toBeGreaterThanOrEqual(4));
    }
  });

  it('picks the regulator a batch names, and refuses an unknown one naming the choices', () => {
    const ny = regulatorNoticesOf(overlays.byJurisdiction.get('NY')!, ON);
    expect(pickRegulator(ny, 'ag-hhs-copy').to).toContain('copy of the HHS breach report');
    expect(() => pickRegulator(ny, 'nobody')).toThrow(/expected one of/);
    expect(() => pickRegulator(ny, undefined)).toThrow(/several regulator notices/);
  });
});
