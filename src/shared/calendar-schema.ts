import { z } from 'zod';
import { isIsoDate } from './calendar';

/**
 * The one zod type for a calendar date field, in every request schema: YYYY-MM-DD that exists
 * in the calendar (2025-02-30, 2025-13-01 and 2025-04-31 are refused by isIsoDate, naming the
 * field through the zod path). `z.iso.date()` makes the OpenAPI document say `format: date`, so
 * the route tests can find every date field from the document.
 */
export const CalendarDateSchema = z.iso
  .date({ error: 'expected a real calendar date YYYY-MM-DD' })
  // Only when the format passed: one problem per field, not two for the same fault.
  .refine(isIsoDate, { message: 'expected a real calendar date YYYY-MM-DD', when: (p) => p.issues.length === 0 });

/** An instant (ISO 8601 with offset or Z) whose date part exists in the calendar. */
export const InstantSchema = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 instant' })
  .refine((s) => isIsoDate(s.slice(0, 10)), { message: 'expected a real calendar date', when: (p) => p.issues.length === 0 });

/** An instant in UTC (`Z`, at most milliseconds), as the signed agent protocol writes them. */
export const UtcInstantSchema = z.iso
  .datetime({ error: 'must be an ISO instant in UTC' })
  // A refine, not .regex(): a second pattern would drop `format: date-time` from the document.
  .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(s), 'must be an ISO instant in UTC')
  .refine((s) => isIsoDate(s.slice(0, 10)), 'must be a valid instant');
