import { encodeImb, ImbError } from '../../../src/notices/rendering/imb';

describe('USPS Intelligent Mail barcode', () => {
  it('matches the published example of USPS-B-3200 (6-digit mailer id, 11-digit routing code)', () => {
    expect(encodeImb({ barcodeId: '01', serviceType: '234', mailerId: '567094', serial: '987654321', routing: '01234567891' })).toBe(
      'AADTFFDFTDADTAADAATFDTDDAAADDTDTTDAFADADDDTFFFDDTTTADFAAADFTDAADA',
    );
  });

  it("matches the USPS online encoder's output for another set of fields", () => {
    expect(encodeImb({ barcodeId: '23', serviceType: '270', mailerId: '592831', serial: '482031240', routing: '96713024817' })).toBe(
      'DDADATADTAATDTTTDFDTTFTFFADTFTDFTATAAFTTFATDAATATDATATFADAADDTFDT',
    );
  });

  it('encodes every routing length (none, ZIP, ZIP+4, delivery point) into 65 bars, each different', () => {
    const base = { barcodeId: '00', serviceType: '700', mailerId: '901234567', serial: '000123' };
    const bars = ['', '43004', '430041234', '43004123456'].map((routing) => encodeImb({ ...base, routing }));
    for (const b of bars) expect(b).toMatch(/^[FADT]{65}$/);
    expect(new Set(bars).size).toBe(4);
  });

  it('refuses fields the spec does not allow, naming the field', () => {
    const ok = { barcodeId: '00', serviceType: '700', mailerId: '567094', serial: '987654321', routing: '43004' };
    expect(() => encodeImb({ ...ok, barcodeId: '05' })).toThrow(ImbError);
    expect(() => encodeImb({ ...ok, routing: '4300' })).toThrow(/routing/);
    expect(() => encodeImb({ ...ok, serial: '123' })).toThrow(/serial/);
    expect(() => encodeImb({ ...ok, mailerId: '912345' })).toThrow(/mailerId/);
    expect(() => encodeImb({ ...ok, mailerId: '123456789', serial: '123456' })).toThrow(/mailerId/);
  });
});

describe('IMb on the letter', () => {
  it('prints the 65 bars of the recipient ZIP in the window above the address when fields are given, none otherwise', async () => {
    const { planChannel } = await import('../../../src/notices/domain/channel');
    const { LetterFonts, LetterPdfRenderer } = await import('../../../src/notices/rendering/letter-pdf');
    const { LetterComposer } = await import('../../../src/notices/rendering/letters');
    const { TemplateSet } = await import('../../../src/notices/rendering/templates');
    const { testFacts, testOrg, syntheticPerson } = await import('./fixtures');
    const p = { ...syntheticPerson(4), emailConsent: false };
    const c = new LetterComposer(new TemplateSet(), { org: testOrg(), incident: testFacts() }, '2025-04-01');
    const fields = { barcodeId: '00', serviceType: '700', mailerId: '567094', serial: '123000001' };
    const withBars = c.letter('b', p, planChannel(p), fields);
    expect(withBars.imb).toBe(encodeImb({ ...fields, routing: p.address!.zip }));
    const renderer = new LetterPdfRenderer(new LetterFonts());
    const rects = async (doc: typeof withBars) =>
      ((await renderer.render(doc, { creationDate: new Date(0), compress: false })).pdf.toString('latin1').match(/ re\n/g) ?? []).length;
    const without = c.letter('b', p, planChannel(p));
    expect(without.imb).toBeUndefined();
    expect((await rects(withBars)) - (await rects(without))).toBe(65);
  });
});
