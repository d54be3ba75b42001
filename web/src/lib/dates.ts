/**
 * Every date the console shows is in the organization's time zone (from GET /v1/session), never
 * the browser's. Instants get the zone's abbreviation; calendar dates (deadlines) are shown as
 * the date they are.
 */
export function formatInstant(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(d);
}

export function formatDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  return new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' }).format(
    new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)),
  );
}

/** "3 days left", "due today", "2 days overdue". */
export function countdown(daysLeft: number): string {
  if (daysLeft === 0) return 'due today';
  if (daysLeft > 0) return `${daysLeft} day${daysLeft === 1 ? '' : 's'} left`;
  return `${-daysLeft} day${daysLeft === -1 ? '' : 's'} overdue`;
}

export function minutesSeconds(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Minutes the zone is ahead of UTC at that instant (e.g. -240 for EDT). */
function zoneOffsetMinutes(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return Math.round((asUtc - ms) / 60_000);
}

/** The last second of a calendar day ('YYYY-MM-DD') in the organization's zone, as an ISO instant. */
export function endOfDayIn(day: string, timeZone: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, 23, 59, 59);
  const offset = zoneOffsetMinutes(wall - zoneOffsetMinutes(wall, timeZone) * 60_000, timeZone);
  return new Date(wall - offset * 60_000).toISOString();
}
