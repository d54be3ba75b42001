import { join } from 'node:path';
import {
  createIncidentDecider,
  type IncidentCommand,
  type IncidentEvent,
  type ObligationProof,
} from '../../../src/incidents/domain/incident';
import { evidenceMismatch } from '../../../src/incidents/domain/incident/evidence';
import { loadStateOverlays } from '../../../src/incidents/infrastructure/state-overlays.loader';
import { loadWorkflowDirOrThrow } from '../../../src/workflows/loader';
import { WorkflowRegistry } from '../../../src/workflows/registry';
import { deciderSpec } from '../../support/decider-spec';

/**
 * Obligations close only with the evidence their kind names (issue 13, item 3): the NY media
 * batch cannot complete media-notice.NJ, the individual letters cannot complete a media notice,
 * the HHS notice needs the portal's confirmation number, a posting must have been live 90 days,
 * and individual notice must cover the current list with no unresolved rows left open.
 */
const registry = WorkflowRegistry.of(loadWorkflowDirOrThrow(join(__dirname, '../../../workflows')).map((d) => d.definition));
const decider = createIncidentDecider({ overlays: loadStateOverlays(), breachWorkflow: registry.current('breach-notification') });
const spec = deciderSpec(decider);

const ID = '01937a4e-0000-7000-8000-0000000000e1';
const OTHER = '01937a4e-0000-7000-8000-0000000000e2';
const LIST = 'a'.repeat(64);
const officer = { id: 'p-officer', role: 'compliance-officer' };
const responder = { id: 'p-responder', role: 'incident-responder' };
const CLOSED = ['ObligationCompleted', 'TimelineCompleted'];
const on = (today: string, actor = officer) => ({ actor, today });

function history(opts: { unresolved?: number } = {}): IncidentEvent[] {
  return spec.history([
    {
      kind: 'report',
      data: {
        incidentId: ID,
        title: 't',
        discoveredOn: '2026-03-10',
        summary: 's',
        reporter: { kind: 'covered-entity' },
        locations: ['laptop'],
        dataElements: ['name', 'ssn'],
      },
      ...on('2026-03-10', responder),
    },
    {
      kind: 'record-affected-list',
      list: {
        digest: LIST,
        size: 100,
        counts: {
          byState: { NY: 600, NJ: 600, CT: 2, ...(opts.unresolved ? { unknown: opts.unresolved } : {}) },
          insufficientContact: 12,
          rows: 1202 + (opts.unresolved ?? 0),
          accepted: 1202,
          rejected: 0,
          duplicates: 0,
          deceased: 0,
          deceasedWithoutNextOfKinAddress: 0,
          emailConsent: 0,
          unresolved: opts.unresolved ?? 0,
        },
      },
      ...on('2026-03-11', responder),
    },
    { kind: 'decide-triage', decisionId: 'd1', ...on('2026-03-11') },
  ]);
}

const batch = (over: Partial<Extract<ObligationProof, { kind: 'notice-batch' }>>): ObligationProof => ({
  kind: 'notice-batch',
  batchId: 'b1',
  incidentId: ID,
  noticeKind: 'media',
  jurisdiction: 'NY',
  status: 'completed',
  documents: 1,
  ...over,
});
const complete = (obligationId: string, proof: ObligationProof | undefined, today = '2026-03-20'): IncidentCommand => ({
  kind: 'complete-obligation',
  obligationId,
  evidence: { description: 'done', completedOn: today, ...(proof ? { proof } : {}) },
  ...on(today),
});

describe('obligation evidence (GWT)', () => {
  it('given a decided NY/NJ breach, the obligations exist that the rest of these cases close', () => {
    const ids = Object.keys(spec.given(history()).state().obligations);
    expect(ids).toEqual(expect.arrayContaining(['individual-notice', 'substitute-notice', 'media-notice.NY', 'hhs-notice']));
  });

  it('the NY media batch closes media-notice.NY', () => {
    expect(
      spec
        .given(history())
        .when(complete('media-notice.NY', batch({})))
        .run()
        .events.slice(0, 2)
        .map((e) => e.type),
    ).toEqual(CLOSED);
  });

  it('the NY media batch does not close media-notice.NJ: 422 names the state', () => {
    spec
      .given(history())
      .when(complete('media-notice.NJ', batch({})))
      .thenThrows({ code: 'INCIDENT_RULE', message: /media-notice\.NJ.*is for NY, not NJ/ });
  });

  it('the individual-letters batch does not close a media notice', () => {
    spec
      .given(history())
      .when(complete('media-notice.NY', batch({ noticeKind: 'individual', jurisdiction: undefined, recipientsDigest: LIST })))
      .thenThrows(/is a individual batch/);
  });

  it('a description alone does not close a notice obligation', () => {
    spec
      .given(history())
      .when(complete('media-notice.NY', undefined))
      .thenThrows(/a description only was given/);
  });

  it('a batch of another incident is refused', () => {
    spec
      .given(history())
      .when(complete('media-notice.NY', batch({ incidentId: OTHER })))
      .thenThrows(/belongs to another incident/);
  });

  it('a media batch still released (not completed) is refused', () => {
    spec
      .given(history())
      .when(complete('media-notice.NY', batch({ status: 'released' })))
      .thenThrows(/is released, not completed/);
  });

  it('individual notice: a completed individual batch drafted from the current list closes it', () => {
    expect(
      spec
        .given(history())
        .when(complete('individual-notice', batch({ noticeKind: 'individual', jurisdiction: undefined, recipientsDigest: LIST })))
        .run()
        .events.slice(0, 2)
        .map((e) => e.type),
    ).toEqual(CLOSED);
  });

  it('individual notice: a batch drafted from an older list is refused', () => {
    spec
      .given(history())
      .when(complete('individual-notice', batch({ noticeKind: 'individual', jurisdiction: undefined, recipientsDigest: 'b'.repeat(64) })))
      .thenThrows(/another affected list than the current one \(version 1\)/);
  });

  it('individual notice: unresolved rows block it until a compliance officer excludes them with a reason', () => {
    const proof = batch({ noticeKind: 'individual', jurisdiction: undefined, recipientsDigest: LIST });
    spec
      .given(history({ unresolved: 3 }))
      .when(complete('individual-notice', proof))
      .thenThrows(/does not cover 3 unresolved row/);
    const { events } = spec
      .given(history({ unresolved: 3 }))
      .when([
        {
          kind: 'exclude-unresolved',
          listVersion: 1,
          reason: 'No identifiable person in these rows: blank names, no address.',
          ...on('2026-03-19'),
        },
        complete('individual-notice', proof),
      ])
      .run();
    expect(events[0]).toMatchObject({
      type: 'UnresolvedRowsExcluded',
      data: { incidentId: ID, listVersion: 1, count: 3, excludedBy: 'p-officer' },
    });
    expect(events.slice(1, 3).map((e) => e.type)).toEqual(CLOSED);
  });

  it('excluding needs a compliance officer, a reason, the current list and something to exclude', () => {
    const g = spec.given(history({ unresolved: 2 }));
    g.when({ kind: 'exclude-unresolved', listVersion: 1, reason: 'x', ...on('2026-03-19', responder) }).thenThrows(/compliance officer/);
    g.when({ kind: 'exclude-unresolved', listVersion: 1, reason: '  ', ...on('2026-03-19') }).thenThrows(/reason is required/);
    g.when({ kind: 'exclude-unresolved', listVersion: 2, reason: 'x', ...on('2026-03-19') }).thenThrows(/not the current affected list/);
    spec
      .given(history())
      .when({ kind: 'exclude-unresolved', listVersion: 1, reason: 'x', ...on('2026-03-19') })
      .thenThrows(/no unresolved rows/);
  });

  it('HHS: the portal submission with a confirmation number closes it; a batch or a blank number does not', () => {
    const sub: ObligationProof = {
      kind: 'hhs-report-submitted',
      batchId: 'h1',
      incidentId: ID,
      confirmationNumber: 'HHS-2026-0042',
      submittedOn: '2026-03-20',
      submittedBy: 'p-officer',
    };
    expect(
      spec
        .given(history())
        .when(complete('hhs-notice', sub))
        .run()
        .events.slice(0, 2)
        .map((e) => e.type),
    ).toEqual(CLOSED);
    spec
      .given(history())
      .when(complete('hhs-notice', { ...sub, confirmationNumber: ' ' }))
      .thenThrows(/has no confirmation number/);
    spec
      .given(history())
      .when(complete('hhs-notice', batch({ noticeKind: 'hhs-report', jurisdiction: undefined })))
      .thenThrows(/is not an HHS portal submission/);
  });

  it('substitute notice: the posting closes it only after 90 days live; the media alternative closes it', () => {
    const posting: ObligationProof = {
      kind: 'substitute-posting',
      postingId: 'p1',
      batchId: 'p1',
      incidentId: ID,
      postedAt: '2026-03-20T12:00:00.000Z',
      takeDownAt: '2026-06-18T12:00:00.000Z',
      status: 'posted',
    };
    spec
      .given(history())
      .when(complete('substitute-notice', posting))
      .thenThrows(/has not yet been live for 90 days \(until 2026-06-18\)/);
    expect(
      spec
        .given(history())
        .when(complete('substitute-notice', posting, '2026-06-18'))
        .run()
        .events.slice(0, 2)
        .map((e) => e.type),
    ).toEqual(CLOSED);
    spec
      .given(history())
      .when(
        complete(
          'substitute-notice',
          { ...posting, status: 'taken-down', takenDownReason: 'withdrawn', takenDownAt: '2026-04-01T00:00:00.000Z' },
          '2026-06-20',
        ),
      )
      .thenThrows(/withdrawn before its 90 days/);
    expect(
      spec
        .given(history())
        .when(complete('substitute-notice', batch({})))
        .run()
        .events.slice(0, 2)
        .map((e) => e.type),
    ).toEqual(CLOSED);
  });
});

describe('state-regulator obligations close only with that regulator’s notice (issue 13, items 3 and 8)', () => {
  const reg = (over: Partial<Extract<ObligationProof, { kind: 'notice-batch' }>>) =>
    batch({ noticeKind: 'state-regulator', jurisdiction: 'NY', regulator: 'ny-gbl-899-aa.ag-dos-police', ...over });
  const stateRegulator = () => Object.values(spec.given(history()).state().obligations).filter((o) => o.kind === 'state-regulator-notice');

  it('the NY/NJ/CT breach owes the NY Attorney General, Department of State and State Police, and the CT Attorney General', () => {
    const ids = stateRegulator().map((o) => o.obligationId);
    expect(ids).toEqual(expect.arrayContaining(['state.NY.ny-gbl-899-aa.ag-dos-police', 'state.CT.ct-36a-701b.ag']));
    expect(stateRegulator().find((o) => o.obligationId === 'state.NY.ny-gbl-899-aa.ag-dos-police')).toMatchObject({
      jurisdiction: 'NY',
      duty: 'ny-gbl-899-aa.ag-dos-police',
      regulator: 'Attorney General, Department of State and Division of State Police',
    });
  });

  it("that regulator's completed batch closes its obligation", () => {
    const { events } = spec
      .given(history())
      .when(complete('state.NY.ny-gbl-899-aa.ag-dos-police', reg({})))
      .run();
    expect(events.slice(0, 2).map((e) => e.type)).toEqual(CLOSED);
  });

  it("another NY regulator's batch is refused, naming both regulators", () => {
    spec
      .given(history())
      .when(complete('state.NY.ny-gbl-899-aa.ag-dos-police', reg({ regulator: 'ny-gbl-899-aa.ag-hhs-copy' })))
      .thenThrows(/is addressed to ny-gbl-899-aa\.ag-hhs-copy, not ny-gbl-899-aa\.ag-dos-police/);
  });

  it("the NY batch does not close Connecticut's Attorney General obligation", () => {
    spec
      .given(history())
      .when(complete('state.CT.ct-36a-701b.ag', reg({})))
      .thenThrows(/state\.CT\.ct-36a-701b\.ag .*is for NY, not CT/);
  });

  it('a state-regulator batch that names no regulator is refused (the state alone is not enough)', () => {
    spec
      .given(history())
      .when(complete('state.CT.ct-36a-701b.ag', reg({ jurisdiction: 'CT', regulator: undefined })))
      .thenThrows(/names no regulator/);
  });

  it('an obligation recorded before duties were kept is matched by its id (state.XX.<duty>)', () => {
    const legacy = {
      obligationId: 'state.NY.ny-gbl-899-aa.ag-dos-police',
      kind: 'state-regulator-notice',
      jurisdiction: 'NY',
      regulator: 'Attorney General, Department of State and Division of State Police',
    };
    const ctx = { incidentId: ID, affected: null, today: '2026-03-20' };
    expect(evidenceMismatch(legacy, reg({}), ctx)).toBeNull();
    expect(evidenceMismatch(legacy, reg({ regulator: 'ny-gbl-899-aa.dfs' }), ctx)).toMatch(
      /is addressed to ny-gbl-899-aa\.dfs, not ny-gbl-899-aa\.ag-dos-police/,
    );
  });

  it('a media batch for the state does not close its regulator obligation', () => {
    spec
      .given(history())
      .when(complete('state.NY.ny-gbl-899-aa.ag-dos-police', batch({})))
      .thenThrows(/is a media batch/);
  });
});
