import { z } from 'zod';
import { isIsoDate } from '../../shared/calendar';
import { BREACH_LOCATIONS, BREACH_TYPES, DISCOVERY_BASES, EXCEPTION_KINDS, FACTORS, RISK_LEVELS } from './incident';
import { DATA_ELEMENTS } from './triage/data-elements';

/** The kinds of information involved (codes only): state statutes decide whether they apply from them. */
const DataElements = z.array(z.enum(DATA_ELEMENTS)).min(1).max(DATA_ELEMENTS.length);

/** A real calendar date, YYYY-MM-DD (2025-02-30 is refused). */
export const IsoDate = z.string().refine(isIsoDate, 'expected a real calendar date YYYY-MM-DD');

/** PHI-free free text (descriptions, rationales): bounded, no control characters but newlines. */
const Text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'contains control characters');

const OpaqueId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'expected an opaque id (letters, digits, . _ : -)');

const Occurred = z
  .object({ from: IsoDate, to: IsoDate.optional() })
  .strict()
  .refine((o) => o.to === undefined || o.to >= o.from, { message: 'must not be before from', path: ['to'] });

export const ReportIncidentBody = z
  .object({
    title: Text(200),
    discoveredOn: IsoDate,
    summary: Text(4000),
    reporter: z.object({ kind: z.enum(['covered-entity', 'business-associate']), actsAsAgent: z.boolean().optional() }).strict(),
    discovery: z
      .object({ basis: z.enum(DISCOVERY_BASES), note: Text(2000).optional() })
      .strict()
      .optional(),
    occurred: Occurred.optional(),
    breachType: z.enum(BREACH_TYPES).optional(),
    locations: z.array(z.enum(BREACH_LOCATIONS)).min(1).max(8).optional(),
    datasetIds: z.array(OpaqueId).max(1000).optional(),
    hostIds: z.array(OpaqueId).max(1000).optional(),
    dataElements: DataElements.optional(),
  })
  .strict()
  .refine((b) => b.occurred === undefined || b.occurred.from <= b.discoveredOn, {
    message: 'must not be after discoveredOn',
    path: ['occurred', 'from'],
  });
export type ReportIncidentBody = z.infer<typeof ReportIncidentBody>;

export const AmendIncidentBody = z
  .object({ title: Text(200).optional(), summary: Text(4000).optional() })
  .strict()
  .refine((b) => b.title !== undefined || b.summary !== undefined, 'give title or summary');
export type AmendIncidentBody = z.infer<typeof AmendIncidentBody>;

/** Facts that may be revised. The discovery date is not among them: it never moves. */
export const ReviseFactsBody = z
  .object({
    occurred: Occurred.optional(),
    breachType: z.enum(BREACH_TYPES).optional(),
    locations: z.array(z.enum(BREACH_LOCATIONS)).min(1).max(8).optional(),
    datasetIds: z.array(OpaqueId).max(1000).optional(),
    hostIds: z.array(OpaqueId).max(1000).optional(),
    imminentMisuse: z.boolean().optional(),
    dataElements: DataElements.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one fact');
export type ReviseFactsBody = z.infer<typeof ReviseFactsBody>;

export const AssessExceptionBody = z.object({ exception: z.enum(EXCEPTION_KINDS).nullable(), rationale: Text(4000) }).strict();
export type AssessExceptionBody = z.infer<typeof AssessExceptionBody>;

const FactorAnswer = z.object({ risk: z.enum(RISK_LEVELS), rationale: Text(4000) }).strict();
export const RiskAssessmentBody = z
  .object({
    factors: z
      .object(
        Object.fromEntries(FACTORS.map((f) => [f, FactorAnswer.optional()])) as Record<
          (typeof FACTORS)[number],
          z.ZodOptional<typeof FactorAnswer>
        >,
      )
      .strict(),
    lowProbabilityOfCompromise: z.boolean(),
  })
  .strict();
export type RiskAssessmentBody = z.infer<typeof RiskAssessmentBody>;

export const SafeguardsBody = z
  .object({
    encryption: z.enum(['nist-800-111', 'nist-800-52', 'nist-800-77', 'nist-800-113']).nullable(),
    keyCompromised: z.boolean(),
    keyLocation: z.enum(['separate', 'with-data', 'unknown']).optional(),
    destruction: z.enum(['shredded', 'nist-800-88']).nullable(),
    note: Text(2000).optional(),
  })
  .strict();
export type SafeguardsBody = z.infer<typeof SafeguardsBody>;

const Counts = z.record(
  z.string().regex(/^([A-Z]{2}|unknown)$/, 'expected a USPS code or "unknown"'),
  z.number().int().min(0).max(1_000_000_000),
);
export const AffectedCountsBody = z
  .object({
    byState: Counts,
    insufficientContact: z.number().int().min(0),
    reason: z.enum(['estimate', 'revised-count', 'returned-mail']),
    note: Text(2000).optional(),
  })
  .strict();
export type AffectedCountsBody = z.infer<typeof AffectedCountsBody>;

export const HoldBody = z
  .object({
    statement: z.enum(['oral', 'written']),
    madeOn: IsoDate,
    until: IsoDate.optional(),
    official: z.object({ name: Text(200), agency: Text(200), contact: Text(200).optional() }).strict(),
  })
  .strict();
export type HoldBody = z.infer<typeof HoldBody>;

export const EndHoldBody = z.object({ endedOn: IsoDate, reason: Text(2000) }).strict();
export type EndHoldBody = z.infer<typeof EndHoldBody>;

export const DecideTriageBody = z.object({ lawEnforcementPolicy: z.enum(['toll', 'strict']).optional() }).strict();
export type DecideTriageBody = z.infer<typeof DecideTriageBody>;

export const CompleteObligationBody = z
  .object({
    description: Text(4000),
    completedOn: IsoDate,
    artifactDigest: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  })
  .strict();
export type CompleteObligationBody = z.infer<typeof CompleteObligationBody>;

/** A compliance officer excludes the unresolved rows of a list version from notice, saying why (kept in the ledger). */
export const ExcludeUnresolvedBody = z
  .object({
    listVersion: z.number().int().min(1).describe('The affected-list version whose unresolved rows are excluded'),
    reason: Text(4000).describe('Why these people are not notified (e.g. rows identify no person): recorded as written'),
  })
  .strict();
export type ExcludeUnresolvedBody = z.infer<typeof ExcludeUnresolvedBody>;

export const WaiverRequestBody = z.object({ reason: Text(4000) }).strict();
export const CloseIncidentBody = z.object({ note: Text(4000).optional() }).strict();
