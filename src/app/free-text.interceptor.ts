import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { concatMap, from, type Observable } from 'rxjs';
import type { Ledger } from '../ledger/ledger';
import type { PhiVault } from '../phi';
import { AppError } from '../platform/errors';
import { screenFields, type FieldFinding } from '../shared/phi-screen';
import { PHI_READER_ROLES, type Role } from '../shared/roles';
import { FREE_TEXT_KEYS } from './free-text-fields';
import { openFreeTextRecorded } from './free-text-reads';

/** 422 `possible-phi`: free text that looks like it holds identifiers, naming each field and what it looks like. */
export class PossiblePhiError extends AppError {
  readonly status = 422;
  readonly code = 'possible-phi';
  constructor(readonly fields: FieldFinding[]) {
    super(
      `${fields.map((f) => `${f.field} may hold ${f.kinds.join(', ')}`).join('; ')}: free text is sealed, but keep identifiers out of it; ` +
        'send "phiConfirmed": true to record it anyway (the confirmation is recorded)',
      { fields },
    );
  }
}

type FreeTextRequest = Request & {
  principal?: { id: string; role: Role };
  correlationId?: string;
  route?: { path?: string };
};

/** Every free-text string of a request body by its path (`discovery.note`, `factors.mitigation.rationale`). */
export function freeTextOf(body: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: unknown, path: string, depth: number): void => {
    if (depth > 16 || typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      const p = Array.isArray(node) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      if (typeof v === 'string' && FREE_TEXT_KEYS.has(k)) out[p] = v;
      else walk(v, p, depth + 1);
    }
  };
  walk(body, prefix, 0);
  return out;
}

/**
 * Free text is PHI until proven otherwise (issue 14, item 7), at the HTTP edge:
 * - in: the free-text fields of a write are screened for likely identifiers; a finding is a 422
 *   naming the field unless the body says `"phiConfirmed": true`, which is taken out of the body
 *   and recorded (`FreeTextPhiConfirmed`: who, which route, which fields and kinds — never the text);
 * - out: sealed free text in a response is opened for the roles that read PHI, and reads
 *   "[sealed free text]" for the others (auditors, admins, agents); the opening is recorded as a
 *   read of PHI (`PhiAccessed`, once per response: src/app/free-text-reads.ts).
 * Registered before the idempotency interceptor, so stored replays keep the sealed form.
 */
@Injectable()
export class FreeTextInterceptor implements NestInterceptor {
  constructor(
    private readonly vault: PhiVault,
    private readonly ledger: Ledger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<FreeTextRequest>();
    let confirmed: FieldFinding[] = [];
    if (['POST', 'PUT', 'PATCH'].includes(req.method) && typeof req.body === 'object' && req.body !== null && !Buffer.isBuffer(req.body)) {
      const body = req.body as Record<string, unknown>;
      const confirm = body.phiConfirmed === true;
      if ('phiConfirmed' in body && !Array.isArray(body)) delete body.phiConfirmed;
      const findings = screenFields(freeTextOf(body));
      if (findings.length && !confirm) throw new PossiblePhiError(findings);
      confirmed = findings;
    }
    const canRead = Boolean(req.principal && PHI_READER_ROLES.includes(req.principal.role));
    return next.handle().pipe(
      concatMap((body) =>
        from(
          (async () => {
            if (confirmed.length && req.principal) await this.recordConfirmation(req, confirmed);
            return openFreeTextRecorded(this.vault, this.ledger, req, body, canRead);
          })(),
        ),
      ),
    );
  }

  private async recordConfirmation(req: FreeTextRequest, fields: FieldFinding[]): Promise<void> {
    const principal = req.principal!;
    await this.ledger.append(
      `phiconfirm-${principal.id}`,
      [
        {
          type: 'FreeTextPhiConfirmed',
          data: {
            principalId: principal.id,
            role: principal.role,
            method: req.method,
            route: req.route?.path ?? 'unknown',
            params: { ...(req.params ?? {}) },
            fields,
          },
        },
      ],
      'any',
      { actor: { id: principal.id, role: principal.role }, correlationId: req.correlationId ?? 'phi-confirmed' },
    );
  }
}
