import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../clock';
import { TooManyRequestsError } from '../errors';

/**
 * A token bucket per caller (API key id, else client address), refilled continuously. Keeps one
 * process from being flooded; a shared limit across processes belongs in front of the service.
 */
export function rateLimit(perMinute: number, clock: Clock) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;
  return (req: Request, res: Response, next: NextFunction) => {
    if (perMinute <= 0) return next();
    const auth = req.headers.authorization ?? req.headers['x-api-key'];
    const keyId = typeof auth === 'string' ? /shk_([0-9a-f]{12})_/.exec(auth)?.[1] : undefined;
    const caller = keyId ? `key:${keyId}` : `ip:${req.ip}`;
    const now = clock.now().getTime();
    const b = buckets.get(caller) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + Math.max(0, now - b.at) * refillPerMs); // a clock set back never drains the bucket
    b.at = now;
    if (b.tokens < 1) {
      buckets.set(caller, b);
      res.setHeader('Retry-After', String(Math.ceil((1 - b.tokens) / refillPerMs / 1000)));
      return next(new TooManyRequestsError(`more than ${perMinute} requests a minute; retry later`));
    }
    b.tokens -= 1;
    buckets.set(caller, b);
    if (buckets.size > 100_000) buckets.clear(); // bounded memory under a flood of distinct callers
    next();
  };
}
