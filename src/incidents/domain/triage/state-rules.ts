/**
 * State breach-notification duties of one breach, from the overlays: which jurisdictions' statutes
 * apply, what each owes a HIPAA covered entity, with due dates, and why (the explanation). Pure.
 */
import type { DataElement } from './data-elements';
import { versionInForce, type StateNoticeRule, type StateOverlay, type StateOverlaySet, type StateRule } from './state-overlays';
import type { TriageInput } from './triage-input';
import type {
  Ctx,
  DueBasis,
  DutyExplanation,
  FederalAnchors,
  JurisdictionExplanation,
  RuleExplanation,
  StateObligation,
  StateObligationKind,
} from './state-rule-types';
import {
  clockFromDiscovery,
  hipaaOwes,
  meets,
  personalInformationInvolved,
  resolveDue,
  rev,
  reviewReasons,
  words,
} from './state-rule-checks';

export type { DueBasis, DutyExplanation, FederalAnchors, JurisdictionExplanation, RuleExplanation, StateObligation, StateObligationKind };

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
