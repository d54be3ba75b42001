import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../http/decorators';
import { clearCookie, FLOW_COOKIE, isSecureRequest, readCookie, serializeCookie, SESSION_COOKIE } from '../cookies';
import { OidcService, OidcSignInError } from '../oidc.service';
import { SessionsService } from '../sessions.service';

type Req = Request & { correlationId?: string };

/** Back to the sign-in page with a code only: the page words it, so a crafted link cannot put text there. */
function failurePage(err: unknown): string {
  return `/sign-in?error=sso-${err instanceof OidcSignInError ? err.failure : 'failed'}`;
}
const FLOW_PATH = '/v1/auth/oidc';

/** Browser redirects for single sign-on; errors go back to the sign-in page as a message, never as JSON. */
@ApiTags('session')
@Controller('v1/auth/oidc')
export class OidcController {
  constructor(
    private readonly oidc: OidcService,
    private readonly sessions: SessionsService,
  ) {}

  @Public()
  @ApiOperation({ summary: 'Start single sign-on (redirect to the identity provider)' })
  @Get('start')
  async start(@Req() req: Req, @Res() res: Response): Promise<void> {
    try {
      const { url, flowId } = await this.oidc.start();
      // Lax, not Strict: the provider's redirect back is a cross-site navigation.
      res.append(
        'Set-Cookie',
        serializeCookie(FLOW_COOKIE, flowId, { secure: this.secure(req), sameSite: 'Lax', maxAgeSeconds: 600, path: FLOW_PATH }),
      );
      res.redirect(302, url);
    } catch (err) {
      res.redirect(302, failurePage(err));
    }
  }

  @Public()
  @ApiOperation({ summary: 'Single sign-on callback from the identity provider' })
  @Get('callback')
  async callback(@Req() req: Req, @Res() res: Response): Promise<void> {
    res.append('Set-Cookie', clearCookie(FLOW_COOKIE, { secure: this.secure(req), sameSite: 'Lax', path: FLOW_PATH }));
    try {
      const current = new URL(req.originalUrl, this.sessions.settings.publicUrl);
      const { secret } = await this.oidc.callback(current, readCookie(req.headers.cookie, FLOW_COOKIE), req.correlationId ?? 'oidc');
      res.append('Set-Cookie', serializeCookie(SESSION_COOKIE, secret, { secure: this.secure(req), sameSite: 'Strict' }));
      res.redirect(302, '/');
    } catch (err) {
      res.redirect(302, failurePage(err));
    }
  }

  private secure(req: Req): boolean {
    return isSecureRequest(this.sessions.settings.cookieSecure, req);
  }
}
