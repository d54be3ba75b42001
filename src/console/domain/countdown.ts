/**
 * The countdown shown beside every due date in the console: calendar days in the organization's
 * time zone (discovery-day-0 counting is the deadline's business; this only compares dates).
 */
export type DueStatus = 'on-track' | 'due-soon' | 'overdue';

export const DUE_SOON_DAYS = 7;

export function dueStatus(daysLeft: number): DueStatus {
  if (daysLeft < 0) return 'overdue';
  if (daysLeft <= DUE_SOON_DAYS) return 'due-soon';
  return 'on-track';
}

/** Whole calendar days from `today` to `dueOn` (both YYYY-MM-DD); negative when past. */
export function daysUntil(today: string, dueOn: string): number {
  const a = Date.UTC(+today.slice(0, 4), +today.slice(5, 7) - 1, +today.slice(8, 10));
  const b = Date.UTC(+dueOn.slice(0, 4), +dueOn.slice(5, 7) - 1, +dueOn.slice(8, 10));
  return Math.round((b - a) / 86_400_000);
}

/** Hours since an instant, for "agent not heard from". */
export function hoursSince(nowMs: number, iso: string): number {
  return Math.floor((nowMs - Date.parse(iso)) / 3_600_000);
}
