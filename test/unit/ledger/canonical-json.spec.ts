/**
 * src/shared/canonical-json against RFC 8785 (JSON Canonicalization Scheme): the RFC's own
 * examples as fixed vectors, then properties checked against reference rules written here from
 * the RFC text (code-unit key order, string escaping, ECMAScript number form), independent of
 * the JSON.stringify calls the encoder makes.
 */
import fc from 'fast-check';
import { canonicalBytes, canonicalize } from '../../../src/shared/canonical-json';

/** An IEEE 754 double from its 16 hex digits (how RFC 8785 Appendix B lists its samples). */
function ieee(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('RFC 8785 published examples', () => {
  it('§3.2.2 / §3.2.4: the sample object canonicalizes to the published text and UTF-8 bytes', () => {
    // The RFC's input, as JSON text (escapes and number spellings included).
    const input = JSON.parse(`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
      "literals": [null, true, false]
    }`);
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
    const hex = `
      7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
      75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
      5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
      65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
      5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
      30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d`.replace(/\s+/g, '');
    expect(canonicalBytes(input).toString('hex')).toBe(hex);
  });

  it('§3.2.3: properties sort by UTF-16 code units, not by code point or locale', () => {
    const input = JSON.parse(`{
      "\\u20ac": "Euro Sign",
      "\\r": "Carriage Return",
      "\\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\\ud83d\\ude00": "Emoji: Grinning Face",
      "\\u0080": "Control",
      "\\u00f6": "Latin Small Letter O With Diaeresis"
    }`);
    // Read the order off the text (Object.values would put the integer-like key "1" first).
    const order = [...canonicalize(input).matchAll(/:"([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face', // U+1F600 is the pair D83D DE00: after U+20AC, before U+FB33
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  // Appendix B: IEEE 754 bit patterns and their canonical text.
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'], // minus zero
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('Appendix B: %s serializes as %s', (bits, text) => {
    expect(canonicalize(ieee(bits))).toBe(text);
    expect(canonicalize([ieee(bits)])).toBe(`[${text}]`);
    expect(numberText(ieee(bits))).toBe(text); // the reference the property below relies on agrees
  });

  it('Appendix B: NaN and Infinity are errors, as are values JSON has no form for', () => {
    expect(() => canonicalize(ieee('7fffffffffffffff'))).toThrow(/non-finite/);
    expect(() => canonicalize({ a: ieee('7ff0000000000000') })).toThrow(/non-finite/);
    expect(() => canonicalize(-Infinity)).toThrow(TypeError);
    expect(() => canonicalize({ a: 10n })).toThrow(/bigint/);
    expect(() => canonicalize([() => 1])).toThrow(/function/);
    expect(() => canonicalize(Symbol('s'))).toThrow(/symbol/);
  });
});

// ---- references written from the RFC text ------------------------------------------------------

/** §3.2.3: compare as arrays of UTF-16 code units. */
function compareCodeUnits(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** §3.2.2.2: the two-character escapes, \u00xx (lowercase) for other controls, everything else as is. */
function escapeString(s: string): string {
  const short: Record<number, string> = { 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\' };
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const hi = c >= 0xd800 && c <= 0xdbff;
    const lo = c >= 0xdc00 && c <= 0xdfff;
    if (short[c]) out += short[c];
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (hi && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) out += s[i] + s[++i];
    else if (hi || lo)
      out += `\\u${c.toString(16)}`; // lone surrogate: not I-JSON; kept as an escape
    else out += s[i];
  }
  return out + '"';
}

/**
 * §3.2.2.3 (ECMAScript Number::toString), from the exact value of the double: the fewest digits
 * k whose nearest k-digit decimal reads back as the same double (a tie goes to the even one),
 * laid out by the position n of the decimal point.
 */
function numberText(x: number): string {
  if (x === 0) return '0';
  if (x < 0) return `-${numberText(-x)}`;
  // x = m × 2^e exactly, then x = D × 10^q with D a decimal integer string.
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  const raw = bits.getBigUint64(0);
  const biased = Number((raw >> 52n) & 0x7ffn);
  const fraction = raw & ((1n << 52n) - 1n);
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  const D = e >= 0 ? (m << BigInt(e)).toString() : (m * 5n ** BigInt(-e)).toString();
  const q = e >= 0 ? 0 : e;
  let n = D.length + q; // x = 0.D × 10^n
  for (let k = 1; ; k++) {
    const head = BigInt(D.slice(0, k).padEnd(k, '0'));
    const rest = D.slice(k);
    const reads = (s: bigint) => Number(`${s}e${n - k}`) === x;
    // Where the exact value lies between head and head + 1: below, at or above the midpoint.
    const mid = '5'.padEnd(rest.length, '0');
    const half = /^0*$/.test(rest) ? -1 : rest < mid ? -1 : rest > mid ? 1 : 0;
    const options = [head, head + 1n].filter(reads);
    if (options.length === 0) continue;
    let s = options.length === 1 ? options[0] : half < 0 ? head : half > 0 ? head + 1n : head % 2n === 0n ? head : head + 1n;
    if (s === 10n ** BigInt(k)) {
      s = 10n ** BigInt(k - 1);
      n += 1;
    }
    const digits = s.toString();
    if (k <= n && n <= 21) return digits + '0'.repeat(n - k);
    if (0 < n && n <= 21) return `${digits.slice(0, n)}.${digits.slice(n)}`;
    if (-6 < n && n <= 0) return `0.${'0'.repeat(-n)}${digits}`;
    const exp = n - 1;
    return `${digits[0]}${k > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${Math.abs(exp)}`;
  }
}

describe('RFC 8785 properties', () => {
  const key = fc.string({ unit: 'binary', maxLength: 6 });

  it('numbers: every finite double is written in the ECMAScript shortest form', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = canonicalize(x);
        expect(text).toBe(numberText(x));
        expect(Number(text)).toBe(x === 0 ? 0 : x);
      }),
      { numRuns: 5000 },
    );
    // A tie at 17 digits goes to the even digit (…884.125 → …884.12).
    // eslint-disable-next-line no-loss-of-precision -- the literal is the tie the test is about
    expect(numberText(-201120232664884.12)).toBe('-201120232664884.12');
  });

  it('strings: escaped exactly as §3.2.2.2 says, for any code units (lone surrogates too)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
        (a, b) => {
          expect(canonicalize(a)).toBe(escapeString(a));
          expect(canonicalize(b)).toBe(escapeString(b));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('objects: members sorted by UTF-16 code units, whatever order they were inserted in', () => {
    const leaf = fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, leaf), { selector: (e) => e[0], maxLength: 8 }), (entries) => {
        const expected = `{${[...entries]
          .sort((a, b) => compareCodeUnits(a[0], b[0]))
          .map(([k, v]) => `${escapeString(k)}:${typeof v === 'string' ? escapeString(v) : String(v)}`)
          .join(',')}}`;
        expect(canonicalize(Object.fromEntries(entries))).toBe(expected);
        expect(canonicalize(Object.fromEntries([...entries].reverse()))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  const json = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue(),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(key, tie('v'), { maxKeys: 5 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    ),
  })).v;

  it('nested structures: the output is JSON for the same value, and canonical again when re-read', () => {
    fc.assert(
      fc.property(json, (v) => {
        const text = canonicalize(v);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalize(JSON.parse(text))).toBe(text);
        expect(text).not.toMatch(/^\s|\s$/);
      }),
      { numRuns: 1000 },
    );
  });

  it('undefined members are left out, undefined array slots are null, toJSON values are encoded as returned', () => {
    expect(canonicalize({ b: undefined, a: [undefined, 1] })).toBe('{"a":[null,1]}');
    expect(canonicalize({ at: new Date('2025-01-02T03:04:05.006Z') })).toBe('{"at":"2025-01-02T03:04:05.006Z"}');
    expect(canonicalize({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});
