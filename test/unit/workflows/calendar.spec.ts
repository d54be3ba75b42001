import { addDays, addMonths, daysBetween, isIsoDate, isValidTimeZone, localDate, zonedInstant } from '../../../src/workflows/domain/calendar';
import { addDuration, parseDuration, subtractDuration } from '../../../src/workflows/domain/duration';

describe('calendar dates', () => {
  it('validates ISO calendar dates including leap days', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2025-13-01')).toBe(false);
    expect(isIsoDate('2025-1-01')).toBe(false);
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2025-03-10', 60)).toBe('2025-05-09');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('clamps months to the end of shorter months', () => {
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2025-03-31', -1)).toBe('2025-02-28');
  });

  it('counts days between dates', () => {
    expect(daysBetween('2025-03-10', '2025-05-09')).toBe(60);
    expect(daysBetween('2025-05-09', '2025-03-10')).toBe(-60);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
  });
});

describe('durations', () => {
  it('parses units and rejects anything else', () => {
    expect(parseDuration('30d')).toEqual({ amount: 30, unit: 'd', text: '30d' });
    expect(parseDuration('3mo').unit).toBe('mo');
    for (const bad of ['7', '7 d', '-1d', '1h', '07d', 'd', '1.5d']) expect(() => parseDuration(bad)).toThrow(/expected a duration like "7d"/);
  });
  it('applies calendar offsets', () => {
    expect(subtractDuration('2025-05-09', '30d')).toBe('2025-04-09');
    expect(subtractDuration('2025-05-09', '2w')).toBe('2025-04-25');
    expect(addDuration('2024-02-29', '1y')).toBe('2025-02-28');
    expect(addDuration('2025-11-30', '3mo')).toBe('2026-02-28');
  });
});

describe('time zones', () => {
  it('knows IANA zones', () => {
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });

  it('maps a local time to the instant, following daylight saving time', () => {
    expect(zonedInstant('2025-03-08', '09:00', 'America/New_York').toISOString()).toBe('2025-03-08T14:00:00.000Z');
    expect(zonedInstant('2025-03-09', '09:00', 'America/New_York').toISOString()).toBe('2025-03-09T13:00:00.000Z');
    expect(zonedInstant('2025-11-02', '09:00', 'America/New_York').toISOString()).toBe('2025-11-02T14:00:00.000Z');
    expect(zonedInstant('2025-07-01', '09:00', 'UTC').toISOString()).toBe('2025-07-01T09:00:00.000Z');
    expect(zonedInstant('2025-07-01', '09:00', 'Asia/Kolkata').toISOString()).toBe('2025-07-01T03:30:00.000Z');
  });

  it('resolves a local time in the spring-forward gap to just after it, and an overlap to the earlier instant', () => {
    // 02:30 does not exist on 2025-03-09 in New York; 03:30 EDT = 07:30Z.
    expect(zonedInstant('2025-03-09', '02:30', 'America/New_York').toISOString()).toBe('2025-03-09T07:30:00.000Z');
    // 01:30 happens twice on 2025-11-02; the first is EDT = 05:30Z.
    expect(zonedInstant('2025-11-02', '01:30', 'America/New_York').toISOString()).toBe('2025-11-02T05:30:00.000Z');
  });

  it('gives the local date of an instant', () => {
    expect(localDate(new Date('2025-01-01T03:00:00Z'), 'America/Los_Angeles')).toBe('2024-12-31');
    expect(localDate(new Date('2025-01-01T03:00:00Z'), 'Europe/Berlin')).toBe('2025-01-01');
  });
});
