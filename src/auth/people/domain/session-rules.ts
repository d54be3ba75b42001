/**
 * When a console session ends (45 CFR 164.312(a)(2)(iii), automatic logoff): after `idleMs`
 * without activity, or `maxMs` after sign-in, whichever comes first. Pure; the clock is passed in.
 */
export interface SessionTimes {
  createdAt: number;
  lastSeenAt: number;
}

export type SessionEnd = 'idle' | 'expired' | null;

export function sessionEnd(s: SessionTimes, now: number, idleMs: number, maxMs: number): SessionEnd {
  if (now - s.createdAt >= maxMs) return 'expired';
  if (now - s.lastSeenAt >= idleMs) return 'idle';
  return null;
}

/** Seconds of idle time left, for the console's visible timer. */
export function idleSecondsLeft(s: SessionTimes, now: number, idleMs: number, maxMs: number): number {
  const left = Math.min(s.lastSeenAt + idleMs, s.createdAt + maxMs) - now;
  return Math.max(0, Math.floor(left / 1000));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Requests that change state must carry the session's CSRF token. */
export function needsCsrfToken(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}
