/**
 * SipHash-2-4 with a 128-bit output (Aumasson & Bernstein; the reference `siphash.c` with
 * `outlen = 16`): a keyed pseudorandom function built for short inputs. The import uses it for
 * record ids and its duplicate index — one call per row, far cheaper than a native HMAC call —
 * keyed by a per-incident secret, so ids cannot be recomputed from a name and address without it.
 * 64-bit lanes are emulated with pairs of 32-bit integers.
 */
export class SipHash128 {
  private readonly k0l: number;
  private readonly k0h: number;
  private readonly k1l: number;
  private readonly k1h: number;
  private buf = Buffer.allocUnsafeSlow(1024);
  // state lanes (lo, hi)
  private v0l = 0; private v0h = 0; private v1l = 0; private v1h = 0;
  private v2l = 0; private v2h = 0; private v3l = 0; private v3h = 0;
  /** The last digest: four 32-bit words, little-endian order of the 16 output bytes. */
  readonly out = new Uint32Array(4);

  constructor(key: Buffer) {
    if (key.length !== 16) throw new RangeError('SipHash key must be 16 bytes');
    this.k0l = key.readUInt32LE(0);
    this.k0h = key.readUInt32LE(4);
    this.k1l = key.readUInt32LE(8);
    this.k1h = key.readUInt32LE(12);
  }

  private round(): void {
    let lo: number;
    // v0 += v1
    lo = (this.v0l + this.v1l) >>> 0; this.v0h = (this.v0h + this.v1h + (lo < this.v0l ? 1 : 0)) >>> 0; this.v0l = lo;
    // v1 = rotl(v1, 13); v1 ^= v0
    let h = this.v1h; let l = this.v1l;
    this.v1h = ((h << 13) | (l >>> 19)) >>> 0; this.v1l = ((l << 13) | (h >>> 19)) >>> 0;
    this.v1l = (this.v1l ^ this.v0l) >>> 0; this.v1h = (this.v1h ^ this.v0h) >>> 0;
    // v0 = rotl(v0, 32)
    h = this.v0h; this.v0h = this.v0l; this.v0l = h;
    // v2 += v3
    lo = (this.v2l + this.v3l) >>> 0; this.v2h = (this.v2h + this.v3h + (lo < this.v2l ? 1 : 0)) >>> 0; this.v2l = lo;
    // v3 = rotl(v3, 16); v3 ^= v2
    h = this.v3h; l = this.v3l;
    this.v3h = ((h << 16) | (l >>> 16)) >>> 0; this.v3l = ((l << 16) | (h >>> 16)) >>> 0;
    this.v3l = (this.v3l ^ this.v2l) >>> 0; this.v3h = (this.v3h ^ this.v2h) >>> 0;
    // v0 += v3
    lo = (this.v0l + this.v3l) >>> 0; this.v0h = (this.v0h + this.v3h + (lo < this.v0l ? 1 : 0)) >>> 0; this.v0l = lo;
    // v3 = rotl(v3, 21); v3 ^= v0
    h = this.v3h; l = this.v3l;
    this.v3h = ((h << 21) | (l >>> 11)) >>> 0; this.v3l = ((l << 21) | (h >>> 11)) >>> 0;
    this.v3l = (this.v3l ^ this.v0l) >>> 0; this.v3h = (this.v3h ^ this.v0h) >>> 0;
    // v2 += v1
    lo = (this.v2l + this.v1l) >>> 0; this.v2h = (this.v2h + this.v1h + (lo < this.v2l ? 1 : 0)) >>> 0; this.v2l = lo;
    // v1 = rotl(v1, 17); v1 ^= v2
    h = this.v1h; l = this.v1l;
    this.v1h = ((h << 17) | (l >>> 15)) >>> 0; this.v1l = ((l << 17) | (h >>> 15)) >>> 0;
    this.v1l = (this.v1l ^ this.v2l) >>> 0; this.v1h = (this.v1h ^ this.v2h) >>> 0;
    // v2 = rotl(v2, 32)
    h = this.v2h; this.v2h = this.v2l; this.v2l = h;
  }

  private compress(ml: number, mh: number): void {
    this.v3l = (this.v3l ^ ml) >>> 0; this.v3h = (this.v3h ^ mh) >>> 0;
    this.round();
    this.round();
    this.v0l = (this.v0l ^ ml) >>> 0; this.v0h = (this.v0h ^ mh) >>> 0;
  }

  /** Hashes the UTF-8 bytes of `s`; the result is in `out`. */
  hashString(s: string): Uint32Array {
    if (s.length * 3 > this.buf.length) this.buf = Buffer.allocUnsafeSlow(s.length * 3 + 64);
    return this.hashBytes(this.buf, this.buf.write(s, 0, 'utf8'));
  }

  hashBytes(b: Buffer, len: number): Uint32Array {
    // "somepseudorandomlygeneratedbytes" constants; 128-bit output: v1 ^= 0xee.
    this.v0l = (this.k0l ^ 0x70736575) >>> 0; this.v0h = (this.k0h ^ 0x736f6d65) >>> 0;
    this.v1l = (this.k1l ^ 0x6e646f6d) >>> 0; this.v1h = (this.k1h ^ 0x646f7261) >>> 0;
    this.v2l = (this.k0l ^ 0x6e657261) >>> 0; this.v2h = (this.k0h ^ 0x6c796765) >>> 0;
    this.v3l = (this.k1l ^ 0x79746573) >>> 0; this.v3h = (this.k1h ^ 0x74656462) >>> 0;
    this.v1l = (this.v1l ^ 0xee) >>> 0;
    const end = len - (len % 8);
    for (let i = 0; i < end; i += 8) this.compress(b.readUInt32LE(i), b.readUInt32LE(i + 4));
    // Last block: remaining bytes, length in the top byte.
    let ml = 0;
    let mh = ((len & 0xff) << 24) >>> 0;
    const left = len - end;
    for (let j = 0; j < left; j++) {
      const byte = b[end + j];
      if (j < 4) ml = (ml | (byte << (8 * j))) >>> 0;
      else mh = (mh | (byte << (8 * (j - 4)))) >>> 0;
    }
    this.compress(ml, mh);
    this.v2l = (this.v2l ^ 0xee) >>> 0;
    this.round(); this.round(); this.round(); this.round();
    this.out[0] = (this.v0l ^ this.v1l ^ this.v2l ^ this.v3l) >>> 0;
    this.out[1] = (this.v0h ^ this.v1h ^ this.v2h ^ this.v3h) >>> 0;
    this.v1l = (this.v1l ^ 0xdd) >>> 0;
    this.round(); this.round(); this.round(); this.round();
    this.out[2] = (this.v0l ^ this.v1l ^ this.v2l ^ this.v3l) >>> 0;
    this.out[3] = (this.v0h ^ this.v1h ^ this.v2h ^ this.v3h) >>> 0;
    return this.out;
  }

  /** The 16 output bytes as lowercase hex (the byte order of the reference implementation). */
  hex(): string {
    let s = '';
    for (let w = 0; w < 4; w++) {
      const x = this.out[w];
      for (let k = 0; k < 4; k++) s += HEX[(x >>> (8 * k)) & 0xff];
    }
    return s;
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
