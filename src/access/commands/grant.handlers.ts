import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { handleCommand, loadState, StreamNotFoundError } from '../../ledger/decider';
import { WrongExpectedVersionError } from '../../ledger/errors';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { grantDecider, grantStream, type GrantCommand, type GrantState } from '../domain/grant';
import {
  ApproveGrantCommand,
  ContainPrincipalCommand,
  ExpireDueGrantsCommand,
  ExpireGrantCommand,
  RejectGrantCommand,
  RequestGrantCommand,
  RevokeGrantCommand,
  type GrantChange,
} from '../messages';
import { GrantPusher } from './grant-pusher';

type GrantAction = GrantCommand extends infer C ? (C extends { kind: string } ? Omit<C, 'actor' | 'at'> : never) : never;

/** The grant's dataset, from its own stream (404 for an unknown grant). */
async function loadGrant(ledger: Ledger, grantId: string): Promise<GrantState & { datasetId: string }> {
  const { state, version } = await loadState(ledger, grantStream(grantId), grantDecider);
  if (version === null) throw new StreamNotFoundError(grantStream(grantId));
  return state as GrantState & { datasetId: string };
}

function decide(ledger: Ledger, grantId: string, action: GrantAction, ctx: CommandContext, expectedVersion?: bigint) {
  const command = { ...action, actor: ctx.actor, at: ledger.now().toISOString() } as GrantCommand;
  return handleCommand(ledger, grantStream(grantId), grantDecider, command, ctx, { mode: 'update', expectedVersion });
}

@CommandHandler(RequestGrantCommand)
export class RequestGrantHandler implements ICommandHandler<RequestGrantCommand, { grantId: string; version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly pusher: GrantPusher,
  ) {}

  async execute({ body, ctx, expectedVersion }: RequestGrantCommand) {
    const grantId = body.grantId ?? `grant-${randomUUID()}`;
    const custodiansOfDatasetKey = await this.pusher.custodiansOfDataset(body.datasetId);
    const stream = grantStream(grantId);
    if (expectedVersion !== undefined) {
      const v = await this.ledger.streamVersion(stream);
      if (v !== expectedVersion) throw new WrongExpectedVersionError(stream, expectedVersion, v);
    }
    const command: GrantCommand = {
      kind: 'request',
      grantId,
      principal: body.principal,
      principalKind: body.principalKind ?? 'user',
      datasetId: body.datasetId,
      permission: body.permission,
      purpose: body.purpose,
      durationDays: body.durationDays,
      custodiansOfDatasetKey,
      actor: ctx.actor,
      at: this.ledger.now().toISOString(),
    };
    const r = await handleCommand(this.ledger, stream, grantDecider, command, ctx, { mode: 'create' });
    return { grantId, version: r.nextExpectedVersion };
  }
}

@CommandHandler(ApproveGrantCommand)
export class ApproveGrantHandler implements ICommandHandler<ApproveGrantCommand, GrantChange> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly pusher: GrantPusher,
  ) {}

  async execute({ grantId, ctx, expectedVersion }: ApproveGrantCommand): Promise<GrantChange> {
    const grant = await loadGrant(this.ledger, grantId);
    const custodiansOfDatasetKey = await this.pusher.custodiansOfDataset(grant.datasetId);
    const r = await decide(this.ledger, grantId, { kind: 'approve', custodiansOfDatasetKey }, ctx, expectedVersion);
    return { version: r.nextExpectedVersion, command: await this.pusher.push(grant.datasetId, ctx) };
  }
}

@CommandHandler(RejectGrantCommand)
export class RejectGrantHandler implements ICommandHandler<RejectGrantCommand, { version: bigint }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ grantId, reason, ctx, expectedVersion }: RejectGrantCommand) {
    const r = await decide(this.ledger, grantId, { kind: 'reject', reason }, ctx, expectedVersion);
    return { version: r.nextExpectedVersion };
  }
}

@CommandHandler(RevokeGrantCommand)
export class RevokeGrantHandler implements ICommandHandler<RevokeGrantCommand, GrantChange> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly pusher: GrantPusher,
  ) {}

  async execute({ grantId, reason, ctx, expectedVersion, campaignId }: RevokeGrantCommand): Promise<GrantChange> {
    const grant = await loadGrant(this.ledger, grantId);
    const r = await decide(this.ledger, grantId, { kind: 'revoke', reason, campaignId: campaignId ?? null }, ctx, expectedVersion);
    return { version: r.nextExpectedVersion, command: await this.pusher.push(grant.datasetId, ctx) };
  }
}

@CommandHandler(ExpireDueGrantsCommand)
export class ExpireDueGrantsHandler implements ICommandHandler<ExpireDueGrantsCommand, string[]> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    private readonly pusher: GrantPusher,
  ) {}

  async execute({ ctx }: ExpireDueGrantsCommand): Promise<string[]> {
    await this.projections.catchUp();
    const due = this.db
      .prepare(
        `SELECT grant_id AS grantId, dataset_id AS datasetId FROM access_grants WHERE status = 'active' AND expires_at <= ? ORDER BY grant_id`,
      )
      .all(this.ledger.now().toISOString()) as { grantId: string; datasetId: string }[];
    const datasets = new Set<string>();
    for (const g of due) {
      const r = await decide(this.ledger, g.grantId, { kind: 'expire' }, ctx);
      if (r.newEvents.length) datasets.add(g.datasetId);
    }
    for (const d of datasets) await this.pusher.push(d, ctx);
    return due.map((g) => g.grantId);
  }
}

@CommandHandler(ExpireGrantCommand)
export class ExpireGrantHandler implements ICommandHandler<ExpireGrantCommand, void> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly pusher: GrantPusher,
  ) {}

  async execute({ grantId, ctx }: ExpireGrantCommand): Promise<void> {
    const { state: g } = await loadState(this.ledger, grantStream(grantId), grantDecider);
    if (!g.exists || g.status !== 'active' || !g.expiresAt || Date.parse(g.expiresAt) > this.ledger.now().getTime()) return;
    const r = await decide(this.ledger, grantId, { kind: 'expire' }, ctx);
    if (r.newEvents.length) await this.pusher.push(g.datasetId!, ctx);
  }
}

@CommandHandler(ContainPrincipalCommand)
export class ContainPrincipalHandler implements ICommandHandler<
  ContainPrincipalCommand,
  { grantId: string; version: bigint; command: GrantChange['command'] }[]
> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    private readonly commands: CommandBus,
  ) {}

  async execute({ principal, reason, ctx }: ContainPrincipalCommand) {
    await this.projections.catchUp();
    const grants = this.db
      .prepare(`SELECT grant_id AS grantId FROM access_grants WHERE principal = ? AND status IN ('active','requested') ORDER BY grant_id`)
      .all(principal) as { grantId: string }[];
    const out = [];
    for (const g of grants)
      out.push({
        grantId: g.grantId,
        ...(await this.commands.execute<RevokeGrantCommand, GrantChange>(new RevokeGrantCommand(g.grantId, `containment: ${reason}`, ctx))),
      });
    return out;
  }
}
