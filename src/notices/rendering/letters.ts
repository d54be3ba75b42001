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
import { deepPlain, formatCalendarDate, plainText, type TemplateSet } from './templates';
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

export class LetterComposer {
  private readonly logo?: Buffer;
  private readonly signature?: Buffer;
  /** The batch-wide part of every view, built once: raw for HTML, flattened for text. */
  private readonly base: { org: ReturnType<typeof orgView>; incident: ReturnType<typeof incidentView>; date: string };
  private readonly plainBase: LetterComposer['base'];
  private subject: string | null = null;

  constructor(
    private readonly templates: TemplateSet,
    private readonly ctx: NoticeContext,
    /** Letter date (ISO calendar date), the batch's release date. */
    private readonly date: string,
  ) {
    if (ctx.org.logoPath) this.logo = readFileSync(ctx.org.logoPath);
    if (ctx.org.signatory.signatureImagePath) this.signature = readFileSync(ctx.org.signatory.signatureImagePath);
    this.base = { org: orgView(ctx.org), incident: incidentView(ctx.incident), date };
    this.plainBase = deepPlain(this.base);
  }

  /** `imb`: the barcode's fields without the routing code (taken from the address), when a mailer id is configured. */
  letter(batchId: string, person: AffectedIndividual, plan: ChannelPlan, imb?: Omit<ImbFields, 'routing'>): LetterDocument {
    if (!plan.address) throw new Error('letter: the channel plan has no postal address');
    const nok = plan.channel === 'mail-next-of-kin';
    const template = nok ? ('letter-next-of-kin.txt' as const) : ('letter-individual.txt' as const);
    const view = {
      ...this.plainBase,
      recipient: { name: plainText(plan.addresseeName ?? person.name) },
      deceased: nok ? { name: plainText(person.name) } : null,
      // Template output (not a value): what the resident's state requires in the letter.
      stateSection: this.stateSection(plan.address.state),
    };
    const org = this.ctx.org;
    const ra = org.returnAddress;
    return {
      letterId: letterIdOf(batchId, person.id),
      dateText: formatCalendarDate(this.date),
      letterhead: { name: org.name, lines: org.letterhead.lines, ...(this.logo ? { logo: this.logo } : {}) },
      returnAddress: [org.name, ra.line1, ...(ra.line2 ? [ra.line2] : []), `${ra.city} ${ra.state} ${ra.zip}`],
      recipient: [plan.addresseeName ?? person.name, ...addressLines(plan.address)],
      body: this.templates.render(template, view, { prepared: true }),
      personal: [view.recipient.name, ...(view.deceased ? [view.deceased.name] : [])],
      ...(this.signature ? { signature: this.signature } : {}),
      ...(imb ? { imb: encodeImb({ ...imb, routing: imbRouting(plan.address.zip) }) } : {}),
    };
  }

  private readonly stateSections = new Map<string, string | null>();
  private stateSection(code: string): string | null {
    if (!this.stateSections.has(code)) this.stateSections.set(code, this.templates.renderState(code, this.plainBase));
    return this.stateSections.get(code)!;
  }

  email(person: AffectedIndividual): ComposedEmail {
    if (this.subject === null) this.subject = this.templates.render('email-individual.subject', this.plainBase, { prepared: true });
    return {
      subject: this.subject,
      text: this.templates.render(
        'email-individual.txt',
        { ...this.plainBase, recipient: { name: plainText(person.name) } },
        { prepared: true },
      ),
      html: this.templates.render('email-individual.html', { ...this.base, recipient: { name: person.name } }),
    };
  }
}
