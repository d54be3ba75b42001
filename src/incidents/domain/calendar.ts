/**
 * Calendar-date arithmetic for breach deadlines. Dates are ISO `YYYY-MM-DD` strings and are
 * calendar dates (no time zone, no clock): day arithmetic runs on UTC midnights so daylight
 * saving never shifts a deadline. Pure: no I/O, no wall clock.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True when `s` is a real calendar date written as YYYY-MM-DD (rejects 2025-02-30, 2025-13-01). */
export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, month1: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month1 - 1];
}

function toMs(date: string): number {
  const m = ISO_DATE.exec(date);
  if (!m || !isIsoDate(date)) throw new RangeError('not an ISO calendar date');
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

function fromMs(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `date` + `days` calendar days (day 0 is `date` itself). */
export function addDays(date: string, days: number): string {
  return fromMs(toMs(date) + days * DAY_MS);
}

/** Whole calendar days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return Math.round((toMs(b) - toMs(a)) / DAY_MS);
}

export function maxDate(a: string, b: string): string {
  return a >= b ? a : b;
}

export function minDate(a: string, b: string): string {
  return a <= b ? a : b;
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(toMs(date)).getUTCDay();
}

export function isWeekend(date: string): boolean {
  const d = dayOfWeek(date);
  return d === 0 || d === 6;
}

function ymd(y: number, month1: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(month1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The n-th (1-based) given weekday of a month, or the last one when n = -1. */
function nthWeekday(y: number, month1: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = dayOfWeek(ymd(y, month1, 1));
    const day = 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
    return ymd(y, month1, day);
  }
  const lastDay = daysInMonth(y, month1);
  const last = dayOfWeek(ymd(y, month1, lastDay));
  return ymd(y, month1, lastDay - ((last - weekday + 7) % 7));
}

/** A fixed-date holiday moved to the observed weekday (Saturday → Friday, Sunday → Monday), 5 U.S.C. 6103(b). */
function observed(date: string): string {
  const d = dayOfWeek(date);
  if (d === 6) return addDays(date, -1);
  if (d === 0) return addDays(date, 1);
  return date;
}

const holidayCache = new Map<number, Map<string, string>>();

/** U.S. federal holidays (5 U.S.C. 6103) observed in calendar year `y`: date → name. */
export function federalHolidays(y: number): Map<string, string> {
  const cached = holidayCache.get(y);
  if (cached) return cached;
  const h = new Map<string, string>();
  const add = (date: string, name: string) => {
    if (yearOf(date) === y) h.set(date, name);
  };
  add(observed(ymd(y, 1, 1)), "New Year's Day");
  // New Year's Day of the next year observed on 31 December when 1 January is a Saturday.
  add(observed(ymd(y + 1, 1, 1)), "New Year's Day");
  add(nthWeekday(y, 1, 1, 3), 'Birthday of Martin Luther King, Jr.');
  add(nthWeekday(y, 2, 1, 3), "Washington's Birthday");
  add(nthWeekday(y, 5, 1, -1), 'Memorial Day');
  if (y >= 2021) add(observed(ymd(y, 6, 19)), 'Juneteenth National Independence Day');
  add(observed(ymd(y, 7, 4)), 'Independence Day');
  add(nthWeekday(y, 9, 1, 1), 'Labor Day');
  add(nthWeekday(y, 10, 1, 2), 'Columbus Day');
  add(observed(ymd(y, 11, 11)), 'Veterans Day');
  add(nthWeekday(y, 11, 4, 4), 'Thanksgiving Day');
  add(observed(ymd(y, 12, 25)), 'Christmas Day');
  holidayCache.set(y, h);
  return h;
}

export function federalHoliday(date: string): string | undefined {
  return federalHolidays(yearOf(date)).get(date);
}

export function isBusinessDay(date: string): boolean {
  return !isWeekend(date) && federalHoliday(date) === undefined;
}

/** The n-th business day after `date` (weekends and U.S. federal holidays skipped; `date` itself is day 0). */
export function addBusinessDays(date: string, n: number): string {
  let d = date;
  let left = n;
  while (left > 0) {
    d = addDays(d, 1);
    if (isBusinessDay(d)) left--;
  }
  return d;
}

/**
 * Why a deadline falls on a day people may not be at work. Deadlines are never moved (the
 * digest §2): the flag tells people to act earlier.
 */
export type NonBusinessDay = { kind: 'weekend'; day: 'Saturday' | 'Sunday' } | { kind: 'holiday'; name: string };

export function nonBusinessDay(date: string): NonBusinessDay | null {
  const dow = dayOfWeek(date);
  if (dow === 6) return { kind: 'weekend', day: 'Saturday' };
  if (dow === 0) return { kind: 'weekend', day: 'Sunday' };
  const name = federalHoliday(date);
  return name ? { kind: 'holiday', name } : null;
}
