import {
  coveredEntityNotice,
  escalationEmail,
  hhsReport,
  hhsReportDocument,
  mediaJurisdictions,
  mediaNotice,
  reminderEmail,
  substitutePostingHtml,
} from '../../../src/notices/rendering/documents';
import { LetterFonts, LetterPdfRenderer } from '../../../src/notices/rendering/letter-pdf';
import { TemplateRenderError, TemplateSet } from '../../../src/notices/rendering/templates';
import { testFacts, testOrg } from './fixtures';
import { pdfText } from './pdf-text';

const t = new TemplateSet();
const renderer = new LetterPdfRenderer(new LetterFonts());
const creationDate = new Date('2025-04-01T00:00:00Z');

describe('media notice (164.406)', () => {
  it('is due only for states with more than 500 residents affected', () => {
    expect(mediaJurisdictions({ OH: 501, KY: 500, TX: 3000, unknown: 9000, IN: 12 })).toEqual([
      { code: 'OH', affected: 501 },
      { code: 'TX', affected: 3000 },
    ]);
    expect(mediaJurisdictions({ OH: 250, KY: 251 })).toEqual([]);
  });

  it('names the state and carries the same content as the individual notice', async () => {
    const facts = testFacts();
    const doc = mediaNotice(t, { org: testOrg(), incident: facts }, { code: 'OH', affected: 1234 }, '2025-04-02');
    const { flat } = await pdfText((await renderer.render(doc, { creationDate })).pdf);
    expect(flat).toContain('Notifies Ohio Residents');
    expect(flat).toContain('1,234 residents of Ohio');
    expect(flat).toContain(facts.whatHappened);
    for (const p of facts.phiInvolved) expect(flat).toContain(p);
    expect(flat).toContain(testOrg().contact.tollFreeNumber);
  });
});

describe('substitute notice posting (164.404(d)(2))', () => {
  it('is a conspicuous page with the toll-free number, up for 90 days', () => {
    const html = substitutePostingHtml(t, { org: testOrg(), incident: testFacts() }, '2025-04-01');
    expect(html).toContain('<h1>Notice of Data Breach</h1>');
    expect(html).toContain('href="tel:1-888-555-0142"');
    expect(html).toContain('stays posted until June 30, 2025');
  });
});

describe('HHS breach report (164.408)', () => {
  it('carries the portal fields', () => {
    const r = hhsReport(testOrg(), testFacts(), {
      reportType: 'initial',
      affected: 1234,
      individualNoticeStartDate: '2025-04-01',
      individualNoticeProjectedEndDate: '2025-04-15',
      substituteNoticeProvided: true,
      mediaNoticeProvided: true,
    });
    expect(r.reportType).toBe('Initial Breach Report');
    expect(r.breachAffecting).toBe('500 or More Individuals');
    expect(r.coveredEntity).toMatchObject({ name: 'Riverbend Community Health', type: 'Healthcare Provider' });
    expect(r.coveredEntity.contact.email).toBe('dana.whitfield@riverbend.example');
    expect(r.businessAssociate).toBeNull();
    expect(r.breach).toMatchObject({
      startDate: '2025-03-01',
      endDate: '2025-03-01',
      discoveryStartDate: '2025-03-10',
      discoveryEndDate: '2025-03-10',
      approximateIndividualsAffected: 1234,
      typeOfBreach: ['Theft'],
      locationOfBreachedInformation: ['Laptop'],
      typeOfPhi: ['Demographic', 'Clinical'],
    });
    expect(r.breach.description.length).toBeLessThanOrEqual(4000);
    expect(r.safeguardsInPlacePriorToBreach).toHaveLength(2);
    expect(r.notice).toEqual({
      individualNoticeStartDate: '2025-04-01',
      individualNoticeProjectedEndDate: '2025-04-15',
      substituteNoticeProvided: true,
      mediaNoticeProvided: true,
    });
    expect(r.actionsTaken).toEqual(['Encrypted all portable devices', 'Retrained the workforce']);
  });

  it('uses "500 or more" for HHS (exactly 500 is 500+) and caps the description at 4,000 characters', () => {
    const base = {
      reportType: 'initial' as const,
      individualNoticeStartDate: '2025-04-01',
      individualNoticeProjectedEndDate: '2025-04-02',
      substituteNoticeProvided: false,
      mediaNoticeProvided: false,
    };
    expect(hhsReport(testOrg(), testFacts(), { ...base, affected: 500 }).breachAffecting).toBe('500 or More Individuals');
    expect(hhsReport(testOrg(), testFacts(), { ...base, affected: 499 }).breachAffecting).toBe('Fewer Than 500 Individuals');
    const long = hhsReport(testOrg(), testFacts({ whatHappened: 'x'.repeat(3990) }), { ...base, affected: 10 });
    expect(long.breach.description.length).toBe(4000);
    expect(() => hhsReport(testOrg(), testFacts(), { ...base, reportType: 'addendum', affected: 10 })).toThrow(/originalTransactionNumber/);
  });

  it('renders a PDF for the file with the same facts', async () => {
    const r = hhsReport(
      testOrg(),
      testFacts({
        businessAssociate: {
          name: 'Acme Billing LLC',
          address: { line1: '1 Main St', city: 'Austin', state: 'TX', zip: '73301' },
          contactName: 'Lee Park',
          phone: '512-555-0101',
          email: 'lee@acme.example',
        },
      }),
      {
        reportType: 'initial',
        affected: 77,
        individualNoticeStartDate: '2025-04-01',
        individualNoticeProjectedEndDate: '2025-04-15',
        substituteNoticeProvided: false,
        mediaNoticeProvided: false,
      },
    );
    const { flat } = await pdfText((await renderer.render(hhsReportDocument(t, testOrg(), r, '2025-04-01'), { creationDate })).pdf);
    expect(flat).toContain('Fewer Than 500 Individuals');
    expect(flat).toContain('Acme Billing LLC');
    expect(flat).toContain('Type of breach: Theft');
    expect(flat).toContain('Approximate number of individuals affected: 77');
  });
});

describe('business associate → covered entity notice (164.410)', () => {
  it('tells the covered entity the facts and how the identities are delivered', async () => {
    const org = testOrg({ name: 'Acme Billing LLC', entityType: 'business-associate' });
    const doc = coveredEntityNotice(
      t,
      { org, incident: testFacts() },
      { name: 'Riverbend Community Health', contactName: 'Privacy Officer' },
      { total: 3000, artifactDigest: 'ab'.repeat(32) },
      '2025-04-02',
    );
    const { flat } = await pdfText((await renderer.render(doc, { creationDate })).pdf);
    expect(flat).toContain('45 CFR 164.410');
    expect(flat).toContain('discovered on March 10, 2025');
    expect(flat).toContain('Number of individuals identified: 3,000');
    expect(flat).toContain('ab'.repeat(32));
    expect(() =>
      coveredEntityNotice(
        t,
        { org: testOrg(), incident: testFacts() },
        { name: 'x', contactName: 'y' },
        { total: 1, artifactDigest: 'a' },
        '2025-04-02',
      ),
    ).toThrow(/entityType/);
  });
});

describe('reminder and escalation emails', () => {
  const v = {
    org: { name: 'Riverbend Community Health' },
    incident: { reference: 'INC-2025-0042' },
    obligation: {
      title: 'Individual notice',
      citation: '45 CFR 164.404',
      dueOn: '2025-05-09',
      daysLeft: 7,
      status: 'open',
      overdue: false,
    },
    assignee: { name: 'Dana Whitfield' },
    link: 'https://safeharbor.example/incidents/42',
  };
  it('renders subject and body from the obligation', () => {
    const r = reminderEmail(t, v);
    expect(r.subject).toBe('Reminder: Individual notice due May 9, 2025 (7 days left)');
    expect(r.text).toContain('45 CFR 164.404');
    const e = escalationEmail(t, {
      ...v,
      obligation: { ...v.obligation, overdue: true },
      escalateTo: { name: 'Chief Compliance Officer' },
    });
    expect(e.subject).toBe('ESCALATION: Individual notice is overdue');
    expect(e.text).toContain('(OVERDUE)');
  });
  it('fails on a missing field rather than sending a blank', () => {
    const { assignee: _drop, ...missing } = v;
    expect(() => reminderEmail(t, missing as typeof v)).toThrow(TemplateRenderError);
  });
});
