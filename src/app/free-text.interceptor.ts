import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { concatMap, from, type Observable } from 'rxjs';
import type { Ledger } from '../ledger/ledger';
import type { PhiVault } from '../phi';
import type { FieldFinding } from '../shared/phi-screen';
import { PHI_READER_ROLES, type Role } from '../shared/roles';
import { openFreeTextRecorded } from './free-text-reads';
import type { FreeTextScreen } from './free-text-screen';
import { incidentOfRequest, type BatchIncidentLookup } from './incident-of-request';

type FreeTextRequest = Request & {
  principal?: { id: string; role: Role };
  correlationId?: string;
  route?: { path?: string };
};

export { freeTextOf, PossiblePhiError } from './free-text-screen';

/**
 * Free text is PHI until proven otherwise (issue 14, item 7), at the HTTP edge:
 * - in: the free-text fields of a write are screened for likely identifiers (and, when the write
 *   names an incident, for the names on its affected list: src/app/incident-of-request.ts); a finding is a 422
 *   naming the field unless the body says `"phiConfirmed": true`, which is taken out of the body
 *   and recorded (`FreeTextPhiConfirmed`: who, which route, which fields and kinds — never the text);
 * - out: sealed free text in a response is opened for the roles that read PHI, and reads
 *   "[sealed free text]" for the others (auditors, admins, agents).
 * Registered before the idempotency interceptor, so stored replays keep the sealed form.
 */
@Injectable()
export class FreeTextInterceptor implements NestInterceptor {
  constructor(
    private readonly vault: PhiVault,
    private readonly screen: FreeTextScreen,
    private readonly batchIncident: BatchIncidentLookup,
    private readonly ledger: Ledger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<FreeTextRequest>();
    let confirm = false;
    let screened = false;
    if (['POST', 'PUT', 'PATCH'].includes(req.method) && typeof req.body === 'object' && req.body !== null && !Buffer.isBuffer(req.body)) {
      const body = req.body as Record<string, unknown>;
      confirm = body.phiConfirmed === true;
      if ('phiConfirmed' in body && !Array.isArray(body)) delete body.phiConfirmed;
      screened = true;
    }
    const canRead = Boolean(req.principal && PHI_READER_ROLES.includes(req.principal.role));
    return from(screened ? this.screen.check(req.body, incidentOfRequest(req, this.batchIncident), confirm) : Promise.resolve([])).pipe(
      concatMap((confirmed: FieldFinding[]) =>
        next.handle().pipe(
          concatMap((body) =>
            from(
              (async () => {
                if (confirmed.length && req.principal)
                  await this.screen.record(
                    {
                      principal: req.principal,
                      method: req.method,
                      route: req.route?.path ?? 'unknown',
                      params: { ...(req.params ?? {}) },
                      correlationId: req.correlationId ?? 'phi-confirmed',
                    },
                    confirmed,
                  );
                return openFreeTextRecorded(this.vault, this.ledger, req, body, canRead);
              })(),
            ),
          ),
        ),
      ),
    );
  }
}
