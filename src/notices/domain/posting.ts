/**
 * Substitute notice web posting (164.404(d)(2)(i)): a conspicuous page at a stable public URL
 * for 90 days, then taken down by a timer. Pure decider; the clock's "now" arrives in the command (`at`).
 */
import type { CommandAt } from '../../ledger/command';

export interface PostingState {
  status: 'none' | 'posted' | 'taken-down';
  postingId: string;
  batchId: string;
  incidentId: string;
  slug: string;
  htmlArtifact: string;
  postedAt: string;
  takeDownAt: string;
  takenDown?: { at: string; reason: 'expired' | 'withdrawn' };
}

export type PostingEvent =
  | {
      type: 'SubstituteNoticePosted';
      data: {
        postingId: string;
        batchId: string;
        incidentId: string;
        slug: string;
        htmlArtifact: string;
        postedAt: string;
        takeDownAt: string;
        url: string;
      };
    }
  | { type: 'SubstituteNoticeTakenDown'; data: { postingId: string; at: string; reason: 'expired' | 'withdrawn' } };

export const POSTING_EVENT_TYPES = ['SubstituteNoticePosted', 'SubstituteNoticeTakenDown'] as const;

export type PostingCommand =
  | (CommandAt & {
      kind: 'post';
      postingId: string;
      batchId: string;
      incidentId: string;
      slug: string;
      htmlArtifact: string;
      url: string;
      days: number;
    })
  | (CommandAt & { kind: 'take-down'; reason: 'expired' | 'withdrawn' });

export class PostingRuleError extends Error {
  readonly code = 'POSTING_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'PostingRuleError';
  }
}

export const postingStream = (postingId: string): string => `notice-posting-${postingId}`;

export function initialPostingState(): PostingState {
  return { status: 'none', postingId: '', batchId: '', incidentId: '', slug: '', htmlArtifact: '', postedAt: '', takeDownAt: '' };
}

export function evolvePosting(s: PostingState, e: PostingEvent): PostingState {
  switch (e.type) {
    case 'SubstituteNoticePosted':
      return { ...s, status: 'posted', ...e.data };
    case 'SubstituteNoticeTakenDown':
      return { ...s, status: 'taken-down', takenDown: { at: e.data.at, reason: e.data.reason } };
    default:
      return s;
  }
}

export function decidePosting(c: PostingCommand, s: PostingState): PostingEvent[] {
  switch (c.kind) {
    case 'post': {
      if (s.status !== 'none') return []; // idempotent: the release processor may run twice
      if (c.days < 90) throw new PostingRuleError('a substitute notice stays posted for at least 90 days');
      const takeDown = new Date(new Date(c.at).getTime() + c.days * 86_400_000).toISOString();
      return [
        {
          type: 'SubstituteNoticePosted',
          data: {
            postingId: c.postingId,
            batchId: c.batchId,
            incidentId: c.incidentId,
            slug: c.slug,
            htmlArtifact: c.htmlArtifact,
            postedAt: c.at,
            takeDownAt: takeDown,
            url: c.url,
          },
        },
      ];
    }
    case 'take-down': {
      if (s.status === 'taken-down') return [];
      if (s.status !== 'posted') throw new PostingRuleError('nothing is posted');
      if (c.reason === 'expired' && c.at < s.takeDownAt) throw new PostingRuleError('the 90-day posting period has not ended');
      return [{ type: 'SubstituteNoticeTakenDown', data: { postingId: s.postingId, at: c.at, reason: c.reason } }];
    }
  }
}

export const postingDecider = { initialState: initialPostingState, evolve: evolvePosting, decide: decidePosting };
