import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type Database from 'better-sqlite3';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { Observable, from, of, switchMap, tap } from 'rxjs';
import { canonicalize } from '../../shared/canonical-json';
import type { Clock } from '../clock';
import { ConflictError, RuleViolationError, ValidationError } from '../errors';

export function setupIdempotencyTable(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS idempotency_keys (
    principal_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER,
    body TEXT, headers TEXT, created_at TEXT NOT NULL, PRIMARY KEY (principal_id, key))`);
}

/**
 * `Idempotency-Key` on POST: the same key with the same body replays the stored response; the
 * same key with another body is 422; a request still in flight with that key is 409.
 * Records live in the read store, keyed per principal.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {
    setupIdempotencyTable(db);
  }

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
    const existing = this.db
      .prepare('SELECT fingerprint, status, body, headers FROM idempotency_keys WHERE principal_id = ? AND key = ?')
      .get(principalId, key) as { fingerprint: string; status: number | null; body: string | null; headers: string | null } | undefined;
    if (existing) {
      if (existing.fingerprint !== fingerprint) throw new RuleViolationError('this Idempotency-Key was used with a different request');
      if (existing.status === null) throw new ConflictError('a request with this Idempotency-Key is still in progress');
      res.status(existing.status);
      for (const [h, v] of Object.entries(JSON.parse(existing.headers ?? '{}') as Record<string, string>)) res.setHeader(h, v);
      res.setHeader('Idempotent-Replayed', 'true');
      return of(existing.body === null ? undefined : JSON.parse(existing.body));
    }
    const claimed = this.db
      .prepare('INSERT INTO idempotency_keys (principal_id, key, fingerprint, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(principalId, key, fingerprint, this.clock.now().toISOString());
    if (claimed.changes === 0) throw new ConflictError('a request with this Idempotency-Key is still in progress');
    const release = () =>
      this.db.prepare('DELETE FROM idempotency_keys WHERE principal_id = ? AND key = ? AND status IS NULL').run(principalId, key);
    return next.handle().pipe(
      tap({
        next: (body) => {
          const headers: Record<string, string> = {};
          for (const h of ['etag', 'location']) {
            const v = res.getHeader(h);
            if (typeof v === 'string') headers[h] = v;
          }
          this.db
            .prepare('UPDATE idempotency_keys SET status = ?, body = ?, headers = ? WHERE principal_id = ? AND key = ?')
            .run(res.statusCode, body === undefined ? null : JSON.stringify(body), JSON.stringify(headers), principalId, key);
        },
        error: () => release(), // a failed request may be retried with the same key
      }),
      switchMap((body) => from([body])),
    );
  }
}

function isBuffer(v: unknown): boolean {
  return Buffer.isBuffer(v);
}
