import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandContext } from '../../ledger/ledger';
import { ApiZodBody, ValidBody } from '../../platform/http/zod';
import { ROLES } from '../domain/roles';
import { PrincipalsService } from '../principals.service';
import { Ctx, Roles } from './decorators';

const CreatePrincipal = z.object({ name: z.string().trim().min(1).max(120), role: z.enum(ROLES) }).strict();
const DisablePrincipal = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

@ApiTags('principals')
@ApiBearerAuth()
@Controller('v1/principals')
export class PrincipalsController {
  constructor(private readonly principals: PrincipalsService) {}

  /** Admin only. The API key is in this response and nowhere else, ever. */
  @ApiOperation({ summary: 'Create a machine principal with an API key (shown once)' })
  @Post()
  @Roles('admin')
  @ApiZodBody(CreatePrincipal)
  async create(@ValidBody(CreatePrincipal) body: z.infer<typeof CreatePrincipal>, @Ctx() ctx: CommandContext) {
    const { principal, apiKey } = await this.principals.create(body.name, body.role, ctx);
    return { ...principal, apiKey };
  }

  @ApiOperation({ summary: 'List machine principals' })
  @Get()
  @Roles('admin', 'auditor', 'compliance-officer', 'security-officer')
  list() {
    return { items: this.principals.list() };
  }

  @ApiOperation({ summary: 'Disable a principal' })
  @Post(':id/disable')
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(DisablePrincipal)
  async disable(@Param('id') id: string, @ValidBody(DisablePrincipal) body: z.infer<typeof DisablePrincipal>, @Ctx() ctx: CommandContext) {
    await this.principals.disable(id, body.reason, ctx);
    return this.principals.get(id);
  }
}
