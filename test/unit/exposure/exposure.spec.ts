/**
 * Exposure figures against hand-computed cases, with the real triage engine and the shipped
 * state overlays (no stand-in for the law). Default cost model: letter 0.35 + 0.78, email 0.02,
 * call centre 2,000 per 1,000, credit monitoring 1.00 per person-month for 12 months, media
 * 2,500 per state, substitute notice 5,000.
 */
import type { PopulationFacts } from '../../../src/datasets';
import { costModelWith, DEFAULT_COST_MODEL } from '../../../src/exposure/domain/cost-model';
import {
  analyzeExposure,
  combinePopulations,
  rankExposures,
  type ExposureSubject,
  type TriageFn,
} from '../../../src/exposure/domain/exposure';
import { evaluateTriage, loadStateOverlays, parseTriageInput } from '../../../src/incidents';

const overlays = loadStateOverlays();
const triage: TriageFn = (raw) => evaluateTriage(parseTriageInput(raw), overlays);
const TODAY = '2026-12-04';
const unsecuredToday = {
  secured: false,
  encryption: null,
  keyCompromised: false,
  destruction: null,
  reasons: ['no agent had reported the dataset encrypted'],
};
const securedToday = {
  secured: true,
  encryption: 'nist-800-111' as const,
  keyCompromised: false,
  destruction: null,
  reasons: ['encrypted under key k1 v1'],
};
const pop = (over: Partial<PopulationFacts> = {}): PopulationFacts => ({
  byState: { TX: 600 },
  dataElements: ['name', 'ssn'],
  recordForms: ['electronic'],
  emailAgreed: 0,
  noContact: 0,
  ...over,
});
const subject = (p: PopulationFacts, safeguards: ExposureSubject['safeguards'] = unsecuredToday, id = 'ds-claims'): ExposureSubject => ({
  datasetIds: [id],
  population: p,
  safeguards,
  populationStale: false,
});

describe('exposure of a dataset leaked today', () => {
  it('600 Texas residents with SSNs, unencrypted: media notice, HHS contemporaneous, the AG in 30 days, credit monitoring costed', () => {
    const x = analyzeExposure(subject(pop()), TODAY, triage, DEFAULT_COST_MODEL);
    expect(x.today).toBe('unsecured');
    expect(x.individuals).toBe(600);
    const u = x.unsecured;
    expect(u.breach).toBe(true);
    expect(u.individualNotice).toEqual({ dueOn: '2027-02-02', letters: 600, emails: 0 });
    expect(u.mediaNotice).toEqual([{ jurisdiction: 'TX', residents: 600, dueOn: '2027-02-02' }]);
    expect(u.hhsNotice).toEqual({ timing: 'contemporaneous', dueOn: '2027-02-02' });
    expect(u.stateRegulators).toEqual([expect.objectContaining({ jurisdiction: 'TX', dueOn: '2027-01-03', dueBasis: 'fixed' })]);
    expect(u.substituteNotice).toBeNull();
    expect([u.firstDueOn, u.daysAvailable]).toEqual(['2027-01-03', 30]);
    expect(u.creditMonitoring).toEqual([{ jurisdiction: 'TX', people: 600, months: 12, requiredByState: false }]);
    // 600 × 1.13 = 678; 0.6 × 2,000 = 1,200; 600 × 12 × 1.00 = 7,200; one state's media 2,500.
    expect(u.cost).toEqual({
      letters: 678,
      emails: 0,
      callCenter: 1200,
      creditMonitoring: 7200,
      mediaNotice: 2500,
      substituteNotice: 0,
      total: 11578,
    });
    expect(x.costToday).toBe(11578);
    expect(x.encryptionWouldSave).toBe(11578);
  });

  it('the same dataset encrypted with an uncompromised key: nothing owed, nothing to pay', () => {
    const x = analyzeExposure(subject(pop(), securedToday), TODAY, triage, DEFAULT_COST_MODEL);
    expect(x.today).toBe('secured');
    const s = x.secured;
    expect([s.breach, s.basis]).toEqual([false, 'secured']);
    expect(s.obligations).toEqual([]);
    expect(s.stateObligations).toEqual([]);
    expect([s.individualNotice, s.hhsNotice, s.mediaNotice, s.creditMonitoring, s.letters]).toEqual([null, null, [], [], 0]);
    expect(s.daysAvailable).toBeNull();
    expect(s.cost.total).toBe(0);
    expect([x.costToday, x.encryptionWouldSave]).toEqual([0, 0]);
    // What the safe harbor is worth: the unsecured figures are still shown.
    expect(x.unsecured.cost.total).toBe(11578);
  });

  it('a state that requires longer credit monitoring sets the months (Connecticut: 24 with SSNs)', () => {
    const x = analyzeExposure(subject(pop({ byState: { CT: 600 } })), TODAY, triage, DEFAULT_COST_MODEL);
    expect(x.unsecured.creditMonitoring).toEqual([{ jurisdiction: 'CT', people: 600, months: 24, requiredByState: true }]);
    expect(x.unsecured.cost.creditMonitoring).toBe(14_400);
  });

  it('emails for those who agreed, substitute notice for those without contact, no credit monitoring without SSNs', () => {
    const p = pop({ byState: { TX: 15, OK: 5 }, dataElements: ['name', 'medical'], emailAgreed: 5, noContact: 12 });
    const u = analyzeExposure(subject(p), TODAY, triage, DEFAULT_COST_MODEL).unsecured;
    expect(u.individualNotice).toEqual({ dueOn: '2027-02-02', letters: 3, emails: 5 });
    expect(u.substituteNotice).toEqual({ people: 12, form: 'posting-or-media-with-toll-free', dueOn: '2027-02-02' });
    expect(u.mediaNotice).toEqual([]);
    expect(u.hhsNotice).toEqual({ timing: 'annual', dueOn: '2027-03-01' });
    expect(u.creditMonitoring).toEqual([]);
    // 3 × 1.13 = 3.39; 5 × 0.02 = 0.10; 0.02 × 2,000 = 40; substitute 5,000.
    expect(u.cost).toEqual({
      letters: 3.39,
      emails: 0.1,
      callCenter: 40,
      creditMonitoring: 0,
      mediaNotice: 0,
      substituteNotice: 5000,
      total: 5043.49,
    });
  });

  it('the cost model is configurable: overrides replace only the fields given', () => {
    const m = costModelWith({ postagePerLetter: 0.5, creditMonitoringUptake: 0.25 });
    expect(m).toEqual({ ...DEFAULT_COST_MODEL, postagePerLetter: 0.5, creditMonitoringUptake: 0.25 });
    const u = analyzeExposure(subject(pop()), TODAY, triage, m).unsecured;
    // 600 × 0.85 = 510; 7,200 × 0.25 = 1,800.
    expect([u.cost.letters, u.cost.creditMonitoring, u.cost.total]).toEqual([510, 1800, 510 + 1200 + 1800 + 2500]);
  });

  it('a set of datasets leaked together adds up per state (600 + 0 → media notice that neither alone would owe)', () => {
    const a = pop({ byState: { TX: 300 }, dataElements: ['name'] });
    const b = pop({ byState: { TX: 300, OK: 10 }, dataElements: ['ssn', 'medical-record-number'] });
    const c = combinePopulations([a, b]);
    expect(c.byState).toEqual({ OK: 10, TX: 600 });
    expect(c.dataElements).toEqual(['name', 'ssn', 'medical-record-number']);
    expect(analyzeExposure(subject(a), TODAY, triage, DEFAULT_COST_MODEL).unsecured.mediaNotice).toEqual([]);
    const both = analyzeExposure({ ...subject(c), datasetIds: ['a', 'b'] }, TODAY, triage, DEFAULT_COST_MODEL).unsecured;
    expect(both.mediaNotice.map((m) => m.jurisdiction)).toEqual(['TX']);
    expect(both.hhsNotice?.timing).toBe('contemporaneous');
  });

  it('ranks the largest exposure first; a secured dataset, however large, ranks by what it costs today (nothing)', () => {
    const big = analyzeExposure(subject(pop({ byState: { TX: 50_000 } }), securedToday, 'ds-big'), TODAY, triage, DEFAULT_COST_MODEL);
    const mid = analyzeExposure(subject(pop(), unsecuredToday, 'ds-mid'), TODAY, triage, DEFAULT_COST_MODEL);
    const small = analyzeExposure(subject(pop({ byState: { TX: 20 } }), unsecuredToday, 'ds-small'), TODAY, triage, DEFAULT_COST_MODEL);
    expect(rankExposures([small, big, mid]).map((x) => x.datasetIds[0])).toEqual(['ds-mid', 'ds-small', 'ds-big']);
  });
});
