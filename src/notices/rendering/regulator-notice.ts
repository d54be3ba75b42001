/**
 * A state regulator's or attorney general's notice, one generic template driven by the state
 * overlay (workflows/state-overlays): the recipient as the statute names it, the citation, how it
 * is submitted, and the items that regulator asks for, each filled from the incident's facts.
 * Pure given a TemplateSet. Every such notice is marked for legal review: the overlays are
 * research, not advice, and a regulator's own form may ask for more.
 */
import type { StateOverlay, StateNoticeRule } from '../../incidents';
import { STATE_NAMES } from './documents';
import type { LetterDocument } from './letter-pdf';
import { formatCalendarDate, type TemplateSet } from './templates';
import { incidentView, orgView, type NoticeContext } from './views';

export interface RegulatorNoticeRule {
  /** `<rule id>.<notice id>`, e.g. `ny-gbl-899-aa.ag-dos-police`. */
  id: string;
  to: string;
  citation: string;
  statute: string;
  text: string;
  carries: string[];
  submit: { method: string; address?: string; url?: string } | null;
  condition: string | null;
}

/** The regulator notices of a state's overlay, from each rule's version in force on `on`. */
export function regulatorNoticesOf(overlay: Pick<StateOverlay, 'rules'>, on: string): RegulatorNoticeRule[] {
  const out: RegulatorNoticeRule[] = [];
  for (const rule of overlay.rules) {
    const inForce = [...rule.versions].reverse().find((v) => v.effectiveFrom <= on);
    if (!inForce) continue;
    for (const n of inForce.notices as StateNoticeRule[]) {
      if (n.kind !== 'regulator') continue;
      out.push({
        id: `${rule.id}.${n.id}`,
        to: n.to,
        citation: n.citation,
        statute: inForce.statute,
        text: n.text,
        carries: [...n.carries],
        submit: n.submit ? { ...n.submit } : null,
        condition: n.condition ?? null,
      });
    }
  }
  return out;
}

const SUBMIT_LABEL: Record<string, string> = {
  'online-form': "the regulator's online form",
  email: 'email',
  mail: 'mail',
  fax: 'fax',
  portal: "the regulator's portal",
};

export function stateRegulatorNotice(
  t: TemplateSet,
  ctx: NoticeContext,
  input: {
    code: string;
    regulator: RegulatorNoticeRule;
    residents: number;
    total: number | null;
    residentsNoticeOn: string;
    /** The officer's explanation of the counts, printed after them (the numbers themselves are derived). */
    countsExplanation?: string;
  },
  date: string,
): LetterDocument {
  const name = STATE_NAMES[input.code];
  if (!name) throw new Error(`jurisdiction: unknown state code ${input.code}`);
  const r = input.regulator;
  const body = t.render('state-regulator-notice.txt', {
    org: orgView(ctx.org),
    incident: incidentView(ctx.incident),
    date,
    state: { code: input.code, name },
    regulator: {
      ...r,
      submitText: r.submit
        ? `Submitted by ${SUBMIT_LABEL[r.submit.method] ?? r.submit.method}${r.submit.url ? ` (${r.submit.url})` : ''}${r.submit.address ? ` to ${r.submit.address}` : ''}.`
        : null,
    },
    counts: {
      residents: input.residents.toLocaleString('en-US'),
      total: input.total === null ? null : input.total.toLocaleString('en-US'),
      explanation: input.countsExplanation ?? null,
    },
    residentsNoticeOn: formatCalendarDate(input.residentsNoticeOn),
  });
  return {
    letterId: `REG-${input.code}-${r.id}`.slice(0, 60),
    dateText: formatCalendarDate(date),
    letterhead: { name: ctx.org.name, lines: ctx.org.letterhead.lines },
    returnAddress: [],
    recipient: [],
    body,
  };
}
