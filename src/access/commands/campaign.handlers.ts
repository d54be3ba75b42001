import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { handleCommand, StreamNotFoundError } from '../../ledger/decider';
import { WrongExpectedVersionError } from '../../ledger/errors';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { NotFoundError } from '../../platform/errors';
import { campaignDecider, campaignStream, grantsToRevoke, type CampaignCommand } from '../domain/recertification';
import {
  CloseDueCampaignsCommand,
  FindGrantsQuery,
  ReviewGrantCommand,
  RevokeGrantCommand,
  StartCampaignCommand,
  type GrantRef,
} from '../messages';

/** A grant a reviewer or the due date wants revoked may have ended meanwhile: that is not a failure. */
async function revokeIfStillOpen(
  commands: CommandBus,
  grantId: string,
  reason: string,
  ctx: CommandContext,
  campaignId: string,
): Promise<void> {
  try {
    await commands.execute(new RevokeGrantCommand(grantId, reason, ctx, undefined, campaignId));
  } catch (e) {
    if ((e as { code?: string }).code !== 'GRANT_RULE') throw e;
  }
}

/** Campaign streams are named recert-<id>; a missing one is a missing campaign. */
async function onCampaign<T>(campaignId: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof StreamNotFoundError) throw new NotFoundError('campaign not found');
    throw e;
  }
}

/**
 * Opens a campaign (idempotent per id): the active grants are frozen as its population, each
 * reviewed by the officer who approved it.
 */
@CommandHandler(StartCampaignCommand)
export class StartCampaignHandler implements ICommandHandler<StartCampaignCommand, { campaignId: string; version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly queries: QueryBus,
  ) {}

  async execute({ body, ctx, expectedVersion }: StartCampaignCommand) {
    const stream = campaignStream(body.campaignId);
    const existing = await this.ledger.streamVersion(stream);
    if (expectedVersion !== undefined && existing !== expectedVersion)
      throw new WrongExpectedVersionError(stream, expectedVersion, existing);
    if (existing !== null) return { campaignId: body.campaignId, version: existing };
    const active = await this.queries.execute<FindGrantsQuery, GrantRef[]>(new FindGrantsQuery({ statuses: ['active'] }));
    const population = active.map((g) => ({ grantId: g.grantId, principal: g.principal, datasetId: g.datasetId, reviewer: g.approvedBy! }));
    const command: CampaignCommand = {
      kind: 'start',
      campaignId: body.campaignId,
      dueAt: body.dueAt,
      revokeUnreviewed: body.revokeUnreviewed,
      population,
      actor: ctx.actor,
      at: this.ledger.now().toISOString(),
    };
    const r = await handleCommand(this.ledger, stream, campaignDecider, command, ctx, { mode: 'create' });
    return { campaignId: body.campaignId, version: r.nextExpectedVersion };
  }
}

@CommandHandler(ReviewGrantCommand)
export class ReviewGrantHandler implements ICommandHandler<ReviewGrantCommand, { version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly commands: CommandBus,
  ) {}

  async execute({ campaignId, grantId, decision, reason, ctx, expectedVersion }: ReviewGrantCommand) {
    const command: CampaignCommand = { kind: 'decide', grantId, decision, reason, actor: ctx.actor, at: this.ledger.now().toISOString() };
    const r = await onCampaign(campaignId, () =>
      handleCommand(this.ledger, campaignStream(campaignId), campaignDecider, command, ctx, { mode: 'update', expectedVersion }),
    );
    if (decision === 'revoke')
      await revokeIfStillOpen(this.commands, grantId, `recertification ${campaignId}: revoked by reviewer`, ctx, campaignId);
    return { version: r.nextExpectedVersion };
  }
}

@CommandHandler(CloseDueCampaignsCommand)
export class CloseDueCampaignsHandler implements ICommandHandler<CloseDueCampaignsCommand, string[]> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    private readonly commands: CommandBus,
  ) {}

  async execute({ ctx }: CloseDueCampaignsCommand): Promise<string[]> {
    await this.projections.catchUp();
    const now = this.ledger.now().toISOString();
    const due = this.db
      .prepare(`SELECT campaign_id AS campaignId FROM access_campaigns WHERE status = 'open' AND due_at <= ? ORDER BY campaign_id`)
      .all(now) as { campaignId: string }[];
    for (const c of due) {
      const { newEvents } = await handleCommand(
        this.ledger,
        campaignStream(c.campaignId),
        campaignDecider,
        { kind: 'due', actor: ctx.actor, at: now },
        ctx,
        { mode: 'update' },
      );
      // Grants decided 'revoke' were revoked when decided; the unreviewed ones are revoked now when the campaign says so.
      for (const r of grantsToRevoke(newEvents).filter((x) => x.reason.includes('not reviewed')))
        await revokeIfStillOpen(this.commands, r.grantId, r.reason, ctx, c.campaignId);
    }
    return due.map((c) => c.campaignId);
  }
}
