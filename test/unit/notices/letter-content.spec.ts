import { planChannel } from '../../../src/notices/domain/channel';
import { LetterFonts, LetterPdfRenderer, LAYOUT } from '../../../src/notices/rendering/letter-pdf';
import { LetterComposer, letterIdOf } from '../../../src/notices/rendering/letters';
import { TemplateRenderError, TemplateSet } from '../../../src/notices/rendering/templates';
import { testFacts, testOrg, syntheticPerson } from './fixtures';
import { pdfText } from './pdf-text';

const templates = new TemplateSet();
const renderer = new LetterPdfRenderer(new LetterFonts());
const creationDate = new Date('2025-04-01T12:00:00Z');
const BATCH = '01937a4e-8f00-7000-8000-0000000000b1';

async function letterFor(p = syntheticPerson(3), facts = testFacts()) {
  const person = { ...p, emailConsent: false };
  const composer = new LetterComposer(templates, { org: testOrg(), incident: facts }, '2025-04-01');
  const doc = composer.letter(BATCH, person, planChannel(person));
  const out = await renderer.render(doc, { creationDate });
  return { doc, out, text: await pdfText(out.pdf) };
}

describe('individual notice letter: 45 CFR 164.404(c) content', () => {
  it('states every required element A–E in the text of the rendered PDF', async () => {
    const facts = testFacts();
    const { text } = await letterFor(syntheticPerson(3), facts);
    const t = text.flat;
    // (A) what happened, with the date of the breach and the date of discovery
    expect(t).toContain(facts.whatHappened);
    expect(t).toContain('March 1, 2025');
    expect(t).toContain('discovered it on March 10, 2025');
    // (B) the types of unsecured PHI involved
    for (const phi of facts.phiInvolved) expect(t).toContain(phi);
    // (C) steps individuals should take
    for (const step of facts.stepsForIndividuals) expect(t).toContain(step);
    // (D) what the entity is doing to investigate, mitigate and prevent recurrence
    expect(t).toContain(facts.investigation);
    expect(t).toContain(facts.mitigation);
    expect(t).toContain(facts.prevention);
    // (E) contact procedures: toll-free number, email, web site and postal address
    const org = testOrg();
    expect(t).toContain(org.contact.tollFreeNumber);
    expect(t).toContain(org.contact.email);
    expect(t).toContain(org.contact.website);
    expect(t).toContain(`${org.contact.postalAddress.line1}, ${org.contact.postalAddress.line2}, Columbus, OH 43004`);
  });

  it('addresses the recipient in the window block and prints the letter reference', async () => {
    const person = syntheticPerson(12);
    const { text, doc } = await letterFor(person);
    expect(text.flat).toContain(person.name.toUpperCase());
    expect(text.flat).toContain(person.address!.line1.toUpperCase());
    expect(text.flat).toContain(`Dear ${person.name},`);
    expect(text.flat).toContain(`Ref ${letterIdOf(BATCH, person.id)}`);
    expect(doc.recipient[0]).toBe(person.name);
    // The block fits the envelope window: at most 5 lines of 13 pt inside 1 inch.
    expect(doc.recipient.length * 13).toBeLessThanOrEqual(LAYOUT.addressBlock.height);
  });

  it('says when the breach date is not known instead of printing nothing', async () => {
    const facts = testFacts({ breachStartedOn: undefined });
    const { text } = await letterFor(syntheticPerson(1), facts);
    expect(text.flat).toContain('not yet been able to determine the date of the incident');
    expect(text.flat).toContain('March 10, 2025');
  });

  it('writes the next-of-kin variant to the personal representative of a deceased individual', async () => {
    const person = syntheticPerson(5, {
      deceased: true,
      nextOfKin: { name: 'Robin Okafor', address: { line1: '9 Pine Road', city: 'Dayton', state: 'OH', zip: '45402' } },
    });
    const { text } = await letterFor(person);
    expect(text.flat).toContain('Dear Robin Okafor,');
    expect(text.flat).toContain(`next of kin or personal representative of ${person.name}`);
    expect(text.flat).toContain('9 PINE ROAD');
    expect(text.flat).toContain(testOrg().contact.tollFreeNumber);
  });

  it('prints names as written (no HTML escaping on paper) and embeds a Unicode font when needed', async () => {
    const obrien = syntheticPerson(0, { name: "Siobhán O'Brien" });
    const a = await letterFor(obrien);
    expect(a.text.flat).toContain("Dear Siobhán O'Brien,");
    const vietnamese = syntheticPerson(0, { name: 'Nguyễn Thị Hằng' });
    const b = await letterFor(vietnamese);
    expect(b.text.flat).toContain('Dear Nguyễn Thị Hằng,');
    // The second Unicode letter reuses the worker's parsed font with a fresh subset of its own.
    const c = await letterFor(syntheticPerson(1, { name: 'Đặng Văn Lâm' }));
    expect(c.text.flat).toContain('Dear Đặng Văn Lâm,');
    expect(c.text.flat).not.toContain('Hằng');
    const b2 = await letterFor(vietnamese);
    expect(b2.out.sha256).toBe(b.out.sha256);
    expect(b.out.pdf.includes(Buffer.from('/FontFile2'))).toBe(true);
    expect(a.out.pdf.includes(Buffer.from('/FontFile2'))).toBe(false);
  });

  it('renders the same bytes for the same input (idempotent re-render after a crash)', async () => {
    const one = await letterFor(syntheticPerson(7));
    const two = await letterFor(syntheticPerson(7));
    expect(two.out.sha256).toBe(one.out.sha256);
    const other = await letterFor(syntheticPerson(8));
    expect(other.out.sha256).not.toBe(one.out.sha256);
  });
});

describe('templates in strict mode', () => {
  it('refuses to render when a variable is missing, naming it', () => {
    const composer = new LetterComposer(templates, { org: testOrg(), incident: testFacts() }, '2025-04-01');
    expect(() => templates.render('letter-individual.txt', { org: testOrg() } as object)).toThrow(TemplateRenderError);
    expect(() => templates.render('reminder-email.txt', { org: testOrg() })).toThrow(
      /template reminder-email.txt: missing variable "name" at line 1, column 8/,
    );
    expect(composer).toBeDefined();
  });

  it('HTML-escapes values in HTML templates', () => {
    const facts = testFacts({ whatHappened: 'A <script>alert(1)</script> & "quoted" event.' });
    const html = templates.render('substitute-notice.html', {
      org: { ...testOrg(), contact: { ...testOrg().contact } },
      incident: { ...facts, breachEndedOn: null, creditMonitoring: null },
      posting: { postedOn: '2025-04-01', until: '2025-06-30' },
    });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;');
    expect(html).toContain('1-888-555-0142');
  });

  it('keeps a value from opening a markup line of its own in text templates', () => {
    const facts = testFacts({ whatHappened: 'Line one\n# Not a heading\n- not a bullet' });
    const composer = new LetterComposer(templates, { org: testOrg(), incident: facts }, '2025-04-01');
    const p = syntheticPerson(2);
    const body = composer.letter(BATCH, p, planChannel(p)).body;
    expect(body).toContain('Line one # Not a heading - not a bullet');
  });
});
