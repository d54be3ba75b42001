/**
 * The names of an incident's affected people, as a keyed set (issue 14, item 7: free text naming
 * someone on the list is screened). Pure: no I/O, no clock.
 *
 * Nothing readable is kept: each name becomes a few keys (first + last, first + each later name,
 * and the full name), each key is hashed with SipHash-2-4 under a secret the caller holds (per
 * process and per incident), and only 63 bits of each hash are stored, in an open-addressing table
 * of 32-bit words. The set answers "is this run of words a listed name?" and nothing else: it
 * cannot be listed, and a name cannot be checked against it without the key.
 *
 * Normalization (the same for the list and the text): Unicode NFKD with the combining marks
 * removed (José → jose), lower case, apostrophes dropped (O’Brien → obrien), any other
 * non-letter splits words (Mary-Jane → mary jane), single letters (initials) and honorifics or
 * suffixes (Mr, Dr, Jr, III …) skipped. A name needs two words left to be kept: a single word
 * ("Cher", or a surname alone) is too common to screen for without false alarms.
 */
import { SipHash128 } from './siphash';

/** Words that never count as part of a name: honorifics and suffixes. */
const SKIPPED = new Set(['mr', 'mrs', 'ms', 'mx', 'miss', 'dr', 'jr', 'sr', 'ii', 'iii', 'iv', 'md', 'phd', 'rn', 'esq']);

/** Longest run of words looked up in text (a list name longer than this still matches by its pairs). */
const MAX_RUN = 4;

const MARKS = /\p{M}+/gu;
const APOSTROPHES = /['’ʼ`´]/g;

/** One word as the set sees it ('' when the word does not count). */
export function normalizeNameWord(word: string): string {
  const w = word.normalize('NFKD').replace(MARKS, '').replace(APOSTROPHES, '').toLowerCase();
  return w.length < 2 || SKIPPED.has(w) ? '' : w;
}

/**
 * The words of a name in "first … last" order: "Last, First Middle" is turned around; words that
 * do not count are dropped.
 */
export function nameWords(name: string): string[] {
  const comma = name.indexOf(',');
  const ordered = comma >= 0 ? `${name.slice(comma + 1)} ${name.slice(0, comma)}` : name;
  return ordered
    .replace(APOSTROPHES, '')
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .map(normalizeNameWord)
    .filter(Boolean);
}

/** The keys a name is stored under: first + last, first + each middle name, and the full name. */
export function nameKeys(name: string): string[] {
  const w = nameWords(name);
  if (w.length < 2) return [];
  const keys = new Set<string>();
  for (let k = 1; k < w.length; k++) keys.add(`${w[0]} ${w[k]}`);
  keys.add(w.join(' '));
  return [...keys];
}

/** A word of screened text: where it starts, its normalized form, and how it joins the previous word. */
interface TextWord {
  index: number;
  norm: string;
  capital: boolean;
  /** Joined to the previous counted word by spaces, at most one '.' (an initial), or a comma. */
  joined: 'space' | 'comma' | 'none';
}

const WORD = /[\p{L}\p{M}\p{N}'’ʼ`´]+/gu;

function wordsOf(text: string): TextWord[] {
  const out: TextWord[] = [];
  let lastEnd = 0;
  let gap = '';
  for (const m of text.matchAll(WORD)) {
    gap += text.slice(lastEnd, m.index);
    lastEnd = m.index + m[0].length;
    const norm = normalizeNameWord(m[0]);
    if (!norm) {
      // An initial or honorific inside a name ("Jane Q. Example") is skipped, not a break.
      gap += ' ';
      continue;
    }
    const g = gap.replace(/\s+/g, '');
    const joined = out.length === 0 ? 'none' : g === '' || g === '.' ? 'space' : g === ',' || g === '.,' ? 'comma' : 'none';
    out.push({ index: m.index, norm, capital: /^\p{Lu}/u.test(m[0]), joined });
    gap = '';
  }
  return out;
}

/** A set of 63-bit hashes on one Uint32Array (hi, lo per slot; lo always odd, so 0 marks an empty slot). */
class Hash63Set {
  private slots: Uint32Array;
  private mask: number;
  count = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap * 3 < expected * 4) cap <<= 1;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
  }

  get byteLength(): number {
    return this.slots.byteLength;
  }

  /** The raw table (for tests that look at what is kept). */
  get words(): Uint32Array {
    return this.slots;
  }

  add(hi: number, lo: number): void {
    lo = (lo | 1) >>> 0;
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const s = this.slots;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const b = i * 2;
      if (s[b + 1] === 0) {
        s[b] = hi;
        s[b + 1] = lo;
        this.count++;
        return;
      }
      if (s[b] === hi && s[b + 1] === lo) return;
      i = (i + 1) & this.mask;
    }
  }

  has(hi: number, lo: number): boolean {
    lo = (lo | 1) >>> 0;
    const s = this.slots;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const b = i * 2;
      if (s[b + 1] === 0) return false;
      if (s[b] === hi && s[b + 1] === lo) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
    this.count = 0;
    for (let b = 0; b < old.length; b += 2) if (old[b + 1] !== 0) this.add(old[b], old[b + 1]);
  }
}

/** Keyed set of listed names; `find(text)` gives where listed names start in a text (offsets only). */
export class KeyedNameSet {
  private readonly sip: SipHash128;
  private readonly table: Hash63Set;
  /** Names given that had two words or more (the others cannot be screened for). */
  names = 0;

  /** `key`: 16 bytes, secret, for this set only (derive one per incident from a per-process secret). */
  constructor(key: Buffer, expectedNames = 1024) {
    this.sip = new SipHash128(key);
    this.table = new Hash63Set(expectedNames * 2);
  }

  /** Adds one person's name (as written on the list). Returns false when it has fewer than two words. */
  add(name: string): boolean {
    const keys = nameKeys(name);
    if (keys.length === 0) return false;
    for (const k of keys) {
      // hashString reads the string in place: no copy of the name is left in a scratch buffer.
      const h = this.sip.hashString(k);
      this.table.add(h[0], h[1]);
    }
    this.names++;
    return true;
  }

  private hasKey(key: string): boolean {
    const h = this.sip.hashString(key);
    return this.table.has(h[0], h[1]);
  }

  /** Offsets in `text` where a listed name starts ("Jane Q. Example", "EXAMPLE, Jane", "José Núñez"). */
  find(text: string): number[] {
    if (this.table.count === 0) return [];
    const w = wordsOf(text);
    const found: number[] = [];
    for (let i = 0; i + 1 < w.length; i++) {
      if (w[i + 1].joined === 'none') continue;
      let hit = false;
      // Runs of 2..MAX_RUN joined words: "jane example", "jane quinn example".
      let key = w[i].norm;
      for (let j = i + 1; j < w.length && j - i < MAX_RUN && w[j].joined === 'space' && !hit; j++) {
        key += ` ${w[j].norm}`;
        hit = this.hasKey(key);
      }
      // "Example, Jane": the pair turned around across a comma.
      if (!hit && w[i + 1].joined === 'comma') hit = this.hasKey(`${w[i + 1].norm} ${w[i].norm}`);
      // A middle name the list does not have: "Jane Quinn Example" for "Jane Example" (capitalized middle only).
      if (!hit && i + 2 < w.length && w[i + 1].capital && w[i + 1].joined === 'space' && w[i + 2].joined === 'space')
        hit = this.hasKey(`${w[i].norm} ${w[i + 2].norm}`);
      if (hit) found.push(w[i].index);
    }
    return found;
  }

  /** Bytes held (the table; the key schedule is a few words). */
  get byteLength(): number {
    return this.table.byteLength;
  }

  /** The stored words, for tests that check nothing readable is kept. */
  get storedWords(): Uint32Array {
    return this.table.words;
  }
}
