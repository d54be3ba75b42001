import { Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Ctx, Public, Roles } from '../../auth';
import type { CommandContext } from '../../ledger/ledger';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { absPathSchema, approvalSchema, idSchema, PARAM_SCHEMAS } from '../../shared/agent-protocol';
import {
  ApproveAgentCommand,
  ApproveEnrollmentCommand,
  GetAgentQuery,
  IssueAgentCommand,
  IssueEnrollmentTokenCommand,
  ListAgentsQuery,
  ProposeAgentCommand,
  RequestEnrollmentCommand,
  RevokeAgentCommand,
  type AgentCommandApproval,
  type AgentResult,
  type EnrollmentRequested,
  type EnrollmentToken,
  type IssuedAgentCommand,
  type ProposedAgentCommand,
} from '../messages';

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
  constructor(private readonly commands: CommandBus) {}

  @ApiOperation({ summary: 'Enroll a host agent with a single-use token' })
  @Post()
  @Public()
  @ApiZodBody(EnrollBody)
  async enroll(
    @ValidBody(EnrollBody) body: z.infer<typeof EnrollBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version, ...answer } = await this.commands.execute<RequestEnrollmentCommand, EnrollmentRequested>(
      new RequestEnrollmentCommand(body as z.infer<typeof EnrollBody> & { agentId: string }, parseIfMatch(ifMatch)),
    );
    res.setHeader('ETag', etagOf(version));
    return answer;
  }
}

/** Agents. The ETag is the agent stream's version: every write moves it, If-Match makes a stale write a 409. */
@ApiTags('agents')
@ApiBearerAuth()
@Controller('v1/agents')
export class AgentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  private async view(res: Response, agentId: string, minVersion?: bigint) {
    const { view, version } = await this.queries.execute<GetAgentQuery, AgentResult>(new GetAgentQuery(agentId, minVersion));
    res.setHeader('ETag', etagOf(version));
    return view;
  }

  @ApiOperation({ summary: 'Issue a host agent enrollment token' })
  @Post('tokens')
  @Roles('security-officer')
  @ApiZodBody(TokenBody)
  async token(
    @ValidBody(TokenBody) body: z.infer<typeof TokenBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version, ...token } = await this.commands.execute<IssueEnrollmentTokenCommand, EnrollmentToken>(
      new IssueEnrollmentTokenCommand(body.agentId, body.ttlMinutes, ctx, parseIfMatch(ifMatch)),
    );
    res.setHeader('ETag', etagOf(version));
    return token;
  }

  @ApiOperation({ summary: 'List host agents' })
  @Get()
  @Roles('security-officer', 'compliance-officer', 'auditor')
  list() {
    return this.queries.execute(new ListAgentsQuery());
  }

  @ApiOperation({ summary: 'Get a host agent' })
  @Get(':id')
  @Roles('security-officer', 'compliance-officer', 'auditor')
  get(@Param('id', idParam) id: string, @Res({ passthrough: true }) res: Response) {
    return this.view(res, id);
  }

  @ApiOperation({ summary: "Approve a host agent's enrollment" })
  @Post(':id/approve')
  @HttpCode(200)
  @Roles('security-officer')
  async approve(
    @Param('id', idParam) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version } = await this.commands.execute<ApproveEnrollmentCommand, { version: bigint }>(
      new ApproveEnrollmentCommand(id, ctx, parseIfMatch(ifMatch)),
    );
    return this.view(res, id, version);
  }

  @ApiOperation({ summary: 'Revoke a host agent' })
  @Post(':id/revoke')
  @HttpCode(200)
  @Roles('security-officer')
  @ApiZodBody(ReasonBody)
  async revoke(
    @Param('id', idParam) id: string,
    @ValidBody(ReasonBody) body: z.infer<typeof ReasonBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version } = await this.commands.execute<RevokeAgentCommand, { version: bigint }>(
      new RevokeAgentCommand(id, body.reason, ctx, parseIfMatch(ifMatch)),
    );
    return this.view(res, id, version);
  }

  @ApiOperation({ summary: 'Ask a host agent to scan' })
  @Post(':id/scan')
  @Roles('security-officer')
  @ApiZodBody(ScanBody)
  async scan(
    @Param('id', idParam) id: string,
    @ValidBody(ScanBody) body: z.infer<typeof ScanBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version, ...issued } = await this.commands.execute<IssueAgentCommand, IssuedAgentCommand>(
      new IssueAgentCommand(id, 'host.scan', body, ctx, parseIfMatch(ifMatch)),
    );
    res.setHeader('ETag', etagOf(version));
    return issued;
  }

  /**
   * Change what an enrolled agent trusts (allow-list, pinned officer keys, pinned service keys):
   * proposed here, issued once two officers pinned on the host have signed their approvals.
   */
  @ApiOperation({ summary: 'Propose a change to what an agent trusts' })
  @Post(':id/trust')
  @HttpCode(202)
  @Roles('security-officer')
  @ApiZodBody(PARAM_SCHEMAS['agent.trust'])
  async proposeTrust(
    @Param('id', idParam) id: string,
    @ValidBody(PARAM_SCHEMAS['agent.trust']) body: z.infer<(typeof PARAM_SCHEMAS)['agent.trust']>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version, ...proposed } = await this.commands.execute<ProposeAgentCommand, ProposedAgentCommand>(
      new ProposeAgentCommand(id, 'agent.trust', body, ctx, parseIfMatch(ifMatch)),
    );
    res.setHeader('ETag', etagOf(version));
    return proposed;
  }

  /** An officer's signed approval of a destructive command (signed with their approval key, pinned on the host). */
  @ApiOperation({ summary: "Add an officer's signed approval to an agent command" })
  @Post(':id/commands/:commandId/approvals')
  @HttpCode(200)
  @Roles('security-officer', 'compliance-officer')
  @ApiZodBody(ApprovalBody)
  async approveCommand(
    @Param('id', idParam) id: string,
    @Param('commandId') commandId: string,
    @ValidBody(ApprovalBody) body: z.infer<typeof ApprovalBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version, ...outcome } = await this.commands.execute<ApproveAgentCommand, AgentCommandApproval>(
      new ApproveAgentCommand(id, commandId, body.approval, ctx, parseIfMatch(ifMatch)),
    );
    res.setHeader('ETag', etagOf(version));
    return outcome;
  }
}
