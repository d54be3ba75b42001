/**
 * Built-in exercise scenarios, each opening an exercise pre-filled with an incident report and
 * synthetic affected individuals generated on the fly from the exercise's seed (the same seed
 * gives the same people; they are never stored — events carry only counts). The people are
 * obviously fictitious: "Exercise Person 0001", addresses on "Exercise Street".
 */
import type { IncidentCommand, IncidentReportedData } from '../../incidents';
import { JURISDICTIONS } from '../../shared/jurisdictions';

export interface SyntheticPerson {
  id: string;
  name: string;
  street: string;
  city: string;
  state: string;
  postalCode: string;
  hasContact: boolean;
}

export interface Scenario {
  id: string;
  title: string;
  description: string;
  individuals: number;
  /** Share of individuals per state (the rest spread over a few others). */
  states: Record<string, number>;
  noContactShare: number;
  report: Omit<IncidentReportedData, 'incidentId' | 'discoveredOn'> & { occurredDaysBefore: number };
  /** Days between the business associate's discovery and its report to the covered entity. */
  reportedLateDays?: number;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'stolen-laptop',
    title: 'Stolen unencrypted laptop',
    description: 'A clinician’s laptop with an unencrypted export of the scheduling and billing extract is stolen from a car.',
    individuals: 1_250,
    states: { TX: 0.8, OK: 0.15 },
    noContactShare: 0.02,
    report: {
      title: 'Exercise: laptop stolen from a car',
      summary: 'Unencrypted laptop holding a billing extract stolen from a parked car; police report filed.',
      reporter: { kind: 'covered-entity' },
      breachType: 'theft',
      locations: ['laptop'],
      dataElements: ['name', 'ssn', 'date-of-birth', 'health-insurance'],
      occurredDaysBefore: 1,
    },
  },
  {
    id: 'ransomware-file-server',
    title: 'Ransomware on a file server',
    description: 'Ransomware encrypts a departmental file server; the actor claims to have exfiltrated files first.',
    individuals: 8_400,
    states: { CA: 0.6, NV: 0.2, AZ: 0.15 },
    noContactShare: 0.01,
    report: {
      title: 'Exercise: ransomware on the imaging file server',
      summary: 'File server encrypted by ransomware; exfiltration claimed by the actor; forensic firm engaged.',
      reporter: { kind: 'covered-entity' },
      breachType: 'hacking-it-incident',
      locations: ['network-server'],
      dataElements: ['name', 'medical', 'medical-record-number', 'health-insurance'],
      occurredDaysBefore: 6,
    },
  },
  {
    id: 'misdirected-mailing',
    title: 'Misdirected mailing',
    description: 'A print-vendor error puts statements into the wrong envelopes: each recipient sees another patient’s statement.',
    individuals: 180,
    states: { MA: 0.9 },
    noContactShare: 0,
    report: {
      title: 'Exercise: statements mailed to the wrong patients',
      summary: 'Mail-merge offset at the print vendor: each statement went to the next patient on the list.',
      reporter: { kind: 'covered-entity' },
      breachType: 'unauthorized-access-disclosure',
      locations: ['paper-films'],
      dataElements: ['name', 'medical', 'financial-account'],
      occurredDaysBefore: 3,
    },
  },
  {
    id: 'ba-reported-late',
    title: 'Business associate’s breach reported late',
    description: 'A billing company (business associate, acting as agent) reports a breach 45 days after it discovered it.',
    individuals: 3_100,
    states: { NY: 0.5, NJ: 0.3, CT: 0.15 },
    noContactShare: 0.03,
    report: {
      title: 'Exercise: billing vendor breach reported 45 days late',
      summary: 'The billing vendor’s email account was compromised; the vendor told us 45 days after finding it.',
      reporter: { kind: 'covered-entity' },
      breachType: 'hacking-it-incident',
      locations: ['email'],
      dataElements: ['name', 'ssn', 'financial-account'],
      occurredDaysBefore: 60,
    },
    reportedLateDays: 45,
  },
];

export const scenarioById = (id: string): Scenario | undefined => SCENARIOS.find((s) => s.id === id);

/** A small deterministic PRNG (mulberry32) seeded from a string: same seed, same people. */
function rng(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
  let a = (h << 13) | (h >>> 19);
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Counts per state: the scenario's shares (rounded down), the remainder spread over other states by the seed. */
export function syntheticCounts(s: Scenario, seed: string): { byState: Record<string, number>; insufficientContact: number } {
  const r = rng(`${seed}:counts`);
  const byState: Record<string, number> = {};
  let left = s.individuals;
  for (const [st, share] of Object.entries(s.states)) {
    const n = Math.floor(s.individuals * share);
    byState[st] = n;
    left -= n;
  }
  const others = JURISDICTIONS.filter((j) => !(j in s.states) && j.length === 2).slice(0, 50);
  while (left > 0) {
    const st = others[Math.floor(r() * others.length)]!;
    const n = Math.min(left, 1 + Math.floor(r() * 9));
    byState[st] = (byState[st] ?? 0) + n;
    left -= n;
  }
  return { byState, insufficientContact: Math.floor(s.individuals * s.noContactShare) };
}

const GIVEN = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Casey', 'Riley', 'Morgan', 'Jamie', 'Avery', 'Quinn'];

/** The first `limit` synthetic individuals, in a stable order (for sample letters in the exercise). */
export function syntheticPeople(s: Scenario, seed: string, limit: number): SyntheticPerson[] {
  const counts = syntheticCounts(s, seed);
  const states = Object.entries(counts.byState).flatMap(([st, n]) => Array<string>(n).fill(st));
  const out: SyntheticPerson[] = [];
  for (let i = 0; i < Math.min(limit, states.length); i++) {
    const n = String(i + 1).padStart(4, '0');
    out.push({
      id: `synthetic-${n}`,
      name: `${GIVEN[i % GIVEN.length]} Exercise-Person ${n}`,
      street: `${100 + i} Exercise Street`,
      city: 'Drillville',
      state: states[i]!,
      postalCode: '00000',
      hasContact: i >= counts.insufficientContact,
    });
  }
  return out;
}

/** What `open` is given for a scenario: the report, and the pre-filled counts (and the late BA's facts). */
export function scenarioOpening(
  s: Scenario,
  seed: string,
  asOf: string,
  addDays: (d: string, n: number) => string,
): {
  report: Omit<IncidentReportedData, 'incidentId'>;
  prefill: Array<Extract<IncidentCommand, { kind: 'revise-affected-counts' }> extends infer C ? Omit<C, 'actor' | 'today'> : never>;
} {
  const { occurredDaysBefore, ...report } = s.report;
  const occurredOn = addDays(asOf, -occurredDaysBefore);
  return {
    report: {
      ...report,
      discoveredOn: s.reportedLateDays ? addDays(asOf, -s.reportedLateDays) : asOf,
      occurred: { from: occurredOn },
      ...(s.reportedLateDays
        ? { discovery: { basis: 'reasonable-diligence', note: 'the business associate’s discovery is imputed to us (agent)' } }
        : {}),
    },
    prefill: [
      { kind: 'revise-affected-counts', counts: syntheticCounts(s, seed), reason: 'estimate', note: 'synthetic exercise population' },
    ],
  };
}
