import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Roles } from '../../auth';
import { DraftNoticeFactsQuery, type DraftNoticeFacts } from '../queries/draft-facts.query';

const WRITERS = ['compliance-officer', 'incident-responder', 'security-officer'] as const;

/** The facts a notice to individuals is drafted from (no PHI: kinds of information, never values). */
@ApiTags('notices')
@ApiBearerAuth()
@Controller()
export class NoticeDraftController {
  constructor(private readonly queries: QueryBus) {}

  /** Prefill for the draft form: what the incident's facts, list columns, datasets and containment let us write. */
  @ApiOperation({ summary: "Notice content drafted from an incident's facts, for the officer to review" })
  @Get('v1/notices/draft-facts/:incidentId')
  @Roles(...WRITERS)
  draftFacts(@Param('incidentId', new ParseUUIDPipe()) incidentId: string): Promise<DraftNoticeFacts> {
    return this.queries.execute(new DraftNoticeFactsQuery(incidentId));
  }
}
