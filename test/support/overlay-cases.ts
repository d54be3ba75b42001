import { z } from 'zod';
import { isIsoDate } from '../../src/shared/calendar';
import { isJurisdiction } from '../../src/incidents/domain/triage/jurisdictions';

/**
 * The case tables kept beside the overlays (workflows/state-overlays/tests/XX.cases.yaml): each
 * row is a triage input for one jurisdiction and the state duties it must produce, so adding a
 * state adds rows, not code. Parsed here; run by test/unit/incidents/state-overlay-cases.spec.ts.
 */
const isoDate = z.string().refine(isIsoDate, 'must be a calendar date YYYY-MM-DD');
const BASES = ['fixed', 'relative', 'latest', 'target'] as const;

/** `2026-05-09`, `2026-05-09 target`, or an object with the date, basis and condition. */
const owedValue = z.union([
  z.string().regex(/^\d{4}-\d{2}-\d{2}( (fixed|relative|latest|target))?$/, 'must be "YYYY-MM-DD" or "YYYY-MM-DD <basis>"'),
  z
    .object({ dueOn: isoDate, basis: z.enum(BASES).optional(), condition: z.string().optional(), months: z.number().int().optional() })
    .strict(),
]);

const caseSchema = z
  .object({
    name: z.string().min(1),
    /** `hipaa`: asserts the HIPAA treatment; `clock`: the due dates cross a weekend and a holiday. */
    tags: z.array(z.enum(['hipaa', 'clock', 'threshold', 'scope', 'relative', 'version'])).default([]),
    /** Residents of this jurisdiction; the other fields are triage input fields (contract v1 + extensions). */
    input: z.record(z.string(), z.unknown()).and(z.object({ residents: z.number().int().nonnegative() })),
    /** Every state duty of this jurisdiction the case must produce (exactly these), by duty id. */
    owed: z.record(z.string(), owedValue).default({}),
    /** Per rule id: whether the statute applies and, optionally, words its explanation must contain. */
    explain: z.record(z.string(), z.object({ applies: z.boolean(), why: z.string().optional() }).strict()).optional(),
  })
  .strict();

export const overlayCasesFileSchema = z
  .object({
    jurisdiction: z.string().refine(isJurisdiction, 'must be a USPS state or territory code'),
    /** Merged under every case's input. */
    defaults: z.record(z.string(), z.unknown()).default({}),
    cases: z.array(caseSchema).min(1),
  })
  .strict();

export type OverlayCasesFile = z.infer<typeof overlayCasesFileSchema>;
export type OverlayCase = OverlayCasesFile['cases'][number];

export interface ExpectedDuty {
  dueOn: string;
  basis?: (typeof BASES)[number];
  condition?: string;
  months?: number;
}

export function expectedDuty(v: z.infer<typeof owedValue>): ExpectedDuty {
  if (typeof v === 'string') {
    const [dueOn, basis] = v.split(' ');
    return basis ? { dueOn, basis: basis as ExpectedDuty['basis'] } : { dueOn };
  }
  return v;
}

/** The full triage input of a case: a covered entity, this jurisdiction's residents, the case's fields. */
export function caseInput(file: OverlayCasesFile, c: OverlayCase): Record<string, unknown> {
  const { residents, ...rest } = { ...file.defaults, ...c.input } as Record<string, unknown> & { residents: number };
  const others = (rest.otherStates ?? {}) as Record<string, number>;
  delete rest.otherStates;
  // `null` unsets an optional extension a file's defaults set (e.g. data elements not given).
  for (const k of ['dataElements', 'recordForms', 'noticesGiven']) if (rest[k] === null) delete rest[k];
  return {
    reporter: 'covered-entity',
    insufficientContact: 0,
    ...rest,
    affectedByState: { ...others, [file.jurisdiction]: residents },
  };
}
