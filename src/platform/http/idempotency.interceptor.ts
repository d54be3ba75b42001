import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { Observable, catchError, from, mergeMap, of, switchMap, throwError } from 'rxjs';
import { canonicalize } from '../../shared/canonical-json';
import type { Clock } from '../clock';
import { ConflictError, RuleViolationError, ValidationError } from '../errors';
import type { IdempotencyRecord, IdempotencyRecords } from './idempotency-records';

/**
 * `Idempotency-Key` on POST: the same key with the same body replays the stored response; the
 * same key with another body is 422; a request still in flight with that key is 409.
 * Records are keyed per principal, in the read store or PostgreSQL (IdempotencyRecords).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly records: IdempotencyRecords,
    private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request & { principal?: { id: string } }>();
    const res = context.switchToHttp().getResponse<Response>();
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || key === undefined || !req.principal) return next.handle();
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw ValidationError.field('header.Idempotency-Key', 'must be 1-200 visible ASCII characters');
    }
    const principalId = req.principal.id;
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${isBuffer(req.body) ? '' : canonicalize(req.body ?? null)}`)
      .digest('hex');
    const replay = (existing: IdempotencyRecord): Observable<unknown> => {
      if (existing.fingerprint !== fingerprint) throw new RuleViolationError('this Idempotency-Key was used with a different request');
      if (existing.status === null) throw new ConflictError('a request with this Idempotency-Key is still in progress');
      res.status(existing.status);
      for (const [h, v] of Object.entries(JSON.parse(existing.headers ?? '{}') as Record<string, string>)) res.setHeader(h, v);
      res.setHeader('Idempotent-Replayed', 'true');
      return of(existing.body === null ? undefined : JSON.parse(existing.body));
    };
    const handle = async (): Promise<Observable<unknown>> => {
      const existing = await this.records.get(principalId, key);
      if (existing) return replay(existing);
      if (!(await this.records.claim(principalId, key, fingerprint, this.clock.now().toISOString()))) {
        throw new ConflictError('a request with this Idempotency-Key is still in progress');
      }
      return next.handle().pipe(
        // the record is stored before the response goes out, so a retry right after it replays
        mergeMap(async (body) => {
          const headers: Record<string, string> = {};
          for (const h of ['etag', 'location']) {
            const v = res.getHeader(h);
            if (typeof v === 'string') headers[h] = v;
          }
          await this.records.complete(
            principalId,
            key,
            res.statusCode,
            body === undefined ? null : JSON.stringify(body),
            JSON.stringify(headers),
          );
          return body;
        }),
        catchError((err) => from(this.records.release(principalId, key)).pipe(mergeMap(() => throwError(() => err)))), // a failed request may be retried with the same key
      );
    };
    return from(handle()).pipe(switchMap((o) => o));
  }
}

function isBuffer(v: unknown): boolean {
  return Buffer.isBuffer(v);
}
