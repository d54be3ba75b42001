/**
 * "Awaiting substitute notice" (issue 13, item 3). People owed substitute notice (no usable
 * address, 164.404(d)(2)) are reached by the substitute-notice posting, not by the letters batch.
 * A batch that finished before any posting existed has not notified them: until a posting of the
 * incident is live their status is `awaiting-substitute-notice`, then `substitute-notice-posted`.
 * A posting withdrawn before its take-down date stops counting. Pure: postings and "now" arrive
 * as values (the read model's rows and the injected clock).
 */

export type SubstituteNoticeStatus = 'awaiting-substitute-notice' | 'substitute-notice-posted';

/** One substitute-notice posting of the incident (ISO instants). */
export interface PostingFact {
  postingId: string;
  postedAt: string;
  takeDownAt: string;
  /** When it came down (expired or withdrawn), or null while it is up. */
  takenDownAt: string | null;
  url?: string;
}

export interface SubstituteNoticeView {
  status: SubstituteNoticeStatus;
  /** The posting that reaches them, once live. */
  posting: PostingFact | null;
}

/** The delivery-record state of a person the batch leaves to substitute notice. */
export const SUBSTITUTE_STATE = 'substitute';

/** A posting counts from its posting time; one taken down before its take-down date (withdrawn) does not. */
function reaches(p: PostingFact, now: string): boolean {
  if (p.postedAt > now) return false;
  return p.takenDownAt === null || p.takenDownAt >= p.takeDownAt;
}

/** Whether the incident's substitute notice is live at `now`, and by which posting (the earliest that counts). */
export function substituteNoticeStatus(postings: readonly PostingFact[], now: string): SubstituteNoticeView {
  const live = postings.filter((p) => reaches(p, now)).sort((a, b) => a.postedAt.localeCompare(b.postedAt));
  return live[0] ? { status: 'substitute-notice-posted', posting: live[0] } : { status: 'awaiting-substitute-notice', posting: null };
}

/** A person's notice status from their delivery-record state: substitute rows take the incident's substitute status. */
export function noticeStatusOf(deliveryState: string, sub: SubstituteNoticeView): string {
  return deliveryState === SUBSTITUTE_STATE ? sub.status : deliveryState;
}

/** Delivery counts by state with the substitute rows under their notice status. */
export function byNoticeStatus(byState: Readonly<Record<string, number>>, sub: SubstituteNoticeView): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(byState)) {
    const key = noticeStatusOf(k, sub);
    out[key] = (out[key] ?? 0) + n;
  }
  return out;
}

/** States in which a person has been notified (an email accepted, a letter printed or mailed). */
const NOTIFIED = new Set(['sent', 'printed', 'mailed', 'substitute-notice-posted']);

/** People notified so far: substitute rows count only once the posting is live. */
export function notifiedCount(byState: Readonly<Record<string, number>>, sub: SubstituteNoticeView): number {
  let n = 0;
  for (const [k, c] of Object.entries(byNoticeStatus(byState, sub))) if (NOTIFIED.has(k)) n += c;
  return n;
}
