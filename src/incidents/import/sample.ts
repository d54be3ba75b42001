/**
 * A synthetic affected-individuals CSV (`safeharbor affected sample --people N`): made-up names
 * and addresses in the documented columns, deterministic for a seed, to try an import end to end
 * without real PHI (every sixth person reads Spanish). `faults` adds the spreadsheet faults the import repairs (a stripped leading
 * zero, a ZIP+4 without hyphen, a state written out, stray spaces) and one row it cannot read.
 */
export const SAMPLE_HEADER = [
  'name',
  'line1',
  'line2',
  'city',
  'state',
  'zip',
  'email',
  'emailConsent',
  'deceased',
  'nextOfKinName',
  'nextOfKinLine1',
  'nextOfKinLine2',
  'nextOfKinCity',
  'nextOfKinState',
  'nextOfKinZip',
  'language',
] as const;

const FIRST = [
  'Avery',
  'Blake',
  'Casey',
  'Devon',
  'Emery',
  'Finley',
  'Gray',
  'Harper',
  'Indigo',
  'Jordan',
  'Kai',
  'Logan',
  'Morgan',
  'Noel',
];
const LAST = ['Abbott', 'Barros', 'Chen', 'Delgado', 'Eriksen', 'Fontaine', 'Garza', 'Haddad', 'Ibarra', 'Jansen', 'Kowalski', 'Lindqvist'];
const STREETS = ['Maple Ave', 'Oak St', 'Harbor Rd', 'Elm Ct', 'Cedar Ln', 'Birch Way', 'Main St'];
/** A city and a real-looking ZIP prefix per state (the sample spreads people over these). */
const PLACES: Array<{ state: string; name: string; city: string; zip: string }> = [
  { state: 'MA', name: 'Massachusetts', city: 'Springfield', zip: '011' },
  { state: 'NY', name: 'New York', city: 'Albany', zip: '122' },
  { state: 'NJ', name: 'New Jersey', city: 'Trenton', zip: '086' },
  { state: 'CT', name: 'Connecticut', city: 'Hartford', zip: '061' },
  { state: 'PA', name: 'Pennsylvania', city: 'Harrisburg', zip: '171' },
  { state: 'OH', name: 'Ohio', city: 'Columbus', zip: '432' },
  { state: 'CA', name: 'California', city: 'Sacramento', zip: '958' },
  { state: 'TX', name: 'Texas', city: 'Austin', zip: '787' },
];

/** Small deterministic PRNG (mulberry32): the same seed gives the same file. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export interface SampleOptions {
  people: number;
  seed?: number;
  faults?: boolean;
}

/** The CSV, line by line (header first), so a large sample streams. */
export function* sampleAffectedCsv(opts: SampleOptions): Generator<string> {
  const r = rng(opts.seed ?? 13);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  yield SAMPLE_HEADER.join(',') + '\n';
  for (let i = 0; i < opts.people; i++) {
    const place = PLACES[i % PLACES.length]!;
    const name = `${pick(FIRST)} ${pick(LAST)} ${i + 1}`;
    const zip = `${place.zip}${String(Math.floor(r() * 100)).padStart(2, '0')}`;
    const row: Record<(typeof SAMPLE_HEADER)[number], string> = {
      name,
      line1: `${100 + Math.floor(r() * 9000)} ${pick(STREETS)}`,
      line2: r() < 0.1 ? `Apt ${1 + Math.floor(r() * 40)}` : '',
      city: place.city,
      state: place.state,
      zip,
      email: '',
      emailConsent: '',
      deceased: '',
      nextOfKinName: '',
      nextOfKinLine1: '',
      nextOfKinLine2: '',
      nextOfKinCity: '',
      nextOfKinState: '',
      nextOfKinZip: '',
      // Letters in the recipient's language: a Spanish reader now and then, the rest English.
      language: i % 6 === 4 ? 'es' : '',
    };
    if (i % 10 === 3) {
      row.email = `person${i + 1}@example.org`;
      row.emailConsent = 'yes';
    }
    if (i % 25 === 7) {
      // No street address: owed substitute notice, still counted in their state.
      row.line1 = row.city = row.zip = '';
    }
    if (i % 50 === 11) {
      row.deceased = 'yes';
      row.nextOfKinName = `${pick(FIRST)} ${name.split(' ')[1]}`;
      row.nextOfKinLine1 = `${100 + Math.floor(r() * 9000)} ${pick(STREETS)}`;
      row.nextOfKinCity = place.city;
      row.nextOfKinState = place.state;
      row.nextOfKinZip = zip;
    }
    if (opts.faults) {
      if (place.zip.startsWith('0') && i % 8 === 0 && row.zip) row.zip = row.zip.slice(1); // a spreadsheet stripped the zero
      if (i % 8 === 5 && row.zip) row.zip = `${row.zip}${String(1000 + i).slice(-4)}`; // ZIP+4 without hyphen
      if (i % 8 === 2) row.state = place.name;
      if (i % 8 === 6) row.name = `  ${row.name} `;
      if (i === opts.people - 1) row.zip = 'ZIPLESS';
    }
    yield SAMPLE_HEADER.map((h) => csvCell(row[h])).join(',') + '\n';
  }
}
