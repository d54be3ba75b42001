/**
 * Composes one recipient's letter (template → PDF markup → LetterDocument) and the email
 * parts. A LetterComposer is built once per batch in each worker: templates compiled and the
 * logo read once, then reused for every letter.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AffectedIndividual } from '../../incidents';
import type { ChannelPlan } from '../domain/channel';
import { encodeImb, imbRouting, type ImbFields } from './imb';
import type { LetterDocument } from './letter-pdf';
import { noticeLanguageOf } from '../../shared/languages';
import { deepPlain, formatLetterDate, plainText, type TemplateSet } from './templates';
import { addressLines, incidentView, orgView, type NoticeContext } from './views';

/** Letter reference printed on the page and used for returned mail: deterministic, not PHI. */
export function letterIdOf(batchId: string, individualId: string): string {
  return `L${createHash('sha256').update(`${batchId}\0${individualId}`).digest('hex').slice(0, 15).toUpperCase()}`;
}

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Footer words of a letter page, per language. */
const PAGE_LABELS: Record<string, { ref: string; page: string; of: string }> = {
  en: { ref: 'Ref', page: 'Page', of: 'of' },
  es: { ref: 'Ref.', page: 'Página', of: 'de' },
};

type View = { org: ReturnType<typeof orgView>; incident: ReturnType<typeof incidentView>; date: string };

export class LetterComposer {
  private readonly logo?: Buffer;
  private readonly signature?: Buffer;
  /** The batch-wide part of every view per language, built once: raw for HTML, flattened for text. */
  private readonly bases = new Map<string, { raw: View; plain: View }>();
  private readonly subjects = new Map<string, string>();

  constructor(
    private readonly templates: TemplateSet,
    private readonly ctx: NoticeContext,
    /** Letter date (ISO calendar date), the batch's release date. */
    private readonly date: string,
  ) {
    if (ctx.org.logoPath) this.logo = readFileSync(ctx.org.logoPath);
    if (ctx.org.signatory.signatureImagePath) this.signature = readFileSync(ctx.org.signatory.signatureImagePath);
  }

  /** The language a person's notice is written in: theirs when it has templates, else English. */
  languageOf(person: Pick<AffectedIndividual, 'language'>): string {
    const lang = noticeLanguageOf(person.language);
    return this.templates.languages.has(lang) ? lang : 'en';
  }

  private base(language: string): { raw: View; plain: View } {
    let b = this.bases.get(language);
    if (!b) {
      const translated = language === 'en' ? {} : (this.ctx.incident.translations?.[language as 'es'] ?? {});
      const raw: View = { org: orgView(this.ctx.org), incident: { ...incidentView(this.ctx.incident), ...translated }, date: this.date };
      b = { raw, plain: deepPlain(raw) };
      this.bases.set(language, b);
    }
    return b;
  }

  /** `imb`: the barcode's fields without the routing code (taken from the address), when a mailer id is configured. */
  letter(batchId: string, person: AffectedIndividual, plan: ChannelPlan, imb?: Omit<ImbFields, 'routing'>): LetterDocument {
    if (!plan.address) throw new Error('letter: the channel plan has no postal address');
    const nok = plan.channel === 'mail-next-of-kin';
    const template = nok ? ('letter-next-of-kin.txt' as const) : ('letter-individual.txt' as const);
    const language = this.languageOf(person);
    const plainBase = this.base(language).plain;
    const view = {
      ...plainBase,
      recipient: { name: plainText(plan.addresseeName ?? person.name) },
      deceased: nok ? { name: plainText(person.name) } : null,
      // Template output (not a value): what the resident's state requires in the letter.
      stateSection: this.stateSection(plan.address.state, language),
    };
    const org = this.ctx.org;
    const ra = org.returnAddress;
    return {
      letterId: letterIdOf(batchId, person.id),
      dateText: formatLetterDate(this.date, language),
      letterhead: { name: org.name, lines: org.letterhead.lines, ...(this.logo ? { logo: this.logo } : {}) },
      returnAddress: [org.name, ra.line1, ...(ra.line2 ? [ra.line2] : []), `${ra.city} ${ra.state} ${ra.zip}`],
      recipient: [plan.addresseeName ?? person.name, ...addressLines(plan.address)],
      body: this.templates.render(template, view, { prepared: true, language }),
      ...(language !== 'en' ? { pageLabels: PAGE_LABELS[language] ?? PAGE_LABELS.en! } : {}),
      personal: [view.recipient.name, ...(view.deceased ? [view.deceased.name] : [])],
      ...(this.signature ? { signature: this.signature } : {}),
      ...(imb ? { imb: encodeImb({ ...imb, routing: imbRouting(plan.address.zip) }) } : {}),
    };
  }

  private readonly stateSections = new Map<string, string | null>();
  /** The resident's state section in the letter's language (English where no translation exists). */
  private stateSection(code: string, language: string): string | null {
    const key = `${language}/${code}`;
    if (!this.stateSections.has(key)) {
      const lang = this.templates.stateSectionLanguage(code, language) ?? 'en';
      this.stateSections.set(key, this.templates.renderState(code, this.base(lang).plain, language));
    }
    return this.stateSections.get(key)!;
  }

  /** True when this letter's state section would be English inside a letter in another language. */
  stateSectionFallsBack(person: Pick<AffectedIndividual, 'language'>, plan: ChannelPlan): boolean {
    const language = this.languageOf(person);
    if (language === 'en' || !plan.address) return false;
    return this.templates.stateSectionLanguage(plan.address.state, language) === 'en';
  }

  email(person: AffectedIndividual): ComposedEmail {
    const language = this.languageOf(person);
    const { raw, plain } = this.base(language);
    if (!this.subjects.has(language))
      this.subjects.set(language, this.templates.render('email-individual.subject', plain, { prepared: true, language }));
    return {
      subject: this.subjects.get(language)!,
      text: this.templates.render(
        'email-individual.txt',
        { ...plain, recipient: { name: plainText(person.name) } },
        { prepared: true, language },
      ),
      html: this.templates.render('email-individual.html', { ...raw, recipient: { name: person.name } }, { language }),
    };
  }
}
