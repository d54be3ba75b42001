import { z } from 'zod';
import { addDays, dayOfWeek, daysInMonth, federalHolidays, isWeekend, yearOf } from '../../../shared/calendar';

/**
 * Business days as a state statute counts them: weekends, and the holidays of the calendar the
 * overlay names (usually the U.S. federal holidays plus the state's own legal holidays, minus
 * federal ones the state does not keep). The calendar is data in the overlay file, so a lawyer
 * can read and correct it. Pure.
 */

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

const years = {
  /** First and last calendar year the holiday is kept (inclusive). */
  since: z.number().int().min(1900).optional(),
  until: z.number().int().min(1900).optional(),
  /** `even`: only in even-numbered years (e.g. a general election day). */
  years: z.enum(['all', 'even', 'odd']).default('all'),
};

const fixedHoliday = z
  .object({
    name: z.string().min(1),
    /** Month and day, `MM-DD`. */
    date: z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be MM-DD'),
    /**
     * When the date falls on a weekend: `nearest-weekday` (Saturday → Friday, Sunday → Monday,
     * as 5 U.S.C. 6103(b)), `sunday-to-monday` (Saturday not moved), `none`.
     */
    observed: z.enum(['nearest-weekday', 'sunday-to-monday', 'none']).default('nearest-weekday'),
    ...years,
  })
  .strict();

const weekdayHoliday = z
  .object({
    name: z.string().min(1),
    month: z.number().int().min(1).max(12),
    weekday: z.enum(WEEKDAYS),
    /** 1–4: the n-th such weekday of the month; -1: the last. */
    nth: z.union([z.literal(-1), z.number().int().min(1).max(4)]),
    /** Days after that weekday (the day after Thanksgiving: 4th Thursday of November + 1). */
    plusDays: z.number().int().min(0).max(6).default(0),
    ...years,
  })
  .strict();

export const holidayRuleSchema = z.union([fixedHoliday, weekdayHoliday]);
export type HolidayRule = z.infer<typeof holidayRuleSchema>;

export const businessCalendarSchema = z
  .object({
    name: z.string().min(1),
    citation: z.string().min(1),
    /** Include the U.S. federal holidays (5 U.S.C. 6103, observed), except those named in `exceptFederal`. */
    federal: z.boolean(),
    exceptFederal: z.array(z.string().min(1)).default([]),
    holidays: z.array(holidayRuleSchema).default([]),
    needsLegalReview: z.string().min(1).optional(),
  })
  .strict();
export type BusinessCalendarData = z.infer<typeof businessCalendarSchema>;

export interface BusinessCalendar {
  readonly name: string;
  /** The holiday on `date`, if any (weekends are not holidays). */
  holiday(date: string): string | undefined;
  isBusinessDay(date: string): boolean;
  /** The n-th business day after `date` (`date` itself is day 0). */
  addBusinessDays(date: string, n: number): string;
}

function ymd(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function keptIn(rule: HolidayRule, y: number): boolean {
  if (rule.since !== undefined && y < rule.since) return false;
  if (rule.until !== undefined && y > rule.until) return false;
  if (rule.years === 'even') return y % 2 === 0;
  if (rule.years === 'odd') return y % 2 === 1;
  return true;
}

/** The date a rule falls on in year `y` (observance applied). */
export function holidayDate(rule: HolidayRule, y: number): string {
  if ('date' in rule) {
    const [m, d] = rule.date.split('-').map(Number);
    const date = ymd(y, m, Math.min(d, daysInMonth(y, m)));
    const dow = dayOfWeek(date);
    if (rule.observed === 'none') return date;
    if (dow === 0) return addDays(date, 1);
    if (dow === 6 && rule.observed === 'nearest-weekday') return addDays(date, -1);
    return date;
  }
  const wd = WEEKDAYS.indexOf(rule.weekday);
  let day: number;
  if (rule.nth > 0) {
    const first = dayOfWeek(ymd(y, rule.month, 1));
    day = 1 + ((wd - first + 7) % 7) + (rule.nth - 1) * 7;
  } else {
    const last = daysInMonth(y, rule.month);
    day = last - ((dayOfWeek(ymd(y, rule.month, last)) - wd + 7) % 7);
  }
  return addDays(ymd(y, rule.month, day), rule.plusDays);
}

export function buildBusinessCalendar(data: BusinessCalendarData): BusinessCalendar {
  const byYear = new Map<number, Map<string, string>>();
  const except = new Set(data.exceptFederal);
  const holidaysOf = (y: number): Map<string, string> => {
    let h = byYear.get(y);
    if (h) return h;
    h = new Map();
    if (data.federal) for (const [date, name] of federalHolidays(y)) if (!except.has(name)) h.set(date, name);
    // A rule observed across a year boundary (1 January on a Saturday → 31 December) is found
    // from the neighbouring years too.
    for (const yy of [y - 1, y, y + 1]) {
      for (const rule of data.holidays) {
        if (!keptIn(rule, yy)) continue;
        const date = holidayDate(rule, yy);
        if (yearOf(date) === y && !h.has(date)) h.set(date, rule.name);
      }
    }
    byYear.set(y, h);
    return h;
  };
  const holiday = (date: string) => holidaysOf(yearOf(date)).get(date);
  const isBusinessDay = (date: string) => !isWeekend(date) && holiday(date) === undefined;
  return {
    name: data.name,
    holiday,
    isBusinessDay,
    addBusinessDays(date, n) {
      let d = date;
      let left = n;
      while (left > 0) {
        d = addDays(d, 1);
        if (isBusinessDay(d)) left--;
      }
      return d;
    },
  };
}

/** Weekends and U.S. federal holidays only: the calendar when an overlay names none. */
export const FEDERAL_BUSINESS_CALENDAR: BusinessCalendar = buildBusinessCalendar({
  name: 'U.S. federal holidays (5 U.S.C. 6103, observed) and weekends',
  citation: '5 U.S.C. 6103',
  federal: true,
  exceptFederal: [],
  holidays: [],
});
