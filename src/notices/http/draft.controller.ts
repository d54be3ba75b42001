import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../../auth';
import { ApiZodResponse } from '../../platform/http/zod';
import { DraftNoticeFactsQuery, type DraftNoticeFacts } from '../queries/draft-facts.query';

const WRITERS = ['compliance-officer', 'incident-responder', 'security-officer'] as const;

const Translation = z.strictObject({
  whatHappened: z.string().optional(),
  phiInvolved: z.array(z.string()).optional(),
  stepsForIndividuals: z.array(z.string()).optional(),
  mitigation: z.string().optional(),
});
export const DraftFactsSchema = z.strictObject({
  incidentId: z.uuid(),
  facts: z
    .strictObject({
      incidentId: z.uuid(),
      whatHappened: z.string().optional().describe('Drafted from the breach type and places, never the internal summary'),
      discoveredOn: z.string().optional(),
      breachStartedOn: z.string().optional(),
      breachEndedOn: z.string().optional(),
      breachType: z.string().optional(),
      locations: z.array(z.string()).optional(),
      phiInvolved: z.array(z.string()).describe('Types of PHI, as the reader reads them'),
      phiCategories: z.array(z.string()),
      stepsForIndividuals: z.array(z.string()),
      mitigation: z.string().describe('From the containment actions carried out'),
      translations: z.record(z.string(), Translation).optional().describe('The same drafted in each language with its own templates'),
    })
    .describe('Prefill for the draft: the officer reviews and edits every field before approval'),
  dataElements: z.array(z.string()).describe('Kinds of information (codes) from the incident, its list columns and its datasets'),
  review: z.array(z.string()).describe('What the officer must check or add before approval'),
  wording: z.strictObject({ version: z.number().int(), templatesDigest: z.string() }),
});

/** The facts a notice to individuals is drafted from (no PHI: kinds of information, never values). */
@ApiTags('notices')
@ApiBearerAuth()
@Controller()
export class NoticeDraftController {
  constructor(private readonly queries: QueryBus) {}

  /** Prefill for the draft form: what the incident's facts, list columns, datasets and containment let us write. */
  @Get('v1/notices/draft-facts/:incidentId')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Notice content drafted from the facts of an incident' })
  @ApiZodResponse(DraftFactsSchema)
  draftFacts(@Param('incidentId', new ParseUUIDPipe()) incidentId: string): Promise<DraftNoticeFacts> {
    return this.queries.execute(new DraftNoticeFactsQuery(incidentId));
  }
}
