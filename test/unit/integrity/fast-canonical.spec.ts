import fc from 'fast-check';
import { canonicalize } from '../../../src/ledger/canonical-json';
import { canonicalizeFast } from '../../../src/ledger/integrity/fast-canonical';

describe('canonicalizeFast is output-identical to the shared RFC 8785 encoder', () => {
  it('for any JSON value, including unicode keys, nested arrays and undefined members', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue(),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(tie('v'), fc.constant(undefined)), { maxKeys: 5 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.date({ noInvalidDate: true }),
      ),
    })).v;
    fc.assert(fc.property(value, (v) => expect(canonicalizeFast(v)).toBe(canonicalize(v))), { numRuns: 1000 });
  });

  it('rejects what the shared encoder rejects', () => {
    for (const bad of [NaN, Infinity, 1n, () => 1, Symbol('s')]) {
      expect(() => canonicalize({ a: bad })).toThrow(TypeError);
      expect(() => canonicalizeFast({ a: bad })).toThrow(TypeError);
    }
  });
});
