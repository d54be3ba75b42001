import { join } from 'node:path';
import {
  createIncidentDecider,
  holdCapReminders,
  type IncidentCommand,
  type IncidentEvent,
  type ObligationProof,
  type TriageDecidedData,
  retainUntil,
} from '../../../src/incidents/domain/incident';
import { loadStateOverlays } from '../../../src/incidents/infrastructure/state-overlays.loader';
import { loadWorkflowDirOrThrow } from '../../../src/workflows/loader';
import { WorkflowRegistry } from '../../../src/workflows/registry';
import { deciderSpec } from '../../support/decider-spec';

const spec = deciderSpec(createIncidentDecider({ overlays: loadStateOverlays() }));
const ID = '01937a4e-0000-7000-8000-000000000001';
const responder = { id: 'p-responder', role: 'incident-responder' };
const officer = { id: 'p-officer', role: 'compliance-officer' };
const officer2 = { id: 'p-officer-2', role: 'compliance-officer' };
const TODAY = '2025-03-12';
const by = (actor = officer, today = TODAY) => ({ actor, today });

function reported(discoveredOn = '2025-03-10'): IncidentEvent[] {
  return [
    {
      type: 'IncidentReported',
      data: {
        incidentId: ID,
        title: 'Laptop stolen from car',
        discoveredOn,
        summary: 'Unencrypted laptop with scheduling data stolen.',
        reporter: { kind: 'covered-entity' },
        discovery: { basis: 'actual-knowledge' },
        occurred: { from: '2025-03-01' },
        breachType: 'theft',
        locations: ['laptop'],
        datasetIds: ['ds-1'],
        hostIds: ['host-1'],
      },
    },
  ];
}

const counts = (
  byState: Record<string, number>,
  insufficientContact: number,
  reason: 'estimate' | 'revised-count' | 'returned-mail' = 'revised-count',
  actor = responder,
  today = TODAY,
): IncidentCommand => ({ kind: 'revise-affected-counts', counts: { byState, insufficientContact }, reason, ...by(actor, today) });
const decide = (
  decisionId = 'd1',
  extra: Partial<Extract<IncidentCommand, { kind: 'decide-triage' }>> = {},
  today = TODAY,
): IncidentCommand => ({ kind: 'decide-triage', decisionId, ...by(officer, today), ...extra });
const decisionIn = (events: IncidentEvent[]): TriageDecidedData =>
  events.filter((e) => e.type === 'TriageDecided').pop()!.data as TriageDecidedData;
const list = (digest: string, byState: Record<string, number>, rows: number): IncidentCommand => ({
  kind: 'record-affected-list',
  list: {
    digest,
    size: 1000,
    counts: {
      byState,
      insufficientContact: 12,
      rows,
      accepted: rows - 7,
      rejected: 2,
      duplicates: 5,
      deceased: 1,
      deceasedWithoutNextOfKinAddress: 0,
      emailConsent: 40,
    },
  },
  ...by(responder, '2025-03-25'),
});

describe('incident aggregate: facts and triage', () => {
  it('reported → triage on facts; triage needs counts first', () => {
    expect(spec.given(reported()).state().status).toBe('reported');
    spec
      .given(reported())
      .when(decide())
      .thenThrows({ code: 'INCIDENT_RULE', message: /affected-individuals list or record/ });
    const { state } = spec
      .given(reported())
      .when(counts({ OH: 120, unknown: 3 }, 6, 'estimate'))
      .then([
        {
          type: 'AffectedCountsRevised',
          data: { incidentId: ID, counts: { byState: { OH: 120, unknown: 3 }, insufficientContact: 6 }, reason: 'estimate' },
        },
      ]);
    expect(state.status).toBe('triage');
  });

  it('amending records only what changed, on the reported incident', () => {
    spec
      .given(reported())
      .when({ kind: 'amend', title: 'Laptop stolen from car', ...by(responder) })
      .thenNothing();
    spec
      .given(reported())
      .when({
        kind: 'amend',
        title: 'Laptop stolen from a parked car',
        summary: 'Unencrypted laptop with scheduling data stolen.',
        ...by(responder),
      })
      .then([{ type: 'IncidentDetailsAmended', data: { incidentId: ID, title: 'Laptop stolen from a parked car' } }]);
    spec
      .given([])
      .when({ kind: 'amend', title: 'x', ...by(responder) })
      .thenThrows(/does not exist/);
  });

  it('a decision carries its inputs, rule version and obligations (weekend due dates flagged, not moved)', () => {
    const given = spec.history([counts({ OH: 120, unknown: 3 }, 6, 'estimate')], reported());
    const { state, events } = spec
      .given(given)
      .when(decide())
      .then([
        {
          type: 'TriageDecided',
          data: {
            incidentId: ID,
            decisionId: 'd1',
            sequence: 1,
            trigger: 'decision',
            ruleSet: 'hitech-2013',
            ruleVersion: '1',
            decidedBy: officer.id,
            decidedOn: TODAY,
            input: { discoveredOn: '2025-03-10', occurredOn: '2025-03-01', insufficientContact: 6, lawEnforcementPolicy: 'toll' },
            changes: [
              { change: 'added', obligationId: 'individual-notice', dueOn: '2025-05-09', ruleVersion: '1' },
              { change: 'added', obligationId: 'substitute-notice', dueOn: '2025-05-09', ruleVersion: '1' },
              {
                change: 'added',
                obligationId: 'hhs-notice',
                dueOn: '2026-03-01',
                ruleVersion: '1',
                nonBusinessDay: { kind: 'weekend', day: 'Sunday' },
              },
            ],
          },
        },
      ]);
    expect(decisionIn(events).changes[0]).not.toHaveProperty('nonBusinessDay');
    expect(state.status).toBe('breach');
    expect(Object.values(state.obligations).map((o) => [o.obligationId, o.dueOn, o.status, o.ruleVersion])).toEqual([
      ['individual-notice', '2025-05-09', 'open', '1'],
      ['substitute-notice', '2025-05-09', 'open', '1'],
      ['hhs-notice', '2026-03-01', 'open', '1'],
    ]);
    expect(state.obligations['hhs-notice'].nonBusinessDay).toEqual({ kind: 'weekend', day: 'Sunday' });
    expect(state.obligations['individual-notice'].nonBusinessDay).toBeUndefined();
  });

  it('an exception documented → not a breach, evidence kept six years', () => {
    const given = spec.history([counts({ OH: 1 }, 0)], reported());
    const { state } = spec
      .given(given)
      .when([
        {
          kind: 'assess-exception',
          exception: 'unintentional-workforce',
          rationale: 'Nurse opened the wrong chart in good faith.',
          ...by(responder),
        },
        decide(),
      ])
      .then([
        {
          type: 'ExceptionAssessed',
          data: {
            incidentId: ID,
            exception: 'unintentional-workforce',
            assessedBy: responder.id,
            assessedOn: TODAY,
            evidenceRetainUntil: '2031-03-12',
          },
        },
        { type: 'TriageDecided', data: { result: { breach: false, basis: 'exception' }, evidenceRetainUntil: '2031-03-12', changes: [] } },
      ]);
    expect(state.status).toBe('not-a-breach');
    expect(state.exception?.evidenceRetainUntil).toBe('2031-03-12');
  });

  it('four-factor assessment: each factor with rationale; incomplete does not rebut; completing it re-triages', () => {
    const three = {
      natureAndExtent: { risk: 'low' as const, rationale: 'Appointment times only.' },
      unauthorizedRecipient: { risk: 'low' as const, rationale: 'Another covered entity.' },
      acquiredOrViewed: { risk: 'low' as const, rationale: 'Returned unopened, forensics confirm.' },
    };
    const counted = spec.history([counts({ OH: 10 }, 0)], reported());
    const incomplete: IncidentCommand = {
      kind: 'record-risk-assessment',
      factors: three,
      lowProbabilityOfCompromise: true,
      ...by(responder),
    };
    const first = spec
      .given(counted)
      .when([incomplete, decide()])
      .then([
        { type: 'RiskAssessmentRecorded', data: { complete: false, lowProbabilityOfCompromise: true, assessedBy: responder.id } },
        { type: 'TriageDecided', data: { sequence: 1, result: { breach: true, basis: 'presumed' } } },
      ]);
    expect(first.state.assessment?.complete).toBe(false);
    const decided = [...counted, ...first.events];
    spec
      .given(decided)
      .when({
        kind: 'record-risk-assessment',
        factors: { ...three, mitigation: { risk: 'low', rationale: ' ' } },
        lowProbabilityOfCompromise: true,
        ...by(responder),
      })
      .thenThrows({ code: 'INCIDENT_RULE', message: /factors\.mitigation\.rationale is required/ });
    // Facts changed after a decision: re-triage appended in the same batch.
    const { state, events } = spec
      .given(decided)
      .when({
        kind: 'record-risk-assessment',
        factors: { ...three, mitigation: { risk: 'low', rationale: 'Attestation of destruction.' } },
        lowProbabilityOfCompromise: true,
        ...by(responder),
      })
      .then([
        { type: 'RiskAssessmentRecorded', data: { complete: true } },
        { type: 'TriageDecided', data: { sequence: 2, trigger: 'facts-changed', result: { breach: false, basis: 'low-probability' } } },
      ]);
    expect(decisionIn(events).changes.every((c) => c.change === 'withdrawn')).toBe(true);
    expect(state.status).toBe('not-a-breach');
    expect(Object.values(state.obligations).every((o) => o.status === 'withdrawn')).toBe(true);
  });

  it('re-triage on a revised count adds media and moves HHS to contemporaneous; discovery never moves', () => {
    const given = spec.history(
      [
        counts({ OH: 120 }, 0, 'estimate'),
        decide(),
        { kind: 'start-obligation', obligationId: 'individual-notice', ...by(officer, '2025-03-20') },
      ],
      reported(),
    );
    const imported = spec
      .given(given)
      .when(list('a'.repeat(64), { OH: 650, PA: 3 }, 660))
      .then([
        { type: 'AffectedListImported', data: { incidentId: ID, listVersion: 1, digest: 'a'.repeat(64) } },
        {
          type: 'TriageDecided',
          data: {
            trigger: 'facts-changed',
            input: { discoveredOn: '2025-03-10' },
            changes: [
              { change: 'added', obligationId: 'substitute-notice' },
              { change: 'added', obligationId: 'media-notice.OH' },
              {
                change: 'changed',
                obligationId: 'hhs-notice',
                timing: 'contemporaneous',
                dueOn: '2025-05-09',
                previous: { timing: 'annual', dueOn: '2026-03-01' },
              },
              // Pennsylvania residents: the credit-monitoring offer, until the data elements rule it out.
              { change: 'added', obligationId: 'state.PA.pa-73-2303.credit-monitoring' },
            ],
          },
        },
      ]);
    expect(imported.state.listVersion).toBe(1);
    expect(imported.state.obligations['individual-notice'].status).toBe('in-progress');
    expect(imported.state.status).toBe('notifying');
    // An amended list is a new version.
    const amended = spec
      .given([...given, ...imported.events])
      .when(list('b'.repeat(64), { OH: 650, PA: 4 }, 661))
      .then([
        { type: 'AffectedListImported', data: { listVersion: 2, digest: 'b'.repeat(64) } },
        { type: 'TriageDecided', data: { sequence: 3, trigger: 'facts-changed', changes: [] } },
      ]);
    expect(amended.state.listVersion).toBe(2);
  });

  it('a key found compromised takes a secured incident out of safe harbor', () => {
    const secured = spec.history(
      [
        counts({ OH: 40 }, 0),
        {
          kind: 'record-safeguards',
          safeguards: {
            encryption: 'nist-800-111',
            keyCompromised: false,
            keyLocation: 'separate',
            destruction: null,
            source: 'responder',
          },
          ...by(responder),
        },
        decide(),
      ],
      reported(),
    );
    expect(spec.given(secured).state().status).toBe('not-a-breach');
    const { state } = spec
      .given(secured)
      .when({
        kind: 'record-safeguards',
        safeguards: {
          encryption: 'nist-800-111',
          keyCompromised: false,
          keyLocation: 'with-data',
          destruction: null,
          source: 'responder',
          note: 'passphrase taped to the laptop',
        },
        ...by(responder),
      })
      .then([
        { type: 'SafeguardsRecorded', data: { incidentId: ID, keyLocation: 'with-data', source: 'responder' } },
        {
          type: 'TriageDecided',
          data: { trigger: 'facts-changed', input: { safeguards: { keyCompromised: true } }, result: { breach: true } },
        },
      ]);
    expect(state.status).toBe('breach');
  });

  it('safeguards from the datasets port are recorded before the decision and drive later re-triage', () => {
    const counted = spec.history([counts({ OH: 40 }, 0)], reported());
    const ok = { encryption: 'nist-800-111' as const, keyCompromised: false, destruction: null };
    const first = spec
      .given(counted)
      .when(decide('d1', { safeguards: ok }))
      .then([
        { type: 'SafeguardsRecorded', data: { source: 'datasets-ledger', encryption: 'nist-800-111', keyCompromised: false } },
        { type: 'TriageDecided', data: { trigger: 'decision', result: { breach: false, basis: 'secured' } } },
      ]);
    expect(first.state.safeguards).toMatchObject({ source: 'datasets-ledger', encryption: 'nist-800-111' });
    const decided = [...counted, ...first.events];
    // Same answer again: nothing recorded. The key is then marked compromised in the keys ledger.
    spec
      .given(decided)
      .when({ kind: 'refresh-safeguards', safeguards: ok, ...by() })
      .thenNothing();
    const { state } = spec
      .given(decided)
      .when({ kind: 'refresh-safeguards', safeguards: { ...ok, keyCompromised: true }, ...by(officer, '2025-03-20') })
      .then([
        { type: 'SafeguardsRecorded', data: { source: 'datasets-ledger', keyCompromised: true } },
        { type: 'TriageDecided', data: { trigger: 'facts-changed', decidedOn: '2025-03-20', result: { breach: true, basis: 'presumed' } } },
      ]);
    expect(state.obligations['individual-notice'].dueOn).toBe('2025-05-09'); // from discovery, not from the refresh
  });

  it('law-enforcement holds move due dates by policy; oral holds remind before the 30-day cap; early end re-triages', () => {
    const decided = spec.history([counts({ OH: 120 }, 0), decide()], reported());
    const oral: IncidentCommand = {
      kind: 'record-hold',
      holdId: 'h1',
      statement: 'oral',
      madeOn: '2025-03-20',
      official: { name: 'Det. Example', agency: 'City PD' },
      ...by(responder, '2025-03-20'),
    };
    const held = spec
      .given(decided)
      .when(oral)
      .then([
        {
          type: 'LawEnforcementHoldRecorded',
          data: {
            holdId: 'h1',
            statement: 'oral',
            madeOn: '2025-03-20',
            documentedBy: responder.id,
            official: { name: 'Det. Example', agency: 'City PD' },
          },
        },
        { type: 'TriageDecided', data: { trigger: 'facts-changed' } },
      ]);
    expect(decisionIn(held.events).result.hold).toEqual({ until: '2025-04-19' });
    expect(held.state.obligations['individual-notice'].dueOn).toBe('2025-06-08');
    expect(holdCapReminders(held.state)).toEqual([{ holdId: 'h1', capOn: '2025-04-19', remindOn: '2025-04-14' }]);

    const onHold = [...decided, ...held.events];
    const ended = spec
      .given(onHold)
      .when({
        kind: 'end-hold',
        holdId: 'h1',
        endedOn: '2025-03-30',
        reason: 'investigation no longer impeded',
        ...by(responder, '2025-03-30'),
      })
      .then([
        { type: 'LawEnforcementHoldEnded', data: { holdId: 'h1', endedOn: '2025-03-30', reason: 'investigation no longer impeded' } },
        { type: 'TriageDecided', data: { trigger: 'facts-changed' } },
      ]);
    expect(decisionIn(ended.events).result.hold).toEqual({ until: '2025-03-30' });
    expect(ended.state.obligations['individual-notice'].dueOn).toBe('2025-05-19');
    expect(holdCapReminders(ended.state)).toEqual([]);

    const afterHold = [...onHold, ...ended.events];
    spec
      .given(afterHold)
      .when({
        kind: 'record-hold',
        holdId: 'h2',
        statement: 'written',
        madeOn: '2025-04-01',
        official: { name: 'A', agency: 'FBI' },
        ...by(responder),
      })
      .thenThrows(/until is required/);
    // Decided under strict: the original date stands.
    const strict = spec
      .given(afterHold)
      .when([
        {
          kind: 'record-hold',
          holdId: 'h3',
          statement: 'written',
          madeOn: '2025-04-01',
          until: '2025-04-20',
          official: { name: 'A', agency: 'FBI' },
          ...by(responder, '2025-04-01'),
        },
        decide('d2', { policy: 'strict' }, '2025-04-01'),
      ])
      .then([
        { type: 'LawEnforcementHoldRecorded', data: { holdId: 'h3', statement: 'written', until: '2025-04-20' } },
        { type: 'TriageDecided', data: { trigger: 'facts-changed', input: { lawEnforcementPolicy: 'toll' } } },
        { type: 'TriageDecided', data: { trigger: 'decision', decisionId: 'd2', input: { lawEnforcementPolicy: 'strict' } } },
      ]);
    expect(strict.state.obligations['individual-notice'].dueOn).toBe('2025-05-09');
  });

  it('state obligations get stable ids and their own rule versions', () => {
    const counted = spec.history([counts({ CA: 600, TX: 300 }, 0, 'revised-count', responder, '2026-02-03')], reported('2026-02-02'));
    const first = spec
      .given(counted)
      .when(decide('d1', {}, '2026-02-03'))
      .then([{ type: 'TriageDecided', data: { sequence: 1 } }]);
    const state = Object.values(first.state.obligations).filter((o) => o.scope === 'state');
    expect(state.map((o) => o.ruleVersion)).toContain('CA-civ-1798.82@2026-01-01');
    // Ids come from the overlay duty (stable across versions): state.<XX>.<rule id>.<duty id>.
    expect(state.map((o) => o.obligationId).sort()).toEqual([
      'state.CA.ca-civ-1798.82.ag-sample',
      'state.CA.ca-civ-1798.82.residents',
      'state.CA.ca-hs-1280.15.cdph',
      'state.CA.ca-hs-1280.15.residents', // data elements not given: medical information may be involved
      'state.TX.tx-bc-521.053.ag',
    ]);
    spec
      .given([...counted, ...first.events])
      .when({ kind: 'revise-facts', facts: { locations: ['laptop', 'email'] }, ...by(responder, '2026-02-04') })
      .then([
        { type: 'IncidentFactsRevised', data: { incidentId: ID, locations: ['laptop', 'email'] } },
        { type: 'TriageDecided', data: { sequence: 2, trigger: 'facts-changed', changes: [] } },
      ]);
  });

  it('retention: six years, 29 February becomes 1 March', () => {
    expect(retainUntil('2024-02-29')).toBe('2030-03-01');
    expect(retainUntil('2025-03-12')).toBe('2031-03-12');
  });
});

describe('incident aggregate: obligations and closing', () => {
  const LIST = 'd'.repeat(64);
  const decided = spec.history([{ ...list(LIST, { OH: 120 }, 127), ...by(responder) }, counts({ OH: 120 }, 3), decide()], reported());
  // The evidence each obligation names (evidence.ts): the letters batch drafted from this list, the HHS portal receipt.
  const proofFor = (obligationId: string): ObligationProof | undefined =>
    obligationId === 'individual-notice'
      ? { kind: 'notice-batch', batchId: 'b1', incidentId: ID, noticeKind: 'individual', status: 'completed', recipientsDigest: LIST }
      : obligationId === 'hhs-notice'
        ? {
            kind: 'hhs-report-submitted',
            batchId: 'h1',
            incidentId: ID,
            confirmationNumber: 'C-1',
            submittedOn: TODAY,
            submittedBy: officer.id,
          }
        : undefined;
  const start: IncidentCommand = { kind: 'start-obligation', obligationId: 'individual-notice', ...by() };
  const complete = (
    completedOn: string,
    obligationId = 'individual-notice',
    description = 'Letters mailed first class',
  ): IncidentCommand => ({
    kind: 'complete-obligation',
    obligationId,
    evidence: {
      description,
      completedOn,
      ...(obligationId === 'individual-notice' ? { artifactDigest: 'c'.repeat(64) } : {}),
      ...(proofFor(obligationId) ? { proof: proofFor(obligationId) } : {}),
    },
    ...by(),
  });
  const requestWaiver: IncidentCommand = {
    kind: 'request-waiver',
    obligationId: 'substitute-notice',
    reason: 'All three reached by telephone and confirmed addresses.',
    ...by(),
  };
  const approveWaiver = (actor: { id: string; role: string }): IncidentCommand => ({
    kind: 'approve-waiver',
    obligationId: 'substitute-notice',
    ...by(actor),
  });

  it('open → in-progress → done with evidence dated no later than today', () => {
    spec
      .given(decided)
      .when(start)
      .then([{ type: 'ObligationStarted', data: { incidentId: ID, obligationId: 'individual-notice', startedBy: officer.id } }]);
    spec
      .given(decided)
      .when([start, complete('2025-04-30')])
      .thenThrows(/not in the future/);
    const { state } = spec
      .given(decided)
      .when([start, complete(TODAY)])
      .then([
        { type: 'ObligationStarted' },
        {
          type: 'ObligationCompleted',
          data: {
            obligationId: 'individual-notice',
            completedBy: officer.id,
            evidence: { completedOn: TODAY, artifactDigest: 'c'.repeat(64) },
          },
        },
      ]);
    expect(state.status).toBe('notifying');
    expect(state.obligations['individual-notice']).toMatchObject({ status: 'done', evidence: { completedOn: TODAY } });
    spec
      .given(decided)
      .when([start, complete(TODAY), start])
      .thenThrows(/obligation is done/);
  });

  it('a waiver needs a request and a second compliance officer', () => {
    spec
      .given(decided)
      .when(approveWaiver(officer2))
      .thenThrows(/no waiver was requested/);
    const requested = spec.history([requestWaiver], decided);
    expect(requested[requested.length - 1]).toMatchObject({
      type: 'ObligationWaiverRequested',
      data: { obligationId: 'substitute-notice', requestedBy: officer.id },
    });
    spec
      .given(requested)
      .when(approveWaiver(officer))
      .thenThrows({ code: 'TWO_PERSON_RULE', message: /different person/ });
    spec
      .given(requested)
      .when(approveWaiver(responder))
      .thenThrows({ code: 'TWO_PERSON_RULE', message: /compliance-officer/ });
    const { state } = spec
      .given(requested)
      .when(approveWaiver(officer2))
      .then([
        {
          type: 'ObligationWaived',
          data: {
            obligationId: 'substitute-notice',
            reason: 'All three reached by telephone and confirmed addresses.',
            requestedBy: officer.id,
            approvedBy: officer2.id,
          },
        },
      ]);
    expect(state.obligations['substitute-notice']).toMatchObject({
      status: 'waived',
      waiver: { requestedBy: officer.id, approvedBy: officer2.id },
    });
    expect(state.obligations['substitute-notice'].waiverRequest).toBeUndefined();
  });

  it('done and waived obligations are never rewritten by a later decision; closing needs none left open', () => {
    const settled = spec.history([start, complete(TODAY), requestWaiver, approveWaiver(officer2)], decided);
    const revised = spec
      .given(settled)
      .when(counts({ OH: 130 }, 30, 'returned-mail'))
      .then([{ type: 'AffectedCountsRevised' }, { type: 'TriageDecided' }]);
    const touched = decisionIn(revised.events).changes.map((c) => c.obligationId);
    expect(touched).not.toContain('substitute-notice');
    expect(touched).not.toContain('individual-notice');
    expect(revised.state.obligations['substitute-notice'].status).toBe('waived');
    expect(revised.state.obligations['substitute-notice'].people).toBe(3);

    const later = [...settled, ...revised.events];
    spec
      .given(later)
      .when({ kind: 'close', ...by() })
      .thenThrows(/obligations still open: hhs-notice/);
    const closed = spec
      .given(later)
      .when([complete(TODAY, 'hhs-notice', 'Logged; HHS portal submission receipt'), { kind: 'close', ...by() }])
      .then([
        { type: 'ObligationCompleted', data: { obligationId: 'hhs-notice' } },
        { type: 'IncidentClosed', data: { incidentId: ID, closedBy: officer.id, closedOn: TODAY } },
      ]);
    expect(closed.state.status).toBe('closed');
    spec
      .given([...later, ...closed.events])
      .when(counts({ OH: 1 }, 0, 'revised-count', officer))
      .thenThrows(/incident is closed/);
  });

  it('closing needs a decision; a not-a-breach incident can close', () => {
    spec
      .given(reported())
      .when({ kind: 'close', ...by() })
      .thenThrows(/triage decision is required/);
    const documented = spec.history(
      [
        counts({ OH: 1 }, 0),
        {
          kind: 'assess-exception',
          exception: 'unable-to-retain',
          rationale: 'Fax to wrong number at a clinic; shredded unread.',
          ...by(responder),
        },
        decide(),
      ],
      reported(),
    );
    const { state } = spec
      .given(documented)
      .when({ kind: 'close', note: 'documented exception', ...by() })
      .then([{ type: 'IncidentClosed', data: { closedBy: officer.id, closedOn: TODAY, note: 'documented exception' } }]);
    expect(state.status).toBe('closed');
  });
});

describe('obligation timelines for the workflows engine', () => {
  const registry = WorkflowRegistry.of(loadWorkflowDirOrThrow(join(__dirname, '../../../workflows')).map((d) => d.definition));
  const timed = deciderSpec(
    createIncidentDecider({ overlays: loadStateOverlays(), breachWorkflow: registry.current('breach-notification') }),
  );
  const tl = (events: IncidentEvent[]) =>
    events
      .filter((e) => e.type.startsWith('Timeline'))
      .map((e) => {
        const d = e.data as { subject: { id: string }; dueOn?: string };
        return `${e.type}:${d.subject.id.slice(ID.length + 1)}${d.dueOn ? `@${d.dueOn}` : ''}`;
      });

  it('schedules dated obligations, moves them on re-triage, cancels withdrawn ones; oral holds get a cap timeline', () => {
    const report: IncidentCommand = {
      kind: 'report',
      data: { incidentId: ID, title: 't', discoveredOn: '2025-03-10', summary: 's', reporter: { kind: 'covered-entity' } },
      ...by(responder),
    };
    let past: IncidentEvent[] = [];
    const step = (cmd: IncidentCommand, types: string[]) => {
      const r = timed
        .given(past)
        .when(cmd)
        .then(types.map((type) => ({ type })));
      past = [...past, ...r.events];
      return tl(r.events);
    };
    expect(step(report, ['IncidentReported'])).toEqual([]);
    expect(step(counts({ OH: 700 }, 0, 'estimate'), ['AffectedCountsRevised'])).toEqual([]);
    // Each event is followed by the timeline events it implies.
    expect(step(decide(), ['TriageDecided', 'TimelineScheduled', 'TimelineScheduled', 'TimelineScheduled'])).toEqual([
      'TimelineScheduled:individual-notice@2025-05-09',
      'TimelineScheduled:media-notice.OH@2025-05-09',
      'TimelineScheduled:hhs-notice@2025-05-09',
    ]);
    expect(
      step(
        {
          kind: 'record-hold',
          holdId: 'h1',
          statement: 'oral',
          madeOn: '2025-03-20',
          official: { name: 'Det. X', agency: 'PD' },
          ...by(responder, '2025-03-20'),
        },
        ['LawEnforcementHoldRecorded', 'TimelineScheduled', 'TriageDecided', 'TimelineScheduled', 'TimelineScheduled', 'TimelineScheduled'],
      ),
    ).toEqual([
      'TimelineScheduled:hold-cap.h1@2025-04-19',
      'TimelineScheduled:individual-notice@2025-06-08',
      'TimelineScheduled:media-notice.OH@2025-06-08',
      'TimelineScheduled:hhs-notice@2025-06-08',
    ]);
    const superseded = timed
      .given(past)
      .when({
        kind: 'record-hold',
        holdId: 'h2',
        statement: 'written',
        madeOn: '2025-04-01',
        until: '2025-05-01',
        official: { name: 'Agent Y', agency: 'FBI' },
        ...by(responder, '2025-04-01'),
      })
      .run();
    expect(superseded.events.slice(0, 2).map((e) => e.type)).toEqual(['LawEnforcementHoldRecorded', 'TimelineCancelled']);
    expect(tl(superseded.events).slice(0, 1)).toEqual(['TimelineCancelled:hold-cap.h1']);
    past = [...past, ...superseded.events];
    expect(
      step(counts({ OH: 100 }, 0, 'revised-count', responder, '2025-04-02'), [
        'AffectedCountsRevised',
        'TriageDecided',
        'TimelineScheduled',
        'TimelineCancelled',
      ]),
    ).toEqual(['TimelineScheduled:hhs-notice@2026-03-01', 'TimelineCancelled:media-notice.OH']);
    expect(
      step(
        {
          kind: 'complete-obligation',
          obligationId: 'hhs-notice',
          evidence: {
            description: 'submitted',
            completedOn: '2025-04-02',
            proof: {
              kind: 'hhs-report-submitted',
              batchId: 'h1',
              incidentId: ID,
              confirmationNumber: 'C-1',
              submittedOn: '2025-04-02',
              submittedBy: 'x',
            },
          },
          ...by(officer, '2025-04-02'),
        },
        ['ObligationCompleted', 'TimelineCompleted'],
      ),
    ).toEqual(['TimelineCompleted:hhs-notice']);
  });
});
