/**
 * Calendar arithmetic on ISO dates (YYYY-MM-DD) and conversion between a local date/time in an
 * IANA time zone and an instant. Pure: no clock is read here; "now" is always passed in.
 *
 * Deadlines are calendar dates in the organization's time zone. A timer fires at a local time of
 * day (e.g. 09:00) on a local date; `zonedInstant` turns that into the UTC instant BullMQ needs.
 */

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = ISO_DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

export function isTimeOfDay(s: unknown): s is string {
  return typeof s === 'string' && TIME_RE.test(s);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parse(date: string): [number, number, number] {
  if (!isIsoDate(date)) throw new RangeError(`not an ISO calendar date: "${date}"`);
  return [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
}

function fmt(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = parse(date);
  const t = new Date(Date.UTC(y, m - 1, d) + days * 86_400_000);
  return fmt(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** Adds calendar months; the day is clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = parse(date);
  const idx = y * 12 + (m - 1) + months;
  const ny = Math.floor(idx / 12);
  const nm = (idx % 12) + 1;
  return fmt(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

/** Whole calendar days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  const [ay, am, ad] = parse(a);
  const [by, bm, bd] = parse(b);
  return Math.round((Date.UTC(by, bm - 1, bd) - Date.UTC(ay, am - 1, ad)) / 86_400_000);
}

export function compareDates(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(instantMs: number, tz: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(instantMs))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year,
    month: out.month,
    day: out.day,
    hour: out.hour === 24 ? 0 : out.hour,
    minute: out.minute,
    second: out.second,
  };
}

/** The zone's offset from UTC at an instant, in ms (local − UTC). */
function offsetMs(instantMs: number, tz: string): number {
  const p = localParts(instantMs, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `tz` shows `date` `time`. In a DST gap (a local time
 * that does not exist) the result is the instant just after the gap; in an overlap, the earlier one.
 */
export function zonedInstant(date: string, time: string, tz: string): Date {
  const [y, m, d] = parse(date);
  const tm = TIME_RE.exec(time);
  if (!tm) throw new RangeError(`not a time of day (HH:MM): "${time}"`);
  const wall = Date.UTC(y, m - 1, d, Number(tm[1]), Number(tm[2]));
  // The offset is one of the zone's offsets around that day; try both and keep the ones that
  // map back to the wall time.
  const offA = offsetMs(wall - 86_400_000 / 2, tz);
  const offB = offsetMs(wall + 86_400_000 / 2, tz);
  const candidates = [...new Set([wall - offA, wall - offB])];
  const valid = candidates.filter((c) => offsetMs(c, tz) === wall - c);
  const t = valid.length > 0 ? Math.min(...valid) : Math.max(...candidates);
  return new Date(t);
}

/** The local calendar date in `tz` at an instant. */
export function localDate(at: Date, tz: string): string {
  const p = localParts(at.getTime(), tz);
  return fmt(p.year, p.month, p.day);
}
