import { Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { InstantSchema } from '../../shared/calendar-schema';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth';
import type { CommandContext } from '../../ledger/ledger';
import { ValidationError } from '../../platform/errors';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { idSchema, principalSchema } from '../../shared/agent-protocol';
import {
  ApproveGrantCommand,
  ContainPrincipalCommand,
  ExpireDueGrantsCommand,
  GetCampaignQuery,
  GetGrantQuery,
  ListGrantsQuery,
  RejectGrantCommand,
  RequestGrantCommand,
  ReviewGrantCommand,
  RevokeGrantCommand,
  StartCampaignCommand,
  type CampaignResult,
  type GrantChange,
  type GrantResult,
} from '../messages';

const RequestGrant = z.strictObject({
  grantId: idSchema.optional(),
  principal: principalSchema,
  principalKind: z.enum(['user', 'service', 'admin', 'root']).default('user'),
  datasetId: idSchema,
  permission: z.enum(['read', 'write']),
  purpose: z.string().min(3).max(500),
  durationDays: z.number().int().min(1).max(365),
});
const Reason = z.strictObject({ reason: z.string().min(3).max(500) });
const Contain = z.strictObject({ principal: principalSchema, reason: z.string().min(3).max(500) });
const StartCampaign = z.strictObject({ campaignId: idSchema, dueAt: InstantSchema, revokeUnreviewed: z.boolean().default(false) });
const Review = z.strictObject({ grantId: idSchema, decision: z.enum(['keep', 'revoke']), reason: z.string().max(500).optional() });
const ListQ = z.strictObject({ datasetId: idSchema.optional() });
const idParam = new ZodPipe(idSchema);
const OFFICERS = ['security-officer', 'compliance-officer'] as const;

/** Sweeps act on many grants at once: there is no one version for If-Match to name. */
function noIfMatch(header: string | undefined): void {
  if (header !== undefined)
    throw ValidationError.field(
      'header.If-Match',
      "this route changes many grants at once; send If-Match to a single grant's routes instead",
    );
}

/** Grants and recertification campaigns. The ETag is the grant's (or campaign's) stream version. */
@ApiTags('access')
@ApiBearerAuth()
@Controller('v1/access')
export class AccessController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  private async grant(res: Response, grantId: string, minVersion?: bigint) {
    const { view, version } = await this.queries.execute<GetGrantQuery, GrantResult>(new GetGrantQuery(grantId, minVersion));
    res.setHeader('ETag', etagOf(version));
    return view;
  }

  private async campaign(res: Response, campaignId: string, minVersion?: bigint) {
    const { view, version } = await this.queries.execute<GetCampaignQuery, CampaignResult>(new GetCampaignQuery(campaignId, minVersion));
    res.setHeader('ETag', etagOf(version));
    return view;
  }

  @ApiOperation({ summary: 'Request PHI access' })
  @Post('grants')
  @Roles(...OFFICERS)
  @ApiZodBody(RequestGrant)
  async request(
    @ValidBody(RequestGrant) body: z.infer<typeof RequestGrant>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { grantId, version } = await this.commands.execute<RequestGrantCommand, { grantId: string; version: bigint }>(
      new RequestGrantCommand(body, ctx, parseIfMatch(ifMatch)),
    );
    res.status(201).setHeader('Location', `/v1/access/grants/${grantId}`);
    return this.grant(res, grantId, version);
  }

  @ApiOperation({ summary: 'List access grants' })
  @Get('grants')
  @Roles('security-officer', 'compliance-officer', 'auditor')
  list(@Query(new ZodPipe(ListQ)) q: z.infer<typeof ListQ>) {
    return this.queries.execute(new ListGrantsQuery(q.datasetId));
  }

  @ApiOperation({ summary: 'Get an access grant' })
  @Get('grants/:id')
  @Roles('security-officer', 'compliance-officer', 'auditor')
  get(@Param('id', idParam) id: string, @Res({ passthrough: true }) res: Response) {
    return this.grant(res, id);
  }

  @ApiOperation({ summary: 'Approve an access request' })
  @Post('grants/:id/approve')
  @HttpCode(200)
  @Roles(...OFFICERS)
  async approve(
    @Param('id', idParam) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<ApproveGrantCommand, GrantChange>(new ApproveGrantCommand(id, ctx, parseIfMatch(ifMatch)));
    return { ...(await this.grant(res, id, r.version)), command: r.command };
  }

  @ApiOperation({ summary: 'Reject an access request' })
  @Post('grants/:id/reject')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(Reason)
  async reject(
    @Param('id', idParam) id: string,
    @ValidBody(Reason) body: z.infer<typeof Reason>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<RejectGrantCommand, { version: bigint }>(
      new RejectGrantCommand(id, body.reason, ctx, parseIfMatch(ifMatch)),
    );
    return this.grant(res, id, r.version);
  }

  @ApiOperation({ summary: 'Revoke an access grant' })
  @Post('grants/:id/revoke')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(Reason)
  async revoke(
    @Param('id', idParam) id: string,
    @ValidBody(Reason) body: z.infer<typeof Reason>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<RevokeGrantCommand, GrantChange>(
      new RevokeGrantCommand(id, body.reason, ctx, parseIfMatch(ifMatch)),
    );
    return { ...(await this.grant(res, id, r.version)), command: r.command };
  }

  /** The expiry sweep on demand (the worker runs it every minute): the ids of the grants it expired. */
  @ApiOperation({ summary: 'Expire the grants that are due now' })
  @Post('expire-due')
  @HttpCode(200)
  @Roles('security-officer')
  expire(@Headers('if-match') ifMatch: string | undefined, @Ctx() ctx: CommandContext) {
    noIfMatch(ifMatch);
    return this.commands.execute(new ExpireDueGrantsCommand(ctx));
  }

  /** Containment: every grant of a compromised principal revoked and pushed to the agents. */
  @ApiOperation({ summary: 'Contain a compromised principal (revoke all its grants)' })
  @Post('containment')
  @HttpCode(200)
  @Roles('security-officer', 'incident-responder')
  @ApiZodBody(Contain)
  async contain(
    @ValidBody(Contain) body: z.infer<typeof Contain>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
  ) {
    noIfMatch(ifMatch);
    const revoked = await this.commands.execute<ContainPrincipalCommand, ({ grantId: string } & GrantChange)[]>(
      new ContainPrincipalCommand(body.principal, body.reason, ctx),
    );
    const out = [];
    for (const r of revoked)
      out.push({
        ...(await this.queries.execute<GetGrantQuery, GrantResult>(new GetGrantQuery(r.grantId, r.version))).view,
        command: r.command,
      });
    return out;
  }

  /** Recertification: population of active grants frozen now; each grant's reviewer is the officer who approved it. */
  @ApiOperation({ summary: 'Start an access recertification campaign' })
  @Post('recertifications')
  @Roles('compliance-officer', 'security-officer')
  @ApiZodBody(StartCampaign)
  async startCampaign(
    @ValidBody(StartCampaign) body: z.infer<typeof StartCampaign>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { campaignId, version } = await this.commands.execute<StartCampaignCommand, { campaignId: string; version: bigint }>(
      new StartCampaignCommand(body, ctx, parseIfMatch(ifMatch)),
    );
    res.status(201).setHeader('Location', `/v1/access/recertifications/${campaignId}`);
    return this.campaign(res, campaignId, version);
  }

  @ApiOperation({ summary: 'Get a recertification campaign' })
  @Get('recertifications/:id')
  @Roles('compliance-officer', 'security-officer', 'auditor')
  getCampaign(@Param('id', idParam) id: string, @Res({ passthrough: true }) res: Response) {
    return this.campaign(res, id);
  }

  @ApiOperation({ summary: 'Record a recertification review' })
  @Post('recertifications/:id/reviews')
  @HttpCode(200)
  @Roles('compliance-officer', 'security-officer')
  @ApiZodBody(Review)
  async review(
    @Param('id', idParam) id: string,
    @ValidBody(Review) body: z.infer<typeof Review>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<ReviewGrantCommand, { version: bigint }>(
      new ReviewGrantCommand(id, body.grantId, body.decision, body.reason, ctx, parseIfMatch(ifMatch)),
    );
    return this.campaign(res, id, r.version);
  }
}
