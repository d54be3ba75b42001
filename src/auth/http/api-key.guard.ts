import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthorizedError } from '../../platform/errors';
import { PHI_READER_ROLES, type Principal, type Role } from '../domain/roles';
import { PrincipalsService } from '../principals.service';
import { PUBLIC_ROUTE, READS_PHI, REQUIRED_ROLES, type AuthenticatedRequest } from './decorators';

/** The guard on every route: an API key (Bearer or X-Api-Key), then roles, then the PHI rule. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalsService,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const auth = req.headers['authorization'];
    const header = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : req.headers['x-api-key'];
    if (typeof header !== 'string' || !header) throw new UnauthorizedError('an API key is required (Authorization: Bearer <key>)');
    const principal = await this.principals.authenticate(header);
    if (!principal) throw new UnauthorizedError('the API key is not valid');
    req.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLES, targets);
    if (roles?.length && !roles.includes(principal.role)) {
      throw new ForbiddenError(`this action needs the role ${roles.join(' or ')}`);
    }
    if (!roles?.length && principal.role === 'agent') throw new ForbiddenError('agents may only call agent routes');
    if (this.reflector.getAllAndOverride<boolean>(READS_PHI, targets)) {
      if (!PHI_READER_ROLES.includes(principal.role)) throw new ForbiddenError(`the role ${principal.role} cannot read PHI`);
      await this.recordPhiRead(req as AuthenticatedRequest & { method?: string; route?: { path?: string }; params?: Record<string, string> }, principal);
    }
    return true;
  }

  /**
   * Every read of PHI is itself an event, recorded before the PHI is served (no record, no read).
   * It names who, which route and which resource ids — never the PHI.
   */
  private async recordPhiRead(req: AuthenticatedRequest & { method?: string; route?: { path?: string }; params?: Record<string, string> }, principal: Principal): Promise<void> {
    await this.ledger.append(
      `phiaccess-${principal.id}`,
      [{ type: 'PhiAccessed', data: { principalId: principal.id, role: principal.role, method: req.method ?? 'GET', route: req.route?.path ?? 'unknown', params: { ...(req.params ?? {}) } } }],
      'any',
      { actor: { id: principal.id, role: principal.role }, correlationId: req.correlationId ?? 'phi-read' },
    );
  }
}
