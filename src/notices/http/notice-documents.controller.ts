import { Controller, Get, Inject, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiTags, ApiOperation } from '@nestjs/swagger';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { Roles } from '../../auth';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { NotFoundError } from '../../platform/errors';
import { ApiZodResponse } from '../../platform/http/zod';
import { loadBatch } from '../batch-stream';
import { NoticeContent } from '../content/notice-content';
import { hhsReport } from '../rendering/documents';

const READERS = ['compliance-officer', 'incident-responder', 'security-officer', 'auditor'] as const;

const PostingSchema = z.object({
  url: z.string(),
  slug: z.string(),
  postedAt: z.string(),
  takeDownAt: z.string(),
  takenDownAt: z.string().nullable(),
});
const HhsReportSchema = z.object({
  reportType: z.string(),
  originalTransactionNumber: z.string().nullable(),
  breachAffecting: z.string(),
  coveredEntity: z.object({
    name: z.string(),
    type: z.string(),
    address: z.string(),
    contact: z.object({ name: z.string(), title: z.string(), phone: z.string(), email: z.string() }),
  }),
  businessAssociate: z
    .object({ name: z.string(), address: z.string(), contactName: z.string(), phone: z.string(), email: z.string() })
    .nullable(),
  breach: z.object({
    startDate: z.string(),
    endDate: z.string(),
    discoveryStartDate: z.string(),
    discoveryEndDate: z.string(),
    approximateIndividualsAffected: z.number(),
    typeOfBreach: z.array(z.string()),
    locationOfBreachedInformation: z.array(z.string()),
    typeOfPhi: z.array(z.string()),
    description: z.string(),
  }),
  safeguardsInPlacePriorToBreach: z.array(z.string()),
  notice: z.object({
    individualNoticeStartDate: z.string(),
    individualNoticeProjectedEndDate: z.string(),
    substituteNoticeProvided: z.boolean(),
    mediaNoticeProvided: z.boolean(),
  }),
  actionsTaken: z.array(z.string()),
});

/**
 * What a compliance officer copies out of a batch: the substitute notice's public link once it is
 * posted, and the HHS breach portal's fields of an `hhs-report` batch, as the portal asks them.
 * No PHI in either (the posting is public; the report names no individual).
 */
@ApiTags('notices')
@ApiBearerAuth()
@Controller('v1/notices/batches/:id')
export class NoticeDocumentsController {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    private readonly content: NoticeContent,
  ) {}

  /** The substitute notice's posting (404 until the released batch is posted). */
  @ApiOperation({ summary: "A batch's substitute-notice posting, with its public link and dates" })
  @Get('posting')
  @Roles(...READERS)
  @ApiZodResponse(PostingSchema)
  async posting(@Param('id', new ParseUUIDPipe()) id: string) {
    await loadBatch(this.ledger, id);
    await this.projections.catchUp();
    const row = this.db
      .prepare(
        'SELECT url, slug, posted_at AS postedAt, take_down_at AS takeDownAt, taken_down_at AS takenDownAt FROM notice_postings WHERE batch_id = ? ORDER BY posted_at DESC LIMIT 1',
      )
      .get(id) as z.infer<typeof PostingSchema> | undefined;
    if (!row) throw new NotFoundError('not posted yet: the substitute notice is posted when its batch is released');
    return row;
  }

  /** The HHS breach portal's fields for this `hhs-report` batch, from the content its approval binds. */
  @ApiOperation({ summary: "A batch's HHS breach report, in the HHS portal's fields" })
  @Get('hhs-report')
  @Roles(...READERS)
  @ApiZodResponse(HhsReportSchema)
  async hhs(@Param('id', new ParseUUIDPipe()) id: string) {
    const { state } = await loadBatch(this.ledger, id);
    if (state.kind !== 'hhs-report') throw new NotFoundError('this batch is not an HHS report');
    const content = await this.content.read(id, state.contentDigest);
    const { schema: _schema, ...report } = hhsReport(content.org, content.facts, content.options.hhs!);
    return report;
  }
}
