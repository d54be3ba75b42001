/**
 * Issue 15 item 1: the body is laid out once per variant and replayed for every other letter.
 * Replayed letters must be byte for byte what a full layout gives (so every content test of the
 * full layout holds for them), read in order, and carry each person's own salutation.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planChannel } from '../../../src/notices/domain/channel';
import { clearBodyLayouts, replayStats } from '../../../src/notices/rendering/body-replay';
import { LetterFonts, LetterPdfRenderer } from '../../../src/notices/rendering/letter-pdf';
import { LetterComposer } from '../../../src/notices/rendering/letters';
import { TemplateSet } from '../../../src/notices/rendering/templates';
import { makeTempDir } from '../../support/temp-dir';
import { png, syntheticPerson, testFacts, testOrg } from './fixtures';
import { pdfText } from './pdf-text';

const templates = new TemplateSet();
const renderer = new LetterPdfRenderer(new LetterFonts());
const creationDate = new Date('2025-04-01T12:00:00Z');
const BATCH = '01937a4e-8f00-7000-8000-0000000000b2';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('letter body laid out once per variant, replayed per person', () => {
  beforeEach(() => clearBodyLayouts());

  it('gives the same bytes as laying every letter out in full, for every state, channel, name length, logo and signature', async () => {
    const dir = makeTempDir('replay-sig');
    const sig = join(dir.path, 'signature.png');
    writeFileSync(sig, png(240, 60));
    const long = 'Maximiliana Alexandrina Wolfeschlegelsteinhausenbergerdorff-Vanderbilt Montgomery-Featherstonehaugh';
    const people = [
      ...Array.from({ length: 40 }, (_, i) => ({ ...syntheticPerson(i), emailConsent: false })),
      { ...syntheticPerson(41), name: long, emailConsent: false },
      ...[50, 51, 52].map((i) => ({
        ...syntheticPerson(i),
        emailConsent: false,
        deceased: true,
        nextOfKin: { name: `Robin Okafor ${i}`, address: { line1: '9 Pine Road', city: 'Dayton', state: 'OH', zip: '45402' } },
      })),
    ];
    const logo = join(dir.path, 'logo.png');
    writeFileSync(logo, png(120, 120));
    const orgs = [
      testOrg(),
      testOrg({ signatory: { name: 'Dana Whitfield', title: 'Privacy Officer', signatureImagePath: sig } }),
      testOrg({ logoPath: logo, signatory: { name: 'Dana Whitfield', title: 'Privacy Officer', signatureImagePath: sig } }),
    ];
    for (const org of orgs) {
      for (const whatHappened of [undefined, 'A laptop was stolen. '.repeat(60).trim()]) {
        const facts = whatHappened ? testFacts({ whatHappened }) : testFacts();
        const composer = new LetterComposer(templates, { org, incident: facts }, '2025-04-01');
        for (const p of people) {
          const doc = composer.letter(BATCH, p, planChannel(p));
          const full = await renderer.render(doc, { creationDate, replayBody: false });
          const replayed = await renderer.render(doc, { creationDate });
          expect({ who: p.name, sha: replayed.sha256 }).toEqual({ who: p.name, sha: full.sha256 });
          expect(replayed.pages).toBe(full.pages);
        }
      }
    }
    // One recording per variant (state section × channel × salutation height …), the rest replayed.
    expect(replayStats.replayed).toBeGreaterThan(replayStats.recorded * 5);
    dir.cleanup();
  });

  it('prints each person their own salutation, in reading order, with the 164.404(c) elements', async () => {
    const facts = testFacts();
    const composer = new LetterComposer(templates, { org: testOrg(), incident: facts }, '2025-04-01');
    const out: Array<{ name: string; pdf: Buffer }> = [];
    for (const i of [3, 3 + 12, 3 + 24]) {
      const p = { ...syntheticPerson(i), emailConsent: false };
      out.push({ name: p.name, pdf: (await renderer.render(composer.letter(BATCH, p, planChannel(p)), { creationDate })).pdf });
    }
    expect(replayStats.replayed).toBeGreaterThan(0);
    expect(new Set(out.map((o) => sha(o.pdf))).size).toBe(3);
    for (const o of out) {
      const t = (await pdfText(o.pdf)).flat;
      const order = [
        'Notice of Data Breach',
        `Dear ${o.name},`,
        'We are writing to tell you',
        facts.whatHappened,
        facts.investigation,
        'Sincerely,',
      ].map((s) => t.indexOf(s));
      expect(order.every((at) => at >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      for (const phi of facts.phiInvolved) expect(t).toContain(phi);
      for (const step of facts.stepsForIndividuals) expect(t).toContain(step);
      expect(t).toContain(testOrg().contact.tollFreeNumber);
      expect(t.split(`Dear `).length).toBe(2);
    }
  });
});
