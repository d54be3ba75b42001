import { Body, Controller, Get, Headers, HttpCode, Inject, Param, ParseUUIDPipe, Post, Put, Query, Req, Res } from '@nestjs/common';
import { CalendarDateSchema } from '../../shared/calendar-schema';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { Ctx, PhiRead, Public, ReadsPhi, Roles } from '../../auth';
import type { ArtifactStore } from '../../phi';
import { NotFoundError, ValidationError, fromZodIssues } from '../../platform/errors';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { ARTIFACT_STORE } from '../../platform/tokens';
import {
  ApproveNoticeBatchCommand,
  CompleteObligationWithBatchCommand,
  RecordHhsSubmissionCommand,
  DraftNoticeBatchCommand,
  PreviewNoticeBatchCommand,
  RecordNoticeReturnsCommand,
  ReleaseNoticeBatchCommand,
  ReviseNoticeBatchCommand,
} from '../commands';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { NOTICE_KINDS, type PreviewSummary } from '../domain/notice-batch';
import {
  GetNoticeBatchQuery,
  ListNoticeBatchesQuery,
  NoticeBatchProgressQuery,
  ProofByLetterQuery,
  ProofOfNoticeQuery,
  SubstitutePostingQuery,
  type NoticeBatchView,
  type ProofOfNotice,
} from '../queries/notice-batch.queries';

const HhsInput = z.strictObject({
  reportType: z.enum(['initial', 'addendum']),
  affected: z.number().int().positive().optional().describe("Derived from the incident's counts; when given it must agree"),
  individualNoticeStartDate: CalendarDateSchema,
  individualNoticeProjectedEndDate: CalendarDateSchema,
  substituteNoticeProvided: z.boolean().optional().describe("Derived from the incident's completed obligations"),
  mediaNoticeProvided: z.boolean().optional().describe("Derived from the incident's completed obligations"),
  originalTransactionNumber: z.string().optional(),
});
const Options = z.strictObject({
  jurisdiction: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  affected: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe(
      "Media and state-regulator notices: derived from the incident's residents in the jurisdiction (people reached by substitute notice included); when given it must agree",
    ),
  regulator: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      "State-regulator notice: which of the state's regulator notices (`<rule>.<notice>` as in the obligation's duty, the notice id, or its addressee); required when the state has several",
    ),
  countsExplanation: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .optional()
    .describe('An explanation printed with the derived counts; a different number needs an amendment of the incident counts'),
  hhs: HhsInput.optional(),
  coveredEntity: z.strictObject({ name: z.string().min(1), contactName: z.string().min(1) }).optional(),
  total: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("State-regulator notice: individuals affected in all states, derived from the incident's total; when given it must agree"),
});
const Digest = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');
export const DraftBody = z.strictObject({
  incidentId: z.uuid(),
  fromIncident: z.boolean().optional(),
  kind: z.enum(NOTICE_KINDS as unknown as [string, ...string[]]),
  letterDate: CalendarDateSchema,
  organization: z.record(z.string(), z.unknown()).optional(),
  facts: z.record(z.string(), z.unknown()),
  options: Options.optional(),
  recipientsArtifact: Digest.optional(),
});
export const ReviseBody = DraftBody.omit({ incidentId: true, kind: true, fromIncident: true });
const ApproveBody = z.strictObject({ contentDigest: Digest });
const CompleteObligationBody = z.strictObject({ obligationId: z.string().min(1).max(200) });
const HhsSubmissionBody = z.strictObject({
  confirmationNumber: z.string().trim().min(1).max(100).describe("The HHS breach portal's confirmation number"),
  submittedOn: z.iso.date().describe('The date the portal shows (YYYY-MM-DD)'),
});
const ReturnEntry = z.strictObject({
  letterId: z.string().regex(/^L[0-9A-F]{15}$/, 'expected a letter reference like L0123456789ABCDE'),
  kind: z.enum(['returned-mail', 'bounce']),
  reason: z.string().max(200).default(''),
});
export const ReturnsBody = z.strictObject({ entries: z.array(ReturnEntry).min(1).max(100_000) });
const ListQuery = z.strictObject({ incidentId: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });

const WRITERS = ['compliance-officer', 'incident-responder', 'security-officer'] as const;
const READERS = [...WRITERS, 'auditor'] as const;

export { printFileName } from './print-files.controller';

/** Parses the returns CSV: header letter_id,kind,reason (reason optional). */
export function parseReturnsCsv(text: string): z.infer<typeof ReturnsBody> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim().toLowerCase());
  const li = header.indexOf('letter_id');
  const ki = header.indexOf('kind');
  if (li < 0 || ki < 0) throw ValidationError.field('csv.header', 'expected columns letter_id,kind[,reason]');
  const ri = header.indexOf('reason');
  const entries = lines.map((l) => {
    const cols = l.split(',');
    return { letterId: (cols[li] ?? '').trim(), kind: (cols[ki] ?? '').trim(), reason: ri >= 0 ? cols.slice(ri).join(',').trim() : '' };
  });
  const r = ReturnsBody.safeParse({ entries });
  if (!r.success) throw fromZodIssues(r.error.issues as never, 'csv');
  return r.data;
}

@ApiTags('notices')
@ApiBearerAuth()
@Controller()
export class NoticesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  private view(batchId: string): Promise<NoticeBatchView> {
    return this.queries.execute(new GetNoticeBatchQuery(batchId));
  }

  @ApiOperation({ summary: 'Draft a notice batch' })
  @Post('v1/notices/batches')
  @Roles(...WRITERS)
  @ApiZodBody(DraftBody)
  async draft(
    @ValidBody(DraftBody) body: z.infer<typeof DraftBody>,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { batchId, version } = await this.commands.execute(new DraftNoticeBatchCommand(body as never, ctx));
    res.status(201).setHeader('ETag', etagOf(version)).setHeader('Location', `/v1/notices/batches/${batchId}`);
    return this.view(batchId);
  }

  @ApiOperation({ summary: 'List notice batches' })
  @Get('v1/notices/batches')
  @Roles(...READERS)
  list(@Query(new ZodPipe(ListQuery)) q: z.infer<typeof ListQuery>) {
    return this.queries.execute(new ListNoticeBatchesQuery(q));
  }

  @ApiOperation({ summary: 'Get a notice batch' })
  @Get('v1/notices/batches/:id')
  @Roles(...READERS)
  async get(@Param('id', new ParseUUIDPipe()) id: string, @Res({ passthrough: true }) res: Response) {
    const v = await this.view(id);
    res.setHeader('ETag', etagOf(BigInt(v.version)));
    return v;
  }

  @ApiOperation({ summary: 'Delivery progress of a notice batch' })
  @Get('v1/notices/batches/:id/progress')
  @Roles(...READERS)
  progress(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.queries.execute(new NoticeBatchProgressQuery(id));
  }

  @ApiOperation({ summary: "Revise a notice batch's content" })
  @Put('v1/notices/batches/:id/content')
  @Roles(...WRITERS)
  @ApiZodBody(ReviseBody)
  async revise(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(ReviseBody) body: z.infer<typeof ReviseBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
  ) {
    await this.commands.execute(new ReviseNoticeBatchCommand(id, body as never, ctx, parseIfMatch(ifMatch)));
    return this.view(id);
  }

  @ApiOperation({ summary: 'Render a preview of a notice batch' })
  @Post('v1/notices/batches/:id/preview')
  @HttpCode(200)
  @Roles(...WRITERS)
  async preview(@Param('id', new ParseUUIDPipe()) id: string, @Ctx() ctx: CommandContext) {
    const { preview } = await this.commands.execute<PreviewNoticeBatchCommand, { preview: PreviewSummary }>(
      new PreviewNoticeBatchCommand(id, ctx),
    );
    return { ...preview, samples: preview.samples.map((s, i) => ({ ...s, href: `/v1/notices/batches/${id}/samples/${i}` })) };
  }

  /** A sample letter (PHI of a real recipient): readable by those who review notices only. */
  @ApiOperation({ summary: 'A sample letter of a notice batch (PHI read, recorded)' })
  @Get('v1/notices/batches/:id/samples/:n')
  @Roles('compliance-officer', 'incident-responder')
  @ReadsPhi()
  async sample(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('n') n: string,
    @Res() res: Response,
    @PhiRead() recordRead: () => Promise<void>,
  ) {
    const s = (await this.view(id)).preview?.samples[Number(n)];
    if (!s) throw new NotFoundError('no such sample');
    const parts: Buffer[] = [];
    for await (const c of this.artifacts.read(s.artifactDigest)) parts.push(c);
    const body = Buffer.concat(parts);
    await recordRead();
    res.setHeader(
      'Content-Type',
      s.channel === 'email'
        ? 'text/plain; charset=utf-8'
        : s.channel === 'substitute-posting'
          ? 'text/html; charset=utf-8'
          : 'application/pdf',
    );
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  }

  @ApiOperation({ summary: 'Approve a notice batch' })
  @Post('v1/notices/batches/:id/approve')
  @HttpCode(200)
  @Roles('compliance-officer')
  @ApiZodBody(ApproveBody)
  async approve(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(ApproveBody) body: z.infer<typeof ApproveBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
  ) {
    await this.commands.execute(new ApproveNoticeBatchCommand(id, body.contentDigest, ctx, parseIfMatch(ifMatch)));
    return this.view(id);
  }

  @ApiOperation({ summary: 'Release a notice batch for delivery' })
  @Post('v1/notices/batches/:id/release')
  @HttpCode(200)
  @Roles(...WRITERS)
  async release(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
  ) {
    await this.commands.execute(new ReleaseNoticeBatchCommand(id, ctx, parseIfMatch(ifMatch)));
    return this.view(id);
  }

  /** Completes the incident's obligation with this batch's proof of notice as evidence. */
  @ApiOperation({ summary: "Complete the incident's obligation with the batch's proof of notice" })
  @Post('v1/notices/batches/:id/complete-obligation')
  @HttpCode(200)
  @Roles('compliance-officer', 'incident-responder')
  @ApiZodBody(CompleteObligationBody)
  completeObligation(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(CompleteObligationBody) body: z.infer<typeof CompleteObligationBody>,
    @Ctx() ctx: CommandContext,
  ) {
    return this.commands.execute(new CompleteObligationWithBatchCommand(id, body.obligationId, ctx));
  }

  /** The HHS portal acknowledged this `hhs-report` batch: the evidence that closes the `hhs-notice` obligation. */
  @ApiOperation({ summary: "Record the HHS portal's acknowledgement of an hhs-report batch" })
  @Post('v1/notices/batches/:id/hhs-submission')
  @HttpCode(200)
  @Roles('compliance-officer', 'incident-responder')
  @ApiZodBody(HhsSubmissionBody)
  async recordHhsSubmission(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(HhsSubmissionBody) body: z.infer<typeof HhsSubmissionBody>,
    @Ctx() ctx: CommandContext,
  ) {
    await this.commands.execute(new RecordHhsSubmissionCommand(id, body.confirmationNumber, body.submittedOn, ctx));
    return this.view(id);
  }

  /** Proof of notice for one individual: channel, time, SMTP message id or mail-house file, PDF digest. */
  @ApiOperation({ summary: 'Proof of notice for one individual' })
  @Get('v1/notices/individuals/:individualId/proof')
  @Roles(...READERS)
  async proof(@Param('individualId') individualId: string) {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(individualId)) throw ValidationError.field('individualId', 'not an individual id');
    const items = await this.queries.execute<ProofOfNoticeQuery, ProofOfNotice[]>(new ProofOfNoticeQuery(individualId));
    if (items.length === 0) throw new NotFoundError('no notice recorded for this individual');
    return { individualId, items };
  }

  /**
   * The call centre's look-up by the reference printed on the letter: what was sent to that
   * person, when, by which channel, returned or not. A PHI read: recorded with who looked.
   */
  @ApiOperation({ summary: 'Look up a letter by its printed reference (PHI read, recorded)' })
  @Get('v1/notices/letters/:letterId')
  @Roles('compliance-officer', 'security-officer', 'incident-responder')
  @ReadsPhi()
  async byLetter(@Param('letterId') letterId: string) {
    if (!/^L[0-9A-F]{15}$/.test(letterId)) throw ValidationError.field('letterId', 'expected a letter reference like L0123456789ABCDE');
    const proof = await this.queries.execute<ProofByLetterQuery, ProofOfNotice | null>(new ProofByLetterQuery(letterId));
    if (!proof) throw new NotFoundError('no letter with this reference');
    const items = await this.queries.execute<ProofOfNoticeQuery, ProofOfNotice[]>(new ProofOfNoticeQuery(proof.individualId));
    return { letterId, individualId: proof.individualId, items };
  }

  /** Returned mail and bounces: JSON {entries:[…]} or text/csv (letter_id,kind,reason). */
  @ApiOperation({ summary: 'Record returned mail and bounces (JSON or text/csv)' })
  @Post('v1/notices/returns')
  @HttpCode(200)
  @Roles(...WRITERS)
  @ApiZodBody(ReturnsBody)
  async returns(@Req() req: Request, @Body() body: unknown, @Ctx() ctx: CommandContext) {
    let parsed: z.infer<typeof ReturnsBody>;
    if ((req.headers['content-type'] ?? '').startsWith('text/csv')) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > 20 * 1024 * 1024) throw ValidationError.field('csv', 'larger than 20 MB');
        chunks.push(c as Buffer);
      }
      parsed = parseReturnsCsv(Buffer.concat(chunks).toString('utf8'));
    } else {
      parsed = new ZodPipe(ReturnsBody).transform(body);
    }
    return this.commands.execute(new RecordNoticeReturnsCommand(parsed.entries, ctx));
  }

  /** The substitute notice, public, at a stable URL while it is posted; 410 after its take-down. */
  @Public()
  @ApiOperation({ summary: 'The public substitute notice (410 after take-down)' })
  @Get('p/notices/:slug')
  async posting(@Param('slug') slug: string, @Res() res: Response) {
    if (!/^[0-9a-f]{20}$/.test(slug)) throw new NotFoundError('no such notice');
    const row = await this.queries.execute<SubstitutePostingQuery, { htmlArtifact: string; takenDownAt: string | null } | null>(
      new SubstitutePostingQuery(slug),
    );
    if (!row) throw new NotFoundError('no such notice');
    if (row.takenDownAt) {
      res.status(410).setHeader('Content-Type', 'text/plain; charset=utf-8').send('This notice is no longer posted.');
      return;
    }
    const parts: Buffer[] = [];
    for await (const c of this.artifacts.read(row.htmlArtifact)) parts.push(c);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.send(Buffer.concat(parts));
  }
}
