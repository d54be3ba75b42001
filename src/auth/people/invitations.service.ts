import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { handleCommand, loadState } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { CLOCK, type Clock } from '../../platform/clock';
import { NotFoundError, ValidationError } from '../../platform/errors';
import { uuidv7 } from '../../platform/ids';
import type { Role } from '../domain/roles';
import { invitationDecider, invitationUsable, type InvitationPurpose, type InvitationState } from './domain/invitation';
import { LinkTokens } from './link-tokens';
import { CONSOLE_SETTINGS } from './sessions.service';
import type { ConsoleSettings } from './people.config';

export interface InvitationView {
  id: string;
  principalId: string;
  name: string;
  email: string | null;
  role: Role;
  purpose: InvitationPurpose;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  expiresAt: string;
  issuedAt: string;
  issuedBy: string;
  sentAt: string | null;
  acceptedAt: string | null;
}

@Injectable()
export class InvitationsService {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONSOLE_SETTINGS) private readonly settings: ConsoleSettings,
    private readonly tokens: LinkTokens,
  ) {}

  /** Issues an invitation; the email goes out from the committed event (InvitationMailProcessor). */
  async issue(
    input: { name: string; email: string | null; role: Role; purpose: InvitationPurpose; principalId?: string },
    ctx: CommandContext,
  ): Promise<InvitationView> {
    if (input.purpose === 'invite' && input.email) {
      const dup = this.db
        .prepare(`SELECT 1 FROM people_invitations WHERE lower(email) = lower(?) AND status = 'pending' AND expires_at > ?`)
        .get(input.email, this.nowIso());
      if (dup) throw ValidationError.field('email', 'a pending invitation for this address exists; revoke it first');
    }
    const invitationId = uuidv7();
    const expiresAt = new Date(this.clock.now().getTime() + this.settings.invitationTtlMs).toISOString();
    await handleCommand(
      this.ledger,
      `invitation-${invitationId}`,
      invitationDecider,
      {
        kind: 'issue',
        invitationId,
        principalId: input.principalId ?? uuidv7(),
        name: input.name,
        email: input.email,
        role: input.role,
        purpose: input.purpose,
        expiresAt,
      },
      ctx,
      { mode: 'create' },
    );
    await this.projections.catchUp();
    return this.get(invitationId);
  }

  async linkFor(invitationId: string): Promise<string> {
    return new URL(`/accept-invitation#${await this.tokens.tokenFor(invitationId)}`, this.settings.publicUrl).toString();
  }

  /** The invitation a link names, if it can still be used; otherwise a 4xx naming why. */
  async usable(token: string): Promise<{ view: InvitationView; state: InvitationState }> {
    const id = await this.tokens.verify(token);
    if (!id) throw ValidationError.field('token', 'this invitation link is not valid');
    const { state } = await loadState(this.ledger, `invitation-${id}`, invitationDecider);
    const ok = invitationUsable(state, this.nowIso());
    if (!ok.ok)
      throw ValidationError.field(
        'token',
        ok.reason === 'used' ? 'this invitation link was already used' : `this invitation link is ${ok.reason}`,
      );
    await this.projections.catchUp();
    return { view: this.get(id), state };
  }

  async revoke(id: string, reason: string, ctx: CommandContext): Promise<InvitationView> {
    await handleCommand(this.ledger, `invitation-${id}`, invitationDecider, { kind: 'revoke', invitationId: id, reason }, ctx, {
      mode: 'update',
    });
    await this.projections.catchUp();
    return this.get(id);
  }

  list(): InvitationView[] {
    return (this.db.prepare('SELECT * FROM people_invitations ORDER BY issued_at DESC, id DESC').all() as Row[]).map((r) => this.view(r));
  }

  get(id: string): InvitationView {
    const r = this.db.prepare('SELECT * FROM people_invitations WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new NotFoundError('invitation not found');
    return this.view(r);
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }

  private view(r: Row): InvitationView {
    const status = r.status === 'pending' && r.expires_at <= this.nowIso() ? 'expired' : (r.status as InvitationView['status']);
    return {
      id: r.id,
      principalId: r.principal_id,
      name: r.name,
      email: r.email,
      role: r.role as Role,
      purpose: r.purpose as InvitationPurpose,
      status,
      expiresAt: r.expires_at,
      issuedAt: r.issued_at,
      issuedBy: r.issued_by,
      sentAt: r.sent_at,
      acceptedAt: r.accepted_at,
    };
  }
}

interface Row {
  id: string;
  principal_id: string;
  name: string;
  email: string | null;
  role: string;
  purpose: string;
  status: string;
  expires_at: string;
  issued_at: string;
  issued_by: string;
  sent_at: string | null;
  accepted_at: string | null;
}
