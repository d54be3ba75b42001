import { noticeBatchDecider, type NoticeBatchCommand, type NoticeBatchEvent } from '../../../src/notices/domain/notice-batch';
import { derivedCounts, withDerivedCounts, withDerivedTotal } from '../../../src/notices/domain/derived-counts';
import { noticeFactsFromIncident } from '../../../src/notices/domain/from-incident';
import { deciderSpec } from '../../support/decider-spec';

/**
 * Issue 13, items 1–3 on the notices side: a batch is not released while the incident has
 * unresolved rows; counts and flags come from the incident; the HHS portal submission is
 * recorded on the hhs-report batch as the evidence its obligation asks for.
 */
const spec = deciderSpec(noticeBatchDecider);
const drafter = { id: 'u-drafter', role: 'compliance-officer' };
const approver = { id: 'u-approver', role: 'compliance-officer' };
const at = '2025-04-01T10:00:00.000Z';
const D = 'a'.repeat(64);

function approvedBatch(noticeKind: 'individual' | 'hhs-report'): NoticeBatchEvent[] {
  const cmds: NoticeBatchCommand[] = [
    { kind: 'draft', batchId: 'b1', incidentId: 'i1', noticeKind, contentDigest: D, contentArtifact: D, actor: drafter, at },
    {
      kind: 'record-preview',
      preview: { contentDigest: D, counts: { total: 1, byChannel: {}, byState: {}, byChannelAndState: {} }, samples: [] },
      actor: drafter,
      at,
    },
    { kind: 'approve', contentDigest: D, actor: approver, at },
  ];
  return spec.history(cmds);
}

describe('release with unresolved rows (GWT)', () => {
  it('given unresolved rows on the incident, release is refused naming them', () => {
    spec
      .given(approvedBatch('individual'))
      .when({ kind: 'release', unresolvedRows: 3, actor: drafter, at })
      .thenThrows({ code: 'UNRESOLVED_ROWS', message: /3 row\(s\) of the affected list are unresolved/ });
  });
  it('given none (fixed or excluded), it is released', () => {
    spec
      .given(approvedBatch('individual'))
      .when({ kind: 'release', unresolvedRows: 0, actor: drafter, at })
      .then([{ type: 'NoticeBatchReleased' }]);
  });
});

describe('HHS portal submission (GWT)', () => {
  const released = () => spec.history([{ kind: 'release', actor: drafter, at }], approvedBatch('hhs-report'));
  it('records the confirmation number on a released hhs-report batch; twice the same is a no-op', () => {
    const cmd: NoticeBatchCommand = {
      kind: 'record-hhs-submission',
      confirmationNumber: ' HHS-42 ',
      submittedOn: '2025-04-01',
      actor: drafter,
      at,
    };
    const { state } = spec
      .given(released())
      .when(cmd)
      .then([
        {
          type: 'HhsReportSubmitted',
          data: { batchId: 'b1', incidentId: 'i1', confirmationNumber: 'HHS-42', submittedOn: '2025-04-01', submittedBy: drafter.id },
        },
      ]);
    expect(state.hhsSubmission).toMatchObject({ confirmationNumber: 'HHS-42' });
    spec
      .given([...released(), ...spec.given(released()).when(cmd).run().events])
      .when(cmd)
      .thenNothing();
  });
  it('refuses a blank number, a future date, an unreleased batch and another kind', () => {
    const c = (over: Partial<{ confirmationNumber: string; submittedOn: string }>): NoticeBatchCommand => ({
      kind: 'record-hhs-submission',
      confirmationNumber: 'HHS-42',
      submittedOn: '2025-04-01',
      actor: drafter,
      at,
      ...over,
    });
    spec
      .given(released())
      .when(c({ confirmationNumber: ' ' }))
      .thenThrows({ code: 'INVALID_INPUT', message: /confirmationNumber/ });
    spec
      .given(released())
      .when(c({ submittedOn: '2025-04-02' }))
      .thenThrows({ code: 'INVALID_INPUT', message: /submittedOn/ });
    spec.given(approvedBatch('hhs-report')).when(c({})).thenThrows({ code: 'INVALID_STATE' });
    spec
      .given(spec.history([{ kind: 'release', actor: drafter, at }], approvedBatch('individual')))
      .when(c({}))
      .thenThrows(/individual batch is not submitted to HHS/);
  });
});

describe('counts and flags derived from the incident', () => {
  const events = [
    {
      type: 'AffectedListImported',
      data: {
        listVersion: 1,
        digest: D,
        counts: { byState: { NY: 2000, NJ: 1500, unknown: 3 }, insufficientContact: 6, unresolved: 3 },
      },
    },
    { type: 'ObligationCompleted', data: { obligationId: 'media-notice.NY' } },
  ];
  const known = noticeFactsFromIncident('i1', events);

  it('folds unresolved rows (until excluded for that list version) and completed obligations', () => {
    expect(known.unresolvedOpen).toBe(3);
    expect(known.completedObligations).toEqual(['media-notice.NY']);
    const excluded = noticeFactsFromIncident('i1', [...events, { type: 'UnresolvedRowsExcluded', data: { listVersion: 1 } }]);
    expect(excluded.unresolvedOpen).toBe(0);
    expect(derivedCounts(known)).toEqual({
      total: 3503,
      byState: { NY: 2000, NJ: 1500, unknown: 3 },
      substituteNoticeProvided: false,
      mediaNoticeProvided: true,
    });
  });

  it("a media notice states the incident's residents of its state (people without an address included)", () => {
    expect(withDerivedCounts('media', { jurisdiction: 'NY' }, known)).toEqual({ jurisdiction: 'NY', affected: 2000 });
    expect(() => withDerivedCounts('media', { jurisdiction: 'NY', affected: 1994 }, known)).toThrow(
      expect.objectContaining({ code: 'NOTICE_COUNT_RULE', message: expect.stringMatching(/options\.affected: 1994 differs from 2000/) }),
    );
  });

  it("a state-regulator notice states the incident's residents of its state; an explanation may go with it, never another number", () => {
    expect(withDerivedCounts('state-regulator', { jurisdiction: 'NJ' }, known)).toEqual({ jurisdiction: 'NJ', affected: 1500 });
    const explained = {
      jurisdiction: 'NY',
      regulator: 'ny-gbl-899-aa.ag-dos-police',
      countsExplanation: '6 residents had no usable address.',
    };
    expect(withDerivedCounts('state-regulator', explained, known)).toEqual({ ...explained, affected: 2000 });
    expect(() => withDerivedCounts('state-regulator', { ...explained, affected: 1994 }, known)).toThrow(
      expect.objectContaining({
        code: 'NOTICE_COUNT_RULE',
        message: expect.stringMatching(/options\.affected: 1994 differs from 2000 \(NY residents\).*revise/),
      }),
    );
    // After an amendment on the incident (AffectedCountsRevised with its reason) the derived number is the new one.
    const revised = noticeFactsFromIncident('i1', [
      ...events,
      {
        type: 'AffectedCountsRevised',
        data: { counts: { byState: { NY: 1994, NJ: 1500 }, insufficientContact: 0 }, reason: 'duplicates' },
      },
    ]);
    expect(withDerivedCounts('state-regulator', { jurisdiction: 'NY', affected: 1994 }, revised).affected).toBe(1994);
  });

  it('the HHS report takes affected and both flags from the incident; a typed different value is refused', () => {
    const hhs = { reportType: 'initial', individualNoticeStartDate: '2025-04-01', individualNoticeProjectedEndDate: '2025-04-15' };
    expect(withDerivedCounts('hhs-report', { hhs }, known).hhs).toEqual({
      ...hhs,
      affected: 3503,
      substituteNoticeProvided: false,
      mediaNoticeProvided: true,
    });
    expect(withDerivedCounts('hhs-report', { hhs: { ...hhs, affected: 3503 } }, known).hhs?.affected).toBe(3503);
    expect(() => withDerivedCounts('hhs-report', { hhs: { ...hhs, affected: 5000 } }, known)).toThrow(/5000 differs from 3503/);
    expect(() => withDerivedCounts('hhs-report', { hhs: { ...hhs, substituteNoticeProvided: true } }, known)).toThrow(
      /substituteNoticeProvided/,
    );
  });

  it('a state-regulator notice\'s total ("in all") is the incident\'s, as on the HHS report; a typed different total is refused', () => {
    expect(withDerivedTotal('state-regulator', { jurisdiction: 'NJ', affected: 1500 }, known)).toEqual({
      jurisdiction: 'NJ',
      affected: 1500,
      total: 3503,
    });
    expect(withDerivedTotal('media', { jurisdiction: 'NJ' }, known)).toEqual({ jurisdiction: 'NJ' });
    expect(() => withDerivedTotal('state-regulator', { jurisdiction: 'NJ', total: 3500 }, known)).toThrow(
      /options\.total: 3500 differs from 3503/,
    );
  });
});
