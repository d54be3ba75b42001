import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { handleCommand } from '../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../ledger/ledger';
import { cachedStatement, PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../ledger/projections/projection-runner';
import { uuidv7 } from '../platform/ids';
import { ForbiddenError, NotFoundError } from '../platform/errors';
import { issueApiKey, parseApiKey, secretMatches } from './api-keys';
import { principalDecider } from './domain/principal';
import type { Principal, Role } from './domain/roles';

@Injectable()
export class PrincipalsService {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  /** Creates a principal and its first API key; the key is returned once and never stored. */
  async create(name: string, role: Role, ctx: CommandContext): Promise<{ principal: Principal; apiKey: string }> {
    const principalId = uuidv7();
    const key = issueApiKey();
    await handleCommand(
      this.ledger,
      `principal-${principalId}`,
      principalDecider,
      {
        kind: 'create',
        principalId,
        name,
        role,
        keyId: key.keyId,
        keyHash: key.keyHash,
        actor: ctx.actor,
        at: this.ledger.now().toISOString(),
      },
      ctx,
      { mode: 'create' },
    );
    await this.projections.catchUp();
    return { principal: { id: principalId, name, role }, apiKey: key.apiKey };
  }

  async disable(principalId: string, reason: string, ctx: CommandContext): Promise<void> {
    if (principalId === ctx.actor.id) throw new ForbiddenError('a principal cannot disable itself');
    await handleCommand(
      this.ledger,
      `principal-${principalId}`,
      principalDecider,
      { kind: 'disable', principalId, reason, actor: ctx.actor, at: this.ledger.now().toISOString() },
      ctx,
      { mode: 'update' },
    );
    await this.projections.catchUp();
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM principals').get() as { n: number }).n;
  }

  list(): Array<Principal & { disabled: boolean }> {
    return (
      this.db.prepare('SELECT id, name, role, disabled FROM principals ORDER BY created_at, id').all() as Array<
        Principal & { disabled: number }
      >
    ).map((p) => ({ ...p, disabled: Boolean(p.disabled) }));
  }

  get(id: string): Principal & { disabled: boolean } {
    const p = this.db.prepare('SELECT id, name, role, disabled FROM principals WHERE id = ?').get(id) as
      (Principal & { disabled: number }) | undefined;
    if (!p) throw new NotFoundError('principal not found');
    return { ...p, disabled: Boolean(p.disabled) };
  }

  /** The principal an API key belongs to, or null. Catches up once when the key is new here. */
  async authenticate(apiKey: string): Promise<Principal | null> {
    const parsed = parseApiKey(apiKey);
    if (!parsed) return null;
    let found = this.lookup(parsed.keyId);
    if (!found) {
      await this.projections.catchUp();
      found = this.lookup(parsed.keyId);
    }
    if (!found || found.disabled || !secretMatches(parsed.secret, found.key_hash)) return null;
    return { id: found.id, name: found.name, role: found.role as Role };
  }

  private lookup(keyId: string) {
    return cachedStatement(
      this.db,
      'SELECT p.id, p.name, p.role, p.disabled, k.key_hash FROM api_keys k JOIN principals p ON p.id = k.principal_id WHERE k.key_id = ?',
    ).get(keyId) as { id: string; name: string; role: string; disabled: number; key_hash: string } | undefined;
  }
}
