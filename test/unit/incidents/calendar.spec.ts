import {
  addBusinessDays, addDays, daysBetween, federalHolidays, isIsoDate, nonBusinessDay,
} from '../../../src/incidents/domain/calendar';

describe('calendar', () => {
  it('rejects impossible dates and accepts leap days only in leap years', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('1900-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
    expect(isIsoDate('2025-04-31')).toBe(false);
    expect(isIsoDate('2025-13-01')).toBe(false);
    expect(isIsoDate('2025-1-01')).toBe(false);
    expect(isIsoDate(20250101)).toBe(false);
  });

  it('adds calendar days across months, years and leap days', () => {
    expect(addDays('2025-03-10', 60)).toBe('2025-05-09');
    expect(addDays('2024-01-01', 59)).toBe('2024-02-29');
    expect(addDays('2025-01-01', 59)).toBe('2025-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
  });

  it('flags weekends and observed federal holidays, never moves them', () => {
    expect(nonBusinessDay('2026-03-01')).toEqual({ kind: 'weekend', day: 'Sunday' });
    expect(nonBusinessDay('2025-05-10')).toEqual({ kind: 'weekend', day: 'Saturday' });
    expect(nonBusinessDay('2025-05-26')).toEqual({ kind: 'holiday', name: 'Memorial Day' });
    expect(nonBusinessDay('2026-07-03')).toEqual({ kind: 'holiday', name: 'Independence Day' }); // 4 July 2026 is a Saturday
    expect(nonBusinessDay('2025-11-27')).toEqual({ kind: 'holiday', name: 'Thanksgiving Day' });
    expect(nonBusinessDay('2025-05-09')).toBeNull();
  });

  it('New Year observed on 31 December when 1 January is a Saturday', () => {
    expect(federalHolidays(2021).get('2021-12-31')).toBe("New Year's Day"); // 2022-01-01 is a Saturday
    expect(federalHolidays(2022).has('2021-12-31')).toBe(false);
  });

  it('counts business days skipping weekends and holidays', () => {
    expect(addBusinessDays('2025-05-23', 1)).toBe('2025-05-27'); // Fri → Tue after Memorial Day
    expect(addBusinessDays('2025-12-22', 5)).toBe('2025-12-30'); // Christmas skipped
    expect(addBusinessDays('2025-03-10', 0)).toBe('2025-03-10');
  });
});
