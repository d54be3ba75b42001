import { randomBytes } from 'node:crypto';
import { KeyedNameSet, nameKeys, nameWords } from '../../../src/shared/name-set';
import { screenFields } from '../../../src/shared/phi-screen';

function setOf(...names: string[]): KeyedNameSet {
  const s = new KeyedNameSet(randomBytes(16));
  for (const n of names) s.add(n);
  return s;
}

/** Every string reachable from an object (own properties, arrays, maps), to prove no clear name is kept. */
function stringsIn(root: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') return void out.push(v);
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) return;
    if (v instanceof Map || v instanceof Set) for (const x of v) walk(x);
    for (const k of Object.getOwnPropertyNames(v)) walk((v as Record<string, unknown>)[k]);
  };
  walk(root);
  return out;
}

describe('KeyedNameSet: the affected people of an incident, keyed', () => {
  it('normalizes case, diacritics, apostrophes, hyphens, initials, honorifics and "Last, First"', () => {
    expect(nameWords('  Dr. JOSÉ   Núñez-O’Brien Jr ')).toEqual(['jose', 'nunez', 'obrien']);
    expect(nameWords('Example, Jane Q.')).toEqual(['jane', 'example']);
    expect(nameKeys('Jane Quinn Example')).toEqual(['jane quinn', 'jane example', 'jane quinn example']);
    expect(nameKeys('Cher')).toEqual([]);
    expect(nameKeys('J. Example')).toEqual([]);
  });

  it('finds a listed name in any case, spacing, accents and order, and gives offsets only', () => {
    const s = setOf('Jane Q Example', 'José Núñez', 'Roe, Richard');
    const text = 'Mail for JANE   example was misdirected; jose nunez and Richard Roe too. Also Example, Jane.';
    const hits = s.find(text);
    expect(hits).toEqual([text.indexOf('JANE'), text.indexOf('jose'), text.indexOf('Richard'), text.indexOf('Example, Jane')]);
    expect(s.find('Jane Quinn Example called')).toEqual([0]); // a middle name the list lacks
    expect(s.find('Jane Q. Example called')).toEqual([0]);
    expect(s.find('Ms. Jane Example called')).toEqual([4]);
    expect(s.find('Jane\nExample')).toEqual([0]);
  });

  it('does not flag single words, other people, or names split by punctuation', () => {
    const s = setOf('Jane Q Example', 'Will Power');
    expect(s.find('Jane sent an example of the report')).toEqual([]);
    expect(s.find('Jane; Example')).toEqual([]);
    expect(s.find('Janet Example and Jane Examples')).toEqual([]);
    expect(s.find('we will rebuild power supplies')).toEqual([]);
    expect(s.find('Example')).toEqual([]);
    expect(setOf('Cher').find('Cher was on the list')).toEqual([]);
  });

  it('plugs into the screen: a listed name is a "name" finding naming the field', () => {
    const s = setOf('Jane Q Example');
    expect(screenFields({ summary: 'Lost laptop held a chart for Jane Example.', title: 'Lost laptop' }, { names: s })).toEqual([
      { field: 'summary', kinds: ['name'] },
    ]);
    expect(screenFields({ summary: 'Lost laptop held a chart for John Other.' }, { names: s })).toEqual([]);
  });

  it('keeps no clear name: only numbers in a typed array, none of them the name bytes', () => {
    const names = ['Jane Q Example', 'Zebulon Quixotic-Farnsworth', 'Ágnes Ödön'];
    const s = setOf(...names);
    const strings = stringsIn(s);
    for (const n of names) for (const part of nameWords(n)) expect(strings.some((x) => x.toLowerCase().includes(part))).toBe(false);
    const raw = Buffer.from(s.storedWords.buffer, s.storedWords.byteOffset, s.storedWords.byteLength);
    for (const n of names)
      for (const part of nameWords(n)) {
        expect(raw.includes(Buffer.from(part, 'utf8'))).toBe(false);
        expect(raw.includes(Buffer.from(part, 'utf16le'))).toBe(false);
      }
    // Another key, another set: the stored words are not a function of the names alone.
    const other = setOf(...names);
    expect(Buffer.compare(raw, Buffer.from(other.storedWords.buffer))).not.toBe(0);
    expect(other.find('Jane Example')).toEqual([0]);
  });

  it('measures: 100,000 names built, a 2,000-word text screened', () => {
    const first = ['Ava', 'Liam', 'Noa', 'Mateo', 'Zoë', 'Amir', 'Li', 'Chloé', 'Ivan', 'Sofía'];
    /** A letters-only synthetic surname per number: 0 → "Baab", 1 → "Bbab", … */
    const surname = (i: number): string => 'B' + [0, 1, 2, 3].map((k) => String.fromCharCode(97 + (Math.floor(i / 26 ** k) % 26))).join('');
    const names = Array.from({ length: 100_000 }, (_, i) => `${first[i % 10]} ${surname(i)}`);
    const before = process.memoryUsage();
    const t0 = process.hrtime.bigint();
    const s = new KeyedNameSet(randomBytes(16), names.length);
    for (const n of names) s.add(n);
    const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const after = process.memoryUsage();
    const words: string[] = Array.from({ length: 2000 }, (_, i) => (i % 7 === 0 ? 'Reported' : i % 5 === 0 ? 'Ava' : 'laptop'));
    words[1000] = 'Noa';
    words[1001] = surname(2);
    const text = words.join(' ');
    const t1 = process.hrtime.bigint();
    const hits = s.find(text);
    const screenMs = Number(process.hrtime.bigint() - t1) / 1e6;
    expect(hits).toHaveLength(1);
    expect(s.names).toBe(100_000);
    process.stdout.write(
      `name set: 100,000 names built in ${buildMs.toFixed(0)} ms, table ${(s.byteLength / 2 ** 20).toFixed(1)} MiB ` +
        `(heap+arrays delta ${((after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20).toFixed(1)} MiB); ` +
        `2,000-word text screened in ${screenMs.toFixed(2)} ms\n`,
    );
    expect(s.byteLength).toBeLessThan(16 * 2 ** 20);
    expect(screenMs).toBeLessThan(200);
  });
});
