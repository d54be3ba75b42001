import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { addDays, federalHoliday, isWeekend } from '../../../src/shared/calendar';
import { versionInForce, type StateOverlay, type Threshold } from '../../../src/incidents/domain/triage/state-overlays';
import { evaluateTriageJson } from '../../../src/incidents/domain/triage/triage';
import { DEFAULT_OVERLAYS_DIR, loadStateOverlays } from '../../../src/incidents/infrastructure/state-overlays.loader';
import { caseInput, expectedDuty, overlayCasesFileSchema, type OverlayCase, type OverlayCasesFile } from '../../support/overlay-cases';

/**
 * Runs the case tables beside the overlays (workflows/state-overlays/tests/*.cases.yaml) and checks
 * that every jurisdiction's table covers what the issue asks: under and at/over each threshold, a
 * clock crossing a weekend and a holiday, a HIPAA-entity case, and every duty owed at least once.
 */
const overlays = loadStateOverlays();
const CASES_DIR = join(DEFAULT_OVERLAYS_DIR, 'tests');
const REQUIRED = [
  'AL',
  'AK',
  'AZ',
  'AR',
  'CA',
  'CO',
  'CT',
  'DE',
  'FL',
  'GA',
  'HI',
  'ID',
  'IL',
  'IN',
  'IA',
  'KS',
  'KY',
  'LA',
  'ME',
  'MD',
  'MA',
  'MI',
  'MN',
  'MS',
  'MO',
  'MT',
  'NE',
  'NV',
  'NH',
  'NJ',
  'NM',
  'NY',
  'NC',
  'ND',
  'OH',
  'OK',
  'OR',
  'PA',
  'RI',
  'SC',
  'SD',
  'TN',
  'TX',
  'UT',
  'VT',
  'VA',
  'WA',
  'WV',
  'WI',
  'WY',
  'DC',
  'PR',
  'GU',
  'VI',
];

const files: OverlayCasesFile[] = readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.cases.yaml'))
  .sort()
  .map((f) => {
    const parsed = overlayCasesFileSchema.safeParse(parse(readFileSync(join(CASES_DIR, f), 'utf8')));
    if (!parsed.success) throw new Error(`${f}: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
    if (`${parsed.data.jurisdiction}.cases.yaml` !== f)
      throw new Error(`${f}: jurisdiction ${parsed.data.jurisdiction} does not match the file name`);
    return parsed.data;
  });

function run(file: OverlayCasesFile, c: OverlayCase) {
  const result = evaluateTriageJson(caseInput(file, c), overlays, { explain: true });
  return { result, mine: result.stateObligations.filter((o) => o.jurisdiction === file.jurisdiction) };
}

describe.each(files.map((f) => [f.jurisdiction, f] as const))('%s case table', (_j, file) => {
  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { result, mine } = run(file, c);
    const actual = Object.fromEntries(
      mine.map((o) => [o.duty, { dueOn: o.dueOn, basis: o.dueBasis, condition: o.condition, months: o.months }]),
    );
    const expected = Object.fromEntries(
      Object.entries(c.owed).map(([duty, v]) => {
        const e = expectedDuty(v);
        const a = actual[duty];
        // Basis and months are compared only when the row states them; the condition always.
        return [duty, { dueOn: e.dueOn, basis: e.basis ?? a?.basis, condition: e.condition, months: e.months ?? a?.months }];
      }),
    );
    expect(actual).toEqual(expected);
    for (const [rule, ex] of Object.entries(c.explain ?? {})) {
      const rx = result.explain!.jurisdictions.find((j) => j.jurisdiction === file.jurisdiction)!.rules.find((r) => r.rule === rule);
      expect(rx).toBeDefined();
      expect(rx!.applies).toBe(ex.applies);
      if (ex.why) expect(rx!.why).toContain(ex.why);
    }
  });
});

/** Whether the count a threshold reads is on the "owed" side. */
function over(t: Threshold, n: number): boolean {
  return 'moreThan' in t ? n > t.moreThan : n >= t.atLeast;
}

function countFor(t: Threshold, input: Record<string, unknown>, j: string): number {
  const by = input.affectedByState as Record<string, number>;
  return t.of === 'individuals' ? Object.values(by).reduce((a, b) => a + b, 0) : by[j];
}

describe('coverage of the case tables', () => {
  it('every jurisdiction of the issue has an overlay and a case table', () => {
    expect([...overlays.byJurisdiction.keys()].filter((j) => REQUIRED.includes(j)).sort()).toEqual([...REQUIRED].sort());
    expect(files.map((f) => f.jurisdiction).sort()).toEqual([...REQUIRED].sort());
  });

  describe.each(files.map((f) => [f.jurisdiction, f] as const))('%s', (j, file) => {
    const overlay = overlays.byJurisdiction.get(j) as StateOverlay;
    const inputs = file.cases.map((c) => ({ c, input: caseInput(file, c) }));

    it('has a HIPAA-entity case and a clock case crossing a weekend and a holiday', () => {
      expect(file.cases.some((c) => c.tags.includes('hipaa'))).toBe(true);
      const clocks = inputs.filter(({ c }) => c.tags.includes('clock'));
      expect(clocks.length).toBeGreaterThan(0);
      for (const { c, input } of clocks) {
        const from = input.discoveredOn as string;
        // Up to the last date the case asserts, and at least the federal 60 days (the outer limit of
        // every residents' notice, which states without a clock of their own fall back on).
        const federal = addDays(from, 60);
        const asserted =
          Object.values(c.owed)
            .map((v) => expectedDuty(v).dueOn)
            .sort()
            .pop() ?? federal;
        const last = asserted > federal ? asserted : federal;
        let weekend = false;
        let holiday = false;
        for (let d = addDays(from, 1); d <= last; d = addDays(d, 1)) {
          weekend ||= isWeekend(d);
          holiday ||= overlay.businessCalendar.holiday(d) !== undefined || federalHoliday(d) !== undefined;
        }
        expect({ case: c.name, weekend, holiday }).toEqual({ case: c.name, weekend: true, holiday: true });
      }
    });

    it('tests under and at or over every threshold of the versions in force', () => {
      for (const rule of overlay.rules) {
        const latest = rule.versions[rule.versions.length - 1];
        for (const n of latest.notices) {
          if (!n.threshold) continue;
          const t = n.threshold;
          const applicable = inputs.filter(({ input }) => versionInForce(rule.versions, input.discoveredOn as string) === latest);
          const sides = new Set(applicable.map(({ input }) => over(t, countFor(t, input, j))));
          expect({ duty: `${rule.id}.${n.id}`, under: sides.has(false), over: sides.has(true) }).toEqual({
            duty: `${rule.id}.${n.id}`,
            under: true,
            over: true,
          });
        }
      }
    });

    it('owes every duty a HIPAA covered entity can owe in at least one case', () => {
      const owedSomewhere = new Set(file.cases.flatMap((c) => Object.keys(c.owed)));
      for (const rule of overlay.rules) {
        const v = rule.versions[rule.versions.length - 1];
        if (v.hipaa.effect === 'exempt') {
          expect(file.cases.some((c) => c.explain?.[rule.id]?.applies === false)).toBe(true);
          continue;
        }
        const owes = (h?: 'owed' | 'excused') => v.hipaa.effect === 'none' || h === 'owed';
        const duties = v.notices.filter((n) => owes(n.hipaaEntities)).map((n) => `${rule.id}.${n.id}`);
        if (v.residents.creditMonitoring && owes(v.residents.creditMonitoring.hipaaEntities)) duties.push(`${rule.id}.credit-monitoring`);
        for (const d of duties) expect({ duty: d, owed: owedSomewhere.has(d) }).toEqual({ duty: d, owed: true });
      }
    });
  });
});
