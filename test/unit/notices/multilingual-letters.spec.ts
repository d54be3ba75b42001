import { planChannel } from '../../../src/notices/domain/channel';
import { untranslatedFields } from '../../../src/notices/domain/draft-content';
import { TRANSLATABLE_FACTS } from '../../../src/notices/domain/notice-input';
import { LetterFonts, LetterPdfRenderer } from '../../../src/notices/rendering/letter-pdf';
import { LetterComposer } from '../../../src/notices/rendering/letters';
import { formatDateSpanEs, TemplateSet } from '../../../src/notices/rendering/templates';
import { languageCode } from '../../../src/shared/languages';
import { syntheticPerson, testFacts, testOrg } from './fixtures';
import { pdfText } from './pdf-text';

/** Letters and emails in the recipient's language (issue 13, item 10): Spanish templates, English fallback. */
const templates = new TemplateSet();
const renderer = new LetterPdfRenderer(new LetterFonts());
const BATCH = '01937a4e-8f00-7000-8000-0000000000b2';
const es = {
  whatHappened: 'Robaron una computadora portátil con información de salud de nuestros pacientes.',
  phiInvolved: ['Su nombre', 'Su fecha de nacimiento', 'Su número de expediente médico'],
  stepsForIndividuals: ['Revise las explicaciones de beneficios que recibe de su plan de salud.'],
  investigation: 'Denunciamos el robo a la policía y contratamos a una empresa forense.',
  mitigation: 'Desactivamos la cuenta del contratista y bloqueamos el dispositivo a distancia.',
  prevention: 'Ahora ciframos todas las computadoras portátiles.',
};

async function letter(language: string | undefined, facts = testFacts({ translations: { es } })) {
  const person = { ...syntheticPerson(5), emailConsent: false, ...(language ? { language } : {}) };
  const composer = new LetterComposer(templates, { org: testOrg(), incident: facts }, '2025-04-01');
  const out = await renderer.render(composer.letter(BATCH, person, planChannel(person)), {
    creationDate: new Date('2025-04-01T00:00:00Z'),
  });
  return { composer, person, text: (await pdfText(out.pdf)).flat };
}

describe('letters in the recipient language', () => {
  it('reads the language a list gives', () => {
    expect(languageCode('es')).toBe('es');
    expect(languageCode(' Spanish ')).toBe('es');
    expect(languageCode('Español')).toBe('es');
    expect(languageCode('es-MX')).toBe('es');
    expect(languageCode('SPA')).toBe('es');
    expect(languageCode('English')).toBe('en');
    expect(languageCode('vi')).toBe('vi');
    expect(languageCode('Klingon')).toBeNull();
    expect(languageCode('')).toBeNull();
    expect(formatDateSpanEs('2025-03-01', '2025-03-08')).toBe('entre el 1 de marzo de 2025 y el 8 de marzo de 2025');
    expect(formatDateSpanEs('2025-03-08', '2025-03-08')).toBe('el 8 de marzo de 2025');
  });

  it('writes a Spanish letter with all five 164.404(c) elements in Spanish', async () => {
    const { text } = await letter('es');
    expect(text).toContain('Aviso de violación de datos');
    expect(text).toContain('1 de abril de 2025');
    // (A) what happened, when, and when it was discovered
    expect(text).toContain('Qué sucedió');
    expect(text).toContain(es.whatHappened);
    expect(text).toContain('El incidente ocurrió el 1 de marzo de 2025');
    expect(text).toContain('Lo descubrimos el 10 de marzo de 2025');
    // (B) types of PHI
    expect(text).toContain('Qué información estuvo involucrada');
    for (const p of es.phiInvolved) expect(text).toContain(p);
    // (C) steps
    expect(text).toContain('Qué puede hacer usted');
    expect(text).toContain(es.stepsForIndividuals[0]);
    // (D) investigating, mitigating, preventing
    expect(text).toContain(`Investigación: ${es.investigation}`);
    expect(text).toContain(`Para limitar el daño: ${es.mitigation}`);
    expect(text).toContain(`Para evitar que vuelva a ocurrir: ${es.prevention}`);
    // (E) contact procedures
    const org = testOrg();
    expect(text).toContain(`Llame gratis al: ${org.contact.tollFreeNumber}`);
    expect(text).toContain(org.contact.email);
    expect(text).toContain(org.contact.website);
    expect(text).toContain('Escríbanos a:');
    expect(text).toContain('Atentamente,');
    expect(text).toMatch(/Página 1 de \d/);
    expect(text).not.toContain('What happened');
  });

  it('falls back to English for no language, an unknown one, and untranslated facts', async () => {
    for (const l of [undefined, 'vi', 'en']) {
      const { text, composer, person } = await letter(l);
      expect(composer.languageOf(person)).toBe('en');
      expect(text).toContain('Notice of Data Breach');
      expect(text).toContain('What happened');
    }
    // A fact without translation is printed as written, and the preview can say which.
    const facts = testFacts({ translations: { es: { whatHappened: es.whatHappened } } });
    const { text } = await letter('es', facts);
    expect(text).toContain(`Investigación: ${facts.investigation}`);
    expect(untranslatedFields(facts, 'es', TRANSLATABLE_FACTS)).toEqual([
      'phiInvolved',
      'stepsForIndividuals',
      'investigation',
      'mitigation',
      'prevention',
    ]);
  });

  it('emails in Spanish too', () => {
    const composer = new LetterComposer(templates, { org: testOrg(), incident: testFacts({ translations: { es } }) }, '2025-04-01');
    const m = composer.email({ ...syntheticPerson(4), language: 'es' });
    expect(m.subject).toBe('Aviso de violación de datos de Riverbend Community Health');
    expect(m.text).toContain('Qué estamos haciendo');
    expect(m.html).toContain('<html lang="es">');
    expect(composer.email(syntheticPerson(4)).subject).toBe('Notice of Data Breach from Riverbend Community Health');
  });
});
