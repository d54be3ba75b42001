import { isUuid, uuidv7 } from '../../../src/platform/ids';

describe('uuidv7 (uuid package, RFC 9562 method 3)', () => {
  it('makes 100,000 ids in a tight loop that are unique and strictly increasing', () => {
    // The old 12-bit counter wrapped after 4,096 ids in one millisecond and broke the order.
    const n = 100_000;
    const ids = new Array<string>(n);
    for (let i = 0; i < n; i++) ids[i] = uuidv7();
    let outOfOrder = 0;
    for (let i = 1; i < n; i++) if (!(ids[i - 1] < ids[i])) outOfOrder++;
    expect(outOfOrder).toBe(0);
    expect(new Set(ids).size).toBe(n);
    // Far more than 4,096 per millisecond were made: the loop did cross the old wrap point.
    const perMs = new Map<string, number>();
    for (const id of ids) perMs.set(id.slice(0, 13), (perMs.get(id.slice(0, 13)) ?? 0) + 1);
    expect(Math.max(...perMs.values())).toBeGreaterThan(1);
  });

  it('is a version-7, variant-10 UUID whose timestamp is the wall clock at minting', () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    // The counter may carry into the timestamp under load, never by more than a few ms.
    expect(ms).toBeLessThanOrEqual(after + 5);
  });
});
