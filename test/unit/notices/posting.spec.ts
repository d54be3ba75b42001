import { postingDecider, type PostingCommand } from '../../../src/notices/domain/posting';
import { deciderSpec } from '../../support/decider-spec';

const spec = deciderSpec(postingDecider);
const system = { id: 'safeharbor-notices', role: 'system' };
const post: PostingCommand = {
  kind: 'post',
  postingId: 'p1',
  batchId: 'b1',
  incidentId: 'i1',
  slug: 's',
  htmlArtifact: 'h',
  url: 'https://x/p/notices/s',
  days: 90,
  actor: system,
  at: '2025-04-01T12:00:00.000Z',
};
const takeDown = (at: string): PostingCommand => ({ kind: 'take-down', reason: 'expired', actor: system, at });
const posted = spec.history([post]);

describe('substitute notice posting', () => {
  it('stays up 90 days and comes down by the timer only after that', () => {
    spec.when(post).then([
      {
        type: 'SubstituteNoticePosted',
        data: {
          postingId: 'p1',
          slug: 's',
          url: 'https://x/p/notices/s',
          postedAt: '2025-04-01T12:00:00.000Z',
          takeDownAt: '2025-06-30T12:00:00.000Z',
        },
      },
    ]);
    spec
      .given(posted)
      .when(takeDown('2025-06-30T11:59:59.999Z'))
      .thenThrows({ code: 'POSTING_RULE', message: /90-day posting period has not ended/ });
    const { state } = spec
      .given(posted)
      .when(takeDown('2025-06-30T12:00:00.000Z'))
      .then([{ type: 'SubstituteNoticeTakenDown', data: { postingId: 'p1', at: '2025-06-30T12:00:00.000Z', reason: 'expired' } }]);
    expect(state.status).toBe('taken-down');
    spec
      .given(spec.history([takeDown('2025-06-30T12:00:00.000Z')], posted))
      .when(takeDown('2025-07-01T00:00:00.000Z'))
      .thenNothing();
  });

  it('refuses a period shorter than 90 days and posts once', () => {
    spec.when({ ...post, days: 30 } as PostingCommand).thenThrows(/90 days/);
    spec.given(posted).when(post).thenNothing();
    spec.when(takeDown('2025-04-02T00:00:00.000Z')).thenThrows(/nothing is posted/);
  });
});
