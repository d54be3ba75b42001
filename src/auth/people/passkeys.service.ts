import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type Database from 'better-sqlite3';
import { handleCommand } from '../../ledger/decider';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { CLOCK, type Clock } from '../../platform/clock';
import { UnauthorizedError, ValidationError } from '../../platform/errors';
import { PrincipalsService } from '../principals.service';
import { invitationDecider } from './domain/invitation';
import { counterAcceptable, passkeysDecider } from './domain/passkeys';
import { personDecider } from './domain/person';
import { InvitationsService } from './invitations.service';
import type { ConsoleSettings } from './people.config';
import type { SessionStore } from './session-store';
import { CONSOLE_SETTINGS, SESSION_STORE, SessionsService } from './sessions.service';

const CHALLENGE_TTL_SECONDS = 300;

// Loaded on first use: it takes seconds to load, and the CLI and worker processes never need it.
const webauthn = () => import('@simplewebauthn/server');

interface StoredPasskey {
  credential_id: string;
  principal_id: string;
  public_key: string;
  counter: number;
  transports: string;
  removed: number;
}

/** WebAuthn: registering a passkey from an invitation link, and signing in with one. */
@Injectable()
export class PasskeysService {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(CONSOLE_SETTINGS) private readonly settings: ConsoleSettings,
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly invitations: InvitationsService,
    private readonly sessions: SessionsService,
    private readonly principals: PrincipalsService,
  ) {}

  async registrationOptions(token: string) {
    const { view } = await this.invitations.usable(token);
    const { generateRegistrationOptions } = await webauthn();
    const options = await generateRegistrationOptions({
      rpName: `Safe Harbor — ${this.config.ORG_NAME}`,
      rpID: this.settings.rpId,
      userName: view.email ?? view.name,
      userDisplayName: view.name,
      userID: new TextEncoder().encode(view.principalId),
      attestationType: 'none',
      excludeCredentials: this.passkeysOf(view.principalId).map((p) => ({ id: p.credential_id, transports: JSON.parse(p.transports) })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    await this.store.putOnce('registration', view.id, { challenge: options.challenge }, CHALLENGE_TTL_SECONDS);
    return options;
  }

  /**
   * Verifies the new passkey, then: the invitation is used (single use is claimed first), the
   * person's principal exists, the passkey is registered, and a session starts.
   */
  async register(token: string, response: RegistrationResponseJSON, correlationId: string) {
    const { view } = await this.invitations.usable(token);
    const pending = await this.store.takeOnce<{ challenge: string }>('registration', view.id);
    if (!pending) throw ValidationError.field('response', 'the registration took too long or was already used; start again');
    const { verifyRegistrationResponse } = await webauthn();
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: pending.challenge,
        expectedOrigin: this.settings.origin,
        expectedRPID: this.settings.rpId,
        requireUserVerification: false,
      });
    } catch (err) {
      await this.sessions.failed('invitation', 'passkey-registration-invalid', correlationId, view.principalId);
      throw ValidationError.field('response', `the passkey could not be verified: ${(err as Error).message}`);
    }
    if (!verification.verified || !verification.registrationInfo) {
      await this.sessions.failed('invitation', 'passkey-registration-invalid', correlationId, view.principalId);
      throw ValidationError.field('response', 'the passkey could not be verified');
    }
    const { credential, credentialBackedUp } = verification.registrationInfo;
    const ctx = { actor: { id: view.principalId, role: view.role }, correlationId };
    await handleCommand(
      this.ledger,
      `invitation-${view.id}`,
      invitationDecider,
      { kind: 'accept', invitationId: view.id, credentialId: credential.id, now: this.clock.now().toISOString() },
      ctx,
      { mode: 'update' },
    );
    await handleCommand(
      this.ledger,
      `principal-${view.principalId}`,
      personDecider,
      { kind: 'create', principalId: view.principalId, name: view.name, role: view.role },
      ctx,
      { mode: 'any' },
    );
    await handleCommand(
      this.ledger,
      `passkeys-${view.principalId}`,
      passkeysDecider,
      {
        kind: 'register',
        principalId: view.principalId,
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ?? [],
        backedUp: credentialBackedUp,
      },
      ctx,
      { mode: 'any' },
    );
    await this.projections.catchUp();
    const principal = this.principals.get(view.principalId);
    return this.sessions.start({ id: principal.id, name: principal.name, role: principal.role }, 'passkey', correlationId, {
      credentialId: credential.id,
      counter: credential.counter,
    });
  }

  /** Options for a usernameless sign-in (discoverable credentials); the challenge is kept 5 minutes, usable once. */
  async authenticationOptions() {
    const { generateAuthenticationOptions } = await webauthn();
    const options = await generateAuthenticationOptions({ rpID: this.settings.rpId, userVerification: 'preferred' });
    await this.store.putOnce('authentication', options.challenge, { at: this.clock.now().toISOString() }, CHALLENGE_TTL_SECONDS);
    return options;
  }

  async authenticate(response: AuthenticationResponseJSON, correlationId: string) {
    await this.projections.catchUp();
    const stored = this.db.prepare('SELECT * FROM people_passkeys WHERE credential_id = ?').get(String(response?.id ?? '')) as
      StoredPasskey | undefined;
    const fail = async (reason: string, principalId?: string): Promise<never> => {
      await this.sessions.failed('passkey', reason, correlationId, principalId);
      throw new UnauthorizedError('sign-in failed: this passkey is not registered here or could not be verified');
    };
    if (!stored || stored.removed) return fail('unknown-passkey');
    let principal;
    try {
      principal = this.principals.get(stored.principal_id);
    } catch {
      return fail('unknown-principal', stored.principal_id);
    }
    if (principal.disabled) return fail('principal-disabled', principal.id);
    const { verifyAuthenticationResponse } = await webauthn();
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: async (challenge) => (await this.store.takeOnce('authentication', challenge)) !== null,
        expectedOrigin: this.settings.origin,
        expectedRPID: this.settings.rpId,
        credential: {
          id: stored.credential_id,
          publicKey: Buffer.from(stored.public_key, 'base64url'),
          counter: stored.counter,
          transports: JSON.parse(stored.transports),
        },
        requireUserVerification: false,
      });
    } catch {
      return fail('passkey-invalid', principal.id);
    }
    if (!verification.verified) return fail('passkey-invalid', principal.id);
    const counter = verification.authenticationInfo.newCounter;
    if (!counterAcceptable(stored.counter, counter)) return fail('passkey-counter-regressed', principal.id);
    return this.sessions.start({ id: principal.id, name: principal.name, role: principal.role }, 'passkey', correlationId, {
      credentialId: stored.credential_id,
      counter,
    });
  }

  passkeysOf(principalId: string): StoredPasskey[] {
    return this.db.prepare('SELECT * FROM people_passkeys WHERE principal_id = ? AND removed = 0').all(principalId) as StoredPasskey[];
  }
}
