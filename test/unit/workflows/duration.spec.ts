import { addDuration, parseDuration, subtractDuration } from '../../../src/workflows/domain/duration';

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
