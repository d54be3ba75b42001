import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../../ledger/ledger';
import type { Principal, Role } from '../domain/roles';

export const PUBLIC_ROUTE = 'safeharbor:public';
export const REQUIRED_ROLES = 'safeharbor:roles';
export const READS_PHI = 'safeharbor:reads-phi';

/** No API key needed (health, metrics, docs, public substitute-notice pages). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** Only these roles may call the route. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);
/** The route returns PHI in clear: admin and auditor never pass, even if listed in @Roles. */
export const ReadsPhi = () => SetMetadata(READS_PHI, true);

export interface AuthenticatedRequest {
  principal?: Principal;
  correlationId?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The calling principal. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal!;
});

/** The command context (actor + correlation id) for events this request appends. */
export const Ctx = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandContext => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  const p = req.principal!;
  return { actor: { id: p.id, role: p.role }, correlationId: req.correlationId ?? randomUUID() };
});
