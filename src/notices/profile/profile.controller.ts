import { Controller, Get, Headers, Inject, Injectable, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth';
import { handleCommand, loadState } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ROLE_CONTACTS, type RoleContacts } from '../../platform/role-contacts';
import { ApiZodBody, ApiZodResponse, ValidBody } from '../../platform/http/zod';
import { parseOrganizationProfile, type OrganizationProfile } from '../domain/notice-input';
import { NOTICES_SETTINGS, type NoticesSettings } from '../notices.settings';
import {
  ORGANIZATION_PROFILE_STREAM,
  profileDecider,
  profileUpdateSchema,
  type ProfileEvent,
  type ProfileState,
  type UpdateProfile,
} from './organization-profile';

/** The profile from the ledger; before the first edit, the one NOTICES_ORGANIZATION_FILE names (if any). */
@Injectable()
export class OrganizationProfiles {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(NOTICES_SETTINGS) private readonly settings: NoticesSettings,
  ) {}

  async load(): Promise<{ state: ProfileState; version: bigint | null; source: 'ledger' | 'environment' | 'none' }> {
    const { state, version } = await loadState<ProfileState, ProfileEvent>(this.ledger, ORGANIZATION_PROFILE_STREAM, profileDecider);
    if (state.profile) return { state, version, source: 'ledger' };
    if (this.settings.organization) {
      try {
        return { state: { ...state, profile: parseOrganizationProfile(this.settings.organization) }, version, source: 'environment' };
      } catch {
        /* an invalid file is reported when a notice is drafted */
      }
    }
    return { state, version, source: 'none' };
  }

  /** What a notice uses when its request names no organization. */
  async current(): Promise<OrganizationProfile | unknown | null> {
    const { state, version } = await loadState<ProfileState, ProfileEvent>(this.ledger, ORGANIZATION_PROFILE_STREAM, profileDecider);
    return version === null ? this.settings.organization : state.profile;
  }

  async update(c: Omit<UpdateProfile, 'by' | 'at'>, ctx: CommandContext, expectedVersion?: bigint): Promise<bigint> {
    const command: UpdateProfile = { ...c, by: ctx.actor.id, at: this.ledger.now().toISOString() };
    const r = await handleCommand(this.ledger, ORGANIZATION_PROFILE_STREAM, profileDecider, command, ctx, { expectedVersion });
    return r.nextExpectedVersion;
  }
}

const address = z.object({ line1: z.string(), line2: z.string().optional(), city: z.string(), state: z.string(), zip: z.string() });
const ProfileViewSchema = z.object({
  source: z.enum(['ledger', 'environment', 'none']),
  profile: z
    .object({
      name: z.string(),
      entityType: z.enum(['health-plan', 'health-care-clearinghouse', 'health-care-provider', 'business-associate']),
      logoPath: z.string().optional(),
      letterhead: z.object({ lines: z.array(z.string()) }),
      returnAddress: address,
      contact: z.object({
        tollFreeNumber: z.string(),
        hours: z.string(),
        email: z.string(),
        website: z.string(),
        postalAddress: address,
        contactPerson: z.object({ name: z.string(), title: z.string(), phone: z.string(), email: z.string() }),
      }),
      signatory: z.object({ name: z.string(), title: z.string(), signatureImagePath: z.string().optional() }),
      mailFrom: z.string(),
      publicBaseUrl: z.string(),
      timeZone: z.string(),
    })
    .nullable(),
  roleContacts: z.record(z.string(), z.string()),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
  history: z.array(z.object({ version: z.number(), by: z.string(), at: z.string(), changed: z.array(z.string()) })),
});

/**
 * The organization profile, kept as events (not an environment file): letters, media notices and
 * the HHS report read it when a draft names no organization. Admins edit it; people read it.
 */
@ApiTags('organization')
@ApiBearerAuth()
@Controller('v1/organization/profile')
export class OrganizationProfileController {
  constructor(private readonly profiles: OrganizationProfiles) {}

  private async view(res: Response) {
    const { state, version, source } = await this.profiles.load();
    if (version !== null) res.setHeader('ETag', etagOf(version));
    return { source, ...state };
  }

  @ApiOperation({ summary: "The organization's profile (letterhead, contacts, signatory)" })
  @Get()
  @Roles('admin', 'compliance-officer', 'security-officer', 'incident-responder', 'auditor')
  @ApiZodResponse(ProfileViewSchema)
  get(@Res({ passthrough: true }) res: Response) {
    return this.view(res);
  }

  /** The whole profile and the role mailboxes; only what changed is recorded (none: no event). */
  @ApiOperation({ summary: "Change the organization's profile (recorded as an event)" })
  @Put()
  @Roles('admin')
  @ApiZodBody(profileUpdateSchema)
  @ApiZodResponse(ProfileViewSchema)
  async put(
    @ValidBody(profileUpdateSchema) body: z.infer<typeof profileUpdateSchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.profiles.update(body, ctx, parseIfMatch(ifMatch));
    return this.view(res);
  }
}

const RoleContactsStatusSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  missing: z.array(z.string()),
  required: z.array(z.string()),
  sources: z.record(z.string(), z.enum(['profile', 'environment', 'placeholder'])),
});

/**
 * Which roles that reminders, escalations and alerts address have a real contact (profile →
 * SAFEHARBOR_ROLE_EMAILS) and which only a placeholder: roles and sources, never addresses.
 */
@ApiTags('organization')
@ApiBearerAuth()
@Controller('v1/organization/role-contacts')
export class RoleContactsController {
  constructor(@Inject(ROLE_CONTACTS) private readonly contacts: RoleContacts) {}

  @ApiOperation({ summary: 'Roles whose reminders and escalations would go to a placeholder address' })
  @Get()
  @Roles('admin', 'compliance-officer', 'security-officer', 'auditor')
  @ApiZodResponse(RoleContactsStatusSchema)
  async status() {
    const s = await this.contacts.status();
    return { status: s.missing.length ? ('degraded' as const) : ('ok' as const), ...s };
  }
}
