import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth/http/decorators';
import type { CommandContext } from '../../ledger/ledger';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { idSchema, principalSchema } from '../../shared/agent-protocol';
import { SafeguardsService } from '../../agents/safeguards.service';

const CreateKey = z.strictObject({ keyId: idSchema.optional(), name: z.string().min(1).max(200), cryptoperiodDays: z.number().int().min(1).max(3650).optional(), maxCustodians: z.number().int().min(1).max(10).optional() });
const Reason = z.strictObject({ reason: z.string().min(3).max(500) });
const OptReason = z.strictObject({ reason: z.string().max(500).optional() });
const Compromise = z.strictObject({ reason: z.string().min(3).max(500), compromisedAt: z.iso.datetime().optional(), incidentId: z.string().max(80).optional() });
const Destruction = z.strictObject({ waitDays: z.number().int().min(7).max(30), reason: z.string().min(3).max(500) });
const Custodian = z.strictObject({ principal: principalSchema });
const idParam = new ZodPipe(idSchema);
const Transition = z.enum(['activate', 'suspend', 'reactivate', 'deactivate', 'cancel-revocation', 'cancel-destruction']);
const OFFICERS = ['security-officer'] as const;

/** The key locker: no route returns key material, in clear or wrapped. */
@ApiTags('keys')
@ApiBearerAuth()
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly s: SafeguardsService) {}

  @Post()
  @Roles(...OFFICERS)
  @ApiZodBody(CreateKey)
  create(@ValidBody(CreateKey) body: z.infer<typeof CreateKey>, @Ctx() ctx: CommandContext) {
    return this.s.generateKey(body, ctx);
  }

  @Get()
  @Roles('security-officer', 'compliance-officer', 'auditor')
  list() {
    return this.s.listKeys();
  }

  @Get(':id')
  @Roles('security-officer', 'compliance-officer', 'auditor')
  get(@Param('id', idParam) id: string) {
    return this.s.keyView(id);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @Roles(...OFFICERS)
  rotate(@Param('id', idParam) id: string, @Ctx() ctx: CommandContext) {
    return this.s.rotateKey(id, ctx);
  }

  @Post(':id/compromise')
  @HttpCode(200)
  @Roles('security-officer', 'incident-responder')
  @ApiZodBody(Compromise)
  compromise(@Param('id', idParam) id: string, @ValidBody(Compromise) body: z.infer<typeof Compromise>, @Ctx() ctx: CommandContext) {
    return this.s.markCompromised(id, body, ctx);
  }

  @Post(':id/revocation')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(Reason)
  revoke(@Param('id', idParam) id: string, @ValidBody(Reason) body: z.infer<typeof Reason>, @Ctx() ctx: CommandContext) {
    return this.s.requestRevocation(id, body.reason, ctx);
  }

  @Post(':id/revocation/approve')
  @HttpCode(200)
  @Roles(...OFFICERS)
  approveRevoke(@Param('id', idParam) id: string, @Ctx() ctx: CommandContext) {
    return this.s.approveRevocation(id, ctx);
  }

  @Post(':id/destruction')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(Destruction)
  schedule(@Param('id', idParam) id: string, @ValidBody(Destruction) body: z.infer<typeof Destruction>, @Ctx() ctx: CommandContext) {
    return this.s.scheduleDestruction(id, body.waitDays, body.reason, ctx);
  }

  @Post(':id/destroy')
  @HttpCode(200)
  @Roles(...OFFICERS)
  destroy(@Param('id', idParam) id: string, @Ctx() ctx: CommandContext) {
    return this.s.destroyKey(id, ctx);
  }

  @Post(':id/custodians')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(Custodian)
  custodian(@Param('id', idParam) id: string, @ValidBody(Custodian) body: z.infer<typeof Custodian>, @Ctx() ctx: CommandContext) {
    return this.s.assignCustodian(id, body.principal, ctx);
  }

  /** Declared last: the specific routes above match first. */
  @Post(':id/:transition')
  @HttpCode(200)
  @Roles(...OFFICERS)
  @ApiZodBody(OptReason)
  transition(@Param('id', idParam) id: string, @Param('transition', new ZodPipe(Transition)) t: z.infer<typeof Transition>, @ValidBody(OptReason) body: z.infer<typeof OptReason>, @Ctx() ctx: CommandContext) {
    return this.s.keyTransition(id, t, body.reason, ctx);
  }
}
