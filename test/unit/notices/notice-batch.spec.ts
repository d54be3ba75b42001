import {
  decideNoticeBatch, evolveNoticeBatch, initialNoticeBatchState, NoticeBatchError,
  type NoticeBatchCommand, type NoticeBatchState, type PreviewSummary,
} from '../../../src/notices/domain/notice-batch';

const drafter = { id: 'u-drafter', role: 'compliance-officer' };
const approver = { id: 'u-approver', role: 'compliance-officer' };
const responder = { id: 'u-responder', role: 'incident-responder' };
const D1 = 'a'.repeat(64);
const D2 = 'b'.repeat(64);
const at = '2025-04-01T10:00:00.000Z';

function run(cmds: NoticeBatchCommand[], state = initialNoticeBatchState()): NoticeBatchState {
  for (const c of cmds) for (const e of decideNoticeBatch(c, state)) state = evolveNoticeBatch(state, e);
  return state;
}
const preview = (digest: string): PreviewSummary => ({
  contentDigest: digest,
  counts: { total: 3, byChannel: { mail: 2, email: 1 }, byState: { OH: 3 }, byChannelAndState: { mail: { OH: 2 }, email: { OH: 1 } } },
  samples: [{ channel: 'mail', artifactDigest: 'c'.repeat(64), sha256: 'd'.repeat(64) }],
});
const draft: NoticeBatchCommand = { type: 'DraftNoticeBatch', batchId: 'b1', incidentId: 'i1', kind: 'individual', contentDigest: D1, actor: drafter, at };
const previewed = [draft, { type: 'RecordNoticePreview', preview: preview(D1), actor: drafter, at } as NoticeBatchCommand];

function expectError(cmd: NoticeBatchCommand, state: NoticeBatchState, code: string) {
  try {
    decideNoticeBatch(cmd, state);
  } catch (e) {
    expect(e).toBeInstanceOf(NoticeBatchError);
    expect((e as NoticeBatchError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('notice batch review and approval', () => {
  it('goes drafted → previewed → approved → released with another compliance officer approving', () => {
    const s = run([...previewed, { type: 'ApproveNoticeBatch', contentDigest: D1, actor: approver, at }, { type: 'ReleaseNoticeBatch', actor: drafter, at }]);
    expect(s.status).toBe('released');
    expect(s.approval).toEqual({ by: approver.id, contentDigest: D1, at });
  });

  it('refuses approval by the drafter', () => {
    expectError({ type: 'ApproveNoticeBatch', contentDigest: D1, actor: drafter, at }, run(previewed), 'SAME_PERSON');
  });

  it('refuses approval by anyone but a compliance officer', () => {
    expectError({ type: 'ApproveNoticeBatch', contentDigest: D1, actor: responder, at }, run(previewed), 'NOT_PERMITTED');
  });

  it('refuses approval before a preview of the current content', () => {
    expectError({ type: 'ApproveNoticeBatch', contentDigest: D1, actor: approver, at }, run([draft]), 'INVALID_STATE');
  });

  it('refuses to approve content other than what was previewed', () => {
    expectError({ type: 'ApproveNoticeBatch', contentDigest: D2, actor: approver, at }, run(previewed), 'STALE_CONTENT');
  });

  it('voids the approval when the content changes after approval, and needs a new preview and approval', () => {
    let s = run([...previewed, { type: 'ApproveNoticeBatch', contentDigest: D1, actor: approver, at }]);
    const events = decideNoticeBatch({ type: 'ReviseNoticeBatch', contentDigest: D2, actor: responder, at }, s);
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('NoticeBatchRevised');
    expect((events[0]!.data as { approvalVoided: boolean }).approvalVoided).toBe(true);
    s = evolveNoticeBatch(s, events[0]!);
    expect(s.status).toBe('drafted');
    expectError({ type: 'ReleaseNoticeBatch', actor: drafter, at }, s, 'INVALID_STATE');
    expectError({ type: 'ApproveNoticeBatch', contentDigest: D2, actor: approver, at }, s, 'INVALID_STATE');
    s = run([{ type: 'RecordNoticePreview', preview: preview(D2), actor: responder, at }], s);
    // The reviser is now an author of this revision: they may not approve it either.
    expectError({ type: 'ApproveNoticeBatch', contentDigest: D2, actor: { id: responder.id, role: 'compliance-officer' }, at }, s, 'SAME_PERSON');
    s = run([{ type: 'ApproveNoticeBatch', contentDigest: D2, actor: approver, at }, { type: 'ReleaseNoticeBatch', actor: drafter, at }], s);
    expect(s.status).toBe('released');
  });

  it('rejects a preview made from stale content', () => {
    const s = run([draft, { type: 'ReviseNoticeBatch', contentDigest: D2, actor: drafter, at }]);
    expectError({ type: 'RecordNoticePreview', preview: preview(D1), actor: drafter, at }, s, 'STALE_CONTENT');
  });

  it('refuses changes once released; release and approval are idempotent', () => {
    const s = run([...previewed, { type: 'ApproveNoticeBatch', contentDigest: D1, actor: approver, at }, { type: 'ReleaseNoticeBatch', actor: drafter, at }]);
    expectError({ type: 'ReviseNoticeBatch', contentDigest: D2, actor: drafter, at }, s, 'INVALID_STATE');
    expect(decideNoticeBatch({ type: 'ReleaseNoticeBatch', actor: drafter, at }, s)).toEqual([]);
  });

  it('requires a jurisdiction for a media notice', () => {
    expectError({ ...draft, kind: 'media' } as NoticeBatchCommand, initialNoticeBatchState(), 'INVALID_INPUT');
  });
});
