import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthorizedError } from '../../platform/errors';
import { PHI_READER_ROLES, type Principal, type Role } from '../domain/roles';
import { PrincipalsService } from '../principals.service';
import { readCookie, SESSION_COOKIE } from '../people/cookies';
import { needsCsrfToken } from '../people/domain/session-rules';
import { SessionsService } from '../people/sessions.service';
import { PUBLIC_ROUTE, READS_PHI, REQUIRED_ROLES, type AuthenticatedRequest } from './decorators';

/**
 * The guard on every route: an API key (Bearer or X-Api-Key) for machines, or a console session
 * (cookie + CSRF token) for people; then the same roles and the same PHI rule for both.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalsService,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest & { method?: string }>();
    const auth = req.headers['authorization'];
    const header = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : req.headers['x-api-key'];
    let principal: Principal | null;
    if (typeof header === 'string' && header) {
      principal = await this.principals.authenticate(header);
      if (!principal) throw new UnauthorizedError('the API key is not valid');
    } else {
      // People: the console's session cookie, with the CSRF token on every state-changing request.
      principal = await this.consoleSession(req);
    }
    req.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLES, targets);
    if (roles?.length && !roles.includes(principal.role)) {
      throw new ForbiddenError(`this action needs the role ${roles.join(' or ')}`);
    }
    if (!roles?.length && principal.role === 'agent') throw new ForbiddenError('agents may only call agent routes');
    // Who may read PHI is decided here; the read itself is recorded by PhiReadInterceptor once the data was found.
    if (this.reflector.getAllAndOverride<boolean>(READS_PHI, targets) && !PHI_READER_ROLES.includes(principal.role)) {
      throw new ForbiddenError(`the role ${principal.role} cannot read PHI`);
    }
    return true;
  }

  private async consoleSession(req: AuthenticatedRequest & { method?: string }): Promise<Principal> {
    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!secret) throw new UnauthorizedError('sign in, or present an API key (Authorization: Bearer <key>)');
    const s = await this.sessions.resume(secret, req.correlationId ?? 'request', req.headers['x-safeharbor-passive'] !== '1');
    if ('ended' in s) {
      throw new UnauthorizedError(
        s.ended === 'idle' ? 'signed out after inactivity; sign in again' : 'your session has ended; sign in again',
        { sessionEnded: s.ended },
      );
    }
    if (needsCsrfToken(req.method ?? 'GET') && !this.sessions.csrfMatches(s.record, req.headers['x-csrf-token'])) {
      throw new ForbiddenError('this request did not come from the console page (missing or wrong X-CSRF-Token)', { reason: 'csrf' });
    }
    return s.principal;
  }
}
