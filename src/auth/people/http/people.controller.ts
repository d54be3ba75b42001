import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandContext } from '../../../ledger/ledger';
import { ApiZodBody, ApiZodResponse, ValidBody } from '../../../platform/http/zod';
import { InvitationListSchema, InvitationSchema, PeopleListSchema, PrincipalSchema, RoleListSchema } from './schemas';
import { Ctx, Roles } from '../../http/decorators';
import { InvitationsService } from '../invitations.service';
import { PeopleService } from '../people.service';
import { PERSON_ROLES, roleCatalogue } from '../role-catalogue';

const Invite = z
  .object({
    name: z.string().trim().min(1, 'a name is required').max(120),
    email: z
      .string()
      .trim()
      .max(254)
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'not an email address'),
    role: z.enum(PERSON_ROLES as [string, ...string[]]),
  })
  .strict();
const Revoke = z.object({ reason: z.string().trim().min(1, 'say why').max(500) }).strict();
const ChangeRole = z
  .object({ role: z.enum(PERSON_ROLES as [string, ...string[]]), reason: z.string().trim().min(1, 'say why').max(500) })
  .strict();

@ApiTags('people')
@ApiBearerAuth()
@Controller('v1')
export class PeopleController {
  constructor(
    private readonly people: PeopleService,
    private readonly invitations: InvitationsService,
  ) {}

  /** Everyone who can act: people (passkeys, single sign-on) and machines (API keys). */
  @ApiOperation({ summary: 'List people and machines who can act' })
  @Get('people')
  @ApiZodResponse(PeopleListSchema)
  @Roles('admin', 'auditor', 'compliance-officer', 'security-officer')
  async list() {
    return { items: await this.people.list() };
  }

  @ApiOperation({ summary: "Change a person's role" })
  @Post('people/:id/role')
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(ChangeRole)
  @ApiZodResponse(PrincipalSchema)
  changeRole(@Param('id') id: string, @ValidBody(ChangeRole) body: z.infer<typeof ChangeRole>, @Ctx() ctx: CommandContext) {
    return this.people.changeRole(id, body.role as never, body.reason, ctx);
  }

  @ApiOperation({ summary: 'List the roles' })
  @Get('roles')
  @ApiZodResponse(RoleListSchema)
  @Roles('admin', 'auditor', 'compliance-officer', 'security-officer', 'incident-responder')
  roles() {
    return { items: roleCatalogue() };
  }

  @ApiOperation({ summary: 'List invitations' })
  @Get('invitations')
  @ApiZodResponse(InvitationListSchema)
  @Roles('admin')
  listInvitations() {
    return { items: this.invitations.list() };
  }

  /** Invites a person by email with a role; the link (single use, 72 h by default) goes by mail. */
  @ApiOperation({ summary: 'Invite a person by email with a role' })
  @Post('invitations')
  @Roles('admin')
  @ApiZodBody(Invite)
  @ApiZodResponse(InvitationSchema, 201)
  invite(@ValidBody(Invite) body: z.infer<typeof Invite>, @Ctx() ctx: CommandContext) {
    return this.invitations.issue({ name: body.name, email: body.email, role: body.role as never, purpose: 'invite' }, ctx);
  }

  @ApiOperation({ summary: 'Revoke an invitation' })
  @Post('invitations/:id/revoke')
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(Revoke)
  @ApiZodResponse(InvitationSchema)
  revoke(@Param('id') id: string, @ValidBody(Revoke) body: z.infer<typeof Revoke>, @Ctx() ctx: CommandContext) {
    return this.invitations.revoke(id, body.reason, ctx);
  }
}
