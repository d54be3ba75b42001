import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth/http/decorators';
import type { CommandContext } from '../../ledger/ledger';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { idSchema, principalSchema } from '../../shared/agent-protocol';
import { SafeguardsService } from '../../agents/safeguards.service';

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
const Propose = z.strictObject({ incidentId: z.string().min(1).max(80), reason: z.string().min(3).max(500), principals: z.array(principalSchema).max(50).default([]), keyIds: z.array(idSchema).max(20).default([]), compromisedAt: z.iso.datetime().optional() });
const StartCampaign = z.strictObject({ campaignId: idSchema, dueAt: z.iso.datetime(), revokeUnreviewed: z.boolean().default(false) });
const Review = z.strictObject({ grantId: idSchema, decision: z.enum(['keep', 'revoke']), reason: z.string().max(500).optional() });
const ListQ = z.strictObject({ datasetId: idSchema.optional() });
const idParam = new ZodPipe(idSchema);
const OFFICERS = ['security-officer', 'compliance-officer'] as const;

@ApiTags('access')
@ApiBearerAuth()
@Controller('v1/access')
export class AccessController {
  constructor(private readonly s: SafeguardsService) {}

  @Post('grants')
  @Roles(...OFFICERS)
  @ApiZodBody(RequestGrant)
  request(@ValidBody(RequestGrant) body: z.infer<typeof RequestGrant>, @Ctx() ctx: CommandContext) {
    return this.s.requestGrant(body, ctx);
  }

  @Get('grants')
  @Roles('security-officer', 'compliance-officer', 'auditor')
  list(@Query(new ZodPipe(ListQ)) q: z.infer<typeof ListQ>) {
    return this.s.listGrants(q.datasetId);
  }

  @Get('grants/:id')
  @Roles('security-officer', 'compliance-officer', 'auditor')
  get(@Param('id', idParam) id: string) {
    return this.s.grantView(id);
  }

  @Post('grants/:id/approve')
  @HttpCode(200)
  @Roles(...OFFICERS)
  approve(@Param('id', idParam) id: string, @Ctx() ctx: CommandContext) {
    return this.s.approveGrant(id, ctx);
  }

  @Post('grants/:id/reject')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(Reason)
  reject(@Param('id', idParam) id: string, @ValidBody(Reason) body: z.infer<typeof Reason>, @Ctx() ctx: CommandContext) {
    return this.s.rejectGrant(id, body.reason, ctx);
  }

  @Post('grants/:id/revoke')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(Reason)
  revoke(@Param('id', idParam) id: string, @ValidBody(Reason) body: z.infer<typeof Reason>, @Ctx() ctx: CommandContext) {
    return this.s.revokeGrant(id, body.reason, ctx);
  }

  @Post('expire-due')
  @HttpCode(200)
  @Roles('security-officer')
  expire(@Ctx() ctx: CommandContext) {
    return this.s.expireDue(ctx);
  }

  /** Containment: every grant of a compromised principal revoked and pushed to the agents. */
  @Post('containment')
  @HttpCode(200)
  @Roles('security-officer', 'incident-responder')
  @ApiZodBody(Contain)
  contain(@ValidBody(Contain) body: z.infer<typeof Contain>, @Ctx() ctx: CommandContext) {
    return this.s.containPrincipal(body.principal, body.reason, ctx);
  }

  /** Playbook: propose revocations, rotations and compromise marks for what an incident names. */
  @Post('containment/proposals')
  @Roles('security-officer', 'incident-responder')
  @ApiZodBody(Propose)
  propose(@ValidBody(Propose) body: z.infer<typeof Propose>, @Ctx() ctx: CommandContext) {
    return this.s.proposeContainment(body, ctx);
  }

  @Post('containment/proposals/:id/approve')
  @HttpCode(200)
  @Roles('security-officer', 'compliance-officer')
  approveContainment(@Param('id', idParam) id: string, @Ctx() ctx: CommandContext) {
    return this.s.approveContainment(id, ctx);
  }

  /** Recertification: population of active grants frozen now; each grant's reviewer is the officer who approved it. */
  @Post('recertifications')
  @Roles('compliance-officer', 'security-officer')
  @ApiZodBody(StartCampaign)
  startCampaign(@ValidBody(StartCampaign) body: z.infer<typeof StartCampaign>, @Ctx() ctx: CommandContext) {
    return this.s.startCampaign(body, ctx);
  }

  @Get('recertifications/:id')
  @Roles('compliance-officer', 'security-officer', 'auditor')
  campaign(@Param('id', idParam) id: string) {
    return this.s.campaignView(id);
  }

  @Post('recertifications/:id/reviews')
  @HttpCode(200)
  @Roles('compliance-officer', 'security-officer')
  @ApiZodBody(Review)
  review(@Param('id', idParam) id: string, @ValidBody(Review) body: z.infer<typeof Review>, @Ctx() ctx: CommandContext) {
    return this.s.reviewGrant(id, body.grantId, body.decision, body.reason, ctx);
  }
}
