/**
 * An open-addressing hash map from 64-bit keys to 32-bit values on typed arrays: the import's
 * duplicate index holds 8 bytes of a keyed hash and the first line number per person (about
 * 24 bytes per entry at the maximum load), never the records themselves.
 */
export class Hash64Map {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private val: Uint32Array;
  private used: Uint8Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    let cap = 1;
    while (cap < initialCapacity) cap <<= 1;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.val = new Uint32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Inserts (hi, lo) → value unless present. Returns the existing value, or -1 when inserted. */
  putIfAbsent(hi: number, lo: number, value: number): number {
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      if (this.used[i] === 0) {
        this.used[i] = 1;
        this.hi[i] = hi;
        this.lo[i] = lo;
        this.val[i] = value;
        this.count++;
        return -1;
      }
      if (this.hi[i] === hi && this.lo[i] === lo) return this.val[i];
      i = (i + 1) & this.mask;
    }
  }

  /** Bytes held by the table (for memory reporting). */
  get byteLength(): number {
    return this.hi.byteLength + this.lo.byteLength + this.val.byteLength + this.used.byteLength;
  }

  private grow(): void {
    const { hi, lo, val, used } = this;
    const cap = (this.mask + 1) * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.val = new Uint32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.putIfAbsent(hi[i], lo[i], val[i]);
  }
}
