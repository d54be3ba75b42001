import { TwoPersonRuleError } from '../../../src/auth/domain/two-person-rule';
import {
  createIncidentDecider, holdCapReminders, IncidentCommand, IncidentEvent, IncidentRuleError, IncidentState, retainUntil,
  TriageDecidedData,
} from '../../../src/incidents/domain/incident';
import { loadStateOverlays } from '../../../src/incidents/infrastructure/state-overlays.loader';

const decider = createIncidentDecider({ overlays: loadStateOverlays() });
const ID = '01937a4e-0000-7000-8000-000000000001';
const responder = { id: 'p-responder', role: 'incident-responder' };
const officer = { id: 'p-officer', role: 'compliance-officer' };
const officer2 = { id: 'p-officer-2', role: 'compliance-officer' };

/** Replays commands through decide/evolve, keeping every event (a tiny in-memory stream). */
class Stream {
  state: IncidentState = decider.initialState();
  events: IncidentEvent[] = [];
  run(cmd: IncidentCommand): IncidentEvent[] {
    const out = decider.decide(cmd, this.state);
    for (const e of out) this.state = decider.evolve(this.state, e);
    this.events.push(...out);
    return out;
  }
  lastDecision(): TriageDecidedData {
    return this.state.lastDecision!;
  }
}

function reported(discoveredOn = '2025-03-10'): Stream {
  const s = new Stream();
  s.run({
    kind: 'report',
    data: {
      incidentId: ID, title: 'Laptop stolen from car', discoveredOn, summary: 'Unencrypted laptop with scheduling data stolen.',
      reporter: { kind: 'covered-entity' }, discovery: { basis: 'actual-knowledge' }, occurred: { from: '2025-03-01' },
      breachType: 'theft', locations: ['laptop'], datasetIds: ['ds-1'], hostIds: ['host-1'],
    },
  });
  return s;
}

const today = '2025-03-12';
const base = (actor = officer, on = today) => ({ actor, today: on });

describe('incident aggregate', () => {
  it('reported → triage on facts; triage needs counts first', () => {
    const s = reported();
    expect(s.state.status).toBe('reported');
    expect(() => s.run({ kind: 'decide-triage', decisionId: 'd1', ...base() })).toThrow(/affected-individuals list or record/);
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 120, unknown: 3 }, insufficientContact: 6 }, reason: 'estimate', ...base(responder) });
    expect(s.state.status).toBe('triage');
  });

  it('a decision carries its inputs, rule version and obligations (weekend due dates flagged, not moved)', () => {
    const s = reported();
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 120, unknown: 3 }, insufficientContact: 6 }, reason: 'estimate', ...base(responder) });
    s.run({ kind: 'decide-triage', decisionId: 'd1', ...base() });
    const d = s.lastDecision();
    expect(s.state.status).toBe('breach');
    expect(d).toMatchObject({ sequence: 1, trigger: 'decision', ruleSet: 'hitech-2013', ruleVersion: '1', decidedBy: officer.id });
    expect(d.input).toMatchObject({ discoveredOn: '2025-03-10', occurredOn: '2025-03-01', insufficientContact: 6, lawEnforcementPolicy: 'toll' });
    expect(Object.values(s.state.obligations).map((o) => [o.obligationId, o.dueOn, o.status, o.ruleVersion])).toEqual([
      ['individual-notice', '2025-05-09', 'open', '1'],
      ['substitute-notice', '2025-05-09', 'open', '1'],
      ['hhs-notice', '2026-03-01', 'open', '1'],
    ]);
    expect(s.state.obligations['hhs-notice'].nonBusinessDay).toEqual({ kind: 'weekend', day: 'Sunday' });
    expect(s.state.obligations['individual-notice'].nonBusinessDay).toBeUndefined();
  });

  it('an exception documented → not a breach, evidence kept six years', () => {
    const s = reported();
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 1 }, insufficientContact: 0 }, reason: 'revised-count', ...base(responder) });
    s.run({ kind: 'assess-exception', exception: 'unintentional-workforce', rationale: 'Nurse opened the wrong chart in good faith.', ...base(responder) });
    s.run({ kind: 'decide-triage', decisionId: 'd1', ...base() });
    expect(s.state.status).toBe('not-a-breach');
    expect(s.state.exception?.evidenceRetainUntil).toBe('2031-03-12');
    expect(s.lastDecision()).toMatchObject({ result: { breach: false, basis: 'exception' }, evidenceRetainUntil: '2031-03-12', changes: [] });
  });

  it('four-factor assessment: each factor with rationale; incomplete does not rebut', () => {
    const s = reported();
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 10 }, insufficientContact: 0 }, reason: 'revised-count', ...base(responder) });
    const three = {
      natureAndExtent: { risk: 'low' as const, rationale: 'Appointment times only.' },
      unauthorizedRecipient: { risk: 'low' as const, rationale: 'Another covered entity.' },
      acquiredOrViewed: { risk: 'low' as const, rationale: 'Returned unopened, forensics confirm.' },
    };
    s.run({ kind: 'record-risk-assessment', factors: three, lowProbabilityOfCompromise: true, ...base(responder) });
    expect(s.state.assessment?.complete).toBe(false);
    s.run({ kind: 'decide-triage', decisionId: 'd1', ...base() });
    expect(s.lastDecision().result.basis).toBe('presumed');
    expect(() =>
      s.run({ kind: 'record-risk-assessment', factors: { ...three, mitigation: { risk: 'low', rationale: ' ' } }, lowProbabilityOfCompromise: true, ...base(responder) }),
    ).toThrow(IncidentRuleError);
    s.run({ kind: 'record-risk-assessment', factors: { ...three, mitigation: { risk: 'low', rationale: 'Attestation of destruction.' } }, lowProbabilityOfCompromise: true, ...base(responder) });
    // Facts changed after a decision: re-triage appended in the same batch.
    expect(s.events[s.events.length - 1].type).toBe('TriageDecided');
    expect(s.lastDecision()).toMatchObject({ sequence: 2, trigger: 'facts-changed', result: { breach: false, basis: 'low-probability' } });
    expect(s.state.status).toBe('not-a-breach');
    expect(Object.values(s.state.obligations).every((o) => o.status === 'withdrawn')).toBe(true);
  });

  it('re-triage on a revised count adds media and moves HHS to contemporaneous; discovery never moves', () => {
    const s = reported();
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 120 }, insufficientContact: 0 }, reason: 'estimate', ...base(responder) });
    s.run({ kind: 'decide-triage', decisionId: 'd1', ...base() });
    s.run({ kind: 'start-obligation', obligationId: 'individual-notice', ...base(officer, '2025-03-20') });
    s.run({ kind: 'record-affected-list', list: { digest: 'a'.repeat(64), size: 1000, counts: { byState: { OH: 650, PA: 3 }, insufficientContact: 12, rows: 660, accepted: 653, rejected: 2, duplicates: 5, deceased: 1, deceasedWithoutNextOfKinAddress: 0, emailConsent: 40 } }, ...base(responder, '2025-03-25') });
    const d = s.lastDecision();
    expect(d.trigger).toBe('facts-changed');
    expect(d.input.discoveredOn).toBe('2025-03-10');
    expect(s.state.listVersion).toBe(1);
    expect(d.changes.map((c) => [c.change, 'obligationId' in c ? c.obligationId : ''])).toEqual([
      ['added', 'substitute-notice'],
      ['added', 'media-notice.OH'],
      ['changed', 'hhs-notice'],
      // Pennsylvania residents: the credit-monitoring offer, until the data elements rule it out.
      ['added', 'state.PA.pa-73-2303.credit-monitoring'],
    ]);
    const hhs = d.changes.find((c) => 'obligationId' in c && c.obligationId === 'hhs-notice');
    expect(hhs).toMatchObject({ change: 'changed', timing: 'contemporaneous', dueOn: '2025-05-09', previous: { timing: 'annual', dueOn: '2026-03-01' } });
    expect(s.state.obligations['individual-notice'].status).toBe('in-progress');
    expect(s.state.status).toBe('notifying');
    // An amended list is a new version.
    s.run({ kind: 'record-affected-list', list: { digest: 'b'.repeat(64), size: 1001, counts: { byState: { OH: 650, PA: 4 }, insufficientContact: 12, rows: 661, accepted: 654, rejected: 2, duplicates: 5, deceased: 1, deceasedWithoutNextOfKinAddress: 0, emailConsent: 40 } }, ...base(responder, '2025-03-26') });
    expect(s.state.listVersion).toBe(2);
  });

  it('a key found compromised takes a secured incident out of safe harbor', () => {
    const s = reported();
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 40 }, insufficientContact: 0 }, reason: 'revised-count', ...base(responder) });
    s.run({ kind: 'record-safeguards', safeguards: { encryption: 'nist-800-111', keyCompromised: false, keyLocation: 'separate', destruction: null, source: 'responder' }, ...base(responder) });
    s.run({ kind: 'decide-triage', decisionId: 'd1', ...base() });
    expect(s.state.status).toBe('not-a-breach');
    s.run({ kind: 'record-safeguards', safeguards: { encryption: 'nist-800-111', keyCompromised: false, keyLocation: 'with-data', destruction: null, source: 'responder', note: 'passphrase taped to the laptop' }, ...base(responder) });
    expect(s.state.status).toBe('breach');
    expect(s.lastDecision().input.safeguards.keyCompromised).toBe(true);
  });

  it('safeguards from the datasets port are recorded before the decision and drive later re-triage', () => {
    const s = reported();
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 40 }, insufficientContact: 0 }, reason: 'revised-count', ...base(responder) });
    const out = s.run({ kind: 'decide-triage', decisionId: 'd1', safeguards: { encryption: 'nist-800-111', keyCompromised: false, destruction: null }, ...base() });
    expect(out.map((e) => e.type)).toEqual(['SafeguardsRecorded', 'TriageDecided']);
    expect(s.state.safeguards).toMatchObject({ source: 'datasets-ledger', encryption: 'nist-800-111' });
    expect(s.lastDecision().result.basis).toBe('secured');
    // Same answer again: nothing recorded. The key is then marked compromised in the keys ledger.
    expect(s.run({ kind: 'refresh-safeguards', safeguards: { encryption: 'nist-800-111', keyCompromised: false, destruction: null }, ...base() })).toEqual([]);
    const r = s.run({ kind: 'refresh-safeguards', safeguards: { encryption: 'nist-800-111', keyCompromised: true, destruction: null }, ...base(officer, '2025-03-20') });
    expect(r.map((e) => e.type)).toEqual(['SafeguardsRecorded', 'TriageDecided']);
    expect(s.lastDecision()).toMatchObject({ trigger: 'facts-changed', result: { breach: true, basis: 'presumed' } });
    expect(s.state.obligations['individual-notice'].dueOn).toBe('2025-05-09'); // from discovery, not from the refresh
  });

  it('law-enforcement holds move due dates by policy; oral holds remind before the 30-day cap; early end re-triages', () => {
    const s = reported();
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 120 }, insufficientContact: 0 }, reason: 'revised-count', ...base(responder) });
    s.run({ kind: 'decide-triage', decisionId: 'd1', ...base() });
    s.run({ kind: 'record-hold', holdId: 'h1', statement: 'oral', madeOn: '2025-03-20', official: { name: 'Det. Example', agency: 'City PD' }, ...base(responder, '2025-03-20') });
    expect(s.lastDecision().result.hold).toEqual({ until: '2025-04-19' });
    expect(s.state.obligations['individual-notice'].dueOn).toBe('2025-06-08');
    expect(holdCapReminders(s.state)).toEqual([{ holdId: 'h1', capOn: '2025-04-19', remindOn: '2025-04-14' }]);
    s.run({ kind: 'end-hold', holdId: 'h1', endedOn: '2025-03-30', reason: 'investigation no longer impeded', ...base(responder, '2025-03-30') });
    expect(s.lastDecision().result.hold).toEqual({ until: '2025-03-30' });
    expect(s.state.obligations['individual-notice'].dueOn).toBe('2025-05-19');
    expect(holdCapReminders(s.state)).toEqual([]);
    expect(() => s.run({ kind: 'record-hold', holdId: 'h2', statement: 'written', madeOn: '2025-04-01', official: { name: 'A', agency: 'FBI' }, ...base(responder) })).toThrow(/until is required/);
    // Decided under strict: the original date stands.
    s.run({ kind: 'record-hold', holdId: 'h3', statement: 'written', madeOn: '2025-04-01', until: '2025-04-20', official: { name: 'A', agency: 'FBI' }, ...base(responder, '2025-04-01') });
    s.run({ kind: 'decide-triage', decisionId: 'd2', policy: 'strict', ...base(officer, '2025-04-01') });
    expect(s.state.obligations['individual-notice'].dueOn).toBe('2025-05-09');
  });

  it('obligations: open → in-progress → done with evidence; waiver needs a second compliance officer', () => {
    const s = reported();
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 120 }, insufficientContact: 3 }, reason: 'revised-count', ...base(responder) });
    s.run({ kind: 'decide-triage', decisionId: 'd1', ...base() });
    s.run({ kind: 'start-obligation', obligationId: 'individual-notice', ...base() });
    expect(() => s.run({ kind: 'complete-obligation', obligationId: 'individual-notice', evidence: { description: 'Mailed', completedOn: '2025-04-30' }, ...base() })).toThrow(/not in the future/);
    s.run({ kind: 'complete-obligation', obligationId: 'individual-notice', evidence: { description: 'Letters mailed first class', completedOn: '2025-03-12', artifactDigest: 'c'.repeat(64) }, ...base() });
    expect(s.state.obligations['individual-notice']).toMatchObject({ status: 'done', evidence: { completedOn: '2025-03-12' } });
    expect(() => s.run({ kind: 'start-obligation', obligationId: 'individual-notice', ...base() })).toThrow(/done/);

    expect(() => s.run({ kind: 'approve-waiver', obligationId: 'substitute-notice', ...base(officer2) })).toThrow(/no waiver was requested/);
    s.run({ kind: 'request-waiver', obligationId: 'substitute-notice', reason: 'All three reached by telephone and confirmed addresses.', ...base() });
    expect(() => s.run({ kind: 'approve-waiver', obligationId: 'substitute-notice', ...base() })).toThrow(TwoPersonRuleError);
    expect(() => s.run({ kind: 'approve-waiver', obligationId: 'substitute-notice', ...base(responder) })).toThrow(TwoPersonRuleError);
    s.run({ kind: 'approve-waiver', obligationId: 'substitute-notice', ...base(officer2) });
    expect(s.state.obligations['substitute-notice']).toMatchObject({ status: 'waived', waiver: { requestedBy: officer.id, approvedBy: officer2.id } });

    // Done and waived obligations are never rewritten by a later decision.
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 130 }, insufficientContact: 30 }, reason: 'returned-mail', ...base(responder) });
    expect(s.state.obligations['substitute-notice'].status).toBe('waived');
    expect(s.state.obligations['substitute-notice'].people).toBe(3);

    expect(() => s.run({ kind: 'close', ...base() })).toThrow(/obligations still open: hhs-notice/);
    s.run({ kind: 'complete-obligation', obligationId: 'hhs-notice', evidence: { description: 'Logged; HHS portal submission receipt', completedOn: '2025-03-12' }, ...base() });
    s.run({ kind: 'close', ...base() });
    expect(s.state.status).toBe('closed');
    expect(() => s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 1 }, insufficientContact: 0 }, reason: 'revised-count', ...base() })).toThrow(/closed/);
  });

  it('state obligations get stable ids and their own rule versions', () => {
    const s = reported('2026-02-02');
    s.run({ kind: 'revise-affected-counts', counts: { byState: { CA: 600, TX: 300 }, insufficientContact: 0 }, reason: 'revised-count', ...base(responder, '2026-02-03') });
    s.run({ kind: 'decide-triage', decisionId: 'd1', ...base(officer, '2026-02-03') });
    const state = Object.values(s.state.obligations).filter((o) => o.scope === 'state');
    expect(state.map((o) => o.ruleVersion)).toContain('CA-civ-1798.82@2026-01-01');
    // Ids come from the overlay duty (stable across versions): state.<XX>.<rule id>.<duty id>.
    expect(state.map((o) => o.obligationId).sort()).toEqual([
      'state.CA.ca-civ-1798.82.ag-sample', 'state.CA.ca-civ-1798.82.residents',
      'state.CA.ca-hs-1280.15.cdph', 'state.CA.ca-hs-1280.15.residents', // data elements not given: medical information may be involved
      'state.TX.tx-bc-521.053.ag',
    ]);
    const again = s.run({ kind: 'revise-facts', facts: { locations: ['laptop', 'email'] }, ...base(responder, '2026-02-04') });
    expect((again[again.length - 1].data as TriageDecidedData).changes).toEqual([]);
  });

  it('closing needs a decision; a not-a-breach incident can close', () => {
    const s = reported();
    expect(() => s.run({ kind: 'close', ...base() })).toThrow(/triage decision is required/);
    s.run({ kind: 'revise-affected-counts', counts: { byState: { OH: 1 }, insufficientContact: 0 }, reason: 'revised-count', ...base(responder) });
    s.run({ kind: 'assess-exception', exception: 'unable-to-retain', rationale: 'Fax to wrong number at a clinic; shredded unread.', ...base(responder) });
    s.run({ kind: 'decide-triage', decisionId: 'd1', ...base() });
    s.run({ kind: 'close', ...base() });
    expect(s.state.status).toBe('closed');
  });

  it('retention: six years, 29 February becomes 1 March', () => {
    expect(retainUntil('2024-02-29')).toBe('2030-03-01');
    expect(retainUntil('2025-03-12')).toBe('2031-03-12');
  });
});

describe('obligation timelines for the workflows engine', () => {
  const { join } = require('node:path') as typeof import('node:path');
  const { loadWorkflowDirOrThrow } = require('../../../src/workflows/loader') as typeof import('../../../src/workflows/loader');
  const { WorkflowRegistry } = require('../../../src/workflows/registry') as typeof import('../../../src/workflows/registry');
  const registry = WorkflowRegistry.of(loadWorkflowDirOrThrow(join(__dirname, '../../../workflows')).map((d) => d.definition));
  const def = registry.current('breach-notification');
  const timed = createIncidentDecider({ overlays: loadStateOverlays(), breachWorkflow: def });

  function run(state: IncidentState, cmd: IncidentCommand): { state: IncidentState; events: IncidentEvent[] } {
    const events = timed.decide(cmd, state);
    let s = state;
    for (const e of events) s = timed.evolve(s, e);
    return { state: s, events };
  }
  const tl = (events: IncidentEvent[]) =>
    events
      .filter((e) => e.type.startsWith('Timeline'))
      .map((e) => {
        const d = e.data as { subject: { id: string }; dueOn?: string };
        return `${e.type}:${d.subject.id.slice(ID.length + 1)}${d.dueOn ? `@${d.dueOn}` : ''}`;
      });

  it('schedules dated obligations, moves them on re-triage, cancels withdrawn ones; oral holds get a cap timeline', () => {
    let s = run(initial(), { kind: 'report', data: { incidentId: ID, title: 't', discoveredOn: '2025-03-10', summary: 's', reporter: { kind: 'covered-entity' } } }).state;
    s = run(s, { kind: 'revise-affected-counts', counts: { byState: { OH: 700 }, insufficientContact: 0 }, reason: 'estimate', ...base(responder) }).state;
    let r = run(s, { kind: 'decide-triage', decisionId: 'd1', ...base() });
    expect(tl(r.events)).toEqual([
      'TimelineScheduled:individual-notice@2025-05-09', 'TimelineScheduled:media-notice.OH@2025-05-09', 'TimelineScheduled:hhs-notice@2025-05-09',
    ]);
    r = run(r.state, { kind: 'record-hold', holdId: 'h1', statement: 'oral', madeOn: '2025-03-20', official: { name: 'Det. X', agency: 'PD' }, ...base(responder, '2025-03-20') });
    expect(tl(r.events)).toEqual([
      'TimelineScheduled:hold-cap.h1@2025-04-19',
      'TimelineScheduled:individual-notice@2025-06-08', 'TimelineScheduled:media-notice.OH@2025-06-08', 'TimelineScheduled:hhs-notice@2025-06-08',
    ]);
    r = run(r.state, { kind: 'record-hold', holdId: 'h2', statement: 'written', madeOn: '2025-04-01', until: '2025-05-01', official: { name: 'Agent Y', agency: 'FBI' }, ...base(responder, '2025-04-01') });
    expect(tl(r.events).slice(0, 1)).toEqual(['TimelineCancelled:hold-cap.h1']);
    r = run(r.state, { kind: 'revise-affected-counts', counts: { byState: { OH: 100 }, insufficientContact: 0 }, reason: 'revised-count', ...base(responder, '2025-04-02') });
    expect(tl(r.events)).toEqual(['TimelineScheduled:hhs-notice@2026-03-01', 'TimelineCancelled:media-notice.OH']);
    r = run(r.state, { kind: 'complete-obligation', obligationId: 'individual-notice', evidence: { description: 'mailed', completedOn: '2025-04-02' }, ...base(officer, '2025-04-02') });
    expect(tl(r.events)).toEqual(['TimelineCompleted:individual-notice']);
  });

  function initial(): IncidentState {
    return timed.initialState();
  }
});
