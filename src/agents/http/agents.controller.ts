import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Ctx, Public, Roles } from '../../auth/http/decorators';
import type { CommandContext } from '../../ledger/ledger';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { absPathSchema, approvalSchema, idSchema } from '../../shared/agent-protocol';
import { SafeguardsService } from '../safeguards.service';

const TokenBody = z.strictObject({ agentId: idSchema, ttlMinutes: z.number().int().min(1).max(60).default(15) });
const EnrollBody = z.strictObject({
  token: z.string().min(20).max(200),
  agentId: idSchema,
  publicKey: z.string().min(40).max(200),
  sealPublicKey: z.string().min(40).max(200),
  hostFacts: z.record(z.string(), z.union([z.string().max(200), z.number(), z.boolean()])).default({}),
});
const ReasonBody = z.strictObject({ reason: z.string().min(3).max(500) });
const ScanBody = z.strictObject({ paths: z.array(absPathSchema).max(100).optional(), checkUpdates: z.boolean().optional() });
const ApprovalBody = z.strictObject({ approval: approvalSchema });
const idParam = new ZodPipe(idSchema);

/** Enrollment is the only unauthenticated route: the single-use token is the credential. */
@ApiTags('agents')
@Controller('v1/agents/enrollments')
export class EnrollmentController {
  constructor(private readonly s: SafeguardsService) {}

  @Post()
  @Public()
  @ApiZodBody(EnrollBody)
  enroll(@ValidBody(EnrollBody) body: z.infer<typeof EnrollBody>) {
    return this.s.requestEnrollment(body);
  }
}

@ApiTags('agents')
@ApiBearerAuth()
@Controller('v1/agents')
export class AgentsController {
  constructor(private readonly s: SafeguardsService) {}

  @Post('tokens')
  @Roles('security-officer')
  @ApiZodBody(TokenBody)
  token(@ValidBody(TokenBody) body: z.infer<typeof TokenBody>, @Ctx() ctx: CommandContext) {
    return this.s.issueEnrollmentToken(body.agentId, body.ttlMinutes, ctx);
  }

  @Get()
  @Roles('security-officer', 'compliance-officer', 'auditor')
  list() {
    return this.s.listAgents();
  }

  @Get(':id')
  @Roles('security-officer', 'compliance-officer', 'auditor')
  get(@Param('id', idParam) id: string) {
    return this.s.getAgent(id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Roles('security-officer')
  approve(@Param('id', idParam) id: string, @Ctx() ctx: CommandContext) {
    return this.s.approveEnrollment(id, ctx);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Roles('security-officer')
  @ApiZodBody(ReasonBody)
  revoke(@Param('id', idParam) id: string, @ValidBody(ReasonBody) body: z.infer<typeof ReasonBody>, @Ctx() ctx: CommandContext) {
    return this.s.revokeAgent(id, body.reason, ctx);
  }

  @Post(':id/scan')
  @Roles('security-officer')
  @ApiZodBody(ScanBody)
  scan(@Param('id', idParam) id: string, @ValidBody(ScanBody) body: z.infer<typeof ScanBody>, @Ctx() ctx: CommandContext) {
    return this.s.scanHost(id, body, ctx);
  }

  /** An officer's signed approval of a destructive command (signed with their approval key, pinned on the host). */
  @Post(':id/commands/:commandId/approvals')
  @HttpCode(200)
  @Roles('security-officer', 'compliance-officer')
  @ApiZodBody(ApprovalBody)
  approveCommand(@Param('id', idParam) id: string, @Param('commandId') commandId: string, @ValidBody(ApprovalBody) body: z.infer<typeof ApprovalBody>, @Ctx() ctx: CommandContext) {
    return this.s.approveCommand(id, commandId, body.approval, ctx);
  }
}
