import { Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { InstantSchema } from '../../shared/calendar-schema';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth';
import type { CommandContext } from '../../ledger/ledger';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { idSchema, principalSchema } from '../../shared/agent-protocol';
import { ApproveContainmentCommand, ProposeContainmentCommand, type ContainmentExecution, type ContainmentProposal } from '../messages';

const Propose = z.strictObject({
  incidentId: z.string().min(1).max(80),
  reason: z.string().min(3).max(500),
  principals: z.array(principalSchema).max(50).default([]),
  keyIds: z.array(idSchema).max(20).default([]),
  compromisedAt: InstantSchema.optional(),
});
const idParam = new ZodPipe(idSchema);

/** The containment playbook (under /v1/access, where officers look for it). The ETag is the containment stream's version. */
@ApiTags('access')
@ApiBearerAuth()
@Controller('v1/access/containment/proposals')
export class ContainmentController {
  constructor(private readonly commands: CommandBus) {}

  /** Propose revocations, rotations and compromise marks for what an incident names. */
  @ApiOperation({ summary: 'Propose containment actions for an incident' })
  @Post()
  @Roles('security-officer', 'incident-responder')
  @ApiZodBody(Propose)
  async propose(
    @ValidBody(Propose) body: z.infer<typeof Propose>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version, ...proposal } = await this.commands.execute<ProposeContainmentCommand, ContainmentProposal>(
      new ProposeContainmentCommand(body, ctx, parseIfMatch(ifMatch)),
    );
    res.status(201).setHeader('ETag', etagOf(version));
    return proposal;
  }

  @ApiOperation({ summary: 'Approve a containment proposal' })
  @Post(':id/approve')
  @HttpCode(200)
  @Roles('security-officer', 'compliance-officer')
  async approve(
    @Param('id', idParam) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version, ...execution } = await this.commands.execute<ApproveContainmentCommand, ContainmentExecution>(
      new ApproveContainmentCommand(id, ctx, parseIfMatch(ifMatch)),
    );
    res.setHeader('ETag', etagOf(version));
    return execution;
  }
}
