import { join } from 'node:path';
import { createIncidentDecider, type IncidentCommand } from '../../../src/incidents/domain/incident';
import { loadStateOverlays } from '../../../src/incidents/infrastructure/state-overlays.loader';
import { loadWorkflowDirOrThrow } from '../../../src/workflows/loader';
import { WorkflowRegistry } from '../../../src/workflows/registry';
import { deciderSpec } from '../../support/decider-spec';

/**
 * State obligations in the incident aggregate: they get breach-notification timelines like the
 * federal ones, the incident's data elements decide which statutes apply, and completing a notice
 * other notices are counted from re-dates them (and moves their timers).
 */
const registry = WorkflowRegistry.of(loadWorkflowDirOrThrow(join(__dirname, '../../../workflows')).map((d) => d.definition));
const decider = createIncidentDecider({ overlays: loadStateOverlays(), breachWorkflow: registry.current('breach-notification') });
const spec = deciderSpec(decider);

const ID = '01937a4e-0000-7000-8000-0000000000c1';
const LIST = 'e'.repeat(64);
const officer = { id: 'p-officer', role: 'compliance-officer' };
const responder = { id: 'p-responder', role: 'incident-responder' };
const on = (today: string, actor = officer) => ({ actor, today });
const sched = (obligationId: string, dueOn: string) => ({
  type: 'TimelineScheduled',
  data: { subject: { kind: 'obligation', id: `${ID}.${obligationId}` }, dueOn },
});
const cancel = (obligationId: string) => ({
  type: 'TimelineCancelled',
  data: { subject: { kind: 'obligation', id: `${ID}.${obligationId}` } },
});

function decidedWith(byState: Record<string, number>, dataElements?: Array<'name' | 'ssn' | 'medical'>): IncidentCommand[] {
  return [
    {
      kind: 'report',
      data: {
        incidentId: ID,
        title: 't',
        discoveredOn: '2026-03-10',
        summary: 's',
        reporter: { kind: 'covered-entity' },
        locations: ['laptop'],
        ...(dataElements ? { dataElements } : {}),
      },
      ...on('2026-03-10', responder),
    },
    {
      kind: 'record-affected-list',
      list: {
        digest: LIST,
        size: 1,
        counts: {
          byState,
          insufficientContact: 0,
          ...{ rows: 0, accepted: 0, rejected: 0, duplicates: 0, deceased: 0, deceasedWithoutNextOfKinAddress: 0, emailConsent: 0 },
        },
      },
      ...on('2026-03-11', responder),
    },
    { kind: 'decide-triage', decisionId: 'd1', ...on('2026-03-11') },
  ];
}

describe('state obligations in the incident', () => {
  it('get timelines with their due dates, and the decision keeps the explanation beside the contract result', () => {
    const history = spec.history(decidedWith({ CA: 501 }, ['name', 'ssn']).slice(0, 2));
    const { state } = spec
      .given(history)
      .when({ kind: 'decide-triage', decisionId: 'd1', ...on('2026-03-11') })
      .then([
        { type: 'TriageDecided' },
        sched('individual-notice', '2026-05-09'),
        sched('media-notice.CA', '2026-05-09'),
        sched('hhs-notice', '2026-05-09'),
        sched('state.CA.ca-civ-1798.82.residents', '2026-04-09'),
        sched('state.CA.ca-civ-1798.82.ag-sample', '2026-04-24'),
      ]);
    expect(state.obligations['state.CA.ca-civ-1798.82.ag-sample']).toMatchObject({
      scope: 'state',
      jurisdiction: 'CA',
      duty: 'ca-civ-1798.82.ag-sample',
      dueBasis: 'latest',
      ruleVersion: 'CA-civ-1798.82@2026-01-01',
      status: 'open',
    });
    expect(state.lastDecision!.explain!.jurisdictions.map((j) => j.jurisdiction)).toEqual(['CA']);
    expect('explain' in state.lastDecision!.result).toBe(false);
  });

  it("completing the residents' notice re-triages: the AG sample is due 15 days after the real date, and its timer moves", () => {
    spec
      .given(spec.history(decidedWith({ CA: 501 }, ['name', 'ssn'])))
      .when({
        kind: 'complete-obligation',
        obligationId: 'state.CA.ca-civ-1798.82.residents',
        evidence: {
          description: 'letters mailed',
          completedOn: '2026-03-20',
          proof: {
            kind: 'notice-batch',
            batchId: 'b1',
            incidentId: ID,
            noticeKind: 'individual',
            status: 'completed',
            recipientsDigest: LIST,
          },
        },
        ...on('2026-03-20'),
      })
      .then([
        { type: 'ObligationCompleted' },
        { type: 'TimelineCompleted' },
        {
          type: 'TriageDecided',
          data: {
            trigger: 'facts-changed',
            input: { noticesGiven: { 'state-individual-notice': { CA: '2026-03-20' } } },
            changes: [
              {
                change: 'changed',
                obligationId: 'state.CA.ca-civ-1798.82.ag-sample',
                dueOn: '2026-04-04',
                dueBasis: 'relative',
                previous: { dueOn: '2026-04-24', dueBasis: 'latest' },
              },
            ],
          },
        },
        sched('state.CA.ca-civ-1798.82.ag-sample', '2026-04-04'),
      ]);
  });

  it('completing a notice nothing is counted from does not re-triage', () => {
    spec
      .given(spec.history(decidedWith({ CA: 501 }, ['name', 'ssn'])))
      .when({
        kind: 'complete-obligation',
        obligationId: 'media-notice.CA',
        evidence: {
          description: 'press release',
          completedOn: '2026-03-21',
          proof: { kind: 'notice-batch', batchId: 'm1', incidentId: ID, noticeKind: 'media', jurisdiction: 'CA', status: 'completed' },
        },
        ...on('2026-03-21'),
      })
      .then([{ type: 'ObligationCompleted' }, { type: 'TimelineCompleted' }]);
  });

  it('data elements not given: the Massachusetts duties are listed with the condition a person confirms', () => {
    const { state } = spec.when(decidedWith({ MA: 700 })).run();
    const ma = Object.values(state.obligations)
      .filter((o) => o.jurisdiction === 'MA' && o.scope === 'state')
      .map((o) => [o.obligationId, o.condition]);
    expect(ma).toEqual([
      ['state.MA.ma-93h.ag-ocabr', 'personal-information-involved'],
      ['state.MA.ma-93h.cra', 'personal-information-involved'],
      ['state.MA.ma-93h.credit-monitoring', 'personal-information-involved and ssn-involved'],
    ]);
  });

  it('revising the data elements to medical only withdraws them (timers cancelled); back to SSNs reopens them without conditions', () => {
    const history = spec.history(decidedWith({ MA: 700 }));
    const withdrawn = spec
      .given(history)
      .when({ kind: 'revise-facts', facts: { dataElements: ['name', 'medical'] }, ...on('2026-03-12', responder) })
      .then([
        { type: 'IncidentFactsRevised', data: { dataElements: ['name', 'medical'] } },
        {
          type: 'TriageDecided',
          data: {
            changes: [
              { change: 'withdrawn', obligationId: 'state.MA.ma-93h.ag-ocabr' },
              { change: 'withdrawn', obligationId: 'state.MA.ma-93h.cra' },
              { change: 'withdrawn', obligationId: 'state.MA.ma-93h.credit-monitoring' },
            ],
          },
        },
        cancel('state.MA.ma-93h.ag-ocabr'),
        cancel('state.MA.ma-93h.cra'),
        cancel('state.MA.ma-93h.credit-monitoring'),
      ]);
    const { state } = spec
      .given([...history, ...withdrawn.events])
      .when({ kind: 'revise-facts', facts: { dataElements: ['name', 'ssn'] }, ...on('2026-03-13', responder) })
      .run();
    const open = Object.values(state.obligations).filter((o) => o.jurisdiction === 'MA' && o.scope === 'state' && o.status === 'open');
    expect(open.map((o) => [o.obligationId, o.condition])).toEqual([
      ['state.MA.ma-93h.ag-ocabr', undefined],
      ['state.MA.ma-93h.cra', undefined],
      ['state.MA.ma-93h.credit-monitoring', undefined],
    ]);
  });

  it('paper-only locations take a computerized-data statute out; Massachusetts covers paper', () => {
    const cmds = decidedWith({ MA: 700, NJ: 5 }, ['name', 'ssn']);
    (cmds[0] as { data: { locations: string[] } }).data.locations = ['paper-films'];
    const { state } = spec.when(cmds).run();
    const jurisdictions = [
      ...new Set(
        Object.values(state.obligations)
          .filter((o) => o.scope === 'state')
          .map((o) => o.jurisdiction),
      ),
    ];
    expect(jurisdictions).toEqual(['MA']);
    expect(state.lastDecision!.input.recordForms).toEqual(['paper']);
  });
});
