import { z } from 'zod';

/** A real calendar date, YYYY-MM-DD (2025-02-30 is refused). */
export const IsoDate = z.string().refine((s) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}, 'expected a real calendar date YYYY-MM-DD');

export const ReportIncidentBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    discoveredOn: IsoDate,
    summary: z.string().trim().min(1).max(4000),
    reporter: z.object({ kind: z.enum(['covered-entity', 'business-associate']), actsAsAgent: z.boolean().optional() }).strict(),
  })
  .strict();
export type ReportIncidentBody = z.infer<typeof ReportIncidentBody>;

export const AmendIncidentBody = z
  .object({ title: z.string().trim().min(1).max(200).optional(), summary: z.string().trim().min(1).max(4000).optional() })
  .strict()
  .refine((b) => b.title !== undefined || b.summary !== undefined, 'give title or summary');
export type AmendIncidentBody = z.infer<typeof AmendIncidentBody>;
