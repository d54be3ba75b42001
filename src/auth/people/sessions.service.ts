import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { systemActor } from '../../shared/system-actor';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { CLOCK, type Clock } from '../../platform/clock';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { uuidv7 } from '../../platform/ids';
import type { Principal } from '../domain/roles';
import { PrincipalsService } from '../principals.service';
import { idleSecondsLeft, sessionEnd } from './domain/session-rules';
import type { SignInEvent, SignInMethod, SignOutReason } from './domain/sign-in';
import { consoleSettings, type ConsoleSettings } from './people.config';
import { sha256, SessionStore, type SessionRecord } from './session-store';

export const CONSOLE_SETTINGS = Symbol('ConsoleSettings');
export const SESSION_STORE = Symbol('SessionStore');

export const sessionProviders = [
  { provide: CONSOLE_SETTINGS, useFactory: (c: AppConfig) => consoleSettings(c), inject: [APP_CONFIG] },
  {
    provide: SESSION_STORE,
    useFactory: (c: AppConfig, s: ConsoleSettings) => new SessionStore(c.REDIS_URL, c.REDIS_PREFIX, Math.ceil(s.maxMs / 1000) + 60),
    inject: [APP_CONFIG, CONSOLE_SETTINGS],
  },
];

export interface ActiveSession {
  principal: Principal;
  record: SessionRecord;
  idleSecondsLeft: number;
}

const anonymous = (correlationId: string): CommandContext => ({ actor: { id: 'anonymous', role: 'anonymous' }, correlationId });

/**
 * People's sessions: created on a verified sign-in, ended on sign-out, after the idle limit or
 * the absolute limit. Every sign-in, failed sign-in and sign-out is a ledger event (no PHI).
 */
@Injectable()
export class SessionsService implements OnModuleDestroy {
  constructor(
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    @Inject(CONSOLE_SETTINGS) readonly settings: ConsoleSettings,
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    private readonly principals: PrincipalsService,
  ) {}

  async start(
    principal: Principal,
    method: SignInMethod,
    correlationId: string,
    extra: { credentialId?: string; counter?: number } = {},
  ): Promise<{ secret: string; csrfToken: string }> {
    const secret = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = this.clock.now().getTime();
    const ref = uuidv7();
    await this.append(
      `session-${ref}`,
      { type: 'SignedIn', data: { sessionRef: ref, principalId: principal.id, role: principal.role, method, ...extra } },
      { actor: { id: principal.id, role: principal.role }, correlationId },
    );
    await this.store.save(secret, {
      ref,
      principalId: principal.id,
      role: principal.role,
      method,
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
    });
    await this.projections.catchUp();
    return { secret, csrfToken };
  }

  /**
   * The session a cookie names, or why there is none. `touch` records activity (false for the
   * console's background refreshes, so polling never keeps an unattended session alive).
   */
  async resume(secret: string, correlationId: string, touch = true): Promise<ActiveSession | { ended: SignOutReason | 'unknown' }> {
    const record = await this.store.get(secret);
    if (!record) return { ended: 'unknown' };
    const now = this.clock.now().getTime();
    const end = sessionEnd(record, now, this.settings.idleMs, this.settings.maxMs);
    if (end) {
      await this.end(secret, record, end, correlationId);
      return { ended: end };
    }
    let principal: (Principal & { disabled: boolean }) | null = null;
    try {
      principal = this.principals.get(record.principalId);
    } catch {
      principal = null;
    }
    if (!principal || principal.disabled) {
      await this.end(secret, record, 'disabled', correlationId);
      return { ended: 'disabled' };
    }
    if (touch) {
      record.lastSeenAt = now;
      await this.store.save(secret, record);
    }
    return {
      principal: { id: principal.id, name: principal.name, role: principal.role },
      record,
      idleSecondsLeft: idleSecondsLeft(record, now, this.settings.idleMs, this.settings.maxMs),
    };
  }

  csrfMatches(record: SessionRecord, token: unknown): boolean {
    if (typeof token !== 'string' || token.length === 0) return false;
    const a = Buffer.from(sha256(token), 'hex');
    const b = Buffer.from(sha256(record.csrfToken), 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async signOut(secret: string, correlationId: string): Promise<void> {
    const record = await this.store.get(secret);
    if (record) await this.end(secret, record, 'user', correlationId);
  }

  async failed(method: SignInMethod, reason: string, correlationId: string, principalId?: string): Promise<void> {
    await this.append(
      `signin-${uuidv7()}`,
      { type: 'SignInFailed', data: { method, reason, ...(principalId ? { principalId } : {}) } },
      anonymous(correlationId),
    );
  }

  private async end(secret: string, record: SessionRecord, reason: SignOutReason, correlationId: string): Promise<void> {
    if (!(await this.store.delete(secret))) return;
    const actor = reason === 'user' ? { id: record.principalId, role: record.role } : systemActor('sessions');
    await this.append(
      `session-${record.ref}`,
      { type: 'SignedOut', data: { sessionRef: record.ref, principalId: record.principalId, reason } },
      { actor, correlationId },
    );
  }

  private async append(stream: string, event: SignInEvent, ctx: CommandContext): Promise<void> {
    await this.ledger.append(stream, [event], 'any', ctx);
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }
}
