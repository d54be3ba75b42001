import { z } from 'zod';
import { isIsoDate } from '../../../shared/calendar';
import { isJurisdiction } from './jurisdictions';

/**
 * Schema of the versioned state-law overlays kept as data in workflows/state-overlays/*.yaml
 * (see the README there). Pure: the loader that reads the files lives outside domain/.
 */
const isoDate = z.string().refine(isIsoDate, 'must be a calendar date YYYY-MM-DD');

const threshold = z.union([
  z.object({ moreThan: z.number().int().nonnegative() }).strict(),
  z.object({ atLeast: z.number().int().nonnegative() }).strict(),
]);

const regulatorDue = z.union([
  z.object({ days: z.number().int().positive() }).strict(),
  z.object({ businessDays: z.number().int().positive() }).strict(),
  z.object({ withResidentNotice: z.literal(true) }).strict(),
  z.object({ after: z.enum(['individual-notice', 'hhs-notice']), days: z.number().int().nonnegative() }).strict(),
  z.object({ after: z.enum(['individual-notice', 'hhs-notice']), businessDays: z.number().int().positive() }).strict(),
]);

const regulator = z
  .object({
    regulator: z.string().min(1),
    threshold: threshold.optional(),
    due: regulatorDue,
    dueRuleText: z.string().min(1).optional(),
    citation: z.string().min(1),
  })
  .strict()
  .refine((r) => !('after' in r.due) || r.dueRuleText !== undefined, {
    message: 'a due relative to another notice needs dueRuleText',
    path: ['dueRuleText'],
  });

const residents = z.union([
  z.object({ days: z.number().int().positive(), citation: z.string().min(1) }).strict(),
  z.object({ businessDays: z.number().int().positive(), citation: z.string().min(1) }).strict(),
  z.object({ dueRule: z.string().min(1), citation: z.string().min(1) }).strict(),
]);

const ruleVersion = z
  .object({
    version: z.string().min(1),
    effectiveFrom: isoDate,
    statute: z.string().min(1),
    condition: z.string().min(1).optional(),
    hipaaDeemedCompliance: z.boolean(),
    note: z.string().optional(),
    residents: residents.optional(),
    regulators: z.array(regulator).default([]),
  })
  .strict();

const rule = z
  .object({
    id: z.string().min(1),
    versions: z.array(ruleVersion).min(1),
  })
  .strict()
  .superRefine((r, ctx) => {
    for (let i = 1; i < r.versions.length; i++) {
      if (r.versions[i].effectiveFrom <= r.versions[i - 1].effectiveFrom) {
        ctx.addIssue({ code: 'custom', path: ['versions', i, 'effectiveFrom'], message: 'versions must be in increasing effectiveFrom order' });
      }
    }
  });

export const stateOverlayFileSchema = z
  .object({
    jurisdiction: z.string().refine(isJurisdiction, 'must be a USPS state or territory code'),
    name: z.string().min(1),
    rules: z.array(rule).min(1),
  })
  .strict();

export type StateOverlayFile = z.infer<typeof stateOverlayFileSchema>;
export type StateRuleVersion = z.infer<typeof ruleVersion>;
export type StateRegulatorRule = z.infer<typeof regulator>;

/** Every jurisdiction's overlay rules, keyed by USPS code. */
export interface StateOverlaySet {
  readonly byJurisdiction: ReadonlyMap<string, StateOverlayFile>;
}

export function emptyOverlaySet(): StateOverlaySet {
  return { byJurisdiction: new Map() };
}

/** Builds a validated set from parsed documents (throws naming the file and field on bad data). */
export function buildOverlaySet(docs: Array<{ source: string; doc: unknown }>): StateOverlaySet {
  const map = new Map<string, StateOverlayFile>();
  for (const { source, doc } of docs) {
    const parsed = stateOverlayFileSchema.safeParse(doc);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`state overlay ${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    if (map.has(parsed.data.jurisdiction)) {
      throw new Error(`state overlay ${source}: jurisdiction ${parsed.data.jurisdiction} defined twice`);
    }
    map.set(parsed.data.jurisdiction, parsed.data);
  }
  return { byJurisdiction: map };
}

/** The version of a rule in force on `date` (the latest whose effectiveFrom ≤ date), if any. */
export function versionInForce(versions: StateRuleVersion[], date: string): StateRuleVersion | undefined {
  let found: StateRuleVersion | undefined;
  for (const v of versions) if (v.effectiveFrom <= date) found = v;
  return found;
}
