import { z } from 'zod';
import { CalendarDateSchema } from '../../../shared/calendar-schema';
import { businessCalendarSchema } from './business-calendar';
import { DATA_ELEMENTS, RECORD_FORMS } from './data-elements';
import { isJurisdiction } from './jurisdictions';

/**
 * Schema of the versioned state-law overlays in workflows/state-overlays/*.yaml (format 2; the
 * README there explains every field for the lawyers who maintain them). Pure.
 */
const isoDate = CalendarDateSchema;
const text = z.string().min(1);
const element = z.enum(DATA_ELEMENTS);
/** Presence marks the rule (or duty) as needing legal review; the text says why. */
const review = text.optional();
/**
 * Counsel's review of a version, when it was done: who, when, and the record (memo, ticket) that
 * holds it. A version carries either this or a `needsLegalReview` mark (overlay-review-marks.spec).
 */
const legalReviewRecord = z.object({ reviewedBy: text, reviewedOn: isoDate, record: text }).strict().optional();
const dutyId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes');

export const sourceSchema = z
  .object({
    title: text,
    url: z.url().optional(),
    /** The day the source was read. */
    consulted: isoDate,
  })
  .strict();

const threshold = z.union([
  z.object({ moreThan: z.number().int().nonnegative(), of: z.enum(['residents', 'individuals']).default('residents') }).strict(),
  z.object({ atLeast: z.number().int().positive(), of: z.enum(['residents', 'individuals']).default('residents') }).strict(),
]);

/** The notice another rule is relative to: this state's residents' notice, or the HHS notice. */
const anchor = z.enum(['residents', 'hhs']);
const from = z.enum(['discovery', 'determination']).default('discovery');

type DueShape =
  | { days: number; from: 'discovery' | 'determination' }
  | { businessDays: number; from: 'discovery' | 'determination' }
  | { noFixedDay: true; target: 'residents' | 'federal' }
  | { with: 'residents' | 'hhs' }
  | { before: 'residents' }
  | { after: 'residents' | 'hhs'; days: number }
  | { after: 'residents' | 'hhs'; businessDays: number }
  | { earliestOf: DueShape[] };

const simpleDue = z.union([
  /** A clock: calendar days from discovery (day 0). */
  z.object({ days: z.number().int().positive(), from }).strict(),
  /** A clock in business days (the file's `calendar`). */
  z.object({ businessDays: z.number().int().positive(), from }).strict(),
  /**
   * The statute sets no day ("most expedient time", "as soon as practicable"). `target` is the
   * date aimed for, not a legal deadline: the residents' notice date, or the federal outer limit.
   */
  z.object({ noFixedDay: z.literal(true), target: z.enum(['residents', 'federal']) }).strict(),
  /** No later than / at the same time as the other notice. */
  z.object({ with: anchor }).strict(),
  /** In advance of the residents' notice. */
  z.object({ before: z.literal('residents') }).strict(),
  z.object({ after: anchor, days: z.number().int().nonnegative() }).strict(),
  z.object({ after: anchor, businessDays: z.number().int().positive() }).strict(),
]);

const due: z.ZodType<DueShape> = z.union([
  simpleDue,
  /** Whichever comes first ("at the same time as residents or within 45 days, whichever is sooner"). */
  z.object({ earliestOf: z.array(simpleDue).min(2) }).strict(),
]) as z.ZodType<DueShape>;
export type Due = DueShape;

const hipaaEntities = z.enum(['owed', 'excused']);

const contentItem = z
  .object({
    id: dutyId,
    text,
    /** Only when one of these elements was involved. */
    when: z.array(element).min(1).optional(),
  })
  .strict();

const letter = z
  .object({
    mustInclude: z.array(contentItem).default([]),
    mustNotInclude: z.array(contentItem).default([]),
    citation: text,
    /** Whether a HIPAA entity's letter still needs this content (absent when the statute's HIPAA effect is none). */
    hipaaEntities: hipaaEntities.optional(),
    needsLegalReview: review,
  })
  .strict();

const creditMonitoring = z
  .object({
    /** Offer at no cost for at least this many months. */
    months: z.number().int().positive(),
    /** Owed when any of these elements was involved. */
    when: z.array(element).min(1),
    text,
    citation: text,
    hipaaEntities: hipaaEntities.optional(),
    needsLegalReview: review,
  })
  .strict();

const residents = z
  .object({
    due,
    /** The statute's words for the timing. */
    text,
    citation: text,
    hipaaEntities: hipaaEntities.optional(),
    letter: letter.optional(),
    creditMonitoring: creditMonitoring.optional(),
    needsLegalReview: review,
  })
  .strict();

const notice = z
  .object({
    /** Stable id within the rule (`ag`, `cra`, …): the obligation id is built from it. */
    id: dutyId,
    kind: z.enum(['regulator', 'consumer-reporting-agencies']),
    /** The recipient as the statute names it. */
    to: text,
    threshold: threshold.optional(),
    due,
    text,
    citation: text,
    /** What the notice must carry (for the regulator-notice template). */
    carries: z.array(text).default([]),
    /** How it is submitted (a form, an email address, a postal address). */
    submit: z
      .object({ method: z.enum(['online-form', 'email', 'mail', 'fax', 'portal']), address: text.optional(), url: z.url().optional() })
      .strict()
      .optional(),
    hipaaEntities: hipaaEntities.optional(),
    /** The notice binds only some entities; the obligation carries it so a person confirms. */
    condition: text.optional(),
    needsLegalReview: review,
  })
  .strict();

const ruleVersion = z
  .object({
    version: text,
    effectiveFrom: isoDate,
    statute: text,
    sources: z.array(sourceSchema).min(1),
    condition: text.optional(),
    note: z.string().optional(),
    needsLegalReview: review,
    legalReview: legalReviewRecord,
    scope: z
      .object({
        records: z.array(z.enum(RECORD_FORMS)).min(1),
        personalInformation: z
          .object({
            /** Elements that are personal information with a name. */
            withName: z.array(element).default([]),
            /** Elements that are personal information on their own. */
            alone: z.array(element).default([]),
            citation: text,
          })
          .strict(),
      })
      .strict(),
    hipaa: z
      .object({
        /**
         * `none`: the statute applies in full; `deemed`: HIPAA compliance counts as compliance
         * for what each duty marks `excused`; `exempt`: the statute does not apply to HIPAA
         * covered entities at all.
         */
        effect: z.enum(['none', 'deemed', 'exempt']),
        text,
        citation: text.optional(),
      })
      .strict(),
    residents,
    notices: z.array(notice).default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    const deemed = v.hipaa.effect === 'deemed';
    const check = (path: (string | number)[], h: string | undefined) => {
      if (deemed && h === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'hipaaEntities'],
          message: 'is required (owed or excused) when hipaa.effect is deemed',
        });
      if (!deemed && h === 'excused')
        ctx.addIssue({ code: 'custom', path: [...path, 'hipaaEntities'], message: 'can be excused only when hipaa.effect is deemed' });
    };
    check(['residents'], v.residents.hipaaEntities);
    if (v.residents.letter) check(['residents', 'letter'], v.residents.letter.hipaaEntities);
    if (v.residents.creditMonitoring) check(['residents', 'creditMonitoring'], v.residents.creditMonitoring.hipaaEntities);
    const ids = new Set<string>(['residents', 'credit-monitoring']);
    v.notices.forEach((n, i) => {
      check(['notices', i], n.hipaaEntities);
      if (ids.has(n.id)) ctx.addIssue({ code: 'custom', path: ['notices', i, 'id'], message: `duplicate or reserved id ${n.id}` });
      ids.add(n.id);
    });
    if (v.scope.personalInformation.withName.length + v.scope.personalInformation.alone.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['scope', 'personalInformation'], message: 'name at least one element' });
    }
    const residentsAnchored = (d: Due): boolean =>
      'earliestOf' in d
        ? d.earliestOf.some(residentsAnchored)
        : ('with' in d && d.with === 'residents') ||
          'before' in d ||
          ('after' in d && d.after === 'residents') ||
          ('target' in d && d.target === 'residents');
    if (residentsAnchored(v.residents.due))
      ctx.addIssue({ code: 'custom', path: ['residents', 'due'], message: 'the residents’ notice cannot be relative to itself' });
  });

const rule = z
  .object({
    /** Stable id (`ca-civ-1798.82`): obligation ids are `state.<XX>.<rule id>.<duty id>`. */
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be lower-case letters, digits, dots and dashes'),
    title: text,
    versions: z.array(ruleVersion).min(1),
  })
  .strict()
  .superRefine((r, ctx) => {
    for (let i = 1; i < r.versions.length; i++) {
      if (r.versions[i].effectiveFrom <= r.versions[i - 1].effectiveFrom) {
        ctx.addIssue({
          code: 'custom',
          path: ['versions', i, 'effectiveFrom'],
          message: 'versions must be in increasing effectiveFrom order',
        });
      }
    }
    const seen = new Set<string>();
    r.versions.forEach((v, i) => {
      if (seen.has(v.version))
        ctx.addIssue({ code: 'custom', path: ['versions', i, 'version'], message: 'version identifiers must be unique' });
      seen.add(v.version);
    });
  });

export const stateOverlayFileSchema = z
  .object({
    jurisdiction: z.string().refine(isJurisdiction, 'must be a USPS state or territory code'),
    name: text,
    /** How business days are counted for this jurisdiction's clocks (weekends + these holidays). */
    calendar: businessCalendarSchema.optional(),
    rules: z.array(rule).min(1),
  })
  .strict()
  .superRefine((f, ctx) => {
    const usesBusinessDays = (d: Due): boolean => ('earliestOf' in d ? d.earliestOf.some(usesBusinessDays) : 'businessDays' in d);
    f.rules.forEach((r, ri) =>
      r.versions.forEach((v, vi) => {
        const dues = [v.residents.due, ...v.notices.map((n) => n.due)];
        if (!f.calendar && dues.some(usesBusinessDays)) {
          ctx.addIssue({ code: 'custom', path: ['rules', ri, 'versions', vi], message: 'counts business days: the file needs a calendar' });
        }
      }),
    );
    const ids = new Set<string>();
    f.rules.forEach((r, i) => {
      if (ids.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: 'rule ids must be unique' });
      ids.add(r.id);
    });
  });

export type StateOverlayFile = z.infer<typeof stateOverlayFileSchema>;
export type StateRule = StateOverlayFile['rules'][number];
export type StateRuleVersion = StateRule['versions'][number];
export type StateNoticeRule = StateRuleVersion['notices'][number];
export type ResidentsRule = StateRuleVersion['residents'];
export type Threshold = z.infer<typeof threshold>;
