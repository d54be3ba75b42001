import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../../../platform/config';
import { ROLE_CONTACTS, type RoleContacts } from '../../../platform/role-contacts';
import { ApiZodBody, ApiZodResponse, ValidBody } from '../../../platform/http/zod';
import { ActivitySchema, InvitationLookupSchema, SessionViewSchema, SignedInSchema } from './schemas';
import { Public } from '../../http/decorators';
import { clearCookie, isSecureRequest, readCookie, serializeCookie, SESSION_COOKIE } from '../cookies';
import { InvitationsService } from '../invitations.service';
import { OidcService } from '../oidc.service';
import { PasskeysService } from '../passkeys.service';
import { SessionsService } from '../sessions.service';

// WebAuthn JSON shapes are checked by @simplewebauthn/server; here only that they are objects.
const PasskeyResponse = z.object({ response: z.object({ id: z.string().min(1).max(1024) }).passthrough() }).strict();
const TokenBody = z.object({ token: z.string().min(1).max(200) }).strict();
const EnrollBody = z
  .object({ token: z.string().min(1).max(200), response: z.object({ id: z.string().min(1).max(1024) }).passthrough() })
  .strict();

type Req = Request & { correlationId?: string };

/** What the console learns about its session: who, the CSRF token for writes, and the idle time left. */
export interface SessionView {
  signedIn: boolean;
  principal: { id: string; name: string; role: string } | null;
  csrfToken: string | null;
  idleSecondsLeft: number | null;
  idleTimeoutSeconds: number;
  /** Why the last session ended, when the cookie named one that is gone (idle, expired, disabled). */
  ended: string | null;
  organization: { name: string; timeZone: string };
  sso: { enabled: boolean; label: string | null };
}

@ApiTags('session')
@Controller('v1/session')
export class SessionController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly passkeys: PasskeysService,
    private readonly oidc: OidcService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROLE_CONTACTS) private readonly contacts: RoleContacts,
  ) {}

  /** The current console session (never 401: the console asks this before it knows). */
  @Public()
  @ApiOperation({ summary: 'The current console session' })
  @Get()
  @ApiZodResponse(SessionViewSchema)
  async current(@Req() req: Req, @Res({ passthrough: true }) res: Response): Promise<SessionView> {
    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    const base: SessionView = {
      signedIn: false,
      principal: null,
      csrfToken: null,
      idleSecondsLeft: null,
      ended: null,
      idleTimeoutSeconds: Math.round(this.sessions.settings.idleMs / 1000),
      // The profile's name (an event, changed in the console) before ORG_NAME.
      organization: { name: await this.organizationName(), timeZone: this.config.ORG_TIMEZONE },
      sso: { enabled: this.oidc.enabled, label: this.oidc.enabled ? this.sessions.settings.oidc!.label : null },
    };
    res.setHeader('Cache-Control', 'no-store');
    if (!secret) return base;
    const s = await this.sessions.resume(secret, req.correlationId ?? 'session', req.headers['x-safeharbor-passive'] !== '1');
    if ('ended' in s) {
      res.append('Set-Cookie', clearCookie(SESSION_COOKIE, this.cookieOptions(req)));
      return { ...base, ended: s.ended };
    }
    return { ...base, signedIn: true, principal: s.principal, csrfToken: s.record.csrfToken, idleSecondsLeft: s.idleSecondsLeft };
  }

  private async organizationName(): Promise<string> {
    try {
      return await this.contacts.organizationName();
    } catch {
      return this.config.ORG_NAME;
    }
  }

  @Public()
  @ApiOperation({ summary: 'Passkey sign-in challenge' })
  @Post('passkey/options')
  @HttpCode(200)
  passkeyOptions() {
    return this.passkeys.authenticationOptions();
  }

  @Public()
  @ApiOperation({ summary: 'Sign in with a passkey' })
  @Post('passkey')
  @HttpCode(200)
  @ApiZodBody(PasskeyResponse)
  @ApiZodResponse(SignedInSchema)
  async passkey(
    @ValidBody(PasskeyResponse) body: z.infer<typeof PasskeyResponse>,
    @Req() req: Req,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { secret } = await this.passkeys.authenticate(body.response as never, req.correlationId ?? 'sign-in');
    res.append('Set-Cookie', serializeCookie(SESSION_COOKIE, secret, this.cookieOptions(req)));
    return { signedIn: true };
  }

  /** Records activity (the console calls it on keyboard or pointer use) and returns the idle time left. */
  @ApiOperation({ summary: 'Record console activity and return the idle time left' })
  @Post('activity')
  @ApiZodResponse(ActivitySchema)
  @HttpCode(200)
  async activity(@Req() req: Req) {
    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    const s = secret ? await this.sessions.resume(secret, req.correlationId ?? 'activity') : { ended: 'unknown' as const };
    return { idleSecondsLeft: 'ended' in s ? 0 : s.idleSecondsLeft };
  }

  @ApiOperation({ summary: 'Sign out of the console' })
  @Post('sign-out')
  @ApiZodResponse(SignedInSchema)
  @HttpCode(200)
  async signOut(@Req() req: Req, @Res({ passthrough: true }) res: Response) {
    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (secret) await this.sessions.signOut(secret, req.correlationId ?? 'sign-out');
    res.append('Set-Cookie', clearCookie(SESSION_COOKIE, this.cookieOptions(req)));
    return { signedIn: false };
  }

  private cookieOptions(req: Req) {
    return { secure: isSecureRequest(this.sessions.settings.cookieSecure, req), sameSite: 'Strict' as const };
  }
}

/** Invitation links: look one up, get WebAuthn registration options, register the passkey (and sign in). */
@ApiTags('session')
@Controller('v1/enrollment')
export class EnrollmentController {
  constructor(
    private readonly passkeys: PasskeysService,
    private readonly sessions: SessionsService,
    private readonly invitations: InvitationsService,
  ) {}

  @Public()
  @ApiOperation({ summary: 'Look up an invitation by its token' })
  @Post('lookup')
  @HttpCode(200)
  @ApiZodBody(TokenBody)
  @ApiZodResponse(InvitationLookupSchema)
  async lookup(@ValidBody(TokenBody) body: z.infer<typeof TokenBody>) {
    const { view } = await this.invitations.usable(body.token);
    return { name: view.name, email: view.email, role: view.role, purpose: view.purpose, expiresAt: view.expiresAt };
  }

  @Public()
  @ApiOperation({ summary: 'Passkey registration challenge for an invitation' })
  @Post('options')
  @HttpCode(200)
  @ApiZodBody(TokenBody)
  options(@ValidBody(TokenBody) body: z.infer<typeof TokenBody>) {
    return this.passkeys.registrationOptions(body.token);
  }

  @Public()
  @ApiOperation({ summary: 'Accept an invitation by registering a passkey' })
  @Post()
  @HttpCode(200)
  @ApiZodBody(EnrollBody)
  @ApiZodResponse(SignedInSchema)
  async enroll(@ValidBody(EnrollBody) body: z.infer<typeof EnrollBody>, @Req() req: Req, @Res({ passthrough: true }) res: Response) {
    const { secret } = await this.passkeys.register(body.token, body.response as never, req.correlationId ?? 'enrollment');
    res.append(
      'Set-Cookie',
      serializeCookie(SESSION_COOKIE, secret, { secure: isSecureRequest(this.sessions.settings.cookieSecure, req), sameSite: 'Strict' }),
    );
    return { signedIn: true };
  }
}
