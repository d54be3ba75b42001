import { assertJsonWithinLimits } from '../../../src/platform/http/json-limits';
import { ValidationError } from '../../../src/platform/errors';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('JSON body limits on raw bytes', () => {
  it('lets a body at the depth bound through and refuses one level more, naming the body', () => {
    expect(() => assertJsonWithinLimits(bytes('['.repeat(32) + ']'.repeat(32)), { maxDepth: 32, maxValues: 1000 })).not.toThrow();
    try {
      assertJsonWithinLimits(bytes('{"a":'.repeat(33) + '1' + '}'.repeat(33)), { maxDepth: 32, maxValues: 1000 });
      throw new Error('not refused');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues[0]).toEqual({ field: '(body)', reason: 'JSON nests deeper than 32 levels' });
    }
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const s = JSON.stringify({ note: '[[[[{{{{ \\" [[[[ "'.repeat(50) });
    expect(() => assertJsonWithinLimits(bytes(s), { maxDepth: 2, maxValues: 10 })).not.toThrow();
  });

  it('refuses more members than the bound', () => {
    const s = JSON.stringify(Array.from({ length: 101 }, (_, i) => i));
    expect(() => assertJsonWithinLimits(bytes(s), { maxDepth: 4, maxValues: 100 })).toThrow(ValidationError);
  });
});
