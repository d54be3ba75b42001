import { decidePosting, evolvePosting, initialPostingState, PostingRuleError, type PostingCommand } from '../../../src/notices/domain/posting';

const post: PostingCommand = { type: 'PostSubstituteNotice', postingId: 'p1', batchId: 'b1', incidentId: 'i1', slug: 's', htmlArtifact: 'h', url: 'https://x/p/notices/s', now: '2025-04-01T12:00:00.000Z', days: 90 };

describe('substitute notice posting', () => {
  it('stays up 90 days and comes down by the timer only after that', () => {
    const [posted] = decidePosting(post, initialPostingState());
    expect(posted!.data).toMatchObject({ postedAt: '2025-04-01T12:00:00.000Z', takeDownAt: '2025-06-30T12:00:00.000Z' });
    const s = evolvePosting(initialPostingState(), posted!);
    expect(() => decidePosting({ type: 'TakeDownSubstituteNotice', reason: 'expired', now: '2025-06-30T11:59:59.999Z' }, s)).toThrow(PostingRuleError);
    const [down] = decidePosting({ type: 'TakeDownSubstituteNotice', reason: 'expired', now: '2025-06-30T12:00:00.000Z' }, s);
    expect(down!.type).toBe('SubstituteNoticeTakenDown');
    const after = evolvePosting(s, down!);
    expect(decidePosting({ type: 'TakeDownSubstituteNotice', reason: 'expired', now: '2025-07-01T00:00:00.000Z' }, after)).toEqual([]);
  });
  it('refuses a period shorter than 90 days and posts once', () => {
    expect(() => decidePosting({ ...post, days: 30 } as PostingCommand, initialPostingState())).toThrow(/90 days/);
    const s = evolvePosting(initialPostingState(), decidePosting(post, initialPostingState())[0]!);
    expect(decidePosting(post, s)).toEqual([]);
  });
});
