import {
  noticeBatchDecider,
  type NoticeBatchCommand,
  type NoticeBatchEvent,
  type PreviewSummary,
} from '../../../src/notices/domain/notice-batch';
import { deciderSpec } from '../../support/decider-spec';

const spec = deciderSpec(noticeBatchDecider);
const drafter = { id: 'u-drafter', role: 'compliance-officer' };
const approver = { id: 'u-approver', role: 'compliance-officer' };
const responder = { id: 'u-responder', role: 'incident-responder' };
const system = { id: 'safeharbor-notices', role: 'system' };
const D1 = 'a'.repeat(64);
const D2 = 'b'.repeat(64);
const A1 = '1'.repeat(64);
const A2 = '2'.repeat(64);
const at = '2025-04-01T10:00:00.000Z';

const preview = (digest: string): PreviewSummary => ({
  contentDigest: digest,
  counts: { total: 3, byChannel: { mail: 2, email: 1 }, byState: { OH: 3 }, byChannelAndState: { mail: { OH: 2 }, email: { OH: 1 } } },
  samples: [{ channel: 'mail', artifactDigest: 'c'.repeat(64), sha256: 'd'.repeat(64) }],
});
const draft: NoticeBatchCommand = {
  kind: 'draft',
  batchId: 'b1',
  incidentId: 'i1',
  noticeKind: 'individual',
  contentDigest: D1,
  contentArtifact: A1,
  actor: drafter,
  at,
};
const recordPreview = (digest: string, actor = drafter): NoticeBatchCommand => ({
  kind: 'record-preview',
  preview: preview(digest),
  actor,
  at,
});
const approve = (contentDigest: string, actor = approver): NoticeBatchCommand => ({ kind: 'approve', contentDigest, actor, at });
const release = (actor = drafter): NoticeBatchCommand => ({ kind: 'release', actor, at });
const revise = (contentDigest: string, actor = drafter, contentArtifact = A2): NoticeBatchCommand => ({
  kind: 'revise',
  contentDigest,
  contentArtifact,
  actor,
  at,
});

const drafted: NoticeBatchEvent[] = spec.history([draft]);
const previewed = spec.history([recordPreview(D1)], drafted);
const approved = spec.history([approve(D1)], previewed);
const released = spec.history([release()], approved);

describe('notice batch review and approval', () => {
  it('a draft records the batch and where its content is stored, in one append', () => {
    const { state } = spec.when(draft).then([
      {
        type: 'NoticeBatchDrafted',
        data: { batchId: 'b1', incidentId: 'i1', kind: 'individual', contentDigest: D1, draftedBy: drafter.id, at },
      },
      { type: 'NoticeContentStored', data: { batchId: 'b1', contentDigest: D1, contentArtifact: A1 } },
    ]);
    expect(state).toMatchObject({ status: 'drafted', drafter: drafter.id, authors: [drafter.id], revision: 1 });
    spec.given(drafted).when(draft).thenThrows({ code: 'BATCH_EXISTS' });
    spec
      .when({ ...draft, contentArtifact: 'not-a-digest' } as NoticeBatchCommand)
      .thenThrows({ code: 'INVALID_INPUT', message: /contentArtifact/ });
  });

  it('goes drafted → previewed → approved → released with another compliance officer approving', () => {
    spec
      .given(drafted)
      .when(recordPreview(D1))
      .then([{ type: 'NoticeBatchPreviewed', data: { batchId: 'b1', previewedBy: drafter.id, preview: { contentDigest: D1 } } }]);
    spec
      .given(previewed)
      .when(approve(D1))
      .then([{ type: 'NoticeBatchApproved', data: { batchId: 'b1', contentDigest: D1, approvedBy: approver.id, at } }]);
    const { state } = spec
      .given(approved)
      .when(release())
      .then([{ type: 'NoticeBatchReleased', data: { batchId: 'b1', contentDigest: D1, releasedBy: drafter.id, at } }]);
    expect(state.status).toBe('released');
    expect(state.approval).toEqual({ by: approver.id, contentDigest: D1, at });
  });

  it('refuses approval by the drafter', () => {
    spec.given(previewed).when(approve(D1, drafter)).thenThrows({ code: 'SAME_PERSON' });
  });

  it('refuses approval by anyone but a compliance officer', () => {
    spec.given(previewed).when(approve(D1, responder)).thenThrows({ code: 'NOT_PERMITTED' });
  });

  it('refuses approval before a preview of the current content', () => {
    spec
      .given(drafted)
      .when(approve(D1))
      .thenThrows({ code: 'INVALID_STATE', message: /previewed before approval/ });
  });

  it('refuses to approve content other than what was previewed', () => {
    spec.given(previewed).when(approve(D2)).thenThrows({ code: 'STALE_CONTENT' });
  });

  it('voids the approval when the content changes after approval, and needs a new preview and approval', () => {
    const { events } = spec
      .given(approved)
      .when(revise(D2, responder))
      .then([
        {
          type: 'NoticeBatchRevised',
          data: { batchId: 'b1', contentDigest: D2, revisedBy: responder.id, revision: 2, approvalVoided: true },
        },
        { type: 'NoticeContentStored', data: { contentDigest: D2, contentArtifact: A2 } },
      ]);
    const revised = [...approved, ...events];
    expect(spec.given(revised).state().status).toBe('drafted');
    spec.given(revised).when(release()).thenThrows({ code: 'INVALID_STATE' });
    spec.given(revised).when(approve(D2)).thenThrows({ code: 'INVALID_STATE' });
    const repreviewed = spec.history([recordPreview(D2, responder)], revised);
    // The reviser is now an author of this revision: they may not approve it either.
    spec
      .given(repreviewed)
      .when(approve(D2, { id: responder.id, role: 'compliance-officer' }))
      .thenThrows({ code: 'SAME_PERSON' });
    const { state } = spec
      .given(repreviewed)
      .when([approve(D2), release()])
      .then([
        { type: 'NoticeBatchApproved', data: { contentDigest: D2, approvedBy: approver.id } },
        { type: 'NoticeBatchReleased', data: { contentDigest: D2 } },
      ]);
    expect(state.status).toBe('released');
  });

  it('the same content again is no revision', () => {
    spec.given(previewed).when(revise(D1)).thenNothing();
  });

  it('rejects a preview made from stale content', () => {
    const revised = spec.history([revise(D2)], drafted);
    spec.given(revised).when(recordPreview(D1)).thenThrows({ code: 'STALE_CONTENT' });
  });

  it('refuses changes once released; release and approval are idempotent', () => {
    spec
      .given(released)
      .when(revise(D2))
      .thenThrows({ code: 'INVALID_STATE', message: /draft a new batch/ });
    spec.given(released).when(release()).thenNothing();
    spec.given(approved).when(approve(D1)).thenNothing();
  });

  it('requires a jurisdiction for a media notice', () => {
    spec.when({ ...draft, noticeKind: 'media' } as NoticeBatchCommand).thenThrows({ code: 'INVALID_INPUT', message: /jurisdiction/ });
  });

  it('a released batch completes once, issues each document once, and records each returned letter once', () => {
    spec.given(approved).when({ kind: 'complete', delivered: 3, failed: 0, actor: system, at }).thenThrows({ code: 'INVALID_STATE' });
    const issue: NoticeBatchCommand = { kind: 'issue-document', pdfArtifact: 'e'.repeat(64), pdfSha256: 'f'.repeat(64), actor: system, at };
    const { state } = spec
      .given(released)
      .when([issue, issue, { kind: 'complete', delivered: 3, failed: 0, recordsDigest: '9'.repeat(64), actor: system, at }])
      .then([
        {
          type: 'NoticeDocumentIssued',
          data: { batchId: 'b1', kind: 'individual', pdfArtifact: 'e'.repeat(64), pdfSha256: 'f'.repeat(64), at },
        },
        { type: 'NoticeBatchCompleted', data: { batchId: 'b1', delivered: 3, failed: 0, recordsDigest: '9'.repeat(64), at } },
      ]);
    expect(state).toMatchObject({ status: 'completed', completion: { delivered: 3, failed: 0 } });
    const completed = spec.history([{ kind: 'complete', delivered: 3, failed: 0, actor: system, at }], released);
    spec.given(completed).when({ kind: 'complete', delivered: 3, failed: 0, actor: system, at }).thenNothing();
    const returns = (letterIds: string[]): NoticeBatchCommand => ({
      kind: 'record-returns',
      letterIds,
      returnKind: 'returned-mail',
      actor: drafter,
      at,
    });
    spec
      .given(completed)
      .when([returns(['L1', 'L1', 'L2']), returns(['L2', 'L3'])])
      .then([
        { type: 'NoticesReturned', data: { incidentId: 'i1', letterIds: ['L1', 'L2'], insufficientContactAdded: 2 } },
        { type: 'NoticesReturned', data: { letterIds: ['L3'], insufficientContactAdded: 1 } },
      ]);
    spec
      .given(drafted)
      .when(returns(['L1']))
      .thenThrows({ code: 'INVALID_STATE' });
  });

  it('a batch can be cancelled until it is released, by those who prepare notices', () => {
    const { state } = spec
      .given(previewed)
      .when({ kind: 'cancel', reason: 'drafted for the wrong incident', actor: drafter, at })
      .then([{ type: 'NoticeBatchCancelled', data: { batchId: 'b1', cancelledBy: drafter.id, reason: 'drafted for the wrong incident' } }]);
    expect(state.status).toBe('cancelled');
    spec.given(released).when({ kind: 'cancel', reason: 'x', actor: drafter, at }).thenThrows({ code: 'INVALID_STATE' });
    spec
      .given(drafted)
      .when({ kind: 'cancel', reason: 'x', actor: { id: 'u-auditor', role: 'auditor' }, at })
      .thenThrows({ code: 'NOT_PERMITTED' });
  });
});

describe('print files confirmed mailed by the mail house', () => {
  const file = { chunk: 2, printSha256: 'e'.repeat(64), letters: 25 };
  const mailing = (count: number, mailedOn = '2025-04-01', actor = drafter): NoticeBatchCommand => ({
    kind: 'record-mailing',
    file,
    mailedOn,
    count,
    actor,
    at,
  });

  it("records the mail house's date and count when the count reconciles with the file", () => {
    const { state } = spec
      .given(released)
      .when(mailing(25))
      .then([
        {
          type: 'PrintFileMailed',
          data: {
            batchId: 'b1',
            chunk: 2,
            printSha256: file.printSha256,
            letters: 25,
            mailedOn: '2025-04-01',
            count: 25,
            recordedBy: drafter.id,
            at,
          },
        },
      ]);
    expect(state.mailed[2]).toEqual({ mailedOn: '2025-04-01', count: 25, printSha256: file.printSha256 });
  });

  it('refuses a count that differs from the file, a date in the future or before release, and an unreleased batch', () => {
    spec.given(released).when(mailing(24)).thenThrows({ code: 'COUNT_MISMATCH' });
    spec.given(released).when(mailing(25, '2025-04-02')).thenThrows({ code: 'INVALID_INPUT' });
    spec.given(released).when(mailing(25, '2025-03-31')).thenThrows({ code: 'INVALID_INPUT' });
    spec.given(approved).when(mailing(25)).thenThrows({ code: 'INVALID_STATE' });
    spec
      .given(released)
      .when(mailing(25, '2025-04-01', { id: 'u-aud', role: 'auditor' }))
      .thenThrows({ code: 'NOT_PERMITTED' });
  });

  it('is idempotent for the same confirmation and refuses a different one for the same file', () => {
    const mailed = spec.history([mailing(25)], released);
    spec.given(mailed).when(mailing(25)).thenNothing();
    spec.given(mailed).when(mailing(20)).thenThrows({ code: 'ALREADY_MAILED' });
  });
});
