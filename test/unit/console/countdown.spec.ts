import { daysUntil, dueStatus, hoursSince } from '../../../src/console/domain/countdown';

describe('countdown', () => {
  it('is on track beyond 7 days, due soon within 7 (today included), overdue after', () => {
    expect([8, 7, 1, 0, -1].map(dueStatus)).toEqual(['on-track', 'due-soon', 'due-soon', 'due-soon', 'overdue']);
  });
  it('counts calendar days, across month ends, leap days and DST changes', () => {
    expect(daysUntil('2025-03-08', '2025-03-10')).toBe(2); // DST starts 2025-03-09 in the US
    expect(daysUntil('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysUntil('2025-05-10', '2025-05-09')).toBe(-1);
    expect(hoursSince(Date.parse('2025-03-11T12:00:00Z'), '2025-03-10T12:00:00Z')).toBe(24);
  });
});
