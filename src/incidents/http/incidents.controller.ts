import { Controller, Get, Headers, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth';
import type { CommandContext } from '../../ledger/ledger';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { AmendIncidentCommand } from '../commands/amend-incident';
import { ReportIncidentCommand } from '../commands/report-incident';
import { AmendIncidentBody, IsoDate, ReportIncidentBody } from '../domain/incident.schemas';
import { GetIncidentQuery, ListIncidentsQuery, type IncidentView } from '../queries/get-incident';

const ListQuery = z
  .object({
    status: z.enum(['reported', 'triage', 'not-a-breach', 'breach', 'notifying', 'closed']).optional(),
    reporter: z.enum(['covered-entity', 'business-associate']).optional(),
    breach: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    overdue: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    discoveredFrom: IsoDate.optional(),
    discoveredTo: IsoDate.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

const READERS = ['incident-responder', 'compliance-officer', 'security-officer', 'auditor'] as const;

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('v1/incidents')
export class IncidentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @ApiOperation({ summary: 'Report an incident' })
  @Post()
  @Roles('incident-responder', 'compliance-officer', 'security-officer')
  @ApiZodBody(ReportIncidentBody)
  async report(
    @ValidBody(ReportIncidentBody) body: ReportIncidentBody,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ): Promise<IncidentView> {
    const { incidentId, version } = await this.commands.execute(new ReportIncidentCommand(body, ctx));
    const view = await this.queries.execute<GetIncidentQuery, IncidentView>(new GetIncidentQuery(incidentId, version));
    res.status(201).setHeader('ETag', etagOf(view.version)).setHeader('Location', `/v1/incidents/${incidentId}`);
    return view;
  }

  @ApiOperation({ summary: 'List incidents' })
  @Get()
  @Roles(...READERS)
  list(@Query(new ZodPipe(ListQuery)) q: z.infer<typeof ListQuery>) {
    return this.queries.execute(new ListIncidentsQuery(q));
  }

  @ApiOperation({ summary: 'Get an incident' })
  @Get(':id')
  @Roles(...READERS)
  async get(@Param('id', new ParseUUIDPipe()) id: string, @Res({ passthrough: true }) res: Response): Promise<IncidentView> {
    const view = await this.queries.execute<GetIncidentQuery, IncidentView>(new GetIncidentQuery(id));
    res.setHeader('ETag', etagOf(view.version));
    return view;
  }

  /** If-Match carries the version read; a stale one is 409 and nothing is written. */
  @ApiOperation({ summary: 'Amend an incident (If-Match)' })
  @Patch(':id')
  @Roles('incident-responder', 'compliance-officer')
  @ApiZodBody(AmendIncidentBody)
  async amend(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(AmendIncidentBody) body: AmendIncidentBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ): Promise<IncidentView> {
    const { version } = await this.commands.execute(new AmendIncidentCommand(id, body, ctx, parseIfMatch(ifMatch)));
    const view = await this.queries.execute<GetIncidentQuery, IncidentView>(new GetIncidentQuery(id, version));
    res.setHeader('ETag', etagOf(view.version));
    return view;
  }
}
