/**
 * Calendar dates for deadlines, reviews and timers: ISO `YYYY-MM-DD` strings (years 0001–9999),
 * day and month arithmetic, U.S. federal holidays and business days, and the bridge between a
 * local date/time in an IANA time zone and an instant.
 *
 * Pure: no clock is read here ("now" is always passed in) and no I/O. Day arithmetic works on
 * day numbers (proleptic Gregorian calendar), never on Date objects, so neither daylight saving
 * nor Date's two-digit-year rule can shift a date.
 */

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

export interface CalendarDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month (month 1–12). */
export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** True when `s` is a real calendar date written as YYYY-MM-DD (refuses 2025-02-30, 2025-13-01, 0000-01-01). */
export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = ISO_DATE_RE.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export class CalendarDateError extends RangeError {
  readonly code = 'CALENDAR_DATE';
  constructor(message: string) {
    super(message);
    this.name = 'CalendarDateError';
  }
}

/** The parts of an ISO calendar date; throws CalendarDateError (naming `field` when given) otherwise. */
export function parseIsoDate(s: string, field = 'date'): CalendarDate {
  if (!isIsoDate(s)) throw new CalendarDateError(`${field}: expected a calendar date YYYY-MM-DD`);
  return { year: Number(s.slice(0, 4)), month: Number(s.slice(5, 7)), day: Number(s.slice(8, 10)) };
}

export function formatIsoDate(d: CalendarDate): string {
  if (!(d.year >= 1 && d.year <= 9999)) throw new CalendarDateError(`date: year ${d.year} is outside 0001–9999`);
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** Days since 1970-01-01 (negative before), for any proleptic Gregorian date. */
function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function fromDayNumber(n: number): CalendarDate {
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function toDayNumber(date: string): number {
  const d = parseIsoDate(date);
  return dayNumber(d.year, d.month, d.day);
}

/** `date` + `days` calendar days (day 0 is `date` itself; negative goes back). */
export function addDays(date: string, days: number): string {
  if (!Number.isInteger(days)) throw new CalendarDateError(`days: expected a whole number of days, got ${days}`);
  return formatIsoDate(fromDayNumber(toDayNumber(date) + days));
}

/** Adds calendar months; the day is clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  if (!Number.isInteger(months)) throw new CalendarDateError(`months: expected a whole number of months, got ${months}`);
  const d = parseIsoDate(date);
  const idx = d.year * 12 + (d.month - 1) + months;
  const year = Math.floor(idx / 12);
  const month = idx - year * 12 + 1;
  return formatIsoDate({ year, month, day: Math.min(d.day, daysInMonth(year, month)) });
}

/** Whole calendar days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return toDayNumber(b) - toDayNumber(a);
}

/** ISO dates order as strings; this says so. */
export function compareDates(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxDate(a: string, b: string): string {
  return a >= b ? a : b;
}

export function minDate(a: string, b: string): string {
  return a <= b ? a : b;
}

export function yearOf(date: string): number {
  return parseIsoDate(date).year;
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return (((toDayNumber(date) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

export function isWeekend(date: string): boolean {
  const d = dayOfWeek(date);
  return d === 0 || d === 6;
}

// ---- U.S. federal holidays and business days ---------------------------------------------------

function ymd(year: number, month: number, day: number): string {
  return formatIsoDate({ year, month, day });
}

/** The n-th (1-based) given weekday of a month, or the last one when n = -1. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = dayOfWeek(ymd(year, month, 1));
    return ymd(year, month, 1 + ((weekday - first + 7) % 7) + (n - 1) * 7);
  }
  const lastDay = daysInMonth(year, month);
  const last = dayOfWeek(ymd(year, month, lastDay));
  return ymd(year, month, lastDay - ((last - weekday + 7) % 7));
}

/** A fixed-date holiday moved to the observed weekday (Saturday → Friday, Sunday → Monday), 5 U.S.C. 6103(b). */
function observed(date: string): string {
  const d = dayOfWeek(date);
  if (d === 6) return addDays(date, -1);
  if (d === 0) return addDays(date, 1);
  return date;
}

const holidayCache = new Map<number, Map<string, string>>();

/** U.S. federal holidays (5 U.S.C. 6103) observed in calendar year `year`: date → name. */
export function federalHolidays(year: number): ReadonlyMap<string, string> {
  const cached = holidayCache.get(year);
  if (cached) return cached;
  const h = new Map<string, string>();
  const add = (date: string, name: string) => {
    if (yearOf(date) === year) h.set(date, name);
  };
  add(observed(ymd(year, 1, 1)), "New Year's Day");
  // New Year's Day of the next year is observed on 31 December when 1 January is a Saturday.
  if (year < 9999) add(observed(ymd(year + 1, 1, 1)), "New Year's Day");
  add(nthWeekday(year, 1, 1, 3), 'Birthday of Martin Luther King, Jr.');
  add(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  add(nthWeekday(year, 5, 1, -1), 'Memorial Day');
  if (year >= 2021) add(observed(ymd(year, 6, 19)), 'Juneteenth National Independence Day');
  add(observed(ymd(year, 7, 4)), 'Independence Day');
  add(nthWeekday(year, 9, 1, 1), 'Labor Day');
  add(nthWeekday(year, 10, 1, 2), 'Columbus Day');
  add(observed(ymd(year, 11, 11)), 'Veterans Day');
  add(nthWeekday(year, 11, 4, 4), 'Thanksgiving Day');
  add(observed(ymd(year, 12, 25)), 'Christmas Day');
  holidayCache.set(year, h);
  return h;
}

export function federalHoliday(date: string): string | undefined {
  return federalHolidays(yearOf(date)).get(date);
}

export function isBusinessDay(date: string): boolean {
  return !isWeekend(date) && federalHoliday(date) === undefined;
}

/** The n-th business day after `date` (weekends and U.S. federal holidays skipped; `date` itself is day 0; n ≥ 0). */
export function addBusinessDays(date: string, n: number): string {
  if (!Number.isInteger(n) || n < 0) throw new CalendarDateError(`business days: expected a whole number ≥ 0, got ${n}`);
  let d = date;
  for (let left = n; left > 0;) {
    d = addDays(d, 1);
    if (isBusinessDay(d)) left--;
  }
  return d;
}

/**
 * Why a deadline falls on a day people may not be at work. Deadlines are never moved (the
 * HITECH digest §2): the flag tells people to act earlier.
 */
export type NonBusinessDay = { kind: 'weekend'; day: 'Saturday' | 'Sunday' } | { kind: 'holiday'; name: string };

export function nonBusinessDay(date: string): NonBusinessDay | null {
  const dow = dayOfWeek(date);
  if (dow === 6) return { kind: 'weekend', day: 'Saturday' };
  if (dow === 0) return { kind: 'weekend', day: 'Sunday' };
  const name = federalHoliday(date);
  return name ? { kind: 'holiday', name } : null;
}

// ---- time zones --------------------------------------------------------------------------------

export function isTimeOfDay(s: unknown): s is string {
  return typeof s === 'string' && TIME_RE.test(s);
}

export function isValidTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

interface LocalParts extends CalendarDate {
  hour: number;
  minute: number;
  second: number;
}

function localParts(instantMs: number, tz: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(instantMs))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { year: out.year, month: out.month, day: out.day, hour: out.hour === 24 ? 0 : out.hour, minute: out.minute, second: out.second };
}

/** Milliseconds from 1970-01-01T00:00Z to a wall-clock reading (treated as if it were UTC). */
function wallMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return dayNumber(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** The zone's offset from UTC at an instant, in ms (local − UTC). */
function offsetMs(instantMs: number, tz: string): number {
  const p = localParts(instantMs, tz);
  return wallMs(p.year, p.month, p.day, p.hour, p.minute, p.second) - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `tz` shows `date` `time` (HH:MM). In a DST gap (a local
 * time that does not exist) the result is the instant just after the gap; in an overlap, the earlier one.
 */
export function zonedInstant(date: string, time: string, tz: string): Date {
  const d = parseIsoDate(date);
  const tm = TIME_RE.exec(time);
  if (!tm) throw new CalendarDateError('time: expected a time of day HH:MM');
  const wall = wallMs(d.year, d.month, d.day, Number(tm[1]), Number(tm[2]), 0);
  // The offset is one of the zone's offsets around that day; try both and keep the ones that
  // map back to the wall time.
  const offA = offsetMs(wall - 86_400_000 / 2, tz);
  const offB = offsetMs(wall + 86_400_000 / 2, tz);
  const candidates = [...new Set([wall - offA, wall - offB])];
  const valid = candidates.filter((c) => offsetMs(c, tz) === wall - c);
  return new Date(valid.length > 0 ? Math.min(...valid) : Math.max(...candidates));
}

/** The local calendar date in `tz` at an instant (today, in the organization's calendar). */
export function localDate(at: Date, tz: string): string {
  return formatIsoDate(localParts(at.getTime(), tz));
}

/** The UTC calendar date of an instant. */
export function utcDate(at: Date): string {
  return formatIsoDate(fromDayNumber(Math.floor(at.getTime() / 86_400_000)));
}
