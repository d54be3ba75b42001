import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type * as OidcClient from 'openid-client';
import type { Logger } from 'pino';
import { handleCommand } from '../../ledger/decider';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { CLOCK, type Clock } from '../../platform/clock';
import { NotFoundError, UnauthorizedError } from '../../platform/errors';
import { uuidv7 } from '../../platform/ids';
import { LOGGER } from '../../platform/logger';
import { PrincipalsService } from '../principals.service';
import { personDecider } from './domain/person';
import { roleFromClaim, type ConsoleSettings, type OidcSettings } from './people.config';
import { sha256, type SessionStore } from './session-store';
import { CONSOLE_SETTINGS, SESSION_STORE, SessionsService } from './sessions.service';

const FLOW_TTL_SECONDS = 600;

/** Why single sign-on failed, as a code the sign-in page turns into words (no text from a URL is shown). */
export type OidcFailure = 'unavailable' | 'expired' | 'unverified' | 'no-role' | 'disabled';
export class OidcSignInError extends UnauthorizedError {
  constructor(
    readonly failure: OidcFailure,
    message: string,
  ) {
    super(message);
  }
}

// ESM-only and only needed when single sign-on is configured: loaded on first use.
const openidClient = (): Promise<typeof OidcClient> => import('openid-client');

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
}

/**
 * OpenID Connect sign-in (authorization code + PKCE, state and nonce checked). The role comes
 * from a configured claim of the ID token (or UserInfo) at every sign-in; a person is linked by
 * a hash of issuer and subject, so the ledger names no IdP account.
 */
@Injectable()
export class OidcService {
  private configuration: Promise<OidcClient.Configuration> | null = null;

  constructor(
    @Inject(CONSOLE_SETTINGS) private readonly settings: ConsoleSettings,
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly sessions: SessionsService,
    private readonly principals: PrincipalsService,
  ) {}

  get enabled(): boolean {
    return this.settings.oidc !== null;
  }

  private oidcSettings(): OidcSettings {
    if (!this.settings.oidc) throw new NotFoundError('single sign-on is not configured (OIDC_ISSUER)');
    return this.settings.oidc;
  }

  private config(): Promise<OidcClient.Configuration> {
    const s = this.oidcSettings();
    this.configuration ??= (async () => {
      const oidc = await openidClient();
      const issuer = new URL(s.issuer);
      const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
      // Plain http only to a provider on this machine (tests, a local proxy); anything else must be TLS.
      const options = issuer.protocol === 'http:' && loopback ? { execute: [oidc.allowInsecureRequests] } : undefined;
      return oidc.discovery(issuer, s.clientId, s.clientSecret, s.clientSecret ? undefined : oidc.None(), options);
    })().catch((err) => {
      this.configuration = null;
      this.logger.error({ err: { message: (err as Error).message } }, 'OIDC discovery failed');
      throw new OidcSignInError('unavailable', 'the single sign-on provider could not be reached; try again or use a passkey');
    });
    return this.configuration;
  }

  /** The provider's authorization URL and the id of this flow (kept in a short-lived cookie). */
  async start(): Promise<{ url: string; flowId: string }> {
    const s = this.oidcSettings();
    const config = await this.config();
    const oidc = await openidClient();
    const flow: Flow = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
    const flowId = randomBytes(24).toString('base64url');
    await this.store.putOnce('oidc', flowId, flow, FLOW_TTL_SECONDS);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: s.redirectUri,
      scope: s.scopes,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
    });
    return { url: url.toString(), flowId };
  }

  async callback(currentUrl: URL, flowId: string | null, correlationId: string) {
    const s = this.oidcSettings();
    const flow = flowId ? await this.store.takeOnce<Flow>('oidc', flowId) : null;
    if (!flow) {
      await this.sessions.failed('oidc', 'unknown-or-expired-flow', correlationId);
      throw new OidcSignInError('expired', 'the sign-in took too long or was started elsewhere; start again');
    }
    const config = await this.config();
    const oidc = await openidClient();
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      claims = { ...(tokens.claims() ?? {}) };
      if (claims[s.roleClaim] === undefined || claims.name === undefined) {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub));
        claims = { ...info, ...claims, [s.roleClaim]: claims[s.roleClaim] ?? info[s.roleClaim] };
      }
    } catch (err) {
      await this.sessions.failed('oidc', 'token-exchange-failed', correlationId);
      this.logger.warn({ err: { message: (err as Error).message } }, 'OIDC callback refused');
      throw new OidcSignInError('unverified', "single sign-on failed: the provider's answer could not be verified");
    }
    const role = roleFromClaim(claims[s.roleClaim], s.roleMap);
    const subjectHash = sha256(`${s.issuer}\n${String(claims.sub)}`);
    const linked = this.db.prepare('SELECT principal_id FROM people_oidc_links WHERE subject_hash = ?').get(subjectHash) as
      { principal_id: string } | undefined;
    if (!role) {
      await this.sessions.failed('oidc', 'no-role-in-claim', correlationId, linked?.principal_id);
      throw new OidcSignInError('no-role', `single sign-on refused: your account has no Safe Harbor role (claim ${s.roleClaim})`);
    }
    const name = String(claims.name ?? claims.preferred_username ?? claims.email ?? 'SSO user').slice(0, 120);
    const principalId = linked?.principal_id ?? uuidv7();
    const ctx = { actor: { id: principalId, role }, correlationId };
    if (!linked) {
      await handleCommand(this.ledger, `principal-${principalId}`, personDecider, { kind: 'create', principalId, name, role }, ctx, {
        mode: 'any',
      });
      await this.ledger.append(
        `principal-${principalId}`,
        [{ type: 'OidcIdentityLinked', data: { principalId, issuer: s.issuer, subjectHash } }],
        'any',
        ctx,
      );
    } else {
      const current = this.principals.get(principalId);
      if (current.disabled) {
        await this.sessions.failed('oidc', 'principal-disabled', correlationId, principalId);
        throw new OidcSignInError('disabled', 'single sign-on refused: this person is disabled in Safe Harbor');
      }
      await handleCommand(
        this.ledger,
        `principal-${principalId}`,
        personDecider,
        { kind: 'change-role', principalId, role, reason: `single sign-on claim ${s.roleClaim}` },
        ctx,
        { mode: 'update' },
      );
    }
    await this.projections.catchUp();
    const principal = this.principals.get(principalId);
    return this.sessions.start({ id: principal.id, name: principal.name, role: principal.role }, 'oidc', correlationId);
  }
}
