import { z } from 'zod';
import { ROLES } from '../../shared/roles';

const Base = { kind: z.string(), id: z.string(), title: z.string(), href: z.string().nullable() };
export const TodayItemSchema = z.union([
  z.object({ ...Base, dueOn: z.string(), daysLeft: z.number(), status: z.enum(['on-track', 'due-soon', 'overdue']) }),
  z.object({ ...Base, since: z.string(), detail: z.string().nullable() }),
]);

export const TodaySchema = z.object({
  asOf: z.string(),
  today: z.string(),
  timeZone: z.string(),
  role: z.enum(ROLES),
  sections: z.array(
    z.object({
      key: z.enum(['obligations', 'approvals', 'reviews', 'tamperAlerts', 'silentAgents', 'invitations']),
      title: z.string(),
      emptyHint: z.string(),
      available: z.boolean(),
      note: z.string().optional(),
      items: z.array(TodayItemSchema),
    }),
  ),
});
