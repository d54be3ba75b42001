import { createParamDecorator, Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { concatMap, from, type Observable } from 'rxjs';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import { LOGGER } from '../../platform/logger';
import { READS_PHI, type AuthenticatedRequest } from './decorators';

type PhiRequest = AuthenticatedRequest & {
  method?: string;
  route?: { path?: string };
  params?: Record<string, string>;
  recordPhiRead?: () => Promise<void>;
};

/**
 * Every read of PHI is itself an event (`PhiAccessed`: who, which route, which ids — never the
 * PHI), recorded once the data was found and before it is sent: a request for an id that does
 * not exist, or one that fails, records nothing. Routes that return their value are recorded
 * here when the handler's value arrives; a route that writes the response itself (`@Res()`)
 * calls the `@PhiRead()` function right before it sends.
 */
@Injectable()
export class PhiReadInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.reflector.getAllAndOverride<boolean>(READS_PHI, [context.getHandler(), context.getClass()])) return next.handle();
    const req = context.switchToHttp().getRequest<PhiRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    let recorded: Promise<void> | undefined;
    const record = () => (recorded ??= this.record(req));
    req.recordPhiRead = record;
    return next.handle().pipe(
      concatMap((body) =>
        from(
          (async () => {
            if (recorded === undefined && res.headersSent) {
              // A handler that sent PHI itself without recording: record late rather than never, and say so.
              this.logger.error({ route: req.route?.path }, 'a PHI route sent its response before recording the read');
            }
            await record();
            return body;
          })(),
        ),
      ),
    );
  }

  private async record(req: PhiRequest): Promise<void> {
    const principal = req.principal!;
    await this.ledger.append(
      `phiaccess-${principal.id}`,
      [
        {
          type: 'PhiAccessed',
          data: {
            principalId: principal.id,
            role: principal.role,
            method: req.method ?? 'GET',
            route: req.route?.path ?? 'unknown',
            params: { ...(req.params ?? {}) },
          },
        },
      ],
      'any',
      { actor: { id: principal.id, role: principal.role }, correlationId: req.correlationId ?? 'phi-read' },
    );
  }
}

/** For a `@ReadsPhi()` route that writes the response itself: `await recordRead()` after finding the data, before sending it. */
export const PhiRead = createParamDecorator((_: unknown, ctx: ExecutionContext): (() => Promise<void>) => {
  const req = ctx.switchToHttp().getRequest<PhiRequest>();
  return () => (req.recordPhiRead ? req.recordPhiRead() : Promise.reject(new Error('@PhiRead() used on a route without @ReadsPhi()')));
});
