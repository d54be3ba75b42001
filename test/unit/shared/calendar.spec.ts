import fc from 'fast-check';
import {
  addBusinessDays,
  addDays,
  addMonths,
  dayOfWeek,
  daysBetween,
  daysInMonth,
  federalHolidays,
  isBusinessDay,
  isIsoDate,
  isValidTimeZone,
  localDate,
  nonBusinessDay,
  parseIsoDate,
  utcDate,
  zonedInstant,
} from '../../../src/shared/calendar';

/** Any calendar date 0001-01-01 … 9999-12-31, generated from its parts (so every day is reachable). */
const isoDate = fc
  .record({ year: fc.integer({ min: 1, max: 9999 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) })
  .map(
    ({ year, month, day }) =>
      `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(day, daysInMonth(year, month))).padStart(2, '0')}`,
  );
/** Dates where Date's own arithmetic is a trustworthy reference. */
const modernDate = isoDate.filter((d) => d >= '1900-01-01' && d <= '2199-12-31');
const ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'America/Phoenix',
  'Pacific/Honolulu',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/Santiago',
  'UTC',
];

describe('ISO calendar dates', () => {
  it('validates real dates only, leap days in leap years only', () => {
    for (const ok of ['2024-02-29', '2000-02-29', '2025-12-31', '0001-01-01', '9999-12-31']) expect(isIsoDate(ok)).toBe(true);
    for (const bad of [
      '2025-02-29',
      '1900-02-29',
      '2025-04-31',
      '2025-13-01',
      '2025-00-10',
      '2025-1-01',
      '0000-01-01',
      '2025-01-01T00:00Z',
      ' 2025-01-01',
      20250101,
      null,
    ]) {
      expect(isIsoDate(bad)).toBe(false);
    }
  });

  it('names the field and the expected form when a date does not parse, without echoing the input', () => {
    expect(() => parseIsoDate('2025-02-30', 'dueOn')).toThrow('dueOn: expected a calendar date YYYY-MM-DD');
    expect(() => addDays('31/12/2025', 1)).toThrow(expect.objectContaining({ code: 'CALENDAR_DATE' }));
    expect(() => addDays('2025-01-01', 1.5)).toThrow(/whole number/);
    expect(() => addDays('9999-12-31', 1)).toThrow(/outside 0001–9999/);
  });

  it('adds days across months, years and leap days', () => {
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2025-03-10', 60)).toBe('2025-05-09');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2024-01-01', 59)).toBe('2024-02-29');
    expect(addDays('2025-01-01', 59)).toBe('2025-03-01');
    expect(addDays('0050-03-01', -1)).toBe('0050-02-28'); // Date.UTC would have read year 50 as 1950
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(daysBetween('2025-05-09', '2025-03-10')).toBe(-60);
  });

  it('clamps months to the end of shorter months', () => {
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2025-03-31', -1)).toBe('2025-02-28');
    expect(addMonths('2025-11-30', 3)).toBe('2026-02-28');
  });

  it('property: addDays and daysBetween are inverse, and adding n then −n returns the date', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -20_000, max: 20_000 }), (d, n) => {
        let later: string;
        try {
          later = addDays(d, n);
        } catch {
          return; // fell outside 0001–9999
        }
        expect(isIsoDate(later)).toBe(true);
        expect(daysBetween(d, later)).toBe(n);
        expect(addDays(later, -n)).toBe(d);
        expect(Math.sign(later.localeCompare(d))).toBe(Math.sign(n));
      }),
      { numRuns: 1000 },
    );
  });

  it('property: agrees with Date arithmetic where Date is reliable (1900–2199), weekday included', () => {
    fc.assert(
      fc.property(modernDate, fc.integer({ min: -3000, max: 3000 }), (d, n) => {
        const t = new Date(`${d}T00:00:00Z`);
        expect(dayOfWeek(d)).toBe(t.getUTCDay());
        t.setUTCDate(t.getUTCDate() + n);
        const expected = t.toISOString().slice(0, 10);
        if (expected >= '1900-01-01' && expected <= '2199-12-31') expect(addDays(d, n)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: addMonths lands in the right month, never past its end, and keeps the day when it can', () => {
    fc.assert(
      fc.property(modernDate, fc.integer({ min: -600, max: 600 }), (d, n) => {
        const r = parseIsoDate(addMonths(d, n));
        const from = parseIsoDate(d);
        expect(r.year * 12 + r.month - (from.year * 12 + from.month)).toBe(n);
        expect(r.day).toBe(Math.min(from.day, daysInMonth(r.year, r.month)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('business days', () => {
  it('flags weekends and observed federal holidays, never moves them', () => {
    expect(nonBusinessDay('2026-03-01')).toEqual({ kind: 'weekend', day: 'Sunday' });
    expect(nonBusinessDay('2025-05-10')).toEqual({ kind: 'weekend', day: 'Saturday' });
    expect(nonBusinessDay('2025-05-26')).toEqual({ kind: 'holiday', name: 'Memorial Day' });
    expect(nonBusinessDay('2026-07-03')).toEqual({ kind: 'holiday', name: 'Independence Day' }); // 4 July 2026 is a Saturday
    expect(nonBusinessDay('2025-11-27')).toEqual({ kind: 'holiday', name: 'Thanksgiving Day' });
    expect(nonBusinessDay('2025-06-19')).toEqual({ kind: 'holiday', name: 'Juneteenth National Independence Day' });
    expect(nonBusinessDay('2020-06-19')).toBeNull(); // before Juneteenth became a federal holiday
    expect(nonBusinessDay('2025-05-09')).toBeNull();
  });

  it('New Year is observed on 31 December when 1 January is a Saturday', () => {
    expect(federalHolidays(2021).get('2021-12-31')).toBe("New Year's Day"); // 2022-01-01 is a Saturday
    expect(federalHolidays(2022).has('2021-12-31')).toBe(false);
    expect(federalHolidays(2025).size).toBe(11);
  });

  it('counts business days skipping weekends and holidays', () => {
    expect(addBusinessDays('2025-05-23', 1)).toBe('2025-05-27'); // Fri → Tue after Memorial Day
    expect(addBusinessDays('2025-12-22', 5)).toBe('2025-12-30'); // Christmas skipped
    expect(addBusinessDays('2025-03-10', 0)).toBe('2025-03-10');
    expect(() => addBusinessDays('2025-03-10', -1)).toThrow(/≥ 0/);
  });

  it('property: n business days later is a business day, with exactly n business days in between', () => {
    fc.assert(
      fc.property(modernDate, fc.integer({ min: 1, max: 40 }), (d, n) => {
        const r = addBusinessDays(d, n);
        expect(isBusinessDay(r)).toBe(true);
        let count = 0;
        for (let x = addDays(d, 1); x <= r; x = addDays(x, 1)) if (isBusinessDay(x)) count++;
        expect(count).toBe(n);
      }),
      { numRuns: 300 },
    );
  });
});

describe('time zones', () => {
  it('knows IANA zones', () => {
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('maps a local time to the instant, following daylight saving time', () => {
    expect(zonedInstant('2025-03-08', '09:00', 'America/New_York').toISOString()).toBe('2025-03-08T14:00:00.000Z');
    expect(zonedInstant('2025-03-09', '09:00', 'America/New_York').toISOString()).toBe('2025-03-09T13:00:00.000Z');
    expect(zonedInstant('2025-11-02', '09:00', 'America/New_York').toISOString()).toBe('2025-11-02T14:00:00.000Z');
    expect(zonedInstant('2025-07-01', '09:00', 'UTC').toISOString()).toBe('2025-07-01T09:00:00.000Z');
    expect(zonedInstant('2025-07-01', '09:00', 'Asia/Kolkata').toISOString()).toBe('2025-07-01T03:30:00.000Z');
    expect(() => zonedInstant('2025-07-01', '9am', 'UTC')).toThrow('time: expected a time of day HH:MM');
  });

  it('resolves a local time in the spring-forward gap to just after it, and an overlap to the earlier instant', () => {
    // 02:30 does not exist on 2025-03-09 in New York; 03:30 EDT = 07:30Z.
    expect(zonedInstant('2025-03-09', '02:30', 'America/New_York').toISOString()).toBe('2025-03-09T07:30:00.000Z');
    // 01:30 happens twice on 2025-11-02; the first is EDT = 05:30Z.
    expect(zonedInstant('2025-11-02', '01:30', 'America/New_York').toISOString()).toBe('2025-11-02T05:30:00.000Z');
  });

  it('gives the local date of an instant, and its UTC date', () => {
    expect(localDate(new Date('2025-01-01T03:00:00Z'), 'America/Los_Angeles')).toBe('2024-12-31');
    expect(localDate(new Date('2025-01-01T03:00:00Z'), 'Europe/Berlin')).toBe('2025-01-01');
    expect(utcDate(new Date('2025-01-01T23:30:00-05:00'))).toBe('2025-01-02');
    expect(utcDate(new Date('1969-12-31T23:59:59.999Z'))).toBe('1969-12-31');
  });

  it('property: the local date of a zoned instant is the date asked for, and the wall clock shows the time unless it fell in a gap', () => {
    const hhmm = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    fc.assert(
      fc.property(
        isoDate.filter((d) => d >= '1990-01-01' && d <= '2060-12-31'),
        hhmm,
        fc.constantFrom(...ZONES),
        (d, time, tz) => {
          const at = zonedInstant(d, time, tz);
          expect(localDate(at, tz)).toBe(d);
          const wall = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
          // Outside a gap the wall clock shows exactly `time`; inside one, a later time the same day.
          expect(wall >= time).toBe(true);
          if (wall !== time) expect(zonedInstant(d, wall, tz).getTime()).toBe(at.getTime());
        },
      ),
      { numRuns: 600 },
    );
  });

  it('property: utcDate agrees with the ISO form of the instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (t) => {
        expect(utcDate(t)).toBe(t.toISOString().slice(0, 10));
      }),
    );
  });
});
