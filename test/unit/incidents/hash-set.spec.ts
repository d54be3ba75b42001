import { Hash64Map } from '../../../src/incidents/import/hash-set';

describe('Hash64Map', () => {
  it('inserts once, returns the first value for repeats, survives growth', () => {
    const m = new Hash64Map(4);
    const n = 50_000;
    for (let i = 0; i < n; i++) expect(m.putIfAbsent((i * 2654435761) >>> 0, i, i + 1)).toBe(-1);
    expect(m.size).toBe(n);
    for (let i = 0; i < n; i += 997) expect(m.putIfAbsent((i * 2654435761) >>> 0, i, 999_999)).toBe(i + 1);
    expect(m.putIfAbsent(1, 2, 3)).toBe(-1);
    expect(m.putIfAbsent(2, 1, 4)).toBe(-1); // (hi, lo) order matters
    expect(m.size).toBe(n + 2);
  });
  it('refuses zero values (zero marks an empty slot)', () => {
    expect(() => new Hash64Map().putIfAbsent(1, 1, 0)).toThrow(RangeError);
  });
});
