import { z } from 'zod';
import { CalendarDateSchema } from '../../../shared/calendar-schema';
import { addDays, isIsoDate } from '../../../shared/calendar';
import { DATA_ELEMENTS, RECORD_FORMS } from './data-elements';
import { isJurisdiction } from './jurisdictions';

/**
 * Triage input, version 1 (shared/contracts/triage.md). Strict: unknown fields, wrong types,
 * impossible dates, negative counts and unknown state codes are rejected with the field named.
 * Optional fields default to the answer that claims nothing (no exception, no safeguard, no
 * assessment, no hold); nothing that would take an incident out of notification is assumed.
 */

/** No state or territory has more residents than this; larger counts are typing errors. */
export const MAX_COUNT = 1_000_000_000;

const isoDate = CalendarDateSchema;

const count = z
  .number({ error: 'must be a number' })
  .int({ message: 'must be a whole number' })
  .min(0, { message: 'must not be negative' })
  .max(MAX_COUNT, { message: `must not exceed ${MAX_COUNT}` });

function strictBoolean() {
  return z.boolean({ error: 'must be true or false' });
}

function oneOf<T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

export const EXCEPTIONS = ['unintentional-workforce', 'inadvertent-authorized', 'unable-to-retain'] as const;
export const ENCRYPTION_STANDARDS = ['nist-800-111', 'nist-800-52', 'nist-800-77', 'nist-800-113'] as const;
export const DESTRUCTION_METHODS = ['shredded', 'nist-800-88'] as const;

const safeguards = z
  .object(
    {
      encryption: oneOf(ENCRYPTION_STANDARDS).nullable().default(null),
      keyCompromised: strictBoolean().optional(),
      destruction: oneOf(DESTRUCTION_METHODS).nullable().default(null),
    },
    { error: 'must be an object' },
  )
  .strict()
  .superRefine((s, ctx) => {
    if (s.encryption !== null && s.keyCompromised === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['keyCompromised'],
        message: 'is required when encryption is given (safe harbor holds only if the key was not compromised)',
      });
    }
  })
  .transform((s) => ({ encryption: s.encryption, keyCompromised: s.keyCompromised ?? false, destruction: s.destruction }));

const riskAssessment = z
  .object(
    {
      complete: strictBoolean(),
      lowProbabilityOfCompromise: strictBoolean(),
    },
    { error: 'must be an object or null' },
  )
  .strict();

const lawEnforcementDelay = z
  .object(
    {
      statement: oneOf(['oral', 'written'] as const),
      madeOn: isoDate,
      until: isoDate.optional(),
    },
    { error: 'must be an object or null' },
  )
  .strict()
  .superRefine((d, ctx) => {
    if (d.statement === 'written' && d.until === undefined) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'is required for a written statement (the period it names)' });
    }
    if (d.until !== undefined && isIsoDate(d.until) && isIsoDate(d.madeOn) && d.until < d.madeOn) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'must not be before madeOn' });
    }
  });

const affectedByState = z.record(z.string(), count, { error: 'must be an object of state code to count' }).superRefine((rec, ctx) => {
  for (const key of Object.keys(rec)) {
    if (key !== 'unknown' && !isJurisdiction(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'is not a USPS state or territory code (50 states, DC, PR, GU, VI, AS, MP) or "unknown"',
      });
    }
  }
  const total = Object.values(rec).reduce((a, b) => a + b, 0);
  if (total > MAX_COUNT) {
    ctx.addIssue({ code: 'custom', path: [], message: `total must not exceed ${MAX_COUNT}` });
  }
});

/**
 * Notices already given (their dates): a state notice due relative to another notice ("within 15
 * days after notifying residents", "within 5 business days of notifying HHS") is then counted
 * from the real date instead of that notice's own deadline.
 */
const noticesGiven = z
  .object(
    {
      'individual-notice': isoDate.optional(),
      'hhs-notice': isoDate.optional(),
      'state-individual-notice': z
        .record(z.string(), isoDate, { error: 'must be an object of state code to date' })
        .superRefine((rec, ctx) => {
          for (const key of Object.keys(rec)) {
            if (!isJurisdiction(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'is not a USPS state or territory code' });
          }
        })
        .optional(),
    },
    { error: 'must be an object' },
  )
  .strict();

export const triageInputSchema = z
  .object(
    {
      reporter: oneOf(['covered-entity', 'business-associate'] as const),
      discoveredOn: isoDate,
      occurredOn: isoDate.optional(),
      affectedByState,
      exception: oneOf(EXCEPTIONS).nullable().default(null),
      safeguards: safeguards.default({ encryption: null, keyCompromised: false, destruction: null }),
      riskAssessment: riskAssessment.nullable().default(null),
      insufficientContact: count.default(0),
      imminentMisuse: strictBoolean().default(false),
      lawEnforcementDelay: lawEnforcementDelay.nullable().default(null),
      lawEnforcementPolicy: oneOf(['toll', 'strict'] as const).default('toll'),
      businessAssociateIsAgent: strictBoolean().default(false),
      // Extensions of input v1 (all optional; absent means "not known", which claims nothing):
      /** The kinds of information involved; state definitions of personal information decide from them. */
      dataElements: z.array(oneOf(DATA_ELEMENTS), { error: 'must be an array' }).optional(),
      /** The forms the records took; some statutes cover computerized data only. */
      recordForms: z
        .array(oneOf(RECORD_FORMS), { error: 'must be an array' })
        .min(1, { message: 'must name at least one form' })
        .optional(),
      noticesGiven: noticesGiven.optional(),
    },
    { error: 'must be a JSON object' },
  )
  .strict()
  .superRefine((i, ctx) => {
    if (i.occurredOn !== undefined && isIsoDate(i.occurredOn) && isIsoDate(i.discoveredOn) && i.occurredOn > i.discoveredOn) {
      ctx.addIssue({ code: 'custom', path: ['occurredOn'], message: 'must not be after discoveredOn' });
    }
    if (i.noticesGiven && isIsoDate(i.discoveredOn)) {
      const dates: Array<[string[], string | undefined]> = [
        [['individual-notice'], i.noticesGiven['individual-notice']],
        [['hhs-notice'], i.noticesGiven['hhs-notice']],
        ...Object.entries(i.noticesGiven['state-individual-notice'] ?? {}).map(([k, v]): [string[], string] => [
          ['state-individual-notice', k],
          v,
        ]),
      ];
      for (const [path, d] of dates) {
        if (d !== undefined && isIsoDate(d) && d < i.discoveredOn) {
          ctx.addIssue({ code: 'custom', path: ['noticesGiven', ...path], message: 'must not be before discoveredOn' });
        }
      }
    }
    if (i.affectedByState && typeof i.insufficientContact === 'number') {
      const total = Object.values(i.affectedByState).reduce((a, b) => a + b, 0);
      if (i.insufficientContact > total) {
        ctx.addIssue({ code: 'custom', path: ['insufficientContact'], message: 'must not exceed the total of affectedByState' });
      }
    }
  });

export type TriageInput = z.output<typeof triageInputSchema>;
export type TriageInputJson = z.input<typeof triageInputSchema>;

export interface TriageFieldError {
  /** Dotted path of the offending field, e.g. `affectedByState.ZZ` or `safeguards.keyCompromised`. */
  field: string;
  message: string;
}

/** Invalid triage input. The message names the field and never echoes the value. */
export class TriageInputError extends Error {
  readonly code = 'INVALID_TRIAGE_INPUT';
  constructor(readonly errors: TriageFieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.name = 'TriageInputError';
  }
  get field(): string {
    return this.errors[0].field;
  }
}

function fieldOf(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join('.');
}

/** Validates raw JSON (already parsed) into a TriageInput, or throws TriageInputError. */
export function parseTriageInput(raw: unknown): TriageInput {
  const r = triageInputSchema.safeParse(raw);
  if (r.success) return r.data;
  const errors: TriageFieldError[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        errors.push({ field: fieldOf([...issue.path, key]), message: 'is not a field of triage input version 1' });
    } else {
      const field = fieldOf(issue.path);
      errors.push({ field: field === '' ? '(input)' : field, message: issue.message });
    }
  }
  return throwErrors(errors);
}

function throwErrors(errors: TriageFieldError[]): never {
  throw new TriageInputError(errors);
}

/** The day an oral or written law-enforcement hold ends (164.412): oral statements cap at 30 days. */
export function holdEnd(d: NonNullable<TriageInput['lawEnforcementDelay']>): string {
  if (d.statement === 'written') return d.until as string;
  const cap = addDays(d.madeOn, 30);
  return d.until !== undefined && d.until < cap ? d.until : cap;
}
