import { canonicalize } from '../../../src/ledger/canonical-json';

describe('RFC 8785 canonical JSON', () => {
  it('sorts keys by UTF-16 code units at every depth and drops whitespace', () => {
    expect(canonicalize({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    // RFC 8785 §3.2.3 example ordering: code units, so "\u20ac" (euro) sorts after "\r" and "1"
    expect(canonicalize({ '\u20ac': 1, '\r': 2, '1': 3, '\u00e9': 4 })).toBe('{"\\r":2,"1":3,"é":4,"€":1}');
  });

  it('serializes numbers in ECMAScript shortest form (RFC 8785 §3.2.2.3 samples)', () => {
    expect(canonicalize([333333333.33333329, 1e30, 4.5, 0.002, 1e-27, -0, 100])).toBe('[333333333.3333333,1e+30,4.5,0.002,1e-27,0,100]');
  });

  it('escapes strings minimally', () => {
    expect(canonicalize('\u0000\u001f"\\/\u2028é')).toBe('"\\u0000\\u001f\\"\\\\/\u2028é"');
  });

  it('refuses values JSON cannot carry exactly', () => {
    expect(() => canonicalize(Number.NaN)).toThrow(/non-finite/);
    expect(() => canonicalize(10n)).toThrow(/bigint/);
  });
});
