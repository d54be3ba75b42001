/** The checks a state rule is made of: personal information involved, thresholds, the HIPAA effect, legal-review flags, due dates. */
import { addDays } from '../../../shared/calendar';
import type { DataElement } from './data-elements';
import { type Due, type StateRuleVersion, type Threshold } from './state-overlays';
import type { Ctx, Resolved } from './state-rule-types';

const ELEMENT_WORDS: Record<DataElement, string> = {
  name: 'name',
  ssn: 'Social Security number',
  'drivers-license': "driver's license or state ID number",
  'government-id': 'government ID number',
  'financial-account': 'financial account or card number',
  'account-credentials': 'user name with password',
  medical: 'medical information',
  'health-insurance': 'health insurance information',
  biometric: 'biometric data',
  'date-of-birth': 'date of birth',
  genetic: 'genetic data',
};

export function words(els: readonly DataElement[]): string {
  return els.map((e) => ELEMENT_WORDS[e]).join(', ');
}

/** Whether the breach involved the statute's personal information: true, false, or unknown. */
export function personalInformationInvolved(
  v: StateRuleVersion,
  elements: DataElement[] | undefined,
): { involved: boolean | null; why: string } {
  const pi = v.scope.personalInformation;
  if (elements === undefined) {
    return { involved: null, why: `data elements not given; owed if the breach involved ${describePi(pi)} (${pi.citation})` };
  }
  const has = new Set(elements);
  const alone = pi.alone.filter((e) => has.has(e));
  const withName = has.has('name') ? pi.withName.filter((e) => has.has(e)) : [];
  if (alone.length + withName.length > 0) {
    return {
      involved: true,
      why: `personal information involved: ${words([...withName, ...alone])}${withName.length ? ' with a name' : ''} (${pi.citation})`,
    };
  }
  return { involved: false, why: `no personal information as the statute defines it: it covers ${describePi(pi)} (${pi.citation})` };
}

function describePi(pi: StateRuleVersion['scope']['personalInformation']): string {
  const parts: string[] = [];
  if (pi.withName.length) parts.push(`a name with ${words(pi.withName)}`);
  if (pi.alone.length) parts.push(`${words(pi.alone)} alone`);
  return parts.join('; or ');
}

export function meets(t: Threshold | undefined, ctx: Ctx): { ok: boolean; why: string } {
  if (!t) return { ok: ctx.residents > 0, why: 'owed for any resident' };
  const n = t.of === 'individuals' ? ctx.total : ctx.residents;
  const what = t.of === 'individuals' ? 'individuals in total' : 'residents';
  if ('moreThan' in t) return { ok: n > t.moreThan, why: `${n} ${what}; the threshold is more than ${t.moreThan}` };
  return { ok: n >= t.atLeast, why: `${n} ${what}; the threshold is at least ${t.atLeast}` };
}

/** Whether a duty binds a HIPAA covered entity under the version's HIPAA effect. */
export function hipaaOwes(v: StateRuleVersion, marked: 'owed' | 'excused' | undefined): boolean {
  return v.hipaa.effect === 'none' || (v.hipaa.effect === 'deemed' && marked === 'owed');
}

export function rev(reason: string | undefined): { needsLegalReview?: string } {
  return reason === undefined ? {} : { needsLegalReview: reason };
}

export function reviewReasons(v: StateRuleVersion): string[] {
  const out: string[] = [];
  if (v.needsLegalReview) out.push(v.needsLegalReview);
  if (v.residents.needsLegalReview) out.push(`residents: ${v.residents.needsLegalReview}`);
  if (v.residents.letter?.needsLegalReview) out.push(`letter: ${v.residents.letter.needsLegalReview}`);
  if (v.residents.creditMonitoring?.needsLegalReview) out.push(`credit monitoring: ${v.residents.creditMonitoring.needsLegalReview}`);
  for (const n of v.notices) if (n.needsLegalReview) out.push(`${n.id}: ${n.needsLegalReview}`);
  return out;
}

/** A clock counted from discovery (unheld), or undefined when the due is not a plain clock. */
export function clockFromDiscovery(d: Due, ctx: Ctx): string | undefined {
  // Statutes counting from "determination" are counted from discovery: the earlier, safer date.
  if ('days' in d && !('after' in d)) return addDays(ctx.input.discoveredOn, d.days);
  if ('businessDays' in d && !('after' in d)) return ctx.cal.addBusinessDays(ctx.input.discoveredOn, d.businessDays);
  return undefined;
}

type Anchor = () => { date: string; given: boolean };

export function resolveDue(d: Due, ctx: Ctx, residents: Anchor, hhs: Anchor): Resolved {
  if ('earliestOf' in d) {
    let best: Resolved | undefined;
    for (const x of d.earliestOf) {
      const r = resolveDue(x, ctx, residents, hhs);
      if (!best || r.dueOn < best.dueOn) best = r;
    }
    return best!;
  }
  const clock = clockFromDiscovery(d, ctx);
  if (clock !== undefined) return { dueOn: ctx.anchors.held(clock), basis: 'fixed' };
  if ('noFixedDay' in d) {
    return { dueOn: d.target === 'federal' ? ctx.anchors.individualDue : residents().date, basis: 'target' };
  }
  if ('before' in d) {
    const a = residents();
    return { dueOn: addDays(a.date, -1), basis: a.given ? 'relative' : 'latest' };
  }
  if ('with' in d) {
    const a = d.with === 'residents' ? residents() : hhs();
    return { dueOn: a.date, basis: a.given ? 'relative' : 'latest' };
  }
  if (!('after' in d)) throw new Error('unreachable: every clock from discovery is resolved above');
  const a = d.after === 'residents' ? residents() : hhs();
  const dueOn = 'businessDays' in d ? ctx.cal.addBusinessDays(a.date, d.businessDays) : addDays(a.date, d.days);
  return { dueOn, basis: a.given ? 'relative' : 'latest' };
}
