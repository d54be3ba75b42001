/**
 * An open-addressing hash map from 64-bit keys to non-zero 32-bit values on one interleaved
 * typed array (hi, lo, value per slot: one cache line per probe). The import's duplicate index
 * holds 8 bytes of a keyed hash and the first line number per person (12 bytes a slot, at most
 * 75% full), never the records themselves.
 */
export class Hash64Map {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    let cap = 1;
    while (cap < initialCapacity) cap <<= 1;
    this.slots = new Uint32Array(cap * 3);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Inserts (hi, lo) → value (value ≥ 1) unless present. Returns the existing value, or -1 when inserted. */
  putIfAbsent(hi: number, lo: number, value: number): number {
    if (value === 0) throw new RangeError('values must be non-zero');
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const s = this.slots;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const b = i * 3;
      const v = s[b + 2];
      if (v === 0) {
        s[b] = hi;
        s[b + 1] = lo;
        s[b + 2] = value;
        this.count++;
        return -1;
      }
      if (s[b] === hi && s[b + 1] === lo) return v;
      i = (i + 1) & this.mask;
    }
  }

  /** Bytes held by the table (for memory reporting). */
  get byteLength(): number {
    return this.slots.byteLength;
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Uint32Array(cap * 3);
    this.mask = cap - 1;
    this.count = 0;
    for (let b = 0; b < old.length; b += 3) if (old[b + 2] !== 0) this.putIfAbsent(old[b], old[b + 1], old[b + 2]);
  }
}
