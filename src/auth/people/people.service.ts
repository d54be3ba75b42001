import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { handleCommand } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { ForbiddenError } from '../../platform/errors';
import type { Role } from '../domain/roles';
import { PrincipalsService } from '../principals.service';
import { personDecider } from './domain/person';

export interface PersonView {
  id: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  /** How this principal signs in: passkeys, single sign-on, an API key (machines and scripts). */
  passkeys: number;
  sso: boolean;
  apiKey: boolean;
  lastSignInAt: string | null;
  lastSignInMethod: string | null;
}

@Injectable()
export class PeopleService {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    private readonly principals: PrincipalsService,
  ) {}

  async list(): Promise<PersonView[]> {
    await this.projections.catchUp();
    const rows = this.db
      .prepare(
        `SELECT p.id, p.name, p.role, p.disabled, p.created_at,
           (SELECT COUNT(*) FROM people_passkeys k WHERE k.principal_id = p.id AND k.removed = 0) AS passkeys,
           EXISTS (SELECT 1 FROM people_oidc_links o WHERE o.principal_id = p.id) AS sso,
           EXISTS (SELECT 1 FROM api_keys a WHERE a.principal_id = p.id) AS api_key,
           s.at AS last_at, s.method AS last_method
         FROM principals p LEFT JOIN people_last_sign_in s ON s.principal_id = p.id
         ORDER BY p.disabled, p.name COLLATE NOCASE, p.id`,
      )
      .all() as Array<Record<string, any>>;
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      role: r.role,
      disabled: Boolean(r.disabled),
      createdAt: r.created_at,
      passkeys: r.passkeys,
      sso: Boolean(r.sso),
      apiKey: Boolean(r.api_key),
      lastSignInAt: r.last_at ?? null,
      lastSignInMethod: r.last_method ?? null,
    }));
  }

  async changeRole(principalId: string, role: Role, reason: string, ctx: CommandContext) {
    if (principalId === ctx.actor.id) throw new ForbiddenError('you cannot change your own role; ask another admin');
    await handleCommand(this.ledger, `principal-${principalId}`, personDecider, { kind: 'change-role', principalId, role, reason }, ctx, {
      mode: 'update',
    });
    await this.projections.catchUp();
    return this.principals.get(principalId);
  }
}
