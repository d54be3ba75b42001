import { Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { InstantSchema } from '../../shared/calendar-schema';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth';
import type { CommandContext } from '../../ledger/ledger';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { idSchema, principalSchema } from '../../shared/agent-protocol';
import {
  GenerateKeyCommand,
  GetKeyQuery,
  ListKeysQuery,
  RotateKeyCommand,
  RunKeyCommand,
  type KeyAction,
  type KeyResult,
  type KeyView,
  type RotateKeyResult,
  type RunKeyResult,
} from '../messages';

const CreateKey = z.strictObject({
  keyId: idSchema.optional(),
  name: z.string().min(1).max(200),
  cryptoperiodDays: z.number().int().min(1).max(3650).optional(),
  maxCustodians: z.number().int().min(1).max(10).optional(),
});
const Reason = z.strictObject({ reason: z.string().min(3).max(500) });
const OptReason = z.strictObject({ reason: z.string().max(500).optional() });
const Compromise = z.strictObject({
  reason: z.string().min(3).max(500),
  compromisedAt: InstantSchema.optional(),
  incidentId: z.string().max(80).optional(),
});
const Destruction = z.strictObject({ waitDays: z.number().int().min(7).max(30), reason: z.string().min(3).max(500) });
const Custodian = z.strictObject({ principal: principalSchema });
const idParam = new ZodPipe(idSchema);
const Transition = z.enum(['activate', 'suspend', 'reactivate', 'deactivate', 'cancel-revocation', 'cancel-destruction']);
const OFFICERS = ['security-officer'] as const;

/**
 * The key locker: no route returns key material, in clear or wrapped. Every write answers with
 * the key's view and its ETag (the key stream's version); If-Match makes a stale write a 409.
 */
@ApiTags('keys')
@ApiBearerAuth()
@Controller('v1/keys')
export class KeysController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  private async view(res: Response, keyId: string, minVersion?: bigint): Promise<KeyView> {
    const { view, version } = await this.queries.execute<GetKeyQuery, KeyResult>(new GetKeyQuery(keyId, minVersion));
    res.setHeader('ETag', etagOf(version));
    return view;
  }

  private async run(res: Response, keyId: string, action: KeyAction, ifMatch: string | undefined, ctx: CommandContext) {
    const r = await this.commands.execute<RunKeyCommand, RunKeyResult>(new RunKeyCommand(keyId, action, ctx, parseIfMatch(ifMatch)));
    return { view: await this.view(res, keyId, r.version), proposals: r.proposals };
  }

  @ApiOperation({ summary: 'Create an encryption key' })
  @Post()
  @Roles(...OFFICERS)
  @ApiZodBody(CreateKey)
  async create(
    @ValidBody(CreateKey) body: z.infer<typeof CreateKey>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { keyId, version } = await this.commands.execute<GenerateKeyCommand, { keyId: string; version: bigint }>(
      new GenerateKeyCommand(body, ctx, parseIfMatch(ifMatch)),
    );
    res.status(201).setHeader('Location', `/v1/keys/${keyId}`);
    return this.view(res, keyId, version);
  }

  @ApiOperation({ summary: 'List encryption keys' })
  @Get()
  @Roles('security-officer', 'compliance-officer', 'auditor')
  list() {
    return this.queries.execute(new ListKeysQuery());
  }

  @ApiOperation({ summary: 'Get an encryption key' })
  @Get(':id')
  @Roles('security-officer', 'compliance-officer', 'auditor')
  get(@Param('id', idParam) id: string, @Res({ passthrough: true }) res: Response) {
    return this.view(res, id);
  }

  @ApiOperation({ summary: 'Rotate a key' })
  @Post(':id/rotate')
  @HttpCode(200)
  @Roles(...OFFICERS)
  async rotate(
    @Param('id', idParam) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<RotateKeyCommand, RotateKeyResult>(new RotateKeyCommand(id, ctx, parseIfMatch(ifMatch)));
    return { ...(await this.view(res, id, r.version)), commands: r.commands };
  }

  @ApiOperation({ summary: 'Mark a key compromised' })
  @Post(':id/compromise')
  @HttpCode(200)
  @Roles('security-officer', 'incident-responder')
  @ApiZodBody(Compromise)
  async compromise(
    @Param('id', idParam) id: string,
    @ValidBody(Compromise) body: z.infer<typeof Compromise>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return (await this.run(res, id, { kind: 'mark-compromised', ...body }, ifMatch, ctx)).view;
  }

  @ApiOperation({ summary: "Request a key's revocation" })
  @Post(':id/revocation')
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
    const r = await this.run(res, id, { kind: 'request-revocation', reason: body.reason }, ifMatch, ctx);
    return { ...r.view, proposals: r.proposals };
  }

  @ApiOperation({ summary: "Approve a key's revocation (second officer)" })
  @Post(':id/revocation/approve')
  @HttpCode(200)
  @Roles(...OFFICERS)
  async approveRevoke(
    @Param('id', idParam) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.run(res, id, { kind: 'approve-revocation' }, ifMatch, ctx);
    return { ...r.view, proposals: r.proposals };
  }

  @ApiOperation({ summary: "Schedule a key's destruction" })
  @Post(':id/destruction')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(Destruction)
  async schedule(
    @Param('id', idParam) id: string,
    @ValidBody(Destruction) body: z.infer<typeof Destruction>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return (await this.run(res, id, { kind: 'schedule-destruction', ...body }, ifMatch, ctx)).view;
  }

  /** The second officer, after the wait. The material leaves the locker once KeyDestroyed is committed. */
  @ApiOperation({ summary: 'Destroy a key after the wait (second officer)' })
  @Post(':id/destroy')
  @HttpCode(200)
  @Roles(...OFFICERS)
  async destroy(
    @Param('id', idParam) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return (await this.run(res, id, { kind: 'destroy' }, ifMatch, ctx)).view;
  }

  @ApiOperation({ summary: 'Assign a key custodian' })
  @Post(':id/custodians')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(Custodian)
  async custodian(
    @Param('id', idParam) id: string,
    @ValidBody(Custodian) body: z.infer<typeof Custodian>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return (await this.run(res, id, { kind: 'assign-custodian', principal: body.principal }, ifMatch, ctx)).view;
  }

  /** Declared last: the specific routes above match first. */
  @ApiOperation({ summary: 'Move a key through another lifecycle transition' })
  @Post(':id/:transition')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(OptReason)
  async transition(
    @Param('id', idParam) id: string,
    @Param('transition', new ZodPipe(Transition)) t: z.infer<typeof Transition>,
    @ValidBody(OptReason) body: z.infer<typeof OptReason>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return (await this.run(res, id, { kind: t, reason: body.reason }, ifMatch, ctx)).view;
  }
}
