import { loadStateOverlays } from '../../../src/incidents/infrastructure/state-overlays.loader';
import { emptyOverlaySet } from '../../../src/incidents/domain/triage/state-overlays';
import { annualHhsDue, evaluateTriageJson, renderTriageResult, TriageResult } from '../../../src/incidents/domain/triage/triage';
import { TriageInputError } from '../../../src/incidents/domain/triage/triage-input';

const overlays = loadStateOverlays();

/** Worked example 1 of the contract, the base the other cases vary. */
function example1(): Record<string, unknown> {
  return {
    reporter: 'covered-entity',
    discoveredOn: '2025-03-10',
    occurredOn: '2025-03-01',
    affectedByState: { OH: 120, unknown: 3 },
    exception: null,
    safeguards: { encryption: null, keyCompromised: false, destruction: null },
    riskAssessment: { complete: true, lowProbabilityOfCompromise: false },
    insufficientContact: 6,
    imminentMisuse: false,
    lawEnforcementDelay: null,
    lawEnforcementPolicy: 'toll',
    businessAssociateIsAgent: false,
  };
}

function run(patch: Record<string, unknown> = {}): TriageResult {
  return evaluateTriageJson({ ...example1(), ...patch }, overlays);
}

function kinds(r: TriageResult): string[] {
  return r.obligations.map((o) => o.kind + ('jurisdiction' in o ? `:${o.jurisdiction}` : '') + ('timing' in o ? `:${o.timing}` : ''));
}

function errorOf(raw: unknown): TriageInputError {
  try {
    evaluateTriageJson(raw, overlays);
  } catch (e) {
    if (e instanceof TriageInputError) return e;
    throw e;
  }
  throw new Error('expected a TriageInputError');
}

describe('contract worked examples (exact JSON)', () => {
  it('1: covered entity, OH 120 + 3 unknown, unencrypted laptop, 6 bad addresses', () => {
    expect(renderTriageResult(run())).toBe(
      JSON.stringify({
        breach: true,
        basis: 'presumed',
        ruleSet: 'hitech-2013',
        ruleVersion: '1',
        totalAffected: 123,
        hold: null,
        obligations: [
          { kind: 'individual-notice', dueOn: '2025-05-09', citation: '45 CFR 164.404' },
          { kind: 'substitute-notice', form: 'alternative', people: 6, dueOn: '2025-05-09', citation: '45 CFR 164.404(d)(2)' },
          { kind: 'hhs-notice', timing: 'annual', dueOn: '2026-03-01', citation: '45 CFR 164.408(c)' },
        ],
        stateObligations: [],
      }) + '\n',
    );
  });

  it('2: same facts, encrypted per NIST 800-111 with the key not compromised → secured, no obligations', () => {
    const r = run({ safeguards: { encryption: 'nist-800-111', keyCompromised: false } });
    expect(r).toEqual({
      breach: false,
      basis: 'secured',
      ruleSet: 'hitech-2013',
      ruleVersion: '1',
      totalAffected: 123,
      hold: null,
      obligations: [],
      stateObligations: [],
    });
  });

  it('3: business associate, TX 3000 → only covered-entity-notice due 2025-05-31', () => {
    const r = evaluateTriageJson({ reporter: 'business-associate', discoveredOn: '2025-04-01', affectedByState: { TX: 3000 } }, overlays);
    expect(r.breach).toBe(true);
    expect(r.obligations).toEqual([{ kind: 'covered-entity-notice', dueOn: '2025-05-31', citation: '45 CFR 164.410' }]);
    expect(r.stateObligations).toEqual([]);
  });
});

describe('is it a breach (exceptions, safe harbor, presumption)', () => {
  it.each(['unintentional-workforce', 'inadvertent-authorized', 'unable-to-retain'])('exception %s → not a breach', (exception) => {
    const r = run({ exception });
    expect([r.breach, r.basis, r.obligations]).toEqual([false, 'exception', []]);
  });

  it.each(['nist-800-111', 'nist-800-52', 'nist-800-77', 'nist-800-113'])('encryption %s with the key safe → secured', (encryption) => {
    expect(run({ safeguards: { encryption, keyCompromised: false, destruction: null } }).basis).toBe('secured');
  });

  it('a compromised key takes encrypted data out of safe harbor', () => {
    const r = run({ safeguards: { encryption: 'nist-800-111', keyCompromised: true, destruction: null } });
    expect([r.breach, r.basis]).toEqual([true, 'presumed']);
  });

  it.each(['shredded', 'nist-800-88'])('destruction %s → secured', (destruction) => {
    expect(run({ safeguards: { encryption: null, keyCompromised: false, destruction } }).basis).toBe('secured');
  });

  it('a complete assessment showing low probability rebuts the presumption', () => {
    const r = run({ riskAssessment: { complete: true, lowProbabilityOfCompromise: true } });
    expect([r.breach, r.basis, r.obligations.length]).toEqual([false, 'low-probability', 0]);
  });

  it('an incomplete assessment does not rebut the presumption, even if it leans low', () => {
    expect(run({ riskAssessment: { complete: false, lowProbabilityOfCompromise: true } }).basis).toBe('presumed');
    expect(run({ riskAssessment: null }).basis).toBe('presumed');
  });

  it('exceptions are evaluated before safe harbor', () => {
    expect(run({ exception: 'unable-to-retain', safeguards: { encryption: 'nist-800-52', keyCompromised: false } }).basis).toBe(
      'exception',
    );
  });
});

describe('deadlines: discovery is day 0, +60 calendar days, never moved', () => {
  it('31 December discovery crosses the year; the annual HHS date is the same 1 March', () => {
    const r = run({ discoveredOn: '2025-12-31', occurredOn: '2025-12-01' });
    expect(r.obligations[0]).toEqual({ kind: 'individual-notice', dueOn: '2026-03-01', citation: '45 CFR 164.404' });
    expect(r.obligations.find((o) => o.kind === 'hhs-notice')?.dueOn).toBe('2026-03-01');
  });

  it('31 December before a leap year: 60 days is 29 February', () => {
    const r = run({ discoveredOn: '2023-12-31', occurredOn: '2023-12-30' });
    expect(r.obligations[0].dueOn).toBe('2024-02-29');
    expect(r.obligations.find((o) => o.kind === 'hhs-notice')?.dueOn).toBe('2024-02-29');
  });

  it('a deadline that falls on a weekend stays put (flags live on the incident obligations)', () => {
    // 2025-03-12 + 60 = 2025-05-11, a Sunday
    expect(run({ discoveredOn: '2025-03-12', occurredOn: undefined }).obligations[0].dueOn).toBe('2025-05-11');
  });
});

describe('HHS notice: 500 or more in total vs annual (keyed to the discovery year)', () => {
  it('499 in total → annual, 1 March of the next year', () => {
    const r = run({ affectedByState: { OH: 496, unknown: 3 } });
    expect(r.obligations.find((o) => o.kind === 'hhs-notice')).toEqual({
      kind: 'hhs-notice',
      timing: 'annual',
      dueOn: '2026-03-01',
      citation: '45 CFR 164.408(c)',
    });
  });

  it('exactly 500 in total (counting unknown) → contemporaneous with the individual notice', () => {
    const r = run({ affectedByState: { OH: 497, unknown: 3 } });
    expect(r.obligations.find((o) => o.kind === 'hhs-notice')).toEqual({
      kind: 'hhs-notice',
      timing: 'contemporaneous',
      dueOn: '2025-05-09',
      citation: '45 CFR 164.408(b)',
    });
  });

  it('annual date is 29 February when the next year is a leap year', () => {
    expect(annualHhsDue('2023-01-15')).toBe('2024-02-29');
    expect(annualHhsDue('2027-06-30')).toBe('2028-02-29');
    expect(annualHhsDue('2099-05-01')).toBe('2100-03-01'); // 2100 is not a leap year
    expect(annualHhsDue('2399-05-01')).toBe('2400-02-29'); // 2400 is
  });

  it('keyed to the year of discovery, not of occurrence', () => {
    const r = run({ occurredOn: '2024-12-20', discoveredOn: '2025-01-05' });
    expect(r.obligations.find((o) => o.kind === 'hhs-notice')?.dueOn).toBe('2026-03-01');
  });
});

describe('media notice: more than 500 residents of one state', () => {
  it('exactly 500 in one state → no media notice (but HHS contemporaneous)', () => {
    const r = run({ affectedByState: { OH: 500 }, insufficientContact: 0 });
    expect(kinds(r)).toEqual(['individual-notice', 'hhs-notice:contemporaneous']);
  });

  it('501 in one state → media notice for it', () => {
    const r = run({ affectedByState: { OH: 501 }, insufficientContact: 0 });
    expect(kinds(r)).toEqual(['individual-notice', 'media-notice:OH', 'hhs-notice:contemporaneous']);
  });

  it('501 spread over several states, none above 500 → no media notice', () => {
    const r = run({ affectedByState: { OH: 250, PA: 251 }, insufficientContact: 0 });
    expect(kinds(r)).toEqual(['individual-notice', 'hhs-notice:contemporaneous']);
  });

  it('unknown residence never triggers media notice', () => {
    expect(kinds(run({ affectedByState: { unknown: 9000 }, insufficientContact: 0 }))).toEqual([
      'individual-notice',
      'hhs-notice:contemporaneous',
    ]);
  });

  it('one media obligation per qualifying state, in jurisdiction-code order whatever the input order', () => {
    const r = run({ affectedByState: { PA: 900, GU: 600, OH: 501, DE: 12 }, insufficientContact: 0 });
    expect(kinds(r)).toEqual(['individual-notice', 'media-notice:GU', 'media-notice:OH', 'media-notice:PA', 'hhs-notice:contemporaneous']);
  });
});

describe('substitute notice', () => {
  it('9 people → alternative form', () => {
    expect(run({ insufficientContact: 9 }).obligations[1]).toEqual({
      kind: 'substitute-notice',
      form: 'alternative',
      people: 9,
      dueOn: '2025-05-09',
      citation: '45 CFR 164.404(d)(2)',
    });
  });
  it('10 people → web posting or major media, with a toll-free number', () => {
    expect(run({ insufficientContact: 10 }).obligations[1]).toMatchObject({ form: 'posting-or-media-with-toll-free', people: 10 });
  });
  it('0 people → none', () => {
    expect(kinds(run({ insufficientContact: 0 }))).toEqual(['individual-notice', 'hhs-notice:annual']);
  });
});

describe('stable order, telephone notice when misuse is imminent', () => {
  it('individual, substitute, telephone, media, HHS', () => {
    const r = run({ affectedByState: { OH: 800 }, insufficientContact: 20, imminentMisuse: true });
    expect(kinds(r)).toEqual([
      'individual-notice',
      'substitute-notice',
      'telephone-notice',
      'media-notice:OH',
      'hhs-notice:contemporaneous',
    ]);
    expect(r.obligations[2]).toEqual({ kind: 'telephone-notice', dueOn: '2025-05-09', citation: '45 CFR 164.404(d)(3)' });
  });
});

describe('business associates (164.410)', () => {
  const ba = {
    reporter: 'business-associate',
    discoveredOn: '2025-04-01',
    affectedByState: { CA: 900, TX: 3000 },
    insufficientContact: 40,
    imminentMisuse: true,
  };
  it('independent contractor: covered-entity notice only', () => {
    const r = evaluateTriageJson(ba, overlays);
    expect(r.obligations).toEqual([{ kind: 'covered-entity-notice', dueOn: '2025-05-31', citation: '45 CFR 164.410' }]);
  });
  it("agent: the covered entity's clock started at the business associate's discovery", () => {
    const r = evaluateTriageJson({ ...ba, businessAssociateIsAgent: true }, overlays);
    expect(r.obligations).toEqual([
      { kind: 'covered-entity-notice', dueOn: '2025-05-31', citation: '45 CFR 164.410', coveredEntityDiscoveredOn: '2025-04-01' },
    ]);
  });
  it('a law-enforcement hold delays the notice to the covered entity too', () => {
    const r = evaluateTriageJson(
      { ...ba, lawEnforcementDelay: { statement: 'written', madeOn: '2025-04-11', until: '2025-05-11' } },
      overlays,
    );
    expect(r.hold).toEqual({ until: '2025-05-11' });
    expect(r.obligations[0].dueOn).toBe('2025-06-30'); // 50 days left on 04-11, added after 05-11
  });
  it('agent flag is ignored for a covered entity', () => {
    expect(run({ businessAssociateIsAgent: true })).toEqual(run());
  });
});

describe('law-enforcement hold (164.412) under both policies', () => {
  // Discovered 2025-03-10, federal due 2025-05-09.
  it('oral, toll: capped at 30 days from the statement; remaining days added after', () => {
    const r = run({ lawEnforcementDelay: { statement: 'oral', madeOn: '2025-03-20' }, lawEnforcementPolicy: 'toll' });
    expect(r.hold).toEqual({ until: '2025-04-19' });
    expect(r.obligations[0].dueOn).toBe('2025-06-08'); // 50 days left on 03-20 → 04-19 + 50
  });

  it('oral with a longer stated period is still capped at 30 days', () => {
    const r = run({ lawEnforcementDelay: { statement: 'oral', madeOn: '2025-03-20', until: '2025-09-01' } });
    expect(r.hold).toEqual({ until: '2025-04-19' });
  });

  it('oral with a shorter stated period ends then', () => {
    expect(run({ lawEnforcementDelay: { statement: 'oral', madeOn: '2025-03-20', until: '2025-03-30' } }).hold).toEqual({
      until: '2025-03-30',
    });
  });

  it('oral, strict: the original date stands while still ahead of the hold end', () => {
    const r = run({ lawEnforcementDelay: { statement: 'oral', madeOn: '2025-03-20' }, lawEnforcementPolicy: 'strict' });
    expect(r.hold).toEqual({ until: '2025-04-19' });
    expect(r.obligations[0].dueOn).toBe('2025-05-09');
  });

  it('written, strict: a period past the deadline makes notice due when the hold ends', () => {
    const r = run({
      lawEnforcementDelay: { statement: 'written', madeOn: '2025-04-01', until: '2025-07-01' },
      lawEnforcementPolicy: 'strict',
    });
    expect(r.hold).toEqual({ until: '2025-07-01' });
    expect(r.obligations.map((o) => o.dueOn)).toEqual(['2025-07-01', '2025-07-01', '2026-03-01']);
  });

  it('written, toll: the written period is honoured beyond 30 days', () => {
    const r = run({
      lawEnforcementDelay: { statement: 'written', madeOn: '2025-04-01', until: '2025-07-01' },
      lawEnforcementPolicy: 'toll',
    });
    expect(r.obligations[0].dueOn).toBe('2025-08-08'); // 38 days left on 04-01 → 07-01 + 38
  });

  it('the annual HHS date moves only if the hold is still running then (either policy)', () => {
    const short = run({ lawEnforcementDelay: { statement: 'written', madeOn: '2025-04-01', until: '2025-07-01' } });
    expect(short.obligations.find((o) => o.kind === 'hhs-notice')?.dueOn).toBe('2026-03-01');
    const long = run({
      discoveredOn: '2025-12-01',
      lawEnforcementDelay: { statement: 'written', madeOn: '2025-12-05', until: '2026-04-01' },
    });
    expect(long.obligations.find((o) => o.kind === 'hhs-notice')?.dueOn).toBe('2026-04-01');
  });

  it('a hold that ended before discovery changes nothing under toll', () => {
    const r = run({ lawEnforcementDelay: { statement: 'written', madeOn: '2025-02-01', until: '2025-03-01' } });
    expect(r.obligations[0].dueOn).toBe('2025-05-09');
  });

  it('no hold reported for incidents that are not breaches', () => {
    expect(run({ exception: 'unable-to-retain', lawEnforcementDelay: { statement: 'oral', madeOn: '2025-03-20' } }).hold).toBeNull();
  });
});

describe('state overlays with the shipped data (per-state tables: workflows/state-overlays/tests)', () => {
  const base = { reporter: 'covered-entity', discoveredOn: '2026-03-10', insufficientContact: 0 };
  const so = (affectedByState: Record<string, number>, extra: Record<string, unknown> = {}) =>
    evaluateTriageJson({ ...base, affectedByState, ...extra }, overlays).stateObligations;

  it('worked example 1 (OH 120) stays without state obligations: Ohio exempts HIPAA covered entities', () => {
    expect(run().stateObligations).toEqual([]);
    expect(so({ OH: 5000 })).toEqual([]);
  });

  it('the issue: 700 Massachusetts residents now owe the AG and OCABR, with the statute and version', () => {
    const r = so({ MA: 700 }, { dataElements: ['name', 'ssn'] });
    expect(r.map((o) => o.duty)).toEqual(['ma-93h.ag-ocabr', 'ma-93h.cra', 'ma-93h.credit-monitoring']);
    expect(r[0]).toEqual({
      jurisdiction: 'MA',
      kind: 'state-regulator-notice',
      regulator: 'Attorney General and Director of the Office of Consumer Affairs and Business Regulation',
      dueOn: '2026-05-09',
      dueRule: "as soon as practicable and without unreasonable delay (no fixed day; aimed at the residents' notice)",
      citation: 'M.G.L. c. 93H §§ 3(b), 5',
      ruleVersion: 'MA-93H@2019-04-11',
      duty: 'ma-93h.ag-ocabr',
      dueBasis: 'target',
    });
  });

  it('keys keep the contract order (jurisdiction, kind, regulator, dueOn, dueRule, citation) before the additions', () => {
    const [o] = so({ CA: 501 }, { dataElements: ['name', 'ssn'] }).filter((x) => x.duty === 'ca-civ-1798.82.ag-sample');
    expect(Object.keys(o)).toEqual([
      'jurisdiction',
      'kind',
      'regulator',
      'dueOn',
      'dueRule',
      'citation',
      'ruleVersion',
      'duty',
      'dueBasis',
    ]);
  });

  it('every state obligation has a date, states are in code order, and rule versions name their state', () => {
    const all = Object.fromEntries(['AL', 'CA', 'CO', 'FL', 'IL', 'MA', 'NY', 'PR', 'TX', 'VT', 'WA'].map((s) => [s, 2000]));
    const r = so(all);
    expect(r.length).toBeGreaterThan(20);
    expect(r.map((o) => o.jurisdiction)).toEqual([...r.map((o) => o.jurisdiction)].sort());
    for (const o of r) {
      expect(o.dueOn >= '2026-03-10').toBe(true);
      expect(o.ruleVersion.startsWith(o.jurisdiction)).toBe(true);
    }
  });

  it('zero residents of a state adds nothing; business associates get no state obligations', () => {
    expect(so({ VT: 0, OH: 4 })).toEqual([]);
    expect(
      evaluateTriageJson({ reporter: 'business-associate', discoveredOn: '2026-03-10', affectedByState: { VT: 9 } }, overlays)
        .stateObligations,
    ).toEqual([]);
  });

  it('holds apply to state clocks as well', () => {
    const r = so({ CO: 10 }, { lawEnforcementDelay: { statement: 'oral', madeOn: '2026-03-10' }, dataElements: ['name', 'ssn'] });
    expect(r[0]).toMatchObject({ duty: 'co-6-1-716.residents', dueOn: '2026-05-09' }); // 30 days tolled by a 30-day hold from discovery
  });

  it('engine without overlay data still evaluates federal rules', () => {
    expect(evaluateTriageJson({ ...base, affectedByState: { CA: 900 } }, emptyOverlaySet()).stateObligations).toEqual([]);
  });
});

describe('strict input validation names the field', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['unknown top-level field', { extra: 1 }, 'extra'],
    [
      'unknown nested field',
      { safeguards: { encryption: null, keyCompromised: false, destruction: null, keyHeld: 'x' } },
      'safeguards.keyHeld',
    ],
    ['wrong type', { imminentMisuse: 'yes' }, 'imminentMisuse'],
    ['impossible date', { discoveredOn: '2025-02-29' }, 'discoveredOn'],
    ['date with time', { discoveredOn: '2025-03-10T00:00:00Z' }, 'discoveredOn'],
    ['negative count', { affectedByState: { OH: -1 } }, 'affectedByState.OH'],
    ['fractional count', { affectedByState: { OH: 1.5 } }, 'affectedByState.OH'],
    ['unknown state code', { affectedByState: { XX: 4 } }, 'affectedByState.XX'],
    ['lowercase state code is not guessed', { affectedByState: { oh: 4 } }, 'affectedByState.oh'],
    ['bad enum', { exception: 'other' }, 'exception'],
    ['bad reporter', { reporter: 'vendor' }, 'reporter'],
    ['negative insufficient contact', { insufficientContact: -3 }, 'insufficientContact'],
    ['insufficient contact above total', { insufficientContact: 124 }, 'insufficientContact'],
    ['occurred after discovered', { occurredOn: '2025-03-11' }, 'occurredOn'],
    ['hold without madeOn', { lawEnforcementDelay: { statement: 'oral' } }, 'lawEnforcementDelay.madeOn'],
    ['written hold without period', { lawEnforcementDelay: { statement: 'written', madeOn: '2025-03-12' } }, 'lawEnforcementDelay.until'],
    [
      'hold ending before it starts',
      { lawEnforcementDelay: { statement: 'oral', madeOn: '2025-03-12', until: '2025-03-11' } },
      'lawEnforcementDelay.until',
    ],
    ['bad policy', { lawEnforcementPolicy: 'pause' }, 'lawEnforcementPolicy'],
    ['encryption without key state', { safeguards: { encryption: 'nist-800-111' } }, 'safeguards.keyCompromised'],
    ['assessment missing a factor answer', { riskAssessment: { complete: true } }, 'riskAssessment.lowProbabilityOfCompromise'],
    ['string number', { insufficientContact: '6' }, 'insufficientContact'],
  ];
  it.each(cases)('%s', (_name, patch, field) => {
    const e = errorOf({ ...example1(), ...patch });
    expect(e.errors.map((x) => x.field)).toContain(field);
    expect(e.message).toContain(field);
  });

  it('required fields are named when missing', () => {
    const e = errorOf({ reporter: 'covered-entity' });
    expect(e.errors.map((x) => x.field).sort()).toEqual(['affectedByState', 'discoveredOn']);
  });

  it('non-object input is rejected', () => {
    expect(errorOf([1, 2]).field).toBe('(input)');
    expect(errorOf(null).field).toBe('(input)');
  });

  it('the message never echoes the offending value', () => {
    const e = errorOf({ ...example1(), reporter: 'Jane Q. Patient' });
    expect(e.message).not.toContain('Jane');
  });
});
