/**
 * Every notice template rendered with edge-case facts (one day, unknown dates, one state, every
 * state, long names and long text, accents, next of kin), checked on the extracted text and on
 * the page breaks: no page holding a stray line or two, no heading at the foot of a page, the
 * closing and signature on one page, the signature image from the profile when it has one.
 */
import { appendFileSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AffectedIndividual } from '../../../src/incidents/domain/affected-individual';
import { planChannel } from '../../../src/notices/domain/channel';
import { US_JURISDICTIONS, type IncidentNoticeFacts, type OrganizationProfile } from '../../../src/notices/domain/notice-input';
import {
  coveredEntityNotice,
  hhsReport,
  hhsReportDocument,
  mediaNotice,
  STATE_NAMES,
  substitutePostingHtml,
} from '../../../src/notices/rendering/documents';
import { LetterFonts, LetterPdfRenderer, parseMarkup, type LetterDocument } from '../../../src/notices/rendering/letter-pdf';
import { LetterComposer } from '../../../src/notices/rendering/letters';
import { TemplateSet } from '../../../src/notices/rendering/templates';
import { makeTempDir } from '../../support/temp-dir';
import { png, syntheticPerson, testFacts, testOrg } from './fixtures';
import { pdfLines, pdfText } from './pdf-text';

const t = new TemplateSet();
const renderer = new LetterPdfRenderer(new LetterFonts());
const creationDate = new Date('2025-04-01T00:00:00Z');
const BATCH = '01937a4e-8f00-7000-8000-0000000000e5';
const FOOTER = /^Ref \S+ · Page \d+ of \d+$/;

const SENTENCE = 'The device was recovered by the police two weeks later, and a forensic review found that it had been powered on. ';
const FACTS: Record<string, Record<string, unknown>> = {
  'one day': { breachStartedOn: '2025-03-08', breachEndedOn: '2025-03-08', discoveredOn: '2025-03-08' },
  'a span': { breachStartedOn: '2025-03-01', breachEndedOn: '2025-03-08' },
  'unknown dates': { breachStartedOn: undefined, breachEndedOn: undefined },
  'long text': {
    whatHappened: SENTENCE.repeat(30).trim(),
    phiInvolved: Array.from({ length: 12 }, (_, i) => `Type of information number ${i + 1}`),
    stepsForIndividuals: Array.from({ length: 8 }, (_, i) => `Step ${i + 1}: ${SENTENCE}`),
  },
  accents: {
    whatHappened: 'Un ordinateur portable non chiffré a été volé à Zürich; São Paulo office staff — and Łódź — were told.',
  },
};

async function render(doc: LetterDocument) {
  const out = await renderer.render(doc, { creationDate });
  const pages = (await pdfLines(out.pdf)).map((p) => p.filter((l) => !FOOTER.test(l)));
  return { out, pages, flat: (await pdfText(out.pdf)).flat };
}

/** The page-break rules, on the extracted lines. */
function expectCleanBreaks(doc: LetterDocument, pages: string[][], org: OrganizationProfile = testOrg()): void {
  const headings = parseMarkup(doc.body)
    .filter((b) => b.kind === 'heading' || b.kind === 'title')
    .map((b) => (b as { text: string }).text);
  pages.forEach((lines, i) => {
    // A page after the first holds at least three lines: never a stray line or two.
    if (i > 0) expect({ page: i + 1, lines: lines.length >= 3 }).toEqual({ page: i + 1, lines: true });
    // No page ends on a heading.
    if (i < pages.length - 1) expect(headings).not.toContain(lines[lines.length - 1]);
  });
  const sincerely = pages.findIndex((p) => p.includes('Sincerely,'));
  if (sincerely >= 0) {
    const page = pages[sincerely]!;
    const at = page.indexOf('Sincerely,');
    expect(page.slice(at)).toContain(org.signatory.name);
    expect(page.slice(at).some((l) => l.startsWith(`${org.signatory.title}, `))).toBe(true);
    // The closing paragraph before "Sincerely," is on the same page.
    expect(at).toBeGreaterThan(0);
  }
}

function person(overrides: Partial<AffectedIndividual> = {}): AffectedIndividual {
  return { ...syntheticPerson(4), emailConsent: false, ...overrides };
}

const NOK = {
  deceased: true,
  nextOfKin: { name: 'Robin Okafor-Lindqvist', address: { line1: '9 Pine Road', city: 'Dayton', state: 'OH', zip: '45402' } },
};
const PEOPLE: Record<string, Partial<AffectedIndividual>> = {
  plain: {},
  'long name': { name: 'Maximiliana Evangelina Alexandrovna Featherstonehaugh-Montgomery-Winterbottom' },
  accents: { name: 'Zoë Ødegård-Núñez de Guzmán' },
  'next of kin': NOK,
};

describe('every template with edge-case facts: text and page breaks', () => {
  for (const [factsCase, overrides] of Object.entries(FACTS)) {
    const facts = testFacts(overrides);
    for (const [personCase, p] of Object.entries(PEOPLE)) {
      it(`letter: ${factsCase}, ${personCase}`, async () => {
        const who = person(p);
        const doc = new LetterComposer(t, { org: testOrg(), incident: facts }, '2025-04-01').letter(BATCH, who, planChannel(who));
        const { pages, flat } = await render(doc);
        expectCleanBreaks(doc, pages);
        expectDates(flat, facts);
        // The extractor sets a line break after a hyphen as "- ".
        expect(flat.replace(/- /g, '-')).toContain(`Dear ${p.deceased ? NOK.nextOfKin.name : who.name},`);
        // The address block keeps one line per address line: a long name is set smaller, and
        // shortened only past 8 pt (still more than the 40 characters a mail house keeps), never wrapped.
        const block = pages[0]!.slice(pages[0]!.findIndex((x) => x.includes('PO Box 1200')) + 1).slice(0, 3);
        const wanted = doc.recipient.slice(0, 3).map((x) => x.toUpperCase());
        expect(block.slice(1)).toEqual(wanted.slice(1));
        expect(wanted[0]!.startsWith(block[0]!)).toBe(true);
        expect(block[0]!.length).toBeGreaterThanOrEqual(Math.min(wanted[0]!.length, 40));
        if (p.deceased) expect(flat).toContain(`personal representative of ${who.name}`);
        expect(flat).toContain(facts.whatHappened);
      });
    }

    it(`media notice, covered-entity notice, HHS report and posting: ${factsCase}`, async () => {
      const ctx = { org: testOrg(), incident: facts };
      const media = mediaNotice(t, ctx, { code: 'NY', affected: 1994 }, '2025-04-02');
      const m = await render(media);
      expectCleanBreaks(media, m.pages);
      expectDates(m.flat, facts);
      expect(m.flat).toContain('notifying 1,994 residents of New York');
      expect(m.flat).toContain(`Media contact: ${testOrg().contact.contactPerson.name}`);

      const baOrg = testOrg({ name: 'Acme Billing LLC', entityType: 'business-associate' });
      const ba = coveredEntityNotice(
        t,
        { org: baOrg, incident: facts },
        { name: 'Riverbend', contactName: 'Privacy Officer' },
        { total: 1, artifactDigest: 'ab'.repeat(32) },
        '2025-04-02',
      );
      const b = await render(ba);
      expectCleanBreaks(ba, b.pages, baOrg);
      expectDates(b.flat, facts, 'The breach took place');

      const report = hhsReport(testOrg(), facts, {
        reportType: 'initial',
        affected: 5000,
        individualNoticeStartDate: '2025-04-01',
        individualNoticeProjectedEndDate: '2025-04-15',
        substituteNoticeProvided: false,
        mediaNoticeProvided: true,
      });
      const hhsDoc = hhsReportDocument(t, testOrg(), report, '2025-04-02');
      const h = await render(hhsDoc);
      expectCleanBreaks(hhsDoc, h.pages);
      expect(h.flat).toContain('Breach affecting 500 or More Individuals.');
      expect(h.flat).not.toMatch(/individuals individuals/i);
      expect(h.flat).toContain('Individual notice start date: April 1, 2025');

      const html = substitutePostingHtml(t, ctx, '2025-04-01');
      expectDates(html, facts);
    });
  }

  it('words one day as "on", never "between X and X", in every template that says when', () => {
    const facts = testFacts(FACTS['one day']);
    const ctx = { org: testOrg(), incident: facts };
    const who = person();
    const c = new LetterComposer(t, ctx, '2025-04-01');
    const texts = [
      c.letter(BATCH, who, planChannel(who)).body,
      c.email(who).text,
      c.email(who).html,
      substitutePostingHtml(t, ctx, '2025-04-01'),
    ];
    for (const s of texts) {
      expect(s).toContain('took place on March 8, 2025');
      expect(s).not.toContain('between');
    }
  });

  it('media notice for one state and for every state and territory names each one', async () => {
    const facts = testFacts();
    for (const code of US_JURISDICTIONS) {
      const doc = mediaNotice(t, { org: testOrg(), incident: facts }, { code, affected: 501 }, '2025-04-02');
      expect(doc.body).toContain(`501 residents of ${STATE_NAMES[code]} about`);
    }
    const one = await render(mediaNotice(t, { org: testOrg(), incident: facts }, { code: 'VT', affected: 501 }, '2025-04-02'));
    expect(one.pages).toHaveLength(1);
  });

  it('keeps the breaks clean wherever the text happens to end (sweep of lengths)', async () => {
    const who = person();
    let multiPage = 0;
    for (let n = 1; n <= 26; n++) {
      const facts = testFacts({ whatHappened: SENTENCE.repeat(n).trim() });
      const doc = new LetterComposer(t, { org: testOrg(), incident: facts }, '2025-04-01').letter(BATCH, who, planChannel(who));
      const r = await render(doc);
      expectCleanBreaks(doc, r.pages);
      const media = mediaNotice(t, { org: testOrg(), incident: facts }, { code: 'NY', affected: 600 }, '2025-04-02');
      const m = await render(media);
      expectCleanBreaks(media, m.pages);
      if (r.pages.length > 1) multiPage++;
    }
    expect(multiPage).toBeGreaterThan(10);
  });

  it('prints the signature image from the organization profile above the name, on the page of "Sincerely,"', async () => {
    const dir = makeTempDir('sig');
    const path = join(dir.path, 'signature.png');
    writeFileSync(path, png(240, 60));
    const org = testOrg({ signatory: { name: 'Dana Whitfield', title: 'Privacy Officer', signatureImagePath: path } });
    const who = person();
    const images = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Subtype \/Image/g) ?? []).length;
    for (const n of [1, 9, 14, 20]) {
      const facts = testFacts({ whatHappened: SENTENCE.repeat(n).trim() });
      const signed = new LetterComposer(t, { org, incident: facts }, '2025-04-01').letter(BATCH, who, planChannel(who));
      expect(signed.signature).toBeDefined();
      const r = await render(signed);
      expect(images(r.out.pdf)).toBe(1);
      expectCleanBreaks(signed, r.pages, org);
      const unsigned = new LetterComposer(t, { org: testOrg(), incident: facts }, '2025-04-01').letter(BATCH, who, planChannel(who));
      expect(images((await renderer.render(unsigned, { creationDate })).pdf)).toBe(0);
    }
    dir.cleanup();
  });
});

function expectDates(text: string, facts: IncidentNoticeFacts, lead = 'took place'): void {
  expect(text).not.toMatch(/between (\w+ \d+, \d{4}) and \1/);
  if (!facts.breachStartedOn) {
    expect(text).toMatch(/not yet been able to determine the date|date of the breach is not yet known/);
    return;
  }
  if (!facts.breachEndedOn || facts.breachEndedOn === facts.breachStartedOn) expect(text).toContain(`${lead} on March`);
  else expect(text).toContain(`${lead} between March 1, 2025 and March 8, 2025`);
}

describe("state-specific text in residents' letters", () => {
  const letterFor = (state: string) => {
    const who = person({ address: { line1: '1 Main Street', city: 'Somewhere', state, zip: '02108' } });
    return new LetterComposer(t, { org: testOrg(), incident: testFacts() }, '2025-04-01').letter(BATCH, who, planChannel(who));
  };

  it('adds the Massachusetts rights statement, California agency contacts and New York agency contacts to those residents only', async () => {
    const ma = await render(letterFor('MA'));
    expect(ma.flat).toContain('Information for Massachusetts residents');
    expect(ma.flat).toContain('right to obtain any police report');
    expect(ma.flat).toContain('security freeze on your credit report, free of charge');
    expectCleanBreaks(letterFor('MA'), ma.pages);
    expect(letterFor('CA').body).toContain('# Information for California residents');
    expect(letterFor('NY').body).toContain('New York Attorney General: 1-800-771-7755');
    const oh = letterFor('OH').body;
    expect(oh).not.toContain('Information for');
    // The reviewer's note stays out of the letter.
    expect(letterFor('MA').body).not.toContain('NEEDS LEGAL REVIEW');
  });

  it('binds the state texts into the template digest an approval approves', () => {
    const dir = makeTempDir('tpl');
    cpSync(t.dir, dir.path, { recursive: true });
    const before = new TemplateSet(dir.path).digest;
    expect(before).toBe(t.digest);
    appendFileSync(join(dir.path, 'states', 'MA.txt.hbs'), 'One more sentence.\n');
    expect(new TemplateSet(dir.path).digest).not.toBe(before);
    dir.cleanup();
  });
});
