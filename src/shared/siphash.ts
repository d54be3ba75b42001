/**
 * SipHash-2-4 with a 128-bit output (Aumasson & Bernstein; the reference `siphash.c` with
 * `outlen = 16`): a keyed pseudorandom function built for short inputs. The import uses it for
 * record ids and its duplicate index — one call per row, far cheaper than a native HMAC call —
 * keyed by a per-incident secret, so ids cannot be recomputed from a name and address without it.
 * 64-bit lanes are emulated with pairs of 32-bit integers held in local variables.
 */

/** A message source: `len` bytes, `word(i)` returns the little-endian 32-bit word at byte offset i (i % 4 === 0). */
type WordAt = (i: number) => number;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class SipHash128 {
  private readonly k0l: number;
  private readonly k0h: number;
  private readonly k1l: number;
  private readonly k1h: number;
  /** The last digest: four 32-bit words, little-endian order of the 16 output bytes. */
  readonly out = new Uint32Array(4);

  private scratch = Buffer.allocUnsafeSlow(1024);
  private words = new Uint32Array(this.scratch.buffer, this.scratch.byteOffset, 256);
  private static readonly LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

  constructor(key: Buffer) {
    if (key.length !== 16) throw new RangeError('SipHash key must be 16 bytes');
    this.k0l = key.readUInt32LE(0);
    this.k0h = key.readUInt32LE(4);
    this.k1l = key.readUInt32LE(8);
    this.k1h = key.readUInt32LE(12);
  }

  /** SipHash of the bytes b[0..len). */
  hashBytes(b: Buffer, len: number): Uint32Array {
    return this.run(len, (i) => {
      let w = 0;
      for (let k = 0; k < 4 && i + k < len; k++) w |= b[i + k] << (8 * k);
      return w >>> 0;
    });
  }

  /**
   * SipHash of the string's UTF-16LE encoding (the same as hashBytes(Buffer.from(s, 'utf16le')))
   * without encoding it first: two code units per 32-bit word.
   */
  hashString(s: string): Uint32Array {
    const n = s.length;
    return this.run(n * 2, (i) => {
      const c = i >>> 1;
      const lo = s.charCodeAt(c);
      const hi = c + 1 < n ? s.charCodeAt(c + 1) : 0;
      return (lo | (hi << 16)) >>> 0;
    });
  }

  /**
   * SipHash of the string's UTF-8 bytes (the same as hashBytes(Buffer.from(s, 'utf8'))): encoded
   * natively into a scratch buffer, read as aligned little-endian words.
   */
  hashUtf8(s: string): Uint32Array {
    if (s.length * 3 + 8 > this.scratch.length) {
      this.scratch = Buffer.allocUnsafeSlow(s.length * 3 + 64);
      this.words = new Uint32Array(this.scratch.buffer, this.scratch.byteOffset, this.scratch.length >>> 2);
    }
    const len = this.scratch.write(s, 0, 'utf8');
    if (!SipHash128.LE) return this.hashBytes(this.scratch, len);
    const words = this.words;
    return this.run(len, (i) => words[i >>> 2]);
  }

  private run(len: number, word: WordAt): Uint32Array {
    let v0l = (this.k0l ^ 0x70736575) >>> 0,
      v0h = (this.k0h ^ 0x736f6d65) >>> 0;
    let v1l = (this.k1l ^ 0x6e646f6d ^ 0xee) >>> 0,
      v1h = (this.k1h ^ 0x646f7261) >>> 0;
    let v2l = (this.k0l ^ 0x6e657261) >>> 0,
      v2h = (this.k0h ^ 0x6c796765) >>> 0;
    let v3l = (this.k1l ^ 0x79746573) >>> 0,
      v3h = (this.k1h ^ 0x74656462) >>> 0;
    let lo = 0,
      h = 0,
      l = 0;
    const end = len - (len % 8);
    let rounds = 0;
    let ml = 0,
      mh = 0;
    // Message blocks, then the final block (remaining bytes, length in the top byte), then
    // finalization: 2 rounds per block, 4 + 4 for the two output halves.
    for (let i = 0; ; i += 8) {
      if (i < end) {
        ml = word(i);
        mh = word(i + 4);
      } else {
        const left = len - end;
        ml = left > 0 ? word(end) : 0;
        mh = left > 4 ? word(end + 4) : 0;
        if (left < 4) ml &= left === 0 ? 0 : 2 ** (8 * left) - 1;
        if (left <= 4) mh = 0;
        else mh &= left === 8 ? 0xffffffff : 2 ** (8 * (left - 4)) - 1;
        mh = (mh | ((len & 0xff) << 24)) >>> 0;
        ml >>>= 0;
      }
      v3l = (v3l ^ ml) >>> 0;
      v3h = (v3h ^ mh) >>> 0;
      for (rounds = 0; rounds < 2; rounds++) {
        lo = (v0l + v1l) >>> 0;
        v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
        v0l = lo;
        h = v1h;
        l = v1l;
        v1h = ((h << 13) | (l >>> 19)) >>> 0;
        v1l = ((l << 13) | (h >>> 19)) >>> 0;
        v1l = (v1l ^ v0l) >>> 0;
        v1h = (v1h ^ v0h) >>> 0;
        h = v0h;
        v0h = v0l;
        v0l = h;
        lo = (v2l + v3l) >>> 0;
        v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
        v2l = lo;
        h = v3h;
        l = v3l;
        v3h = ((h << 16) | (l >>> 16)) >>> 0;
        v3l = ((l << 16) | (h >>> 16)) >>> 0;
        v3l = (v3l ^ v2l) >>> 0;
        v3h = (v3h ^ v2h) >>> 0;
        lo = (v0l + v3l) >>> 0;
        v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
        v0l = lo;
        h = v3h;
        l = v3l;
        v3h = ((h << 21) | (l >>> 11)) >>> 0;
        v3l = ((l << 21) | (h >>> 11)) >>> 0;
        v3l = (v3l ^ v0l) >>> 0;
        v3h = (v3h ^ v0h) >>> 0;
        lo = (v2l + v1l) >>> 0;
        v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
        v2l = lo;
        h = v1h;
        l = v1l;
        v1h = ((h << 17) | (l >>> 15)) >>> 0;
        v1l = ((l << 17) | (h >>> 15)) >>> 0;
        v1l = (v1l ^ v2l) >>> 0;
        v1h = (v1h ^ v2h) >>> 0;
        h = v2h;
        v2h = v2l;
        v2l = h;
      }
      v0l = (v0l ^ ml) >>> 0;
      v0h = (v0h ^ mh) >>> 0;
      if (i >= end) break;
    }
    for (let half = 0; half < 2; half++) {
      if (half === 0) v2l = (v2l ^ 0xee) >>> 0;
      else v1l = (v1l ^ 0xdd) >>> 0;
      for (rounds = 0; rounds < 4; rounds++) {
        lo = (v0l + v1l) >>> 0;
        v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
        v0l = lo;
        h = v1h;
        l = v1l;
        v1h = ((h << 13) | (l >>> 19)) >>> 0;
        v1l = ((l << 13) | (h >>> 19)) >>> 0;
        v1l = (v1l ^ v0l) >>> 0;
        v1h = (v1h ^ v0h) >>> 0;
        h = v0h;
        v0h = v0l;
        v0l = h;
        lo = (v2l + v3l) >>> 0;
        v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
        v2l = lo;
        h = v3h;
        l = v3l;
        v3h = ((h << 16) | (l >>> 16)) >>> 0;
        v3l = ((l << 16) | (h >>> 16)) >>> 0;
        v3l = (v3l ^ v2l) >>> 0;
        v3h = (v3h ^ v2h) >>> 0;
        lo = (v0l + v3l) >>> 0;
        v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
        v0l = lo;
        h = v3h;
        l = v3l;
        v3h = ((h << 21) | (l >>> 11)) >>> 0;
        v3l = ((l << 21) | (h >>> 11)) >>> 0;
        v3l = (v3l ^ v0l) >>> 0;
        v3h = (v3h ^ v0h) >>> 0;
        lo = (v2l + v1l) >>> 0;
        v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
        v2l = lo;
        h = v1h;
        l = v1l;
        v1h = ((h << 17) | (l >>> 15)) >>> 0;
        v1l = ((l << 17) | (h >>> 15)) >>> 0;
        v1l = (v1l ^ v2l) >>> 0;
        v1h = (v1h ^ v2h) >>> 0;
        h = v2h;
        v2h = v2l;
        v2l = h;
      }
      this.out[half * 2] = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
      this.out[half * 2 + 1] = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
    }
    return this.out;
  }

  /** The 16 output bytes as lowercase hex (the byte order of the reference implementation). */
  hex(): string {
    let s = '';
    for (let w = 0; w < 4; w++) {
      const x = this.out[w];
      s += HEX[x & 0xff] + HEX[(x >>> 8) & 0xff] + HEX[(x >>> 16) & 0xff] + HEX[x >>> 24];
    }
    return s;
  }
}
