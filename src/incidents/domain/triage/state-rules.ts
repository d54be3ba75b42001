import { addDays } from '../../../shared/calendar';
import type { BusinessCalendar } from './business-calendar';
import type { DataElement } from './data-elements';
import {
  versionInForce,
  type Due,
  type StateNoticeRule,
  type StateOverlay,
  type StateOverlaySet,
  type StateRule,
  type StateRuleVersion,
  type Threshold,
} from './state-overlays';
import type { TriageInput } from './triage-input';

/**
 * State breach-notification duties of one breach, from the overlays: which jurisdictions' statutes
 * apply, what each owes a HIPAA covered entity, with due dates, and why (the explanation). Pure.
 */

export type StateObligationKind =
  'state-individual-notice' | 'state-regulator-notice' | 'state-consumer-reporting-notice' | 'state-credit-monitoring-offer';

/**
 * How `dueOn` was found: `fixed` — a clock from discovery; `relative` — counted from the other
 * notice's real date; `latest` — relative to a notice not given yet, counted from that notice's
 * own deadline (it tightens once the notice is given); `target` — the statute sets no day, the
 * date is the one aimed for (the residents' notice or the federal outer limit), not a legal deadline.
 */
export type DueBasis = 'fixed' | 'relative' | 'latest' | 'target';

export interface StateObligation {
  jurisdiction: string;
  kind: StateObligationKind;
  /** The recipient (regulator, consumer reporting agencies). */
  regulator?: string;
  dueOn: string;
  /** The statute's words when the date is not a plain clock from discovery. */
  dueRule?: string;
  citation: string;
  ruleVersion: string;
  /** Something a person must confirm before the obligation binds (e.g. `licensed-health-facility`). */
  condition?: string;
  /** `<rule id>.<duty id>`: stable across versions; the obligation id is built from it. */
  duty: string;
  dueBasis: DueBasis;
  /** Credit monitoring: months offered at no cost. */
  months?: number;
  needsLegalReview?: true;
}

export interface DutyExplanation {
  duty: string;
  kind: StateObligationKind | 'state-letter-content';
  to?: string;
  owed: boolean;
  why: string;
  dueOn?: string;
  dueBasis?: DueBasis;
  citation: string;
  needsLegalReview?: string;
}

export interface RuleExplanation {
  rule: string;
  title: string;
  ruleVersion: string | null;
  statute: string | null;
  applies: boolean;
  why: string;
  hipaa?: { effect: 'none' | 'deemed' | 'exempt'; text: string };
  duties: DutyExplanation[];
  letter?: { mustInclude: Array<{ id: string; text: string }>; mustNotInclude: Array<{ id: string; text: string }>; citation: string };
  sources?: Array<{ title: string; url?: string; consulted: string }>;
  needsLegalReview?: string[];
}

export interface JurisdictionExplanation {
  jurisdiction: string;
  name: string | null;
  residents: number;
  rules: RuleExplanation[];
}

/** Federal dates the state rules are anchored to (holds already applied). */
export interface FederalAnchors {
  /** 60 days from discovery, without any hold (compared with state clocks). */
  federalDue: string;
  /** The federal individual notice's due date (hold applied). */
  individualDue: string;
  /** The HHS notice's due date (contemporaneous or annual, hold applied). */
  hhsDue: string;
  held: (date: string) => string;
}

interface Ctx {
  input: TriageInput;
  st: string;
  residents: number;
  total: number;
  anchors: FederalAnchors;
  cal: BusinessCalendar;
}

interface Resolved {
  dueOn: string;
  basis: DueBasis;
}

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
  'medical-record-number': 'medical record number',
};

function words(els: readonly DataElement[]): string {
  return els.map((e) => ELEMENT_WORDS[e]).join(', ');
}

/** Whether the breach involved the statute's personal information: true, false, or unknown. */
function personalInformationInvolved(v: StateRuleVersion, elements: DataElement[] | undefined): { involved: boolean | null; why: string } {
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

function meets(t: Threshold | undefined, ctx: Ctx): { ok: boolean; why: string } {
  if (!t) return { ok: ctx.residents > 0, why: 'owed for any resident' };
  const n = t.of === 'individuals' ? ctx.total : ctx.residents;
  const what = t.of === 'individuals' ? 'individuals in total' : 'residents';
  if ('moreThan' in t) return { ok: n > t.moreThan, why: `${n} ${what}; the threshold is more than ${t.moreThan}` };
  return { ok: n >= t.atLeast, why: `${n} ${what}; the threshold is at least ${t.atLeast}` };
}

/** Whether a duty binds a HIPAA covered entity under the version's HIPAA effect. */
function hipaaOwes(v: StateRuleVersion, marked: 'owed' | 'excused' | undefined): boolean {
  return v.hipaa.effect === 'none' || (v.hipaa.effect === 'deemed' && marked === 'owed');
}

export interface StateEvaluation {
  obligations: StateObligation[];
  explain: JurisdictionExplanation[];
}

/**
 * Evaluates every affected jurisdiction (code order) for a covered entity's breach. Business
 * associates and non-breaches are explained by the caller. `explain` false skips the prose.
 */
export function evaluateStates(
  input: TriageInput,
  states: string[],
  anchors: FederalAnchors,
  overlays: StateOverlaySet,
  total: number,
  explain: boolean,
): StateEvaluation {
  const obligations: StateObligation[] = [];
  const explained: JurisdictionExplanation[] = [];
  for (const st of states) {
    const residents = input.affectedByState[st];
    if (residents === 0) continue;
    const file = overlays.byJurisdiction.get(st);
    const jx: JurisdictionExplanation = { jurisdiction: st, name: file?.name ?? null, residents, rules: [] };
    if (!file) {
      jx.rules.push({
        rule: '(none)',
        title: 'No breach-notification statute on file',
        ruleVersion: null,
        statute: null,
        applies: false,
        why: `no overlay for ${st}: no state duty is known; the federal notices cover its residents`,
        duties: [],
      });
    } else {
      const ctx: Ctx = { input, st, residents, total, anchors, cal: file.businessCalendar };
      for (const rule of file.rules) jx.rules.push(evaluateRule(rule, file, ctx, obligations, explain));
    }
    if (explain) explained.push(jx);
  }
  return { obligations, explain: explained };
}

function evaluateRule(rule: StateRule, file: StateOverlay, ctx: Ctx, out: StateObligation[], explain: boolean): RuleExplanation {
  const discovered = ctx.input.discoveredOn;
  const v = versionInForce(rule.versions, discovered);
  // Key order is the reading order of the explanation: which version, does it apply, why, then the duties.
  const rx: RuleExplanation = {
    rule: rule.id,
    title: rule.title,
    ruleVersion: v?.version ?? null,
    statute: v?.statute ?? null,
    applies: false,
    why: '',
    ...(v ? { hipaa: { effect: v.hipaa.effect, text: v.hipaa.text } } : {}),
    duties: [],
  };
  if (!v) {
    rx.why = `not in force on the discovery date ${discovered} (first version from ${rule.versions[0].effectiveFrom})`;
    return rx;
  }
  if (explain) {
    rx.sources = v.sources.map((s) => ({ ...s }));
    const reviews = reviewReasons(v);
    if (reviews.length) rx.needsLegalReview = reviews;
  }
  if (v.hipaa.effect === 'exempt') {
    rx.why = `does not apply to HIPAA covered entities: ${v.hipaa.text}`;
    return rx;
  }
  const forms = ctx.input.recordForms;
  if (forms && !forms.some((f) => v.scope.records.includes(f))) {
    rx.why = `covers ${v.scope.records.join(' and ')} records only; this breach involved ${forms.join(' and ')} records`;
    return rx;
  }
  const pi = personalInformationInvolved(v, ctx.input.dataElements);
  if (pi.involved === false) {
    rx.why = pi.why;
    return rx;
  }
  rx.applies = true;
  rx.why = pi.why + (forms ? '' : '; record forms not given (assumed covered)');
  const conditions = [v.condition, pi.involved === null ? 'personal-information-involved' : undefined].filter((c): c is string => !!c);

  const emit = (
    o: Omit<StateObligation, 'jurisdiction' | 'ruleVersion' | 'citation' | 'duty'> & {
      citation: string;
      duty: string;
      condition?: string;
      review?: string;
    },
  ) => {
    const conds = [...conditions, ...(o.condition ? [o.condition] : [])];
    // Key order: the contract's (jurisdiction, kind, regulator, dueOn|dueRule, citation), then ours.
    const r = { jurisdiction: ctx.st, kind: o.kind } as StateObligation;
    if (o.regulator) r.regulator = o.regulator;
    r.dueOn = o.dueOn;
    if (o.dueRule) r.dueRule = o.dueRule;
    r.citation = o.citation;
    r.ruleVersion = v.version;
    if (conds.length) r.condition = conds.join(' and ');
    r.duty = `${rule.id}.${o.duty}`;
    r.dueBasis = o.dueBasis;
    if (o.months !== undefined) r.months = o.months;
    if (o.review !== undefined || v.needsLegalReview !== undefined) r.needsLegalReview = true;
    out.push(r);
  };

  // Residents: the state's clock matters only when it is earlier than the federal notice.
  const res = v.residents;
  const resOwed = hipaaOwes(v, res.hipaaEntities);
  let residentsDue = ctx.anchors.individualDue;
  const stateClock = resOwed ? clockFromDiscovery(res.due, ctx) : undefined;
  const resDuty = `${rule.id}.residents`;
  if (!resOwed) {
    rx.duties.push({
      duty: resDuty,
      kind: 'state-individual-notice',
      owed: false,
      why: `HIPAA-compliant notice is deemed compliance for residents (${v.hipaa.citation ?? v.statute}); the federal individual notice covers them`,
      citation: res.citation,
    });
  } else if (stateClock && stateClock < ctx.anchors.federalDue) {
    residentsDue = ctx.anchors.held(stateClock);
    emit({
      kind: 'state-individual-notice',
      dueOn: residentsDue,
      citation: res.citation,
      duty: 'residents',
      dueBasis: 'fixed',
      review: res.needsLegalReview,
    });
    rx.duties.push({
      duty: resDuty,
      kind: 'state-individual-notice',
      owed: true,
      why: `the state clock (${res.text}) ends before the federal 60 days`,
      dueOn: residentsDue,
      dueBasis: 'fixed',
      citation: res.citation,
      ...rev(res.needsLegalReview),
    });
  } else {
    const why = stateClock
      ? `the state clock (${res.text}) ends on or after the federal 60 days: the federal individual notice (due ${ctx.anchors.individualDue}) satisfies it`
      : `no fixed day (${res.text}): the federal individual notice (due ${ctx.anchors.individualDue}) is the outer limit; notify without unreasonable delay`;
    rx.duties.push({
      duty: resDuty,
      kind: 'state-individual-notice',
      owed: false,
      why,
      citation: res.citation,
      ...rev(res.needsLegalReview),
    });
  }

  const residentsAnchor = (): { date: string; given: boolean } => {
    const g = ctx.input.noticesGiven;
    const given = g?.['state-individual-notice']?.[ctx.st] ?? g?.['individual-notice'];
    return given !== undefined ? { date: given, given: true } : { date: residentsDue, given: false };
  };
  const hhsAnchor = (): { date: string; given: boolean } => {
    const given = ctx.input.noticesGiven?.['hhs-notice'];
    return given !== undefined ? { date: given, given: true } : { date: ctx.anchors.hhsDue, given: false };
  };

  for (const n of v.notices) {
    const duty = `${rule.id}.${n.id}`;
    const kind: StateObligationKind = n.kind === 'regulator' ? 'state-regulator-notice' : 'state-consumer-reporting-notice';
    const base: DutyExplanation = { duty, kind, to: n.to, owed: false, why: '', citation: n.citation, ...rev(n.needsLegalReview) };
    if (!hipaaOwes(v, n.hipaaEntities)) {
      rx.duties.push({ ...base, why: `excused for a HIPAA covered entity (${v.hipaa.citation ?? v.statute})` });
      continue;
    }
    const t = meets(n.threshold, ctx);
    if (!t.ok) {
      rx.duties.push({ ...base, why: `below the threshold: ${t.why}` });
      continue;
    }
    const d = resolveDue(n.due, ctx, residentsAnchor, hhsAnchor);
    emit({
      kind,
      regulator: n.to,
      dueOn: d.dueOn,
      dueRule: d.basis === 'fixed' ? undefined : n.text,
      citation: n.citation,
      duty: n.id,
      dueBasis: d.basis,
      condition: n.condition,
      review: n.needsLegalReview,
    });
    rx.duties.push({ ...base, owed: true, why: `${t.why}; ${n.text}`, dueOn: d.dueOn, dueBasis: d.basis });
  }

  const cm = res.creditMonitoring;
  if (cm) {
    const duty = `${rule.id}.credit-monitoring`;
    const base: DutyExplanation = {
      duty,
      kind: 'state-credit-monitoring-offer',
      owed: false,
      why: '',
      citation: cm.citation,
      ...rev(cm.needsLegalReview),
    };
    const els = ctx.input.dataElements;
    if (!hipaaOwes(v, cm.hipaaEntities)) {
      rx.duties.push({ ...base, why: `excused for a HIPAA covered entity (${v.hipaa.citation ?? v.statute})` });
    } else if (els !== undefined && !cm.when.some((e) => els.includes(e))) {
      rx.duties.push({ ...base, why: `owed only when ${words(cm.when)} was involved` });
    } else {
      const a = residentsAnchor();
      const basis: DueBasis = a.given ? 'relative' : 'latest';
      emit({
        kind: 'state-credit-monitoring-offer',
        dueOn: a.date,
        dueRule: `offered in the residents' notice: ${cm.text}`,
        citation: cm.citation,
        duty: 'credit-monitoring',
        dueBasis: basis,
        months: cm.months,
        condition: els === undefined ? `${cm.when.join('-or-')}-involved` : undefined,
        review: cm.needsLegalReview,
      });
      rx.duties.push({ ...base, owed: true, why: `${cm.text} (${cm.months} months)`, dueOn: a.date, dueBasis: basis });
    }
  }

  const letter = res.letter;
  if (letter) {
    const owed = hipaaOwes(v, letter.hipaaEntities);
    const els = ctx.input.dataElements;
    const pick = (items: typeof letter.mustInclude) =>
      items.filter((i) => !i.when || els === undefined || i.when.some((e) => els.includes(e))).map(({ id, text }) => ({ id, text }));
    if (owed) rx.letter = { mustInclude: pick(letter.mustInclude), mustNotInclude: pick(letter.mustNotInclude), citation: letter.citation };
    rx.duties.push({
      duty: `${rule.id}.letter`,
      kind: 'state-letter-content',
      owed,
      why: owed
        ? 'the residents’ letter must carry (and leave out) the content listed under letter'
        : `excused for a HIPAA covered entity (${v.hipaa.citation ?? v.statute})`,
      citation: letter.citation,
      ...rev(letter.needsLegalReview),
    });
  }
  return rx;
}

function rev(reason: string | undefined): { needsLegalReview?: string } {
  return reason === undefined ? {} : { needsLegalReview: reason };
}

function reviewReasons(v: StateRuleVersion): string[] {
  const out: string[] = [];
  if (v.needsLegalReview) out.push(v.needsLegalReview);
  if (v.residents.needsLegalReview) out.push(`residents: ${v.residents.needsLegalReview}`);
  if (v.residents.letter?.needsLegalReview) out.push(`letter: ${v.residents.letter.needsLegalReview}`);
  if (v.residents.creditMonitoring?.needsLegalReview) out.push(`credit monitoring: ${v.residents.creditMonitoring.needsLegalReview}`);
  for (const n of v.notices) if (n.needsLegalReview) out.push(`${n.id}: ${n.needsLegalReview}`);
  return out;
}

/** A clock counted from discovery (unheld), or undefined when the due is not a plain clock. */
function clockFromDiscovery(d: Due, ctx: Ctx): string | undefined {
  // Statutes counting from "determination" are counted from discovery: the earlier, safer date.
  if ('days' in d && !('after' in d)) return addDays(ctx.input.discoveredOn, d.days);
  if ('businessDays' in d && !('after' in d)) return ctx.cal.addBusinessDays(ctx.input.discoveredOn, d.businessDays);
  return undefined;
}

type Anchor = () => { date: string; given: boolean };

function resolveDue(d: Due, ctx: Ctx, residents: Anchor, hhs: Anchor): Resolved {
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

/** Letter content a jurisdiction's statute asks of a HIPAA covered entity's letter (for the letter templates). */
export function letterRequirements(
  overlays: StateOverlaySet,
  jurisdiction: string,
  discoveredOn: string,
  dataElements?: DataElement[],
): RuleExplanation['letter'][] {
  const file = overlays.byJurisdiction.get(jurisdiction);
  if (!file) return [];
  const out: RuleExplanation['letter'][] = [];
  for (const rule of file.rules) {
    const v = versionInForce(rule.versions, discoveredOn);
    const letter = v?.residents.letter;
    if (!v || !letter || v.condition || v.hipaa.effect === 'exempt' || !hipaaOwes(v, letter.hipaaEntities)) continue;
    if (dataElements && personalInformationInvolved(v, dataElements).involved === false) continue;
    const pick = (items: typeof letter.mustInclude) =>
      items.filter((i) => !i.when || !dataElements || i.when.some((e) => dataElements.includes(e))).map(({ id, text }) => ({ id, text }));
    out.push({ mustInclude: pick(letter.mustInclude), mustNotInclude: pick(letter.mustNotInclude), citation: letter.citation });
  }
  return out;
}

export type { StateNoticeRule };
