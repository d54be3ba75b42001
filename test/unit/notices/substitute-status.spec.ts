import {
  byNoticeStatus,
  noticeStatusOf,
  notifiedCount,
  substituteNoticeStatus,
  type PostingFact,
} from '../../../src/notices/domain/substitute-status';

/**
 * Issue 13, item 3: a letters batch reported delivered does not notify the people owed substitute
 * notice. Until a posting is live they are "awaiting-substitute-notice"; then "substitute-notice-posted".
 */
const posting = (over: Partial<PostingFact> = {}): PostingFact => ({
  postingId: 'p1',
  postedAt: '2026-03-20T12:00:00.000Z',
  takeDownAt: '2026-06-18T12:00:00.000Z',
  takenDownAt: null,
  ...over,
});
// A finished batch: 980 letters printed, 8 emails, 12 people owed substitute notice.
const byState = { printed: 980, sent: 8, substitute: 12 };

describe('substitute notice status', () => {
  it('no posting: the 12 are awaiting substitute notice and are not counted as notified', () => {
    const sub = substituteNoticeStatus([], '2026-03-19T00:00:00.000Z');
    expect(sub).toEqual({ status: 'awaiting-substitute-notice', posting: null });
    expect(noticeStatusOf('substitute', sub)).toBe('awaiting-substitute-notice');
    expect(noticeStatusOf('printed', sub)).toBe('printed');
    expect(byNoticeStatus(byState, sub)).toEqual({ printed: 980, sent: 8, 'awaiting-substitute-notice': 12 });
    expect(notifiedCount(byState, sub)).toBe(988);
  });

  it('a posting scheduled but not yet up does not count', () => {
    expect(substituteNoticeStatus([posting()], '2026-03-20T11:59:59.999Z').status).toBe('awaiting-substitute-notice');
  });

  it('once the posting is live they are substitute-notice-posted and counted', () => {
    const sub = substituteNoticeStatus([posting()], '2026-03-20T12:00:00.000Z');
    expect(sub).toEqual({ status: 'substitute-notice-posted', posting: posting() });
    expect(byNoticeStatus(byState, sub)).toEqual({ printed: 980, sent: 8, 'substitute-notice-posted': 12 });
    expect(notifiedCount(byState, sub)).toBe(1000);
  });

  it('a posting that ran its term and came down still reached them', () => {
    const done = posting({ takenDownAt: '2026-06-18T12:00:03.000Z' });
    expect(substituteNoticeStatus([done], '2026-07-01T00:00:00.000Z').status).toBe('substitute-notice-posted');
  });

  it('a posting withdrawn before its take-down date no longer counts; a later live posting does', () => {
    const withdrawn = posting({ takenDownAt: '2026-04-01T00:00:00.000Z' });
    expect(substituteNoticeStatus([withdrawn], '2026-04-02T00:00:00.000Z').status).toBe('awaiting-substitute-notice');
    const again = posting({ postingId: 'p2', postedAt: '2026-04-03T00:00:00.000Z', takeDownAt: '2026-07-02T00:00:00.000Z' });
    expect(substituteNoticeStatus([withdrawn, again], '2026-04-03T00:00:00.000Z')).toMatchObject({
      status: 'substitute-notice-posted',
      posting: { postingId: 'p2' },
    });
  });

  it('failed, held and not-required rows are never counted as notified', () => {
    const sub = substituteNoticeStatus([posting()], '2026-04-01T00:00:00.000Z');
    expect(notifiedCount({ failed: 3, held: 1, 'not-required': 2, sending: 4 }, sub)).toBe(0);
  });
});
