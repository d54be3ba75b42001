import { parseOverlayText } from '../../../src/incidents/infrastructure/state-overlays.loader';
import {
  buildOverlaySet,
  lazyOverlaySet,
  StateOverlayError,
  type StateOverlaySet,
} from '../../../src/incidents/domain/triage/state-overlays';
import { buildBusinessCalendar, holidayDate } from '../../../src/incidents/domain/triage/business-calendar';
import { letterRequirements } from '../../../src/incidents/domain/triage/state-rules';
import { evaluateTriageJson, type TriageResult } from '../../../src/incidents/domain/triage/triage';

/**
 * The engine's handling of the overlay format, on small synthetic overlays (the shipped statutes
 * are tested by the case tables). Discovery 2026-03-10 (Tue): federal 60 days → 2026-05-09 (Sat);
 * the annual HHS log → 2027-03-01.
 */
const SRC = `
        sources: [{ title: synthetic, consulted: 2026-12-04 }]
        scope: { records: [electronic], personalInformation: { withName: [ssn, medical], alone: [account-credentials], citation: "§ 1" } }`;

function overlay(body: string, extra = ''): StateOverlaySet {
  const text = `jurisdiction: MP
name: Testland
${extra}
rules:
  - id: zz-rule
    title: Test rule
    versions:
${body}`;
  return buildOverlaySet([parseOverlayText('MP.yaml', text)]);
}

function version(o: { hipaa?: string; residents?: string; notices?: string; effectiveFrom?: string; condition?: string } = {}): string {
  return `      - version: V1
        effectiveFrom: ${o.effectiveFrom ?? '2020-01-01'}
        statute: Test Act${o.condition ? `\n        condition: ${o.condition}` : ''}${SRC}
        hipaa: ${o.hipaa ?? '{ effect: none, text: applies in full }'}
        residents: ${o.residents ?? '{ due: { noFixedDay: true, target: federal }, text: promptly, citation: "§ 2" }'}
        notices: ${o.notices ?? '[]'}
`;
}

function triage(set: StateOverlaySet, patch: Record<string, unknown> = {}, residents = 10): TriageResult {
  return evaluateTriageJson(
    { reporter: 'covered-entity', discoveredOn: '2026-03-10', affectedByState: { MP: residents }, dataElements: ['name', 'ssn'], ...patch },
    set,
    { explain: true },
  );
}

const duties = (r: TriageResult) =>
  r.stateObligations.map((o) => `${o.duty} ${o.dueOn} ${o.dueBasis}${o.condition ? ` [${o.condition}]` : ''}`);

describe('thresholds', () => {
  const set = (t: string) =>
    overlay(version({ notices: `[{ id: ag, kind: regulator, to: AG, threshold: ${t}, due: { days: 10 }, text: t, citation: c }]` }));
  it('"more than 500" owes at 501, not at 500', () => {
    expect(duties(triage(set('{ moreThan: 500 }'), {}, 500))).toEqual([]);
    expect(duties(triage(set('{ moreThan: 500 }'), {}, 501))).toEqual(['zz-rule.ag 2026-03-20 fixed']);
  });
  it('"at least 500" owes at 500, not at 499', () => {
    expect(duties(triage(set('{ atLeast: 500 }'), {}, 499))).toEqual([]);
    expect(duties(triage(set('{ atLeast: 500 }'), {}, 500))).toEqual(['zz-rule.ag 2026-03-20 fixed']);
  });
  it('a threshold of individuals counts everyone, not only residents; the explanation says which', () => {
    const s = set('{ moreThan: 250, of: individuals }');
    expect(duties(triage(s, {}, 10))).toEqual([]);
    const r = triage(s, { affectedByState: { MP: 10, OH: 200, unknown: 41 } });
    expect(duties(r)).toEqual(['zz-rule.ag 2026-03-20 fixed']);
    expect(r.explain!.jurisdictions.find((j) => j.jurisdiction === 'MP')!.rules[0].duties[1].why).toContain('251 individuals in total');
    expect(r.explain!.unknownState).toBe(41);
  });
});

describe('HIPAA effect', () => {
  const notices =
    '[{ id: ag, kind: regulator, to: AG, due: { days: 10 }, text: t, citation: c, hipaaEntities: owed }, { id: cra, kind: consumer-reporting-agencies, to: CRAs, due: { days: 20 }, text: t, citation: c, hipaaEntities: excused }]';
  it('exempt: the statute does not apply to a covered entity and says why', () => {
    const r = triage(
      overlay(
        version({
          hipaa: '{ effect: exempt, text: "HIPAA entities are out" }',
          notices: '[{ id: ag, kind: regulator, to: AG, due: { days: 10 }, text: t, citation: c }]',
        }),
      ),
    );
    expect(r.stateObligations).toEqual([]);
    expect(r.explain!.jurisdictions[0].rules[0]).toMatchObject({
      applies: false,
      why: 'does not apply to HIPAA covered entities: HIPAA entities are out',
    });
  });
  it('deemed: excused duties are explained, owed ones listed', () => {
    const r = triage(
      overlay(
        version({
          hipaa: '{ effect: deemed, text: deemed }',
          residents: '{ due: { days: 30 }, text: "30 days", citation: "§ 2", hipaaEntities: excused }',
          notices,
        }),
      ),
    );
    expect(duties(r)).toEqual(['zz-rule.ag 2026-03-20 fixed']);
    const ex = r.explain!.jurisdictions[0].rules[0].duties;
    expect(ex.map((d) => [d.duty, d.owed])).toEqual([
      ['zz-rule.residents', false],
      ['zz-rule.ag', true],
      ['zz-rule.cra', false],
    ]);
    expect(ex[2].why).toContain('excused for a HIPAA covered entity');
  });
  it('none: a 30-day resident clock shorter than the federal 60 days is listed; 60 days or no fixed day is not', () => {
    const r30 = triage(overlay(version({ residents: '{ due: { days: 30 }, text: "30 days", citation: "§ 2" }' })));
    expect(duties(r30)).toEqual(['zz-rule.residents 2026-04-09 fixed']);
    expect(duties(triage(overlay(version({ residents: '{ due: { days: 60 }, text: "60 days", citation: "§ 2" }' }))))).toEqual([]);
    const nofixed = triage(overlay(version()));
    expect(nofixed.stateObligations).toEqual([]);
    expect(nofixed.explain!.jurisdictions[0].rules[0].duties[0].why).toContain(
      'no fixed day (promptly): the federal individual notice (due 2026-05-09) is the outer limit',
    );
  });
  it('the schema refuses a deemed version whose duty does not say owed or excused, and an excused duty without deeming', () => {
    expect(() => overlay(version({ hipaa: '{ effect: deemed, text: d }' }))).toThrow(
      /residents\.hipaaEntities: is required \(owed or excused\) when hipaa\.effect is deemed/,
    );
    expect(() => overlay(version({ residents: '{ due: { days: 30 }, text: t, citation: c, hipaaEntities: excused }' }))).toThrow(
      /can be excused only when hipaa\.effect is deemed/,
    );
  });
});

describe('personal information and record forms decide whether the statute applies', () => {
  const set = overlay(version({ notices: '[{ id: ag, kind: regulator, to: AG, due: { days: 10 }, text: t, citation: c }]' }));
  it('elements that need a name do not count without one; elements that stand alone do', () => {
    expect(duties(triage(set, { dataElements: ['ssn'] }))).toEqual([]);
    expect(duties(triage(set, { dataElements: ['name', 'medical'] }))).toEqual(['zz-rule.ag 2026-03-20 fixed']);
    expect(duties(triage(set, { dataElements: ['account-credentials'] }))).toEqual(['zz-rule.ag 2026-03-20 fixed']);
    const r = triage(set, { dataElements: ['name', 'date-of-birth'] });
    expect(r.stateObligations).toEqual([]);
    expect(r.explain!.jurisdictions[0].rules[0].why).toBe(
      'no personal information as the statute defines it: it covers a name with Social Security number, medical information; or user name with password alone (§ 1)',
    );
  });
  it('unknown data elements: listed, with the condition a person confirms', () => {
    expect(duties(triage(set, { dataElements: undefined }))).toEqual(['zz-rule.ag 2026-03-20 fixed [personal-information-involved]']);
  });
  it('a computerized-data statute does not reach a paper-only breach', () => {
    expect(duties(triage(set, { recordForms: ['paper'] }))).toEqual([]);
    expect(duties(triage(set, { recordForms: ['paper', 'electronic'] }))).toEqual(['zz-rule.ag 2026-03-20 fixed']);
  });
  it('a version condition and a notice condition are both carried', () => {
    const s = overlay(
      version({
        condition: 'licensed-health-facility',
        notices: '[{ id: ag, kind: regulator, to: AG, due: { days: 10 }, text: t, citation: c, condition: public-agency }]',
      }),
    );
    expect(duties(triage(s))).toEqual(['zz-rule.ag 2026-03-20 fixed [licensed-health-facility and public-agency]']);
  });
});

describe('due dates: clocks, relative rules, targets', () => {
  const one = (due: string, patch: Record<string, unknown> = {}, residents = 10, res?: string) =>
    duties(
      triage(
        overlay(version({ residents: res, notices: `[{ id: n, kind: regulator, to: R, due: ${due}, text: "the words", citation: c }]` })),
        patch,
        residents,
      ),
    );

  it('calendar days from discovery (day 0) are not moved off a weekend', () => {
    expect(one('{ days: 60 }')).toEqual(['zz-rule.n 2026-05-09 fixed']); // a Saturday
  });
  it('"with" and "before" the residents notice use its due date until it is given, then the real date', () => {
    expect(one('{ with: residents }')).toEqual(['zz-rule.n 2026-05-09 latest']);
    expect(one('{ before: residents }')).toEqual(['zz-rule.n 2026-05-08 latest']);
    expect(one('{ with: residents }', { noticesGiven: { 'individual-notice': '2026-04-01' } })).toEqual(['zz-rule.n 2026-04-01 relative']);
    // A state's own residents' notice, when given, takes precedence over the federal one.
    expect(
      one('{ with: residents }', { noticesGiven: { 'individual-notice': '2026-04-01', 'state-individual-notice': { MP: '2026-03-25' } } }),
    ).toEqual(['zz-rule.n 2026-03-25 relative']);
  });
  it('"with residents" follows a state resident clock shorter than the federal one', () => {
    expect(one('{ after: residents, days: 15 }', {}, 10, '{ due: { days: 30 }, text: t, citation: c }')).toEqual([
      'zz-rule.residents 2026-04-09 fixed',
      'zz-rule.n 2026-04-24 latest',
    ]);
  });
  it('after the HHS notice: the annual log date below 500 in total, the individual date at 500 or more', () => {
    expect(one('{ after: hhs, days: 5 }', {}, 499)).toEqual(['zz-rule.n 2027-03-06 latest']);
    expect(one('{ after: hhs, days: 5 }', {}, 500)).toEqual(['zz-rule.n 2026-05-14 latest']);
    expect(one('{ after: hhs, days: 5 }', { noticesGiven: { 'hhs-notice': '2026-04-01' } })).toEqual(['zz-rule.n 2026-04-06 relative']);
  });
  it("no fixed day: a target (the residents' date, or the federal outer limit), with the statute's words", () => {
    expect(one('{ noFixedDay: true, target: residents }')).toEqual(['zz-rule.n 2026-05-09 target']);
    expect(one('{ noFixedDay: true, target: federal }', { noticesGiven: { 'individual-notice': '2026-04-01' } })).toEqual([
      'zz-rule.n 2026-05-09 target',
    ]);
    const r = triage(
      overlay(
        version({
          notices:
            '[{ id: n, kind: regulator, to: R, due: { noFixedDay: true, target: residents }, text: "as soon as practicable", citation: c }]',
        }),
      ),
    );
    expect(r.stateObligations[0].dueRule).toBe('as soon as practicable');
  });
  it('whichever comes first', () => {
    expect(one('{ earliestOf: [{ with: residents }, { days: 45 }] }')).toEqual(['zz-rule.n 2026-04-24 fixed']);
    expect(one('{ earliestOf: [{ with: residents }, { days: 45 }] }', { noticesGiven: { 'individual-notice': '2026-03-20' } })).toEqual([
      'zz-rule.n 2026-03-20 relative',
    ]);
  });
  it('a law-enforcement hold tolls fixed clocks and the anchors of relative ones', () => {
    const hold = { lawEnforcementDelay: { statement: 'written', madeOn: '2026-03-10', until: '2026-04-09' } };
    expect(one('{ days: 10 }', hold)).toEqual(['zz-rule.n 2026-04-19 fixed']);
    expect(one('{ after: residents, days: 10 }', hold)).toEqual(['zz-rule.n 2026-06-18 latest']);
  });
});

describe("business days follow the jurisdiction's calendar", () => {
  const cal = `calendar:
  name: Testland holidays
  citation: Testland Code 1
  federal: true
  exceptFederal: [Columbus Day]
  holidays:
    - { name: Founders Day, date: "03-13", observed: sunday-to-monday }
    - { name: Harvest Friday, month: 11, weekday: thursday, nth: 4, plusDays: 1 }
    - { name: Election Day, month: 11, weekday: monday, nth: 1, plusDays: 1, years: even }`;
  const set = overlay(version({ notices: '[{ id: n, kind: regulator, to: R, due: { businessDays: 5 }, text: t, citation: c }]' }), cal);
  it('skips weekends and the listed state holidays (Friday 13 March)', () => {
    expect(duties(triage(set))).toEqual(['zz-rule.n 2026-03-18 fixed']); // 11, 12, (13 holiday), 16, 17, 18
  });
  it('keeps federal holidays except those the state drops, and applies year rules', () => {
    const after = (given: string) =>
      duties(
        triage(
          overlay(
            version({ notices: '[{ id: n, kind: regulator, to: R, due: { after: hhs, businessDays: 3 }, text: t, citation: c }]' }),
            cal,
          ),
          { noticesGiven: { 'hhs-notice': given } },
        ),
      );
    expect(after('2026-10-09')).toEqual(['zz-rule.n 2026-10-14 relative']); // Columbus Day (12 Oct) is a business day here
    expect(after('2026-11-02')).toEqual(['zz-rule.n 2026-11-06 relative']); // election day 3 Nov 2026 (even year) skipped
    expect(after('2027-11-01')).toEqual(['zz-rule.n 2027-11-04 relative']); // no election holiday in 2027
    expect(after('2026-11-24')).toEqual(['zz-rule.n 2026-12-01 relative']); // Thanksgiving and Harvest Friday skipped
  });
  it('a file that counts business days without a calendar is refused, naming the version', () => {
    expect(() =>
      overlay(version({ notices: '[{ id: n, kind: regulator, to: R, due: { businessDays: 5 }, text: t, citation: c }]' })),
    ).toThrow(/state overlay MP\.yaml: rules\.0\.versions\.0: counts business days: the file needs a calendar/);
  });
});

describe('credit monitoring and letter content', () => {
  const res = `{ due: { noFixedDay: true, target: federal }, text: t, citation: c,
          creditMonitoring: { months: 18, when: [ssn], text: "monitoring", citation: "§ 3A" },
          letter: { citation: "§ 3(b)", mustInclude: [{ id: freeze, text: "how to freeze" }, { id: cra, text: "CRA numbers", when: [ssn] }], mustNotInclude: [{ id: count, text: "the number affected" }] } }`;
  const set = overlay(version({ residents: res }));
  it("monitoring is owed with the residents' notice when an SSN is involved, and explained when not", () => {
    expect(triage(set).stateObligations).toEqual([
      expect.objectContaining({
        kind: 'state-credit-monitoring-offer',
        duty: 'zz-rule.credit-monitoring',
        dueOn: '2026-05-09',
        dueBasis: 'latest',
        months: 18,
      }),
    ]);
    const r = triage(set, { dataElements: ['name', 'medical'] });
    expect(r.stateObligations).toEqual([]);
    expect(r.explain!.jurisdictions[0].rules[0].duties.find((d) => d.duty === 'zz-rule.credit-monitoring')!.why).toBe(
      'owed only when Social Security number was involved',
    );
    expect(duties(triage(set, { dataElements: undefined }))).toEqual([
      'zz-rule.credit-monitoring 2026-05-09 latest [personal-information-involved and ssn-involved]',
    ]);
  });
  it('the letter content a statute asks is in the explanation and from letterRequirements(), filtered by elements', () => {
    const ex = triage(set, { dataElements: ['name', 'medical'] }).explain!.jurisdictions[0].rules[0];
    expect(ex.letter).toEqual({
      mustInclude: [{ id: 'freeze', text: 'how to freeze' }],
      mustNotInclude: [{ id: 'count', text: 'the number affected' }],
      citation: '§ 3(b)',
    });
    expect(letterRequirements(set, 'MP', '2026-03-10', ['name', 'ssn'])[0]!.mustInclude.map((i) => i.id)).toEqual(['freeze', 'cra']);
    expect(letterRequirements(set, 'MP', '2026-03-10', ['name', 'date-of-birth'])).toEqual([]);
  });
});

describe('explanations', () => {
  it('a version not yet in force on the discovery date is explained, not applied', () => {
    const r = triage(overlay(version({ effectiveFrom: '2027-01-01', residents: '{ due: { days: 30 }, text: t, citation: c }' })));
    expect(r.stateObligations).toEqual([]);
    expect(r.explain!.jurisdictions[0].rules[0]).toMatchObject({
      ruleVersion: null,
      applies: false,
      why: 'not in force on the discovery date 2026-03-10 (first version from 2027-01-01)',
    });
  });
  it('a jurisdiction without an overlay, a business associate, and a non-breach are each explained', () => {
    const none = evaluateTriageJson(
      { reporter: 'covered-entity', discoveredOn: '2026-03-10', affectedByState: { AS: 3 } },
      buildOverlaySet([]),
      { explain: true },
    );
    expect(none.explain!.jurisdictions[0].rules[0].why).toContain('no overlay for AS');
    const ba = evaluateTriageJson(
      { reporter: 'business-associate', discoveredOn: '2026-03-10', affectedByState: { AS: 3 } },
      buildOverlaySet([]),
      { explain: true },
    );
    expect(ba.explain!.jurisdictions[0].rules[0].why).toContain('business associate');
    const secured = evaluateTriageJson(
      {
        reporter: 'covered-entity',
        discoveredOn: '2026-03-10',
        affectedByState: { AS: 3 },
        safeguards: { encryption: 'nist-800-111', keyCompromised: false },
      },
      buildOverlaySet([]),
      { explain: true },
    );
    expect(secured.explain!.outcome).toContain('safe harbor');
    const low = evaluateTriageJson(
      {
        reporter: 'covered-entity',
        discoveredOn: '2026-03-10',
        affectedByState: { AS: 3 },
        riskAssessment: { complete: true, lowProbabilityOfCompromise: true },
      },
      buildOverlaySet([]),
      { explain: true },
    );
    expect(low.explain!.jurisdictions[0].rules[0].why).toContain('risk-of-harm');
  });
  it('without the explain option the result has no explain key (the contract bytes are unchanged)', () => {
    const r = evaluateTriageJson(
      { reporter: 'covered-entity', discoveredOn: '2026-03-10', affectedByState: { MP: 3 } },
      overlay(version()),
    );
    expect('explain' in r).toBe(false);
  });
});

describe('loading overlay files', () => {
  it('a bad field names the file, the path and the line', () => {
    try {
      overlay(version({ notices: '[{ id: ag, kind: regulator, to: AG, due: { weeks: 2 }, text: t, citation: c }]' }));
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(StateOverlayError);
      const err = e as StateOverlayError;
      expect([err.file, err.path]).toEqual(['MP.yaml', 'rules.0.versions.0.notices.0.due']);
      expect(err.line).toBe(15); // the notices line of the synthetic file
      expect(err.message).toMatch(/^state overlay MP\.yaml: rules\.0\.versions\.0\.notices\.0\.due: .* \(line 15\)$/);
    }
  });
  it('unknown fields, YAML syntax errors and a jurisdiction defined twice are refused', () => {
    expect(() => overlay(version(), 'colour: blue')).toThrow(
      /state overlay MP\.yaml: colour: is not a field of the overlay format \(line 3\)/,
    );
    expect(() => parseOverlayText('XX.yaml', 'jurisdiction: [unclosed')).toThrow(/state overlay XX\.yaml: \(yaml\): /);
    const doc = parseOverlayText('A.yaml', `jurisdiction: MP\nname: T\nrules:\n  - id: r\n    title: t\n    versions:\n${version()}`);
    expect(() => buildOverlaySet([doc, { ...doc, source: 'B.yaml' }])).toThrow(
      /state overlay B\.yaml: jurisdiction: MP is defined in two files/,
    );
  });
  it('versions must be in increasing effectiveFrom order', () => {
    expect(() => overlay(version({ effectiveFrom: '2024-01-01' }) + version({ effectiveFrom: '2023-01-01' }).replace('V1', 'V2'))).toThrow(
      /rules\.0\.versions\.1\.effectiveFrom: versions must be in increasing effectiveFrom order/,
    );
  });
});

describe('holiday rules', () => {
  it('observance, last weekday of a month, days after a weekday, and a holiday observed in the previous year', () => {
    const cal = buildBusinessCalendar({
      name: 'x',
      citation: 'x',
      federal: false,
      exceptFederal: [],
      holidays: [
        { name: 'New Year', date: '01-01', observed: 'nearest-weekday', years: 'all' },
        { name: 'Sunday only', date: '07-04', observed: 'sunday-to-monday', years: 'all' },
        { name: 'Last Monday of May', month: 5, weekday: 'monday', nth: -1, plusDays: 0, years: 'all' },
        { name: 'Day after 4th Thursday', month: 11, weekday: 'thursday', nth: 4, plusDays: 1, years: 'all' },
      ],
    });
    expect(cal.holiday('2021-12-31')).toBe('New Year'); // 1 January 2022 is a Saturday
    expect(cal.holiday('2026-07-03')).toBeUndefined(); // 4 July 2026 is a Saturday: not moved under sunday-to-monday
    expect(cal.holiday('2027-07-05')).toBe('Sunday only'); // 4 July 2027 is a Sunday
    expect(cal.holiday('2026-05-25')).toBe('Last Monday of May');
    expect(cal.holiday('2024-11-29')).toBe('Day after 4th Thursday'); // 1 Nov 2024 is a Friday: 4th Thursday is the 28th
    expect(holidayDate({ name: 'n', month: 11, weekday: 'friday', nth: 4, plusDays: 0, years: 'all' }, 2024)).toBe('2024-11-22');
  });
});

describe('lazy overlay set (CLI processes)', () => {
  it('loads on first use, once', () => {
    let loads = 0;
    const set = lazyOverlaySet(() => {
      loads++;
      return overlay(version());
    });
    expect(loads).toBe(0);
    expect(set.byJurisdiction.has('MP')).toBe(true);
    expect(set.byJurisdiction.size).toBe(1);
    expect(loads).toBe(1);
  });
});
