/**
 * Notice templates (templates/*.hbs), compiled once per process in Handlebars strict mode:
 * a variable the template names but the view does not provide is an error, never an empty
 * string in a legal notice.
 *
 * Two output kinds:
 * - `*.html.hbs`: HTML, every value HTML-escaped (posting page, HTML email).
 * - `*.txt.hbs` / `*.subject.hbs`: plain text for PDFs and text email parts. HTML-escaping
 *   would print "O&#x27;Brien" on paper, so values are inserted literally but passed through
 *   `plainText()` (control characters and line breaks flattened) so a value can never start
 *   a markup line of its own. PDF markup: "## " title, "# " heading, "- " bullet, blank line
 *   = paragraph break.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { parse as parseYaml } from 'yaml';
import { parseContentCatalogue, type ContentCatalogue } from '../domain/draft-content';

export const TEMPLATE_NAMES = [
  'letter-individual.txt',
  'letter-next-of-kin.txt',
  'media-notice.txt',
  'covered-entity-notice.txt',
  'hhs-report.txt',
  'state-regulator-notice.txt',
  'substitute-notice.html',
  'email-individual.subject',
  'email-individual.txt',
  'email-individual.html',
  'reminder-email.subject',
  'reminder-email.txt',
  'escalation-email.subject',
  'escalation-email.txt',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** Templates a language folder (templates/<language>/) may translate: what individuals receive. */
export const TRANSLATED_TEMPLATES = [
  'letter-individual.txt',
  'letter-next-of-kin.txt',
  'email-individual.subject',
  'email-individual.txt',
  'email-individual.html',
] as const satisfies readonly TemplateName[];

export class TemplateRenderError extends Error {
  constructor(
    readonly template: string,
    message: string,
  ) {
    super(`template ${template}: ${message}`);
    this.name = 'TemplateRenderError';
  }
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "2025-03-10" → "March 10, 2025" (calendar date, no time zone arithmetic). */
export function formatCalendarDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) throw new Error('formatDate: expected an ISO date');
  return `${MONTHS[Number(m[2]) - 1]} ${Number(m[3])}, ${m[1]}`;
}

const MESES = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'];

/** "2025-03-10" → "10 de marzo de 2025". */
export function formatCalendarDateEs(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) throw new Error('fechaEs: expected an ISO date');
  return `${Number(m[3])} de ${MESES[Number(m[2]) - 1]} de ${m[1]}`;
}

/** "el 8 de marzo de 2025" for one day, "entre el 1 de marzo de 2025 y el 8 de marzo de 2025" for a span. */
export function formatDateSpanEs(start: string, end?: string | null): string {
  if (!end || end === start) return `el ${formatCalendarDateEs(start)}`;
  return `entre el ${formatCalendarDateEs(start)} y el ${formatCalendarDateEs(end)}`;
}

/** The letter's date line in its language. */
export function formatLetterDate(iso: string, language: string): string {
  return language === 'es' ? formatCalendarDateEs(iso) : formatCalendarDate(iso);
}

/**
 * When something happened, worded for a reader: "on March 8, 2025" for one day (or when only
 * the start is known), "between March 1, 2025 and March 8, 2025" for a span.
 */
export function formatDateSpan(start: string, end?: string | null): string {
  if (!end || end === start) return `on ${formatCalendarDate(start)}`;
  return `between ${formatCalendarDate(start)} and ${formatCalendarDate(end)}`;
}

/** Flattens line breaks and control characters so a value stays inside its line. */
export function plainText(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/\s*[\r\n]+\s*/g, ' ');
}

export function deepPlain<T>(v: T): T {
  if (typeof v === 'string') return plainText(v) as T;
  if (Array.isArray(v)) return v.map(deepPlain) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepPlain(x);
    return out as T;
  }
  return v;
}

export function defaultTemplatesDir(): string {
  return resolve(__dirname, '..', '..', '..', 'templates');
}

export class TemplateSet {
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  /**
   * State-specific letter sections by USPS code (templates/states/<CODE>.txt.hbs), and their
   * translations by "<language>/<CODE>" (templates/<language>/states/<CODE>.txt.hbs).
   */
  private readonly states = new Map<string, Handlebars.TemplateDelegate>();
  /** Languages with their own templates (besides English). */
  readonly languages = new Set<string>();
  /** Drafting wording per language (templates/content/<language>.yaml), validated. */
  private readonly catalogues = new Map<string, ContentCatalogue>();
  /** SHA-256 over every template source: part of a batch's content digest. */
  readonly digest: string;

  constructor(readonly dir: string = defaultTemplatesDir()) {
    const hb = Handlebars.create();
    hb.registerHelper('formatDate', (iso: unknown) => {
      if (typeof iso !== 'string') throw new Error('formatDate: expected an ISO date string');
      return formatCalendarDate(iso);
    });
    hb.registerHelper('dateSpan', (start: unknown, end: unknown) => {
      if (typeof start !== 'string') throw new Error('dateSpan: expected an ISO start date');
      return formatDateSpan(start, typeof end === 'string' ? end : null);
    });
    hb.registerHelper('join', (list: unknown) => {
      if (!Array.isArray(list)) throw new Error('join: expected a list');
      return list.join(', ');
    });
    hb.registerHelper('yesNo', (v: unknown) => (v ? 'yes' : 'no'));
    hb.registerHelper('fechaEs', (iso: unknown) => {
      if (typeof iso !== 'string') throw new Error('fechaEs: expected an ISO date string');
      return formatCalendarDateEs(iso);
    });
    hb.registerHelper('periodoEs', (start: unknown, end: unknown) => {
      if (typeof start !== 'string') throw new Error('periodoEs: expected an ISO start date');
      return formatDateSpanEs(start, typeof end === 'string' ? end : null);
    });
    const hash = createHash('sha256');
    const partialsDir = join(dir, 'partials');
    for (const f of readdirSync(partialsDir).sort()) {
      if (!f.endsWith('.hbs')) continue;
      const src = readFileSync(join(partialsDir, f), 'utf8');
      hash.update(`partials/${f}\0${src}\0`);
      hb.registerPartial(f.replace(/\.txt\.hbs$|\.html\.hbs$|\.hbs$/, ''), src);
    }
    for (const name of TEMPLATE_NAMES) {
      const src = readFileSync(join(dir, `${name}.hbs`), 'utf8');
      hash.update(`${name}\0${src}\0`);
      const html = name.endsWith('.html');
      this.compiled.set(name, hb.compile(src, { strict: true, noEscape: !html, preventIndent: true }));
    }
    // Languages: templates/<language>/ translates what individuals receive; its partials are
    // registered as "<name>-<language>" (e.g. notice-body-es). Anything missing is English.
    for (const lang of readdirSync(dir).sort()) {
      const langDir = join(dir, lang);
      if (!/^[a-z]{2}$/.test(lang) || !existsSync(langDir)) continue;
      const langPartials = join(langDir, 'partials');
      if (existsSync(langPartials))
        for (const f of readdirSync(langPartials).sort()) {
          if (!f.endsWith('.hbs')) continue;
          const src = readFileSync(join(langPartials, f), 'utf8');
          hash.update(`${lang}/partials/${f}\0${src}\0`);
          hb.registerPartial(`${f.replace(/\.txt\.hbs$|\.html\.hbs$|\.hbs$/, '')}-${lang}`, src);
        }
      for (const name of TRANSLATED_TEMPLATES) {
        const file = join(langDir, `${name}.hbs`);
        if (!existsSync(file)) continue;
        const src = readFileSync(file, 'utf8');
        hash.update(`${lang}/${name}\0${src}\0`);
        this.compiled.set(`${lang}/${name}`, hb.compile(src, { strict: true, noEscape: !name.endsWith('.html'), preventIndent: true }));
        this.languages.add(lang);
      }
      const langStates = join(langDir, 'states');
      if (existsSync(langStates))
        for (const f of readdirSync(langStates).sort()) {
          const m = /^([A-Z]{2})\.txt\.hbs$/.exec(f);
          if (!m) continue;
          const src = readFileSync(join(langStates, f), 'utf8');
          hash.update(`${lang}/states/${f}\0${src}\0`);
          this.states.set(`${lang}/${m[1]!}`, hb.compile(src, { strict: true, noEscape: true, preventIndent: true }));
        }
    }
    const statesDir = join(dir, 'states');
    if (existsSync(statesDir))
      for (const f of readdirSync(statesDir).sort()) {
        const m = /^([A-Z]{2})\.txt\.hbs$/.exec(f);
        if (!m) continue;
        const src = readFileSync(join(statesDir, f), 'utf8');
        hash.update(`states/${f}\0${src}\0`);
        this.states.set(m[1]!, hb.compile(src, { strict: true, noEscape: true, preventIndent: true }));
      }
    const contentDir = join(dir, 'content');
    if (existsSync(contentDir))
      for (const f of readdirSync(contentDir).sort()) {
        if (!/^[a-z]{2}\.yaml$/.test(f)) continue;
        const src = readFileSync(join(contentDir, f), 'utf8');
        hash.update(`content/${f}\0${src}\0`);
        const cat = parseContentCatalogue(parseYaml(src), `content/${f}`);
        this.catalogues.set(cat.language, cat);
      }
    this.digest = hash.digest('hex');
  }

  /** The drafting wording in a language, English when there is none for it. */
  catalogue(language = 'en'): ContentCatalogue {
    const c = this.catalogues.get(language) ?? this.catalogues.get('en');
    if (!c) throw new TemplateRenderError('content/en.yaml', 'no drafting wording in the templates folder');
    return c;
  }

  /**
   * The language a state's section is written in for a letter in `language`: that language when
   * it has a translation, English when only the English text exists (a fallback the preview
   * counts), null when the state has no section.
   */
  stateSectionLanguage(code: string, language = 'en'): string | null {
    if (language !== 'en' && this.states.has(`${language}/${code}`)) return language;
    return this.states.has(code) ? 'en' : null;
  }

  /** The state's section for its residents' letters (PDF markup) in `language` (else English), or null when the state has none. */
  renderState(code: string, view: object, language = 'en'): string | null {
    const lang = this.stateSectionLanguage(code, language);
    if (!lang) return null;
    const key = lang === 'en' ? code : `${lang}/${code}`;
    try {
      return this.states.get(key)!(view).trim();
    } catch (e) {
      throw new TemplateRenderError(
        `${lang === 'en' ? '' : `${lang}/`}states/${code}.txt`,
        e instanceof Error ? e.message.split('\n')[0]! : 'render failed',
      );
    }
  }

  /**
   * Renders a template. `prepared: true` says the caller already passed text-template values
   * through deepPlain()/plainText() (a composer does this once per batch, not once per letter).
   */
  render(name: TemplateName, view: object, options: { prepared?: boolean; language?: string } = {}): string {
    const tpl = (options.language && this.compiled.get(`${options.language}/${name}`)) || this.compiled.get(name);
    if (!tpl) throw new TemplateRenderError(name, 'unknown template');
    const data = name.endsWith('.html') || options.prepared ? view : deepPlain(view);
    try {
      const out = tpl(data);
      return name.endsWith('.subject') ? out.trim() : out;
    } catch (e) {
      // Handlebars names the missing field ("\"x\" not defined in [object Object]"); never the data.
      const raw = e instanceof Error ? e.message.split('\n')[0]! : 'render failed';
      const m = /^"([^"]+)" not defined in .* - (\d+):(\d+)$/.exec(raw);
      const msg = m ? `missing variable "${m[1]}" at line ${m[2]}, column ${m[3]}` : raw.replace(/ in \[object Object\].*$/, '');
      throw new TemplateRenderError(name, msg);
    }
  }
}
