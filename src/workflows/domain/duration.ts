/**
 * Calendar durations used by workflow definitions: "30d", "2w", "3mo", "1y".
 * They are calendar offsets applied to dates (never milliseconds): "1y" after 29 Feb 2024 is
 * 28 Feb 2025, "1mo" after 31 Jan is the last day of February.
 */
import { addDays, addMonths } from '../../shared/calendar';

export type DurationUnit = 'd' | 'w' | 'mo' | 'y';
export interface Duration {
  amount: number;
  unit: DurationUnit;
  /** The canonical text form, e.g. "30d" (also the suffix of step ids). */
  text: string;
}

export const DURATION_RE = /^(0|[1-9]\d{0,3})(d|w|mo|y)$/;
export const DURATION_HINT = 'expected a duration like "7d" (units: d, w, mo, y)';

export function parseDuration(text: string): Duration {
  const m = DURATION_RE.exec(text);
  if (!m) throw new RangeError(`${JSON.stringify(text)}: ${DURATION_HINT}`);
  return { amount: Number(m[1]), unit: m[2] as DurationUnit, text };
}

export function addDuration(date: string, d: Duration | string, sign: 1 | -1 = 1): string {
  const dur = typeof d === 'string' ? parseDuration(d) : d;
  const n = dur.amount * sign;
  switch (dur.unit) {
    case 'd':
      return addDays(date, n);
    case 'w':
      return addDays(date, 7 * n);
    case 'mo':
      return addMonths(date, n);
    case 'y':
      return addMonths(date, 12 * n);
  }
}

export function subtractDuration(date: string, d: Duration | string): string {
  return addDuration(date, d, -1);
}
