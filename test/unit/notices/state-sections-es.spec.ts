/**
 * State sections inside Spanish letters (issue 13, items 8 and 10): a Massachusetts or New York
 * resident who reads Spanish gets the state's paragraphs in Spanish (templates/es/states), read
 * back with poppler's pdftotext; a state whose section has no translation falls back to English
 * and the preview's counter says so. One page is rasterised with pdftoppm for a reviewer to look at.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planChannel } from '../../../src/notices/domain/channel';
import { LetterFonts, LetterPdfRenderer } from '../../../src/notices/rendering/letter-pdf';
import { LetterComposer } from '../../../src/notices/rendering/letters';
import { defaultTemplatesDir, TemplateSet } from '../../../src/notices/rendering/templates';
import { makeTempDir } from '../../support/temp-dir';
import { syntheticPerson, testFacts, testOrg } from './fixtures';

const renderer = new LetterPdfRenderer(new LetterFonts());
const BATCH = '01937a4e-8f00-7000-8000-0000000000c3';
const tmp = makeTempDir('state-es-');
afterAll(() => tmp.cleanup());

async function letterPdf(templates: TemplateSet, state: string, language?: string) {
  const person = {
    ...syntheticPerson(7, { emailConsent: false }),
    ...(language ? { language } : {}),
  };
  person.address = { ...person.address!, state, zip: state === 'MA' ? '02108' : state === 'NY' ? '12207' : '43004' };
  const composer = new LetterComposer(templates, { org: testOrg(), incident: testFacts() }, '2025-04-01');
  const plan = planChannel(person);
  const out = await renderer.render(composer.letter(BATCH, person, plan), { creationDate: new Date('2025-04-01T00:00:00Z') });
  return { pdf: out.pdf, fallsBack: composer.stateSectionFallsBack(person, plan) };
}

function pdftotext(pdf: Buffer, name: string): string {
  const file = join(tmp.path, `${name}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

describe('state sections in Spanish letters', () => {
  const templates = new TemplateSet();

  it('prints the Massachusetts section in Spanish inside a Spanish letter, and in English inside an English one', async () => {
    const es = await letterPdf(templates, 'MA', 'es');
    const text = pdftotext(es.pdf, 'ma-es');
    expect(text).toContain('Aviso de violación de datos');
    expect(text).toContain('Información para residentes de Massachusetts');
    expect(text).toContain('tiene derecho a obtener cualquier informe policial');
    expect(text).toContain('congelamiento de su informe de crédito');
    expect(text).not.toContain('Information for Massachusetts residents');
    expect(text).not.toContain('right to obtain any police report');
    expect(es.fallsBack).toBe(false);

    const en = pdftotext((await letterPdf(templates, 'MA')).pdf, 'ma-en');
    expect(en).toContain('Information for Massachusetts residents');
    expect(en).not.toContain('Información para residentes');

    // Look at it: the page holding the state section, rasterised for review.
    const dir = join(process.cwd(), 'test-results', 'letters');
    mkdirSync(dir, { recursive: true });
    const pdfFile = join(tmp.path, 'ma-es.pdf');
    const pages = execFileSync('pdfinfo', [pdfFile], { encoding: 'utf8' });
    const last = Number(/Pages:\s+(\d+)/.exec(pages)![1]);
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '60',
      '-f',
      String(last),
      '-l',
      String(last),
      '-singlefile',
      pdfFile,
      join(dir, 'ma-es-state-section'),
    ]);
  });

  it('prints the New York and California sections in Spanish', async () => {
    const ny = pdftotext((await letterPdf(templates, 'NY', 'es')).pdf, 'ny-es');
    expect(ny).toContain('Información para residentes de Nueva York');
    expect(ny).toContain('Fiscal General de Nueva York: 1-800-771-7755');
    expect(ny).not.toContain('Information for New York residents');
    const ca = pdftotext((await letterPdf(templates, 'CA', 'es')).pdf, 'ca-es');
    expect(ca).toContain('Información para residentes de California');
    expect(ca).not.toContain('Information for California residents');
  });

  it('falls back to the English section where no translation exists, and counts it', async () => {
    const dir = join(tmp.path, 'templates');
    cpSync(defaultTemplatesDir(), dir, { recursive: true });
    rmSync(join(dir, 'es', 'states', 'NY.txt.hbs'));
    const partial = new TemplateSet(dir);
    expect(partial.stateSectionLanguage('NY', 'es')).toBe('en');
    expect(partial.stateSectionLanguage('MA', 'es')).toBe('es');
    expect(partial.stateSectionLanguage('OH', 'es')).toBeNull();
    expect(partial.digest).not.toBe(templates.digest);
    const ny = await letterPdf(partial, 'NY', 'es');
    expect(ny.fallsBack).toBe(true);
    const text = pdftotext(ny.pdf, 'ny-es-fallback');
    expect(text).toContain('Aviso de violación de datos');
    expect(text).toContain('Information for New York residents');
    // A state without a section is no fallback.
    expect((await letterPdf(partial, 'OH', 'es')).fallsBack).toBe(false);
  });
});
